/**
 * Offline: with the platform unreachable, a sync fails with a readable reason and exit 1, and the CLI keeps
 * browsing and reporting from the cache.
 */
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliIspringAccount } from '../support/cli-account';

describe('CLI offline', () => {
  const account = cliIspringAccount('Offline LMS', { courses: 4, learners: 30, results: 50 });
  const { dir, run } = account;

  it('a failed sync exits 1 with the reason; browsing and reports still work from the cache', async (ctx) => {
    if (!account.keychain) return ctx.skip(); // the CLI keeps secrets only in the OS keychain
    const before = await account.addAndSync();
    expect(before.progress).toBe(50);

    await account.sim.close();
    const offline = await run(['sync']);
    expect(offline.code).toBe(1);
    expect(offline.stderr).toMatch(/Offline LMS: FAILED — .*iSpring Learn.*(unreachable|Could not reach)/);
    expect(JSON.parse((await run(['info', '--json'])).stdout).counts).toEqual(before);
    const status = await run(['sync', '--status']);
    expect(status.stdout).toMatch(/Offline LMS\tfailed at .+\tdata as of /);
    const file = join(dir.path, 'offline.csv');
    // Every cached row (the simulator's directory has blocked and deleted learners, hidden by default).
    const report = await run(['report', 'completions', '--include-leavers', '--out', file]);
    expect(report.code).toBe(0);
    expect(parse(readFileSync(file), { bom: true })).toHaveLength(51);
  });
});
