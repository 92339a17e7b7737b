/**
 * Offline: with the platform unreachable, a sync fails with a readable reason and exit 1, and the CLI keeps
 * browsing and reporting from the cache.
 */
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli';
import { realKeychainAvailable } from '../support/keychain';
import { tempDir } from '../support/tmp';
import { startIspringSimulator, type IspringSimulator } from '../simulators/ispring';

describe('CLI offline', () => {
  const dir = tempDir();
  let sim: IspringSimulator;
  let keychain = false;
  beforeAll(async () => {
    keychain = await realKeychainAvailable();
    sim = await startIspringSimulator({ courses: 4, learners: 30, results: 50 });
  });
  afterAll(async () => {
    await sim.close().catch(() => undefined);
    if (keychain) await cli(['accounts', 'remove', 'Offline LMS', '--yes', '--data-dir', dir.path]);
    dir.cleanup();
  });

  it('a failed sync exits 1 with the reason; browsing and reports still work from the cache', async (ctx) => {
    if (!keychain) return ctx.skip(); // the CLI keeps secrets only in the OS keychain
    const run = (args: string[], env: Record<string, string> = {}) => cli([...args, '--data-dir', dir.path], env);
    const add = await run(['accounts', 'add', 'ispring', '--label', 'Offline LMS', '--base-url', sim.url, '--client-id', sim.options.clientId], { ROLLBOOK_SECRET: sim.options.clientSecret });
    expect(add.code, add.stderr).toBe(0);
    expect((await run(['sync'])).code).toBe(0);
    const before = JSON.parse((await run(['info', '--json'])).stdout).counts;
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
