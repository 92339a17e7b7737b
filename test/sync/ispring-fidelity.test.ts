/**
 * iSpring Learn end to end (simulator → connector → sync → SQLite) for what coordinators act on: the current
 * enrollment's row per learner × course through full and incremental runs, assignment, due and expiry dates as
 * written, certificates, learner status, department and groups, and odd data that must still land.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DB_FILE_NAME } from '../../electron/core/store/db';
import { testCore } from '../support/core';
import { startIspringSimulator, type IspringSimOptions } from '../simulators/ispring';

function live(dataDir: string, table: string, columns: string): Record<string, unknown>[] {
  const db = new Database(join(dataDir, DB_FILE_NAME), { readonly: true });
  try {
    const select = columns
      .split(', ')
      .map((c) => `t.${c}`)
      .join(', ');
    return db
      .prepare(
        `SELECT ${select} FROM ${table} t JOIN accounts a ON a.id = t.account_id ` +
          'AND t.generation = a.live_generation ORDER BY 1, 2',
      )
      .all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

const PROGRESS =
  'course_id, learner_id, status, enrollment_id, assigned_at, due_at, expires_at, time_spent_s, ' +
  'passing_score, certificate_issued_at, certificate_expires_at';

describe('iSpring Learn sync: enrollments, dates, the directory', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function syncing(options: IspringSimOptions) {
    const sim = await startIspringSimulator({ pageSizeCap: 5, ...options });
    cleanups.push(() => sim.close());
    const t = testCore({ httpOptions: { retry: { retries: 3, baseDelayMs: 20, maxDelayMs: 100 } } });
    cleanups.push(t.cleanup);
    await t.core.call('accounts.add', {
      label: 'iSpring',
      settings: {
        platform: 'ispring',
        baseUrl: sim.url,
        authMode: 'token',
        clientId: sim.options.clientId,
        format: 'xml',
      },
      secret: sim.options.clientSecret,
      storage: 'session',
    });
    return { sim, ...t };
  }

  it('full and incremental runs keep the current enrollment; its dates and certificate land as written', async () => {
    const { sim, core, dataDir } = await syncing({ courses: 5, learners: 12, results: 45, reenrolledShare: 0.5 });
    const [full] = await core.call('sync.run', { mode: 'full' });
    expect(full).toMatchObject({ outcome: 'ok', counts: { progress: sim.data.results.length } });
    const expected = sim.data.results
      .map((r) => {
        const e = sim.data.enrollments.find((x) => x.enrollmentId === r.enrollmentId)!;
        return {
          course_id: r.courseId,
          learner_id: r.userId,
          enrollment_id: r.enrollmentId,
          assigned_at: e.accessDate,
          due_at: e.dueDate ?? null,
          expires_at: e.expirationDate ?? null,
          time_spent_s: r.timeSpent ?? null,
          passing_score: r.passingScore ? Number(r.passingScore) : null,
          certificate_issued_at: e.certificate?.issueDate ?? null,
          certificate_expires_at: e.certificate?.expiryDate ?? null,
        };
      })
      .sort((a, b) => (`${a.course_id}/${a.learner_id}` < `${b.course_id}/${b.learner_id}` ? -1 : 1));
    const strip = (rows: Record<string, unknown>[]) => rows.map(({ status: _status, ...rest }) => rest);
    const afterFull = live(dataDir, 'progress', PROGRESS);
    expect(strip(afterFull)).toEqual(expected);
    expect(afterFull.some((p) => p.certificate_expires_at !== null)).toBe(true);

    // Earlier enrollments left open are re-read by every incremental run (open rows have no date to filter on).
    expect(sim.data.pastResults.some((r) => r.completionStatus === 'in_progress')).toBe(true);
    const [incremental] = await core.call('sync.run', { mode: 'incremental' });
    expect(incremental).toMatchObject({ outcome: 'ok', mode: 'incremental' });
    expect(live(dataDir, 'progress', PROGRESS)).toEqual(afterFull);
  });

  it('odd data lands and the run ends ok: learners no list returned are named, unknowns are null', async () => {
    const { sim, core, dataDir } = await syncing({
      courses: 4,
      learners: 10,
      results: 30,
      oddities: true,
      unlistedLearners: 2,
      inactiveShare: 0.5,
    });
    const [run] = await core.call('sync.run', {});
    expect(run).toMatchObject({ outcome: 'ok', counts: { progress: sim.data.results.length, learners: 12 } });
    const learners = live(dataDir, 'learners', 'id, name, status, department, groups_json');
    expect(learners).toHaveLength(12);
    expect(learners.every((l) => typeof l.name === 'string' && l.name !== '')).toBe(true);
    const [found, unknown] = sim.data.unlisted;
    expect(learners.find((l) => l.id === found!.userId)).toMatchObject({ name: 'Rémi Leaver 1', status: 'deleted' });
    expect(learners.find((l) => l.id === unknown!.userId)).toMatchObject({
      name: `Unknown learner (${unknown!.userId})`,
      status: null,
    });
    expect(learners.find((l) => l.id === sim.data.users[0]!.userId)).toMatchObject({ status: null });
    expect(learners.find((l) => l.id === sim.data.users[1]!.userId)).toMatchObject({ department: null });
    const someone = learners.find((l) => l.id === sim.data.users[5]!.userId)!;
    expect(JSON.parse(String(someone.groups_json))).toEqual(['Managers "2026"', 'Fire wardens & first aiders']);
    const [a] = sim.data.results;
    expect(
      live(dataDir, 'progress', PROGRESS).find((p) => p.learner_id === a!.userId && p.course_id === a!.courseId),
    ).toMatchObject({ assigned_at: a!.accessDate, due_at: null });
  });
});
