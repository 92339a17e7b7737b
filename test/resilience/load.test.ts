/**
 * Load: five accounts on three platforms sync at once while the simulators answer 30% of requests with 429 or 503.
 * Every sync completes, each account's request budget holds (counted by the simulators), and retries stay bounded
 * (no request storm).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { AccountSettings } from '../../electron/core/contract/accounts';
import { testCore } from '../support/core';
import { startIspringSimulator, type IspringSimulator } from '../simulators/ispring';
import { startSelfcommunitySimulator } from '../simulators/selfcommunity';
import { seededRandom, type SimServer } from '../simulators/server';
import { startTeamupSimulator, type TeamupSimulator } from '../simulators/teamup';

const BUDGET = 40;
const WINDOW_MS = 1_000;

describe('load with 30% 429/503', () => {
  const sims: SimServer[] = [];
  const t = testCore({
    // A tight budget over a short window makes the budget bind within a test-sized run.
    httpOptions: {
      requestsPerMinute: BUDGET,
      budgetWindowMs: WINDOW_MS,
      retry: { retries: 8, baseDelayMs: 20, maxDelayMs: 200 },
    } as never,
  });
  afterAll(async () => {
    t.cleanup();
    await Promise.all(sims.map((s) => s.close()));
  });

  it('every sync completes, budgets hold, no storm', async () => {
    const random = seededRandom(42);
    const flaky = <S extends SimServer>(sim: S): S => {
      sim.addFault({ match: /./, probability: 0.15, random, fault: { kind: 'status', status: 429 } });
      sim.addFault({ match: /./, probability: 0.15 / 0.85, random, fault: { kind: 'status', status: 503 } });
      sims.push(sim);
      return sim;
    };
    const ispringA = flaky(
      await startIspringSimulator({ seed: 1, courses: 8, learners: 800, results: 3000, pageSizeCap: 40 }),
    );
    const ispringB = flaky(
      await startIspringSimulator({ seed: 2, courses: 6, learners: 400, results: 1500, pageSizeCap: 40 }),
    );
    const teamupA = flaky(await startTeamupSimulator({ seed: 3, courses: 4, customers: 2500, sessionsPerCourse: 10 }));
    const teamupB = flaky(await startTeamupSimulator({ seed: 4, courses: 3, customers: 1500, sessionsPerCourse: 8 }));
    const community = flaky(
      await startSelfcommunitySimulator({ seed: 5, courses: 5, users: 2000, membersPerCourse: 300 }),
    );

    const add = (label: string, settings: AccountSettings, secret: string) =>
      t.core.call('accounts.add', { label, settings, secret, storage: 'session' });
    const addIspring = (label: string, sim: IspringSimulator, format: 'json' | 'xml') =>
      add(
        label,
        { platform: 'ispring', baseUrl: sim.url, authMode: 'token', clientId: sim.options.clientId, format },
        sim.options.clientSecret,
      );
    const addTeamup = (label: string, sim: TeamupSimulator, authScheme: 'bearer' | 'token') =>
      add(
        label,
        { platform: 'teamup', baseUrl: `${sim.url}/api/v2`, authScheme, providerId: null, completionThreshold: null },
        sim.options.token,
      );
    // Connection tests are made before the faults matter: clear them, add, then re-arm.
    const armed = sims.map((s) => [...s.faults]);
    sims.forEach((s) => s.clearFaults());
    await addIspring('iSpring A', ispringA, 'json');
    await addIspring('iSpring B', ispringB, 'xml');
    await addTeamup('TeamUp A', teamupA, 'bearer');
    await addTeamup('TeamUp B', teamupB, 'token');
    await add(
      'Community',
      { platform: 'selfcommunity', baseUrl: community.url, authMode: 'token', jwtUserId: null },
      'sc-access-token-Qm93x1',
    );
    sims.forEach((s, i) => armed[i]!.forEach((rule) => s.addFault(rule)));
    const before = sims.map((s) => s.requests.length);

    const totals: { requests: number; succeeded: number; failed: number }[] = [];
    const t0 = Date.now();
    const runs = await t.core.call('sync.run', { mode: 'full' });
    const elapsed = Date.now() - t0;
    expect(runs.map((r) => [r.outcome, r.errorMessage])).toEqual(runs.map(() => ['ok', null]));

    sims.forEach((sim, i) => {
      const requests = sim.requests.slice(before[i]);
      const succeeded = requests.filter((r) => r.status === 200).length;
      const failed = requests.filter((r) => r.status === 429 || r.status === 503).length;
      // Budget: no window of WINDOW_MS holds more than BUDGET request starts (each simulator serves one account).
      const starts = requests.map((r) => r.at).sort((a, b) => a - b);
      for (let j = 0; j < starts.length; j += 1) {
        // Counted at arrival, over the full window: the client runs each window from the answer, which comes after
        // the arrival, so a request that arrives late (one event loop, five syncs, two cores) cannot crowd a window.
        const inWindow = starts.filter((s) => s >= starts[j]! && s < starts[j]! + WINDOW_MS).length;
        expect(inWindow).toBeLessThanOrEqual(BUDGET);
      }
      // No storm: with 30% failures a page takes 1/(1-0.3) ≈ 1.43 attempts on average; allow 2×.
      expect(requests.length).toBeLessThanOrEqual(succeeded * 2);
      totals.push({ requests: requests.length, succeeded, failed });
    });
    // The faults really fired (~30% of all requests).
    const all = totals.reduce((a, x) => ({ requests: a.requests + x.requests, failed: a.failed + x.failed }), {
      requests: 0,
      failed: 0,
    });
    expect(all.failed / all.requests).toBeGreaterThan(0.2);
    // The budget really bound: the busiest account needed more than one window.
    const busiest = Math.max(...totals.map((x) => x.requests));
    expect(busiest).toBeGreaterThan(BUDGET);
    expect(elapsed).toBeGreaterThanOrEqual(((busiest - BUDGET) / BUDGET) * WINDOW_MS * 0.9);
    const counts = await t.core.call('app.info');
    expect(counts.counts.courses).toBe(8 + 6 + 4 + 3 + 5);
  }, 120_000);
});
