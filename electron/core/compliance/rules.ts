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

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil): no Date object. */
export function civilDay(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The year, month (1–12) and day of a day number (civil_from_days, the inverse of civilDay). */
export function civilOf(dayNumber: number): [year: number, month: number, day: number] {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/** The day number of each month's first day, 1900 to 2199: most dates dayOf reads are in these years. */
const MONTHS_FROM = 1900;
const MONTH_STARTS = Int32Array.from({ length: 300 * 12 }, (_, i) =>
  civilDay(MONTHS_FROM + Math.floor(i / 12), (i % 12) + 1, 1),
);

/** The digit at `at`, or NaN for any other character: junk then fails every range check below. */
const digit = (value: string, at: number) => {
  const d = value.charCodeAt(at) - 48;
  return d >= 0 && d <= 9 ? d : NaN;
};

/**
 * A day number from `YYYY-MM-DD…` (a date or a timestamp's UTC date); NaN for null or anything else (as SQLite's
 * julianday() of the first ten characters would be NULL). Read digit by digit: a recompute parses millions of these.
 */
export function dayOf(value: string | null | undefined): number {
  if (!value || value.length < 10 || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45) return NaN;
  const y = digit(value, 0) * 1000 + digit(value, 1) * 100 + digit(value, 2) * 10 + digit(value, 3);
  const m = digit(value, 5) * 10 + digit(value, 6);
  const d = digit(value, 8) * 10 + digit(value, 9);
  if (!(y >= 0 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= 31)) return NaN;
  const slot = (y - MONTHS_FROM) * 12 + m - 1;
  // civilDay is linear in the day of the month, so a month's first day plus the rest is the same number.
  return slot >= 0 && slot < MONTH_STARTS.length ? MONTH_STARTS[slot]! + d - 1 : civilDay(y, m, d);
}

const ISO_DAYS = new Map<number, string>();

/** `YYYY-MM-DD` of a day number; null for NaN or for ever. Remembered: a report writes the same days many times. */
export function isoDay(day: number): string | null {
  if (!Number.isFinite(day)) return null;
  let text = ISO_DAYS.get(day);
  if (text === undefined) {
    text = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (ISO_DAYS.size < 100_000) ISO_DAYS.set(day, text);
  }
  return text;
}

/** The computer's calendar day at `now`: a coordinator's "today" is local, not UTC. */
export function localDay(now: Date): number {
  return Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()) / DAY_MS;
}

/** `day` plus whole months; the 31st of a shorter month becomes its last day (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(day: number, months: number): number {
  const [y, m, d] = civilOf(day);
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12 + 1;
  const last = civilDay(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - civilDay(year, month, 1);
  return civilDay(year, month, Math.min(d, last));
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

export const isDone = (status: ProgressStatus) => status === 'completed' || status === 'passed';

/** Tally flags: the cell has rows, one of them done, one of them started (not done). */
const ROWS = 1;
const DONE = 2;
const STARTED = 4;

/**
 * decide() for many cells at once, fed one row at a time: what it keeps of a cell's rows (whether it has any, the
 * longest validity of a completion, whether one is under way, the latest deadline) in typed arrays. A recompute
 * folds a million rows straight from SQLite into these, with no object per row; the result cannot depend on the
 * order of the rows.
 */
export class Tally {
  private readonly flags: Uint8Array;
  private readonly best: Float64Array;
  private readonly deadline: Float64Array;
  /** The end of a renewal period by completion day: many rows share a completion day. */
  private readonly renewed = new Map<number, number>();

  constructor(
    cells: number,
    private readonly rule: Rule,
  ) {
    this.flags = new Uint8Array(cells);
    this.best = new Float64Array(cells).fill(-Infinity);
    this.deadline = new Float64Array(cells).fill(NaN);
  }

  /**
   * The last day a completion is valid. A renewal period counts from the completion; without one the platform's
   * expiry, then the certificate's. A completion without a date under a renewal rule, or with nothing that ends it,
   * is valid for ever (Infinity): the platform says it is done and nothing says until when.
   */
  private validUntil(completed: number, expires: number, certificateExpires: number): number {
    const months = this.rule.renewMonths;
    if (months !== null && !Number.isNaN(completed)) {
      let until = this.renewed.get(completed);
      if (until === undefined) this.renewed.set(completed, (until = addMonths(completed, months)));
      return until;
    }
    if (!Number.isNaN(expires)) return expires;
    if (!Number.isNaN(certificateExpires)) return certificateExpires;
    return Infinity;
  }

  /** A completed (or passed) row of the cell's person. */
  done(cell: number, completed: number, expires: number, certificateExpires: number): void {
    this.flags[cell]! |= ROWS | DONE;
    const until = this.validUntil(completed, expires, certificateExpires);
    if (until > this.best[cell]!) this.best[cell] = until;
  }

  /** A row not done: `since` stands in for a missing assignment date (Situation.since). */
  open(cell: number, since: number, started: boolean, assigned: number, due: number): void {
    const rule = this.rule;
    this.flags[cell]! |= started ? ROWS | STARTED : ROWS;
    const deadline = Number.isNaN(due)
      ? rule.dueDays === null
        ? NaN
        : (Number.isNaN(assigned) ? since : assigned) + rule.dueDays
      : due;
    const latest = this.deadline[cell]!;
    if (!Number.isNaN(deadline) && (Number.isNaN(latest) || deadline > latest)) this.deadline[cell] = deadline;
  }

  /**
   * Best result wins across rows (accounts): the completion valid longest decides a valid status; with none valid
   * now, an ended completion makes it `expired` (the renewal is late, whatever else is under way); otherwise the
   * latest deadline any row gives (a platform's due date, else assignment + dueDays, else `since` + dueDays) against
   * the window decides between overdue, due and the progress made.
   */
  verdict(cell: number, at: Situation): Verdict {
    const rule = this.rule;
    if (!Number.isNaN(at.exemptUntil)) {
      return { status: 'exempt', date: Number.isFinite(at.exemptUntil) ? at.exemptUntil : NaN };
    }
    const flags = this.flags[cell]!;
    const best = this.best[cell]!;
    if (flags & DONE && best >= at.today) {
      if (best === Infinity) return { status: 'compliant', date: NaN };
      return { status: best - at.today <= rule.windowDays ? 'expiring' : 'compliant', date: best };
    }
    if (flags & DONE) return { status: 'expired', date: best };
    let deadline = this.deadline[cell]!;
    if (!(flags & ROWS) && rule.dueDays !== null) deadline = at.since + rule.dueDays;
    const progress: ComplianceStatus = flags & STARTED ? 'in_progress' : 'not_started';
    if (Number.isNaN(deadline)) return { status: progress, date: NaN };
    if (at.today > deadline) return { status: 'overdue', date: deadline };
    if (deadline - at.today <= rule.windowDays) return { status: 'due', date: deadline };
    return { status: progress, date: deadline };
  }
}

/** One person's status on one requirement from all their rows on its courses (see Tally.verdict). */
export function decide(rows: readonly Evidence[], rule: Rule, at: Situation): Verdict {
  const tally = new Tally(1, rule);
  for (const row of rows) {
    if (isDone(row.status)) tally.done(0, row.completed, row.expires, row.certificateExpires);
    else tally.open(0, at.since, row.status !== 'not_started', row.assigned, row.due);
  }
  return tally.verdict(0, at);
}
