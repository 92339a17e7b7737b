/**
 * Requests side by side over a (simulated) network: connectors keep independent requests in flight, never more than
 * the account's HTTP client allows (4), within the platforms' rate limits (no 429), and the cache ends the same as
 * the simulator's data. Two accounts syncing together each keep to their own limit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AccountSettings } from '../../electron/core/contract/accounts';
import { IN_FLIGHT_PER_ACCOUNT } from '../../electron/core/providers/parallel';
import { testCore } from '../support/core';
import { startIspringSimulator } from '../simulators/ispring';
import { startSelfcommunitySimulator } from '../simulators/selfcommunity';
import type { SimServer } from '../simulators/server';
import { startTeamupSimulator } from '../simulators/teamup';

/** A round trip long enough that requests sent one after another could never overlap on the server. */
const LATENCY_MS = 30;

describe('requests in flight', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /**
   * A simulator behind the round trip, closed after the test. `perMinute`: the limit it enforces where the platform
   * documents none (as many as the client assumes it may send); TeamUp's simulator enforces its documented 250.
   */
  function behindNetwork<S extends SimServer>(sim: S, perMinute?: number): S {
    cleanups.push(() => sim.close());
    sim.latencyMs = LATENCY_MS;
    if (perMinute) sim.requestsPerMinute = perMinute;
    return sim;
  }

  async function teamup() {
    const sim = behindNetwork(
      await startTeamupSimulator({ courses: 6, sessionsPerCourse: 20, customers: 450, rosterSize: 12 }),
    );
    const settings: AccountSettings = {
      platform: 'teamup',
      baseUrl: `${sim.url}/api/v2`,
      authScheme: 'bearer',
      providerId: null,
      completionThreshold: null,
    };
    return { sim, settings, secret: sim.options.token };
  }

  async function community() {
    // Pages of 10: each course's learners are three pages.
    const sim = behindNetwork(
      await startSelfcommunitySimulator({ courses: 16, users: 60, membersPerCourse: 30, maxLimit: 10 }),
      600,
    );
    const settings: AccountSettings = {
      platform: 'selfcommunity',
      baseUrl: sim.url,
      authMode: 'token',
      jwtUserId: null,
    };
    return { sim, settings, secret: sim.options.accessToken };
  }

  async function ispring() {
    // Pages of 10, so the enrollment and results lists are chains of page tokens several pages long.
    const sim = behindNetwork(
      await startIspringSimulator({ courses: 8, learners: 40, results: 160, pageSizeCap: 10 }),
      600,
    );
    const { clientId, clientSecret } = sim.options;
    const settings: AccountSettings = {
      platform: 'ispring',
      baseUrl: sim.url,
      authMode: 'token',
      clientId,
      format: 'json',
    };
    return { sim, settings, secret: clientSecret };
  }

  function core() {
    const t = testCore();
    cleanups.push(t.cleanup);
    return t.core;
  }

  /** Adds the account and syncs it in full; the simulator's log then holds the sync's requests only. */
  async function fullSync(label: string, account: { sim: SimServer; settings: AccountSettings; secret: string }) {
    const c = core();
    await c.call('accounts.add', { label, settings: account.settings, secret: account.secret, storage: 'session' });
    // Adding the account tested the connection (a page or two of some lists): only the sync's requests count.
    account.sim.requests.length = 0;
    const [run] = await c.call('sync.run', { mode: 'full' });
    return run!;
  }

  const overlapped = (sim: SimServer) => {
    expect(sim.inFlight.max).toBeGreaterThan(1);
    expect(sim.inFlight.max).toBeLessThanOrEqual(IN_FLIGHT_PER_ACCOUNT);
    expect(sim.requests.filter((r) => r.status === 429)).toEqual([]);
  };

  it('TeamUp: numbered pages overlap, up to the limit, and the cache holds every row', async () => {
    const account = await teamup();
    const { sim } = account;
    const run = await fullSync('TeamUp', account);
    expect(run).toMatchObject({
      outcome: 'ok',
      counts: { courses: 6, sessions: 120, learners: 450, attendance: sim.data.attendances.length },
    });
    overlapped(sim);
    // The customers' and the rosters' first pages leave with the first steps' requests, not after them, and no page
    // is asked for twice.
    const paths = sim.requests.map((r) => r.path);
    const first = (list: string) => paths.findIndex((p) => p.startsWith(`/api/v2/${list}?`));
    const lastSessions = paths.findLastIndex((p) => p.startsWith('/api/v2/course_sessions?'));
    expect(first('customers')).toBeLessThan(lastSessions);
    expect(first('course_session_attendances')).toBeLessThan(lastSessions);
    expect(new Set(paths).size).toBe(paths.length);
  });

  it("SelfCommunity: course dashboards overlap, up to the limit, the next courses' requests keep the slots busy while a course's later pages are read, and the cache holds every row", async () => {
    const account = await community();
    const { sim } = account;
    const run = await fullSync('Community', account);
    expect(run).toMatchObject({ outcome: 'ok', counts: { courses: 16, progress: 16 * 30 } });
    overlapped(sim);
    const paths = sim.requests.map((r) => r.path);
    const later = paths.findIndex((p) => /\/course\/\d+\/users\/.*offset=[1-9]/.test(p));
    expect(later).toBeGreaterThan(0);
    const courseOf = (p: string) => /\/course\/(\d+)\/(users|quiz)\//.exec(p)?.[1];
    const opened = new Set(paths.slice(0, later).map(courseOf).filter(Boolean));
    // Reading one course at a time beside the few that fill the slots, as many as the slots (and one refill) would be
    // open when the first course's second page is asked for; the slots stay full only if more are.
    expect(opened.size).toBeGreaterThan(IN_FLIGHT_PER_ACCOUNT + 1);
  });

  it('iSpring: the enrollment and results token chains overlap, and progress is the same as read one after the other', async () => {
    const account = await ispring();
    const { sim } = account;
    const run = await fullSync('iSpring', account);
    expect(run).toMatchObject({ outcome: 'ok', counts: { courses: 8 } });
    const times = (path: string) => sim.requests.filter((r) => r.path.startsWith(path)).map((r) => r.at);
    const enrollments = times('/enrollments');
    const results = times('/learners/results');
    expect(enrollments.length).toBeGreaterThan(3);
    expect(results.length).toBeGreaterThan(3);
    // Each chain starts before the other ends; the old sync read the results only after the last enrollment page.
    expect(results[0]!).toBeLessThan(enrollments.at(-1)!);
    expect(enrollments[0]!).toBeLessThan(results.at(-1)!);
    overlapped(sim);
    // Every learner × course once, with the current enrollment's row: as many rows as the simulator's results.
    expect(run.counts.progress).toBe(sim.data.results.length);
  });

  it('two accounts syncing together each keep to their own limit', async () => {
    const a = await teamup();
    const b = await community();
    const c = core();
    await c.call('accounts.add', { label: 'TeamUp', settings: a.settings, secret: a.secret, storage: 'session' });
    await c.call('accounts.add', { label: 'Community', settings: b.settings, secret: b.secret, storage: 'session' });
    const runs = await c.call('sync.run', { mode: 'full' });
    expect(runs.map((r) => r.outcome)).toEqual(['ok', 'ok']);
    overlapped(a.sim);
    overlapped(b.sim);
  });

  it("slow platforms do not hold up another account's sync", async () => {
    // Two accounts behind twenty times the round trip, listed before a quick one: each slow sync takes several
    // times the quick one's.
    const slow = [await teamup(), await teamup()];
    for (const s of slow) s.sim.latencyMs = LATENCY_MS * 20;
    const quick = await community();
    const c = core();
    const add = async (label: string, a: { settings: AccountSettings; secret: string }) =>
      (await c.call('accounts.add', { label, settings: a.settings, secret: a.secret, storage: 'session' })).account.id;
    const ids = [await add('Slow 1', slow[0]!), await add('Slow 2', slow[1]!), await add('Quick', quick)];
    // Adding an account tests its connection: count the sync's requests only.
    const before = slow.map((s) => s.sim.requests.length);
    let slowSentWhenQuickFinished: number[] = [];
    c.on('sync.finished', (run) => {
      if (run.accountId === ids[2]) slowSentWhenQuickFinished = slow.map((s, i) => s.sim.requests.length - before[i]!);
    });
    const runs = await c.call('sync.run', { mode: 'full', accountIds: ids });
    expect(runs.map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok']);
    // The quick account finished while both slow ones were still sending requests: it waited for neither (with
    // fewer slots than accounts it would have started only once a slow one had finished).
    slow.forEach((s, i) => {
      expect(slowSentWhenQuickFinished[i]).toBeGreaterThan(0);
      expect(slowSentWhenQuickFinished[i]).toBeLessThan(s.sim.requests.length - before[i]!);
    });
  });

  it('cancelling stops every request in flight and sends no more', async () => {
    const { sim, settings, secret } = await teamup();
    const c = core();
    await c.call('accounts.add', { label: 'TeamUp', settings, secret, storage: 'session' });
    let cancelling: Promise<unknown> | undefined;
    c.on('sync.progress', (p) => {
      // Mid-way through the attendance pages, several of them in flight.
      if (p.resource === 'attendance' && p.pages >= 2) cancelling ??= c.call('sync.cancel', {});
    });
    const [run] = await c.call('sync.run', { mode: 'full' });
    await cancelling;
    expect(run!.outcome).toBe('cancelled');
    const sent = sim.requests.length;
    await new Promise((r) => setTimeout(r, 4 * LATENCY_MS));
    expect(sim.requests.length).toBe(sent);
    expect(sim.inFlight.now).toBe(0);
    expect(sim.requests.filter((r) => r.path.includes('attendances')).length).toBeLessThan(15);
  });
});
