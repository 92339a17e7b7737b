/**
 * The CLI as it ships: `out/main/cli.js` from `npm run build` (npm test builds first), with its worker threads'
 * bundles beside it. A build that dropped or misplaced them would still work, slowly and on one thread, so this
 * checks they are found, and that a large export through the bundled CSV workers writes exactly the bytes one
 * thread writes.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { fillCache } from '../../bench/fill-cache';
import { createCore } from '../../electron/core/core';
import { noKeychain } from '../../electron/core/secrets/keychain';
import { createSecretStore } from '../../electron/core/secrets/secret-store';
import { tempDir } from '../support/tmp';

const BUILT_CLI = resolve(import.meta.dirname, '../../out/main/cli.js');
const run = promisify(execFile);

describe('the built CLI', () => {
  const dir = tempDir('rollbook-built-cli-');
  afterAll(() => dir.cleanup());

  it('finds its sync and CSV workers, and a large export through them matches one thread byte for byte', async () => {
    // Past the 50k rows from which exports use workers; several accounts, so blocks and generations vary.
    fillCache(dir.path, { courses: 300, learners: 6_000, progress: 60_000, accounts: 2 });
    const info = await run(process.execPath, [BUILT_CLI, 'info', '--json', '--data-dir', dir.path]);
    expect(JSON.parse(info.stdout)).toMatchObject({ workers: { sync: true, csvExport: true } });

    const viaCli = join(dir.path, 'cli.csv');
    const report = await run(process.execPath, [BUILT_CLI, 'report', 'completions', '--format', 'csv', '--out', viaCli, '--data-dir', dir.path]);
    expect(report.stdout).toMatch(/Wrote 60,000 rows/);

    const core = createCore({ dataDir: dir.path, secrets: createSecretStore(noKeychain()) });
    try {
      const oneThread = join(dir.path, 'one-thread.csv');
      await core.call('reports.export', { definition: { kind: 'completions' }, format: 'csv', path: oneThread });
      expect(readFileSync(viaCli).equals(readFileSync(oneThread))).toBe(true);
    } finally {
      core.close();
    }
  });

  it('writes its log, with the sync worker\'s lines, through the bundled logger', async () => {
    const dataDir = join(dir.path, 'logged');
    await run(process.execPath, [BUILT_CLI, 'accounts', 'add', 'sample', '--label', 'Demo', '--data-dir', dataDir]);
    await run(process.execPath, [BUILT_CLI, 'sync', '--full', '--data-dir', dataDir]);
    const logDir = join(dataDir, 'logs');
    const records = readdirSync(logDir)
      .flatMap((name) => readFileSync(join(logDir, name), 'utf8').split('\n'))
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { msg: string; thread?: number; outcome?: string });
    expect(records.filter((r) => r.msg === 'sync step' && (r.thread ?? 0) > 0)).toHaveLength(6);
    expect(records.find((r) => r.msg === 'sync finished')).toMatchObject({ outcome: 'ok' });
    const diagnostics = await run(process.execPath, [BUILT_CLI, 'diagnostics', '--data-dir', dataDir]);
    expect(diagnostics.stdout).toMatch(/^ {2}#1 \S+ full .* ok \(24 courses/m);
  });
});
