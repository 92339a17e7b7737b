/**
 * Offline: with the platform unreachable, a sync fails with a readable reason and exit 1, and the CLI keeps
 * browsing and reporting from the cache.
 */
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliIspringAccount } from '../support/cli-account';
import { realKeychainAvailable } from '../support/keychain';
import { startIspringSimulator, type IspringSimulator } from '../simulators/ispring';

describe('CLI offline', () => {
  const account = cliIspringAccount('Offline LMS');
  const { dir, run } = account;
  let sim: IspringSimulator;
  let keychain = false;
  beforeAll(async () => {
    keychain = await realKeychainAvailable();
    sim = await startIspringSimulator({ courses: 4, learners: 30, results: 50 });
  });
  afterAll(async () => {
    await sim.close().catch(() => undefined);
    await account.cleanup();
  });

  it('a failed sync exits 1 with the reason; browsing and reports still work from the cache', async (ctx) => {
    if (!keychain) return ctx.skip(); // the CLI keeps secrets only in the OS keychain
    const before = await account.addAndSync(sim);
    expect(before.progress).toBe(50);

    await sim.close();
    const offline = await run(['sync']);
    expect(offline.code).toBe(1);
    expect(offline.stderr).toMatch(/Offline LMS: FAILED — .*iSpring Learn.*(unreachable|Could not reach)/);
    expect(JSON.parse((await run(['info', '--json'])).stdout).counts).toEqual(before);
    const status = await run(['sync', '--status']);
    expect(status.stdout).toMatch(/Offline LMS\tfailed at .+\tdata as of /);
    const file = join(dir.path, 'offline.csv');
    const report = await run(['report', 'completions', '--out', file]);
    expect(report.code).toBe(0);
    expect(parse(readFileSync(file), { bom: true })).toHaveLength(51);
  }, 60_000);
});
