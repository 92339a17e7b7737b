/**
 * End to end per platform: simulator on loopback → real connector and HTTP client → sync → SQLite. The cache must
 * hold exactly the simulator's data; faults must leave the previous data intact with a readable reason.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AccountSettings } from '../../electron/core/contract/accounts';
import { DB_FILE_NAME } from '../../electron/core/store/db';
import { testCore } from '../support/core';
import { startIspringSimulator } from '../simulators/ispring';
import { startSelfcommunitySimulator } from '../simulators/selfcommunity';
import type { SimServer } from '../simulators/server';
import { startTeamupSimulator, type TeamupSimOptions } from '../simulators/teamup';

function live(dataDir: string, sql: string): Record<string, unknown>[] {
  const db = new Database(join(dataDir, DB_FILE_NAME), { readonly: true });
  try {
    return db.prepare(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}
const liveTable = (dataDir: string, table: string, columns = '*') =>
  live(
    dataDir,
    `SELECT ${columns
      .split(', ')
      .map((c) => `t.${c}`)
      .join(
        ', ',
      )} FROM ${table} t JOIN accounts a ON a.id = t.account_id AND t.generation = a.live_generation ORDER BY 1, 2, 3`,
  );

/** The columns compared between runs. */
const ATTENDANCE = 'session_id, learner_id, status';
const PROGRESS = 'course_id, learner_id, status, raw_status, progress_pct';

describe('sync per platform', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function coreWith(settings: AccountSettings, secret: string, sim: SimServer) {
    cleanups.push(() => sim.close());
    // Fast retries keep fault tests short; the policy itself is tested in test/http.
    const t = testCore({ httpOptions: { retry: { retries: 3, baseDelayMs: 20, maxDelayMs: 100 } } });
    cleanups.push(t.cleanup);
    await t.core.call('accounts.add', { label: 'Acct', settings, secret, storage: 'session' });
    return t;
  }

  /** A TeamUp simulator and a core with one token account on its first provider. */
  async function teamupCore(options: TeamupSimOptions) {
    const sim = await startTeamupSimulator(options);
    const settings: AccountSettings = {
      platform: 'teamup',
      baseUrl: `${sim.url}/api/v2`,
      authScheme: 'token',
      providerId: '123',
      completionThreshold: null,
    };
    return { sim, ...(await coreWith(settings, sim.options.token, sim)) };
  }

  it.each([
    ['small', { courses: 3, learners: 10, results: 20 }],
    ['multi-page', { courses: 12, learners: 1200, results: 1500 }],
  ] as const)('iSpring (%s): the cache holds exactly the simulator data', async (_size, size) => {
    const sim = await startIspringSimulator({ ...size, pageSizeCap: 500 });
    const { core, dataDir } = await coreWith(
      { platform: 'ispring', baseUrl: sim.url, authMode: 'token', clientId: sim.options.clientId, format: 'xml' },
      sim.options.clientSecret,
      sim,
    );
    const [run] = await core.call('sync.run', {});
    expect(run).toMatchObject({
      outcome: 'ok',
      counts: { courses: size.courses, learners: size.learners, progress: sim.data.results.length },
    });
    const progress = liveTable(dataDir, 'progress', PROGRESS);
    expect(progress).toHaveLength(sim.data.results.length);
    const sample = sim.data.results[Math.floor(sim.data.results.length / 2)]!;
    expect(progress.find((p) => p.course_id === sample.courseId && p.learner_id === sample.userId)).toMatchObject({
      raw_status: sample.completionStatus,
      progress_pct: Number(sample.progress),
    });
    const learners = liveTable(dataDir, 'learners', 'id, name, email');
    expect(learners.map((l) => l.id).sort()).toEqual(sim.data.users.map((u) => u.userId).sort());
    if (size.results > 1000)
      expect(sim.requests.filter((r) => r.path.includes('learners/results')).length).toBeGreaterThanOrEqual(3);
  });

  it(
    'TeamUp: sessions, attendance and derived progress land; ' +
      'an incremental run fetches less and ends equal to a full one',
    async () => {
      const { sim, core, dataDir } = await teamupCore({
        courses: 6,
        sessionsPerCourse: 20,
        customers: 150,
        rosterSize: 12,
      });
      const [first] = await core.call('sync.run', { mode: 'full' });
      expect(first).toMatchObject({
        outcome: 'ok',
        counts: { courses: 6, sessions: 120, learners: 150, attendance: sim.data.attendances.length },
      });
      const sessions = liveTable(dataDir, 'course_sessions', 'id, venue, instructors_json, status');
      expect(sessions).toHaveLength(120);
      expect(sessions.find((s) => s.id === String(sim.data.sessions[0]!.id))).toMatchObject({
        venue: 'Studio A',
        instructors_json: '["Maëlle Rousseau"]',
      });
      const progress = liveTable(dataDir, 'progress', 'course_id, learner_id, status, raw_status');
      expect(progress.length).toBe(6 * 12);
      expect(progress.every((p) => /^\d+\/\d+ attended$/.test(String(p.raw_status)))).toBe(true);
      const firstRequests = sim.requests.length;

      // Upstream: a recent no-show is corrected to attended.
      const recent = sim.data.attendances.find(
        (a) =>
          a.status === 'no_show' &&
          Date.parse(sim.data.sessions.find((s) => s.id === a.course_session)!.starts_at) > Date.now() - 3 * 86_400_000,
      );
      if (recent) recent.status = 'attended';
      const [incremental] = await core.call('sync.run', { mode: 'incremental' });
      expect(incremental).toMatchObject({ outcome: 'ok', mode: 'incremental' });
      const incrementalRequests = sim.requests.length - firstRequests;
      expect(incrementalRequests).toBeLessThan(firstRequests);
      const afterIncremental = {
        attendance: liveTable(dataDir, 'attendance', ATTENDANCE),
        progress: liveTable(dataDir, 'progress', PROGRESS),
      };
      if (recent)
        expect(
          afterIncremental.attendance.find(
            (a) => a.session_id === String(recent.course_session) && a.learner_id === String(recent.customer),
          ),
        ).toMatchObject({ status: 'attended' });

      await core.call('sync.run', { mode: 'full' });
      expect(liveTable(dataDir, 'attendance', ATTENDANCE)).toEqual(afterIncremental.attendance);
      expect(liveTable(dataDir, 'progress', PROGRESS)).toEqual(afterIncremental.progress);
    },
  );

  it('TeamUp: a register corrected or a booking removed weeks later is right after an incremental run', async () => {
    const { sim, core, dataDir } = await teamupCore({
      courses: 4,
      sessionsPerCourse: 8,
      customers: 60,
      rosterSize: 10,
    });
    const [first] = await core.call('sync.run', { mode: 'full' });
    expect(first).toMatchObject({ outcome: 'ok' });

    // Upstream, on sessions three weeks old (the attendance list has no updated_at to find them by): one no-show is
    // corrected to attended, and one booking is removed.
    const startOf = (a: { course_session: number }) =>
      Date.parse(sim.data.sessions.find((s) => s.id === a.course_session)!.starts_at);
    const old = (a: { course_session: number }) => startOf(a) < Date.now() - 14 * 86_400_000;
    const corrected = sim.data.attendances.find((a) => a.status === 'no_show' && old(a))!;
    const removed = sim.data.attendances.find((a) => a.status === 'attended' && old(a) && a !== corrected)!;
    expect(corrected && removed).toBeTruthy();
    corrected.status = 'attended';
    sim.data.attendances.splice(sim.data.attendances.indexOf(removed), 1);
    sim.reindex();

    const [incremental] = await core.call('sync.run', { mode: 'incremental' });
    expect(incremental).toMatchObject({ outcome: 'ok', mode: 'incremental' });
    const upstream = sim.data.attendances
      .map((a) => ({ session_id: String(a.course_session), learner_id: String(a.customer), status: a.status }))
      .sort((a, b) => (a.session_id + a.learner_id < b.session_id + b.learner_id ? -1 : 1));
    const stored = liveTable(dataDir, 'attendance', ATTENDANCE).sort((a, b) =>
      String(a.session_id) + String(a.learner_id) < String(b.session_id) + String(b.learner_id) ? -1 : 1,
    );
    expect(stored).toEqual(upstream);
    const progressAfter = liveTable(dataDir, 'progress', PROGRESS);
    await core.call('sync.run', { mode: 'full' });
    expect(liveTable(dataDir, 'progress', PROGRESS)).toEqual(progressAfter);
  });

  it.each(['honoured', 'ignored'] as const)(
    'TeamUp: deleted customers with past attendance are stored as learners (deleted filter %s)',
    async (deletedFilter) => {
      const { sim, core, dataDir } = await teamupCore({
        courses: 3,
        customers: 30,
        rosterSize: 30,
        deletedCustomers: 4,
        deletedFilter,
      });
      const [run] = await core.call('sync.run', { mode: 'full' });
      expect(run).toMatchObject({ outcome: 'ok', counts: { learners: 30 } });
      const learners = liveTable(dataDir, 'learners', 'id, name, email');
      expect(learners.map((l) => l.id).sort()).toEqual(sim.data.customers.map((c) => String(c.id)).sort());
      const named = new Set(learners.map((l) => l.id));
      expect(liveTable(dataDir, 'attendance', ATTENDANCE).filter((a) => !named.has(a.learner_id))).toEqual([]);
    },
  );

  it('SelfCommunity: unmanaged courses make a partial run that names them', async () => {
    const sim = await startSelfcommunitySimulator({
      courses: 4,
      users: 40,
      membersPerCourse: 10,
      unmanagedCourses: [42],
    });
    const { core, dataDir } = await coreWith(
      { platform: 'selfcommunity', baseUrl: sim.url, authMode: 'jwt', jwtUserId: 7 },
      sim.options.jwtSecret,
      sim,
    );
    const [run] = await core.call('sync.run', {});
    expect(run!.outcome).toBe('partial');
    expect(run!.skipped).toEqual([{ courseId: '42', reason: expect.stringMatching(/not a manager/) }]);
    expect(liveTable(dataDir, 'progress')).toHaveLength(30);
    expect(liveTable(dataDir, 'courses')).toHaveLength(4);
    // Learners come with the progress pages: the members of the readable courses, each once, and every dashboard
    // page is read once in the whole run.
    const members = new Set([40, 41, 43].flatMap((id) => sim.data.learnersOf(id).map((m) => String(m.user))));
    expect(
      liveTable(dataDir, 'learners', 'id, name, email')
        .map((l) => l.id)
        .sort(),
    ).toEqual([...members].sort());
    expect(run!.counts.learners).toBe(members.size);
    const dashboards = sim.requests.filter((r) => /\/course\/\d+\/users\//.test(r.path)).map((r) => r.path);
    expect(dashboards.length).toBeGreaterThan(0);
    expect(new Set(dashboards).size).toBe(dashboards.length);
  });

  it(
    'faults mid-sync (429 storm, 500s, a malformed page) ' + 'fail with a readable reason and keep the previous data',
    async () => {
      const sim = await startIspringSimulator({ courses: 4, learners: 30, results: 60, pageSizeCap: 10 });
      const { core, dataDir } = await coreWith(
        { platform: 'ispring', baseUrl: sim.url, authMode: 'token', clientId: sim.options.clientId, format: 'json' },
        sim.options.clientSecret,
        sim,
      );
      expect((await core.call('sync.run', {}))[0]!.outcome).toBe('ok');
      const before = liveTable(dataDir, 'progress');

      sim.addFault({ match: /learners\/results.*pageToken/, fault: { kind: 'malformed' } });
      const [malformed] = await core.call('sync.run', { mode: 'full' });
      expect(malformed).toMatchObject({ outcome: 'failed', errorCode: 'bad_response' });
      expect(malformed!.errorMessage).toMatch(/cannot read \(malformed JSON\)/);
      expect(liveTable(dataDir, 'progress')).toEqual(before);

      sim.clearFaults();
      sim.addFault({ match: /users/, fault: { kind: 'status', status: 500, body: 'Internal error' } });
      const [server] = await core.call('sync.run', { mode: 'full' });
      expect(server).toMatchObject({ outcome: 'failed', errorCode: 'server_error' });
      expect(server!.errorMessage).toMatch(/HTTP 500/);
      expect(liveTable(dataDir, 'progress')).toEqual(before);

      sim.clearFaults();
      sim.addFault({
        match: /contents/,
        times: 3,
        fault: { kind: 'status', status: 429, headers: { 'retry-after': '0' } },
      });
      const [storm] = await core.call('sync.run', { mode: 'full' });
      expect(storm!.outcome).toBe('ok');
      expect(liveTable(dataDir, 'progress')).toHaveLength(before.length);
    },
  );
});
