/**
 * The CLI as it ships: `out/main/cli.js` from `npm run build` (npm test builds first), with its worker threads'
 * bundles beside it. A build that dropped or misplaced them would still work, on one thread, so this checks they are
 * found and then makes them work: a sync of a loopback iSpring Learn runs in the bundled sync worker (a broken bundle
 * fails the run), and a completions export past the threshold from which exports use workers runs in the bundled CSV
 * workers and writes exactly the bytes one thread writes.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../electron/core/core';
import { noKeychain } from '../../electron/core/secrets/keychain';
import { createSecretStore } from '../../electron/core/secrets/secret-store';
import { startIspringSimulator, type IspringSimulator } from '../simulators/ispring';
import { BUILT_CLI } from '../support/built';
import { realKeychainAvailable } from '../support/keychain';
import { liveCount } from '../support/data-db';
import { tempDir } from '../support/tmp';

const execFileAsync = promisify(execFile);

/** The built CLI as a child process; exit code and output whatever the outcome. */
async function builtCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [BUILT_CLI, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the built CLI', () => {
  const dir = tempDir('rollbook-built-cli-');
  let sim: IspringSimulator;
  let keychain = false;
  let added = false;
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => builtCli([...args, '--data-dir', dir.path], env);

  beforeAll(async () => {
    keychain = await realKeychainAvailable();
    // Past the 50k rows from which completions exports use workers, over enough courses to cut into segments.
    sim = await startIspringSimulator({ courses: 120, learners: 3_000, results: 60_000 });
  });
  afterAll(async () => {
    if (added) await run(['accounts', 'remove', 'Built', '--yes']);
    await sim?.close();
    dir.cleanup();
  });

  it('finds its sync and CSV workers beside it', async () => {
    const info = await run(['info', '--json']);
    expect(info.code, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ workers: { sync: true, csvExport: true } });
  });

  it('syncs a loopback iSpring Learn in its sync worker and exports through its CSV workers', async (ctx) => {
    // The CLI keeps secrets only in the OS keychain (CI has one; see realKeychainAvailable).
    if (!keychain) return ctx.skip();
    const add = await run(
      ['accounts', 'add', 'ispring', '--label', 'Built', '--base-url', sim.url, '--client-id', sim.options.clientId],
      {
        ROLLBOOK_SECRET: sim.options.clientSecret,
      },
    );
    expect(add.code, add.stderr).toBe(0);
    added = true;
    // The program whose sync is checked below is one that runs syncs in its worker (a core given the worker's entry
    // runs every sync there); the sync working end to end then shows the bundled worker syncs.
    expect(JSON.parse((await run(['info', '--json'])).stdout)).toMatchObject({
      workers: { sync: true, csvExport: true },
    });

    // A page that fails once on the way is retried inside the worker.
    sim.addFault({
      match: /learners\/results/,
      fault: { kind: 'status', status: 503, headers: { 'Retry-After': '0' } },
      after: 2,
      times: 1,
    });
    const sync = await run(['sync']);
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stderr).toMatch(/Built: synced/);
    expect(sim.requests.filter((r) => r.status === 503)).toHaveLength(1);
    expect(liveCount(dir.path, 'courses')).toBe(120);
    expect(liveCount(dir.path, 'learners')).toBe(3_000);
    expect(liveCount(dir.path, 'progress')).toBe(sim.data.results.length);
    expect((await run(['sync', '--status'])).stdout).toMatch(/^Built\tok at /m);

    const viaCli = join(dir.path, 'cli.csv');
    const report = await run(['report', 'completions', '--format', 'csv', '--out', viaCli]);
    expect(report.code, report.stderr).toBe(0);
    const written = Number(/Wrote ([\d,]+) rows/.exec(report.stdout)?.[1]?.replaceAll(',', ''));
    expect(written).toBeGreaterThanOrEqual(50_000);

    // The same export on one thread (a core given no CSV workers) writes the same bytes.
    const core = createCore({ dataDir: dir.path, secrets: createSecretStore(noKeychain()) });
    try {
      const oneThread = join(dir.path, 'one-thread.csv');
      const result = await core.call('reports.export', {
        definition: { kind: 'completions' },
        format: 'csv',
        path: oneThread,
      });
      expect(result.rows).toBe(written);
      expect(readFileSync(viaCli).equals(readFileSync(oneThread))).toBe(true);
    } finally {
      core.close();
    }
  }, 180_000);

  it("writes its log, with the sync worker's lines, through the bundled logger", async () => {
    const dataDir = join(dir.path, 'logged');
    await builtCli(['accounts', 'add', 'sample', '--label', 'Demo', '--data-dir', dataDir]);
    await builtCli(['sync', '--full', '--data-dir', dataDir]);
    const logDir = join(dataDir, 'logs');
    const records = readdirSync(logDir)
      .flatMap((name) => readFileSync(join(logDir, name), 'utf8').split('\n'))
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { msg: string; thread?: number; outcome?: string });
    expect(records.filter((r) => r.msg === 'sync step' && (r.thread ?? 0) > 0)).toHaveLength(6);
    expect(records.find((r) => r.msg === 'sync finished')).toMatchObject({ outcome: 'ok' });
    const diagnostics = await builtCli(['diagnostics', '--data-dir', dataDir]);
    expect(diagnostics.stdout).toMatch(/^ {2}#1 \S+ full .* ok \(24 courses/m);
  });
});
