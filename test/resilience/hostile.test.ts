/**
 * Hostile responses: property-based (fast-check). Each connector's simulator serves a mutated, truncated or random
 * body for one page mid-sync. The sync must end with a typed error (or succeed if the body happens to be valid) —
 * never an internal crash — and a failed run must leave the previous data exactly as it was.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbSnapshot } from '../support/db-snapshot';
import { testCore } from '../support/core';
import { startIspringSimulator, type IspringSimulator } from '../simulators/ispring';
import { startSelfcommunitySimulator, type SelfcommunitySimulator } from '../simulators/selfcommunity';
import type { SimServer } from '../simulators/server';
import { startTeamupSimulator, type TeamupSimulator } from '../simulators/teamup';

const TYPED = new Set(['bad_response', 'network', 'not_found', 'server_error', 'auth_failed', 'forbidden', 'timeout', 'rate_limited']);

/** A page body attackers (or broken proxies) might send: mutations of a real one, truncations, or noise. */
function hostileBody(valid: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.integer({ min: 0, max: Math.max(0, valid.length - 1) }).map((n) => valid.slice(0, n)),
    fc.tuple(fc.integer({ min: 0, max: Math.max(0, valid.length - 1) }), fc.string({ minLength: 1, maxLength: 8 })).map(([at, junk]) => valid.slice(0, at) + junk + valid.slice(at + junk.length)),
    fc.json(),
    fc.string({ maxLength: 200 }),
    fc.constantFrom('', 'null', '[]', '{}', '<', '<?xml version="1.0"?>', '<response><contentItems><contentItem>', '{"results": null}', '{"results": [1, "x", null]}', '\u0000\u0001', '<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'),
  );
}

interface Target {
  name: string;
  sim: SimServer;
  /** Which page to corrupt (not the first, so earlier pages were already staged). */
  match: RegExp;
  settings: () => object;
  secret: string;
}

describe('hostile responses', () => {
  const targets: Target[] = [];
  let ispring: IspringSimulator;
  let teamup: TeamupSimulator;
  let community: SelfcommunitySimulator;
  beforeAll(async () => {
    ispring = await startIspringSimulator({ courses: 5, learners: 60, results: 200, pageSizeCap: 30 });
    teamup = await startTeamupSimulator({ courses: 3, customers: 250 });
    community = await startSelfcommunitySimulator({ courses: 3, users: 400, membersPerCourse: 250 });
    targets.push(
      { name: 'iSpring (XML)', sim: ispring, match: /learners\/results.*pageToken/, settings: () => ({ platform: 'ispring', baseUrl: ispring.url, authMode: 'token', clientId: ispring.options.clientId, format: 'xml' }), secret: ispring.options.clientSecret },
      { name: 'iSpring (JSON)', sim: ispring, match: /users\/v2.*pageToken/, settings: () => ({ platform: 'ispring', baseUrl: ispring.url, authMode: 'token', clientId: ispring.options.clientId, format: 'json' }), secret: ispring.options.clientSecret },
      { name: 'TeamUp', sim: teamup, match: /customers.*page=2/, settings: () => ({ platform: 'teamup', baseUrl: `${teamup.url}/api/v2`, authScheme: 'bearer', providerId: null, completionThreshold: null }), secret: teamup.options.token },
      { name: 'SelfCommunity', sim: community, match: /course\/\d+\/users\/.*offset=100/, settings: () => ({ platform: 'selfcommunity', baseUrl: community.url, authMode: 'token', jwtUserId: null }), secret: community.options.accessToken },
    );
  });
  afterAll(async () => {
    await Promise.all([ispring.close(), teamup.close(), community.close()]);
  });

  it.each([0, 1, 2, 3])('connector %#: a typed error or success, never a crash or a partial write', async (index) => {
    const target = targets[index]!;
    const t = testCore({ httpOptions: { retry: { retries: 0 } } });
    try {
      target.sim.clearFaults();
      await t.core.call('accounts.add', { label: target.name, settings: target.settings() as never, secret: target.secret, storage: 'session' });
      expect((await t.core.call('sync.run', {}))[0]!.outcome).toBe('ok');
      const sample = target.sim.requests.find((r) => target.match.test(`${r.method} ${r.path}`));
      expect(sample).toBeDefined(); // the corrupted page is one the sync really reads

      const outcomes: string[] = [];
      await fc.assert(
        fc.asyncProperty(hostileBody('{"count": 2, "results": [{"id": 1}]}'), async (body) => {
          target.sim.clearFaults();
          target.sim.addFault({ match: target.match, times: 1, fault: { kind: 'malformed', body } });
          // The run history may change; the cached data may not (unless the run succeeds).
          const before = dbSnapshot(t.dataDir, ['sync_runs']);
          const [run] = await t.core.call('sync.run', { mode: 'full' });
          outcomes.push(run!.outcome);
          if (run!.outcome === 'failed') {
            expect(TYPED.has(run!.errorCode!), `${run!.errorCode}: ${run!.errorMessage}`).toBe(true);
            expect(run!.errorMessage!.length).toBeGreaterThan(10);
            expect(dbSnapshot(t.dataDir, ['sync_runs'])).toBe(before);
          } else {
            expect(['ok', 'partial']).toContain(run!.outcome);
          }
        }),
        { numRuns: 12 },
      );
      // Most hostile bodies must actually have been rejected (a few random ones can be harmless).
      expect(outcomes.filter((o) => o === 'failed').length).toBeGreaterThanOrEqual(outcomes.length / 2);
    } finally {
      target.sim.clearFaults();
      t.cleanup();
    }
  }, 60_000);
});

