import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { ComplianceStatus } from '../../electron/core/contract/channels/compliance';
import type { ProgressStatus } from '../../electron/core/contract/domain';
import {
  addMonths,
  civilOf,
  dayOf,
  decide,
  isoDay,
  type Evidence,
  type Rule,
} from '../../electron/core/compliance/rules';

const TODAY = '2026-06-15';

/** A progress row as the cache holds it: dates as text, absent ones null. */
function row(
  status: ProgressStatus,
  dates: { completed?: string; assigned?: string; due?: string; expires?: string; certificate?: string } = {},
): Evidence {
  return {
    status,
    completed: dayOf(dates.completed),
    assigned: dayOf(dates.assigned),
    due: dayOf(dates.due),
    expires: dayOf(dates.expires),
    certificateExpires: dayOf(dates.certificate),
  };
}

const rule = (r: Partial<Rule> = {}): Rule => ({ dueDays: null, renewMonths: null, windowDays: 30, ...r });

interface Case {
  name: string;
  rows: Evidence[];
  rule?: Partial<Rule>;
  since?: string;
  exemptUntil?: string | 'open';
  expect: [ComplianceStatus, string | null];
}

const CASES: Case[] = [
  // Not done, no deadline of any kind.
  { name: 'enrolled, nothing started, no deadline', rows: [row('not_started')], expect: ['not_started', null] },
  { name: 'not enrolled anywhere, no deadline', rows: [], expect: ['not_started', null] },
  { name: 'started', rows: [row('in_progress')], expect: ['in_progress', null] },
  { name: 'incomplete counts as started', rows: [row('incomplete')], expect: ['in_progress', null] },
  { name: 'a failed attempt is not done', rows: [row('failed')], expect: ['in_progress', null] },
  // Deadlines: the platform's due date first.
  {
    name: 'platform due date beyond the window',
    rows: [row('not_started', { due: '2026-08-01' })],
    expect: ['not_started', '2026-08-01'],
  },
  {
    name: 'platform due date beyond the window, started',
    rows: [row('in_progress', { due: '2026-08-01' })],
    expect: ['in_progress', '2026-08-01'],
  },
  {
    name: 'platform due date within the window',
    rows: [row('in_progress', { due: '2026-07-01' })],
    expect: ['due', '2026-07-01'],
  },
  { name: 'due today is due, not overdue', rows: [row('not_started', { due: TODAY })], expect: ['due', TODAY] },
  {
    name: 'window edge: 30 days ahead is due',
    rows: [row('not_started', { due: '2026-07-15' })],
    expect: ['due', '2026-07-15'],
  },
  {
    name: 'window edge: 31 days ahead is not',
    rows: [row('not_started', { due: '2026-07-16' })],
    expect: ['not_started', '2026-07-16'],
  },
  {
    name: 'platform due date passed',
    rows: [row('in_progress', { due: '2026-06-14' })],
    expect: ['overdue', '2026-06-14'],
  },
  {
    name: 'the platform due date wins over the rule',
    rows: [row('not_started', { due: '2026-09-01', assigned: '2026-01-01' })],
    rule: { dueDays: 30 },
    expect: ['not_started', '2026-09-01'],
  },
  // Deadlines from the rule: N days after assignment, else after first seen.
  {
    name: 'due N days after assignment, passed',
    rows: [row('not_started', { assigned: '2026-04-01' })],
    rule: { dueDays: 30 },
    expect: ['overdue', '2026-05-01'],
  },
  {
    name: 'due N days after assignment, within the window',
    rows: [row('not_started', { assigned: '2026-06-01' })],
    rule: { dueDays: 30 },
    expect: ['due', '2026-07-01'],
  },
  {
    name: 'no assignment date: N days after first seen',
    rows: [row('in_progress')],
    rule: { dueDays: 60 },
    since: '2026-06-10',
    expect: ['in_progress', '2026-08-09'],
  },
  {
    name: 'not enrolled anywhere: N days after first seen, passed',
    rows: [],
    rule: { dueDays: 10 },
    since: '2026-05-01',
    expect: ['overdue', '2026-05-11'],
  },
  {
    name: 'a custom window',
    rows: [row('not_started', { due: '2026-06-20' })],
    rule: { windowDays: 3 },
    expect: ['not_started', '2026-06-20'],
  },
  // Done: valid for ever, for M months, or until the platform's or certificate's expiry.
  {
    name: 'completed, nothing ends it',
    rows: [row('completed', { completed: '2025-01-10T09:00:00.000Z' })],
    expect: ['compliant', null],
  },
  {
    name: 'passed counts as done',
    rows: [row('passed', { completed: '2026-01-10T09:00:00.000Z' })],
    rule: { renewMonths: 12 },
    expect: ['compliant', '2027-01-10'],
  },
  {
    name: 'renewal: valid M months after completion',
    rows: [row('completed', { completed: '2025-12-01T10:00:00.000Z' })],
    rule: { renewMonths: 12 },
    expect: ['compliant', '2026-12-01'],
  },
  {
    name: 'renewal ends within the window: expiring',
    rows: [row('completed', { completed: '2025-07-01T10:00:00.000Z' })],
    rule: { renewMonths: 12 },
    expect: ['expiring', '2026-07-01'],
  },
  {
    name: 'the last valid day is today: expiring',
    rows: [row('completed', { completed: '2025-06-15' })],
    rule: { renewMonths: 12 },
    expect: ['expiring', TODAY],
  },
  {
    name: 'renewal ended yesterday: expired',
    rows: [row('completed', { completed: '2025-06-14' })],
    rule: { renewMonths: 12 },
    expect: ['expired', '2026-06-14'],
  },
  {
    name: 'renewal wins over the platform expiry',
    rows: [row('completed', { completed: '2026-01-01', expires: '2026-06-20' })],
    rule: { renewMonths: 24 },
    expect: ['compliant', '2028-01-01'],
  },
  {
    name: 'no renewal rule: the platform expiry',
    rows: [row('completed', { completed: '2026-01-01', expires: '2026-06-20', certificate: '2027-01-01' })],
    expect: ['expiring', '2026-06-20'],
  },
  {
    name: 'no renewal rule, no expiry: the certificate expiry',
    rows: [row('completed', { completed: '2025-01-01', certificate: '2026-03-01' })],
    expect: ['expired', '2026-03-01'],
  },
  {
    name: 'expired completion with a renewal under way stays expired',
    rows: [row('completed', { completed: '2024-01-01' }), row('in_progress', { due: '2026-12-01' })],
    rule: { renewMonths: 12 },
    expect: ['expired', '2025-01-01'],
  },
  {
    name: 'renewal after expiry: completed again, compliant again',
    rows: [row('completed', { completed: '2024-01-01' }), row('completed', { completed: '2026-05-01' })],
    rule: { renewMonths: 12 },
    expect: ['compliant', '2027-05-01'],
  },
  {
    name: 'renewal months clamp to the month end',
    rows: [row('completed', { completed: '2026-01-31' })],
    rule: { renewMonths: 1, windowDays: 0 },
    since: '2026-01-31',
    expect: ['expired', '2026-02-28'],
  },
  // Two accounts disagreeing: the best result wins.
  {
    name: 'two accounts: one done, one overdue → compliant',
    rows: [row('not_started', { due: '2026-01-01' }), row('completed', { completed: '2026-03-01' })],
    rule: { renewMonths: 12 },
    expect: ['compliant', '2027-03-01'],
  },
  {
    name: 'two accounts: both done, the longer-valid one wins',
    rows: [row('completed', { completed: '2025-07-01' }), row('completed', { completed: '2026-02-01' })],
    rule: { renewMonths: 12 },
    expect: ['compliant', '2027-02-01'],
  },
  {
    name: 'two accounts: different due dates, the later one counts',
    rows: [row('not_started', { due: '2026-05-01' }), row('in_progress', { due: '2026-09-01' })],
    expect: ['in_progress', '2026-09-01'],
  },
  {
    name: 'two accounts: one expired, one done for ever',
    rows: [
      row('completed', { completed: '2020-01-01', expires: '2021-01-01' }),
      row('passed', { completed: '2019-01-01' }),
    ],
    expect: ['compliant', null],
  },
  // Exemptions override everything while they last.
  {
    name: 'exempt, open-ended',
    rows: [row('not_started', { due: '2026-01-01' })],
    exemptUntil: 'open',
    expect: ['exempt', null],
  },
  {
    name: 'exempt until a day',
    rows: [],
    rule: { dueDays: 1 },
    exemptUntil: '2026-12-31',
    expect: ['exempt', '2026-12-31'],
  },
];

describe('compliance rules', () => {
  it.each(CASES)('$name → $expect', (c) => {
    const verdict = decide(c.rows, rule(c.rule), {
      today: dayOf(TODAY),
      since: dayOf(c.since ?? TODAY),
      exemptUntil: c.exemptUntil === undefined ? NaN : c.exemptUntil === 'open' ? Infinity : dayOf(c.exemptUntil),
    });
    expect([verdict.status, isoDay(verdict.date)]).toEqual(c.expect);
  });

  it('covers every status', () => {
    const seen = new Set(CASES.map((c) => c.expect[0]));
    expect([...seen].sort()).toEqual(
      ['compliant', 'due', 'exempt', 'expired', 'expiring', 'in_progress', 'not_started', 'overdue'].sort(),
    );
  });

  it('reads dates and timestamps as UTC calendar days, and rejects junk', () => {
    expect(isoDay(dayOf('2026-02-28T23:59:59.000Z'))).toBe('2026-02-28');
    expect(dayOf('yesterday')).toBeNaN();
    expect(dayOf(null)).toBeNaN();
    expect(isoDay(addMonths(dayOf('2024-02-29'), 12))).toBe('2025-02-28');
  });

  it('reads a date as SQLite does (julianday of the first ten characters), junk included', () => {
    const db = new Database(':memory:');
    const sqlite = db.prepare<[string], { day: number | null }>(
      "SELECT julianday(substr(?, 1, 10)) - julianday('1970-01-01') AS day",
    );
    const values = [
      '2026-06-15',
      '2026-06-15T23:59:59+02:00',
      '2026-02-31',
      '2026-02-29 10:00',
      '0000-01-01',
      '9999-12-31',
      '20a6-01-01',
      '2026-1x-01',
      '2026-13-01',
      '2026-00-10',
      '2026-01-00',
      '2026-01-32',
      '2026/01/01',
      ' 2026-01-01',
      '2026-01-0',
      '+026-01-01',
    ];
    try {
      for (const value of values) expect([value, dayOf(value)]).toEqual([value, sqlite.get(value)!.day ?? NaN]);
    } finally {
      db.close();
    }
  });
});

describe('day arithmetic', () => {
  it('agrees with Date for every day from 1900 to 2200', () => {
    for (let day = dayOf('1900-01-01'); day <= dayOf('2200-12-31'); day += 1) {
      const iso = new Date(day * 86_400_000).toISOString().slice(0, 10);
      expect(isoDay(day)).toBe(iso);
      expect(dayOf(iso)).toBe(day);
      expect(civilOf(day)).toEqual(iso.split('-').map(Number));
    }
  });
});
