/**
 * The report rows themselves, against a hand-made cache with exact expectations: attendance, course summary,
 * cross-account transcripts, filters (dates, learner substring, accounts, platforms), the preview's breakdown, and
 * CSV progress events.
 */
import { parse } from 'csv-parse/sync';
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportDefinitionInput } from '../../electron/core/contract/channels';
import { DB_FILE_NAME } from '../../electron/core/store/db';
import { createReportQueries } from '../../electron/core/store/report-queries';
import { testCore } from '../support/core';
import { REPORT_NOW, secondAccountDataset, sessionsDataset } from '../support/report-fixture';
import { scriptedConnector } from '../support/scripted-connector';
import { tempDir } from '../support/tmp';

describe('report queries', () => {
  const north = sessionsDataset();
  const south = secondAccountDataset();
  const t = testCore({
    now: () => new Date(REPORT_NOW),
    inlineSync: true,
    createConnector: (settings) =>
      scriptedConnector({ data: settings.platform === 'sample' && settings.seed === 2 ? south : north }),
  });
  const out = tempDir('rollbook-report-queries-');
  let northId = '';
  let southId = '';
  beforeAll(async () => {
    northId = (await t.core.call('accounts.add', { label: 'North', settings: { platform: 'sample', seed: 1 } })).account
      .id;
    southId = (await t.core.call('accounts.add', { label: 'South', settings: { platform: 'sample', seed: 2 } })).account
      .id;
    const runs = await t.core.call('sync.run', {});
    expect(runs.map((r) => r.outcome)).toEqual(['ok', 'ok']);
  });
  afterAll(() => {
    t.cleanup();
    out.cleanup();
  });

  const rows = async (definition: ReportDefinitionInput) =>
    (await t.core.call('reports.preview', { definition, limit: 500 })).rows;

  it('attendance: one row per learner and session, with session dates and statuses, in session order', async () => {
    const all = await rows({ kind: 'attendance' });
    expect(all).toHaveLength(north.attendance.length);
    const nameOf = (id: string) => north.learners.find((l) => l.id === id)!.name;
    for (const mark of north.attendance) {
      const session = north.sessions.find((s) => s.id === mark.sessionId)!;
      expect(all).toContainEqual({
        account: 'North',
        course_name: 'Fire Safety, Level 1',
        session_id: mark.sessionId,
        session_start: session.startsAt,
        session_end: session.endsAt,
        time_zone: null,
        session_status: session.status,
        learner_id: mark.learnerId,
        learner_name: nameOf(mark.learnerId),
        learner_email: north.learners.find((l) => l.id === mark.learnerId)!.email,
        attendance_status: mark.status,
      });
    }
    const starts = all.map((r) => String(r.session_start));
    expect(starts).toEqual([...starts].sort());

    // The date range applies to the session start, inclusive of the last day.
    const week = await rows({ kind: 'attendance', from: '2026-03-03', to: '2026-03-09' });
    expect(new Set(week.map((r) => r.session_id))).toEqual(new Set(['S2']));
    expect(week).toHaveLength(4);
  });

  it('learner search is a substring of the name or e-mail, for short and long queries alike', async () => {
    // Two characters (no trigram index) and four (trigram index) find the same person mid-name.
    for (const query of ['Łu', 'ukas', 'kasz@']) {
      const found = await rows({ kind: 'attendance', learnerSearch: query });
      expect(new Set(found.map((r) => r.learner_id)), query).toEqual(new Set(['L3']));
    }
    const byMail = await rows({ kind: 'completions', learnerSearch: 'example.com', accountIds: [southId] });
    expect(byMail.map((r) => r.learner_id).sort()).toEqual(['P1', 'Z9']);
    expect(await rows({ kind: 'completions', learnerSearch: 'nobody-like-this' })).toEqual([]);
  });

  it(
    'course summary: status counts, completion rate, activity window, ' +
      'sessions held/upcoming and average attendance',
    async () => {
      const summary = await rows({ kind: 'courses' });
      expect(summary.map((r) => `${r.account}/${r.course_id}`)).toEqual(['North/C2', 'North/C1', 'South/E1']);
      const c1 = summary.find((r) => r.course_id === 'C1')!;
      // C1: L1 completed, L3 passed, L5 not started, L7 completed.
      expect(c1).toMatchObject({
        learners: 4,
        completed: 2,
        passed: 1,
        not_started: 1,
        in_progress: 0,
        failed: 0,
        incomplete: 0,
        completion_rate: 75,
      });
      // Held: S1 and S2 (S3 was cancelled); upcoming: S4. Attended 4 of the 8 marks on held sessions.
      expect(c1).toMatchObject({ sessions_held: 2, sessions_upcoming: 1, average_attendance: 50 });
      const c1Activity = north.progress
        .filter((p) => p.courseId === 'C1')
        .map((p) => p.lastActivityAt!)
        .sort();
      expect(c1.last_activity_at).toBe(c1Activity.at(-1));
      const c2 = summary.find((r) => r.course_id === 'C2')!;
      expect(c2).toMatchObject({
        learners: 3,
        in_progress: 1,
        failed: 1,
        incomplete: 1,
        completion_rate: 0,
        sessions_held: 0,
        average_attendance: null,
      });
      // "Courses with learners who failed".
      expect((await rows({ kind: 'courses', statuses: ['failed'] })).map((r) => r.course_id)).toEqual(['C2']);
    },
  );

  it('a transcript finds one person in every account by e-mail, whatever the capitals', async () => {
    const transcript = await rows({ kind: 'learner', learnerEmail: 'Zoe@EXAMPLE.com' });
    expect(transcript.map((r) => [r.account, r.course_name, r.status, r.completed_at])).toEqual([
      ['North', 'Fire Safety, Level 1', 'completed', north.progress.find((p) => p.learnerId === 'L1')!.completedAt],
      ['South', 'Ethics at Work', 'passed', '2026-02-20T10:00:00.000Z'],
    ]);
    expect(transcript.every((r) => r.learner_name === 'Zoë Ångström')).toBe(true);
    // Narrowed to one account, the other disappears.
    expect(await rows({ kind: 'learner', learnerEmail: 'zoe@example.com', accountIds: [northId] })).toHaveLength(1);
  });

  it('filters by account, course and completion date; the preview counts the whole report by status', async () => {
    const preview = await t.core.call('reports.preview', { definition: { kind: 'completions' }, limit: 3 });
    expect(preview.rows).toHaveLength(3);
    expect(preview.total).toBe(north.progress.length + south.progress.length);
    const expected: Record<string, number> = {};
    for (const p of [...north.progress, ...south.progress]) expected[p.status] = (expected[p.status] ?? 0) + 1;
    expect(preview.breakdown).toEqual(expected);

    const attendance = await t.core.call('reports.preview', { definition: { kind: 'attendance' }, limit: 1 });
    expect(attendance.breakdown).toEqual({ attended: 4, no_show: 3, late_cancelled: 1, cancelled: 1, registered: 2 });
    const courses = await t.core.call('reports.preview', {
      definition: { kind: 'courses', accountIds: [northId] },
      limit: 1,
    });
    expect(courses.total).toBe(2);
    // Course summary: learners per status, summed over the courses in the report.
    const northCounts: Record<string, number> = {
      not_started: 0,
      in_progress: 0,
      completed: 0,
      passed: 0,
      failed: 0,
      incomplete: 0,
    };
    for (const p of north.progress) northCounts[p.status]! += 1;
    expect(courses.breakdown).toEqual(northCounts);

    const south1 = await rows({ kind: 'completions', accountIds: [southId], courseIds: ['E1'] });
    expect(south1.map((r) => r.learner_id).sort()).toEqual(['P1', 'Z9']);
    // Completed-at when there is one, else last activity: P1 (in progress, active 20 March) is in range, Z9 (passed in
    // February) is not.
    const march = await rows({ kind: 'completions', accountIds: [southId], from: '2026-03-01', to: '2026-03-31' });
    expect(march.map((r) => r.learner_id)).toEqual(['P1']);
    expect(await rows({ kind: 'completions', platforms: ['ispring'] })).toEqual([]);
  });

  it('a saved definition runs by name ("Monthly compliance") and an unknown name is a clear error', async () => {
    await t.core.call('reports.saved.save', {
      name: 'Monthly compliance',
      definition: { kind: 'completions', accountIds: [southId], statuses: ['passed'] },
    });
    const file = join(out.path, 'monthly.csv');
    const result = await t.core.call('reports.saved.run', {
      name: 'monthly COMPLIANCE',
      format: 'csv',
      path: file,
      options: { bom: false },
    });
    expect(result).toMatchObject({ path: file, rows: 1, truncated: false });
    const records = parse(readFileSync(file)) as string[][];
    expect(records.slice(1).map((r) => [r[0], r[4], r[7]])).toEqual([['South', 'Z9', 'passed']]);
    const missing = await t.core
      .call('reports.saved.run', { name: 'Weekly', format: 'csv', path: join(out.path, 'weekly.csv') })
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('Monthly compliance') });
    await t.core.call('reports.saved.delete', { name: 'Monthly compliance' });
  });

  it('"data as of" lists the accounts the report covers, by id and platform', async () => {
    const db = new Database(join(t.dataDir, DB_FILE_NAME), { readonly: true });
    try {
      const queries = createReportQueries(db);
      const south1 = queries.freshness({ kind: 'completions', accountIds: [southId] });
      expect(south1).toEqual([{ label: 'South', dataAsOf: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) }]);
      expect(queries.freshness({ kind: 'completions', accountIds: null }).map((f) => f.label)).toEqual([
        'North',
        'South',
      ]);
      expect(queries.freshness({ kind: 'completions', accountIds: null, platforms: ['teamup'] })).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('CSV exports report progress with the row total up front, and the file matches the preview', async () => {
    const events: { rows: number; total: number | null; done: boolean }[] = [];
    const off = t.core.on('reports.progress', (p) => events.push({ rows: p.rows, total: p.total, done: p.done }));
    const file = join(out.path, 'attendance.csv');
    try {
      await t.core.call('reports.export', { definition: { kind: 'attendance' }, format: 'csv', path: file });
    } finally {
      off();
    }
    expect(events[0]).toEqual({ rows: 0, total: 11, done: false });
    expect(events.at(-1)).toEqual({ rows: 11, total: 11, done: true });
    const records = parse(readFileSync(file), { bom: true }) as string[][];
    const preview = await t.core.call('reports.preview', { definition: { kind: 'attendance' }, limit: 500 });
    expect(records[0]).toEqual(preview.columns.map((c) => c.label));
    expect(records.slice(1)).toEqual(
      preview.rows.map((r) => preview.columns.map((c) => (r[c.key] === null ? '' : String(r[c.key])))),
    );
  });
});
