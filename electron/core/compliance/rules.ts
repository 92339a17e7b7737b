/**
 * THE compliance rules: one person's status on one requirement, from every progress row of theirs (in every account)
 * on the requirement's courses. Everything else (views, reports, the CLI) reads statuses this function decided.
 *
 * Days are whole days since 1970-01-01 (UTC calendar days), NaN for "none": comparing and adding numbers keeps the
 * hot loop free of Date objects, and date-only platform values stay the calendar dates they are.
 */
import type { ComplianceStatus } from '../contract/channels/compliance';
import type { ProgressStatus } from '../contract/domain';

export const DAY_MS = 86_400_000;

/** A day number from `YYYY-MM-DD…` (a date or a timestamp's UTC date); NaN for null or anything else. */
export function dayOf(value: string | null | undefined): number {
  if (!value || value.length < 10) return NaN;
  const y = Number(value.slice(0, 4));
  const m = Number(value.slice(5, 7));
  const d = Number(value.slice(8, 10));
  if (!(y > 0 && m >= 1 && m <= 12 && d >= 1 && d <= 31)) return NaN;
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

/** `YYYY-MM-DD` of a day number; null for NaN or for ever. */
export function isoDay(day: number): string | null {
  return Number.isFinite(day) ? new Date(day * DAY_MS).toISOString().slice(0, 10) : null;
}

/** The computer's calendar day at `now`: a coordinator's "today" is local, not UTC. */
export function localDay(now: Date): number {
  return Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()) / DAY_MS;
}

/** `day` plus whole months; the 31st of a shorter month becomes its last day (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(day: number, months: number): number {
  const date = new Date(day * DAY_MS);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + months;
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(date.getUTCDate(), last)) / DAY_MS;
}

/** One progress row of the person on one of the requirement's courses (any account). Days are NaN when absent. */
export interface Evidence {
  status: ProgressStatus;
  completed: number;
  assigned: number;
  due: number;
  expires: number;
  certificateExpires: number;
}

export interface Rule {
  /** Due this many days after assignment (else after `since`) where the platform gives no due date. */
  dueDays: number | null;
  /** Valid this many months after completion; null: the platform's expiry, else the certificate's, else for ever. */
  renewMonths: number | null;
  windowDays: number;
}

export interface Situation {
  today: number;
  /** When the person became required to do it: the later of first seen and the requirement's creation. */
  since: number;
  /** The last day of an exemption that applies today (Infinity: open-ended); NaN: not exempt. */
  exemptUntil: number;
}

export interface Verdict {
  status: ComplianceStatus;
  /** See ComplianceCell.date: NaN for none, Infinity never happens (valid for ever is NaN). */
  date: number;
}

const DONE = new Set<ProgressStatus>(['completed', 'passed']);
const STARTED = new Set<ProgressStatus>(['in_progress', 'incomplete', 'failed']);

/**
 * The last day a completion is valid. A renewal period counts from the completion; without one the platform's
 * expiry, then the certificate's. A completion without a date under a renewal rule, or with nothing that ends it,
 * is valid for ever (Infinity): the platform says it is done and nothing says until when.
 */
function validUntil(row: Evidence, rule: Rule): number {
  if (rule.renewMonths !== null && !Number.isNaN(row.completed)) return addMonths(row.completed, rule.renewMonths);
  if (!Number.isNaN(row.expires)) return row.expires;
  if (!Number.isNaN(row.certificateExpires)) return row.certificateExpires;
  return Infinity;
}

/**
 * Best result wins across rows (accounts): the completion valid longest decides a valid status; with none valid
 * now, an ended completion makes it `expired` (the renewal is late, whatever else is under way); otherwise the
 * latest deadline any row gives (a platform's due date, else assignment + dueDays, else `since` + dueDays) against
 * the window decides between overdue, due and the progress made.
 */
export function decide(rows: readonly Evidence[], rule: Rule, at: Situation): Verdict {
  if (!Number.isNaN(at.exemptUntil)) {
    return { status: 'exempt', date: Number.isFinite(at.exemptUntil) ? at.exemptUntil : NaN };
  }
  let best = -Infinity;
  let done = false;
  let started = false;
  let deadline = NaN;
  for (const row of rows) {
    if (DONE.has(row.status)) {
      done = true;
      const until = validUntil(row, rule);
      if (until > best) best = until;
      continue;
    }
    if (STARTED.has(row.status)) started = true;
    const due = Number.isNaN(row.due)
      ? rule.dueDays === null
        ? NaN
        : (Number.isNaN(row.assigned) ? at.since : row.assigned) + rule.dueDays
      : row.due;
    if (!Number.isNaN(due) && (Number.isNaN(deadline) || due > deadline)) deadline = due;
  }
  if (done && best >= at.today) {
    if (best === Infinity) return { status: 'compliant', date: NaN };
    return { status: best - at.today <= rule.windowDays ? 'expiring' : 'compliant', date: best };
  }
  if (done) return { status: 'expired', date: best };
  if (rows.length === 0 && rule.dueDays !== null) deadline = at.since + rule.dueDays;
  const progress: ComplianceStatus = started ? 'in_progress' : 'not_started';
  if (Number.isNaN(deadline)) return { status: progress, date: NaN };
  if (at.today > deadline) return { status: 'overdue', date: deadline };
  if (deadline - at.today <= rule.windowDays) return { status: 'due', date: deadline };
  return { status: progress, date: deadline };
}
