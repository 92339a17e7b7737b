/**
 * An export cut short leaves nothing behind: SIGINT or SIGTERM mid-export removes the partial file and the Chromium
 * profile before the CLI dies of the signal, and a start sweeps stale ones that a kill -9 or a crash left.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli';
import { testCore } from '../support/core';
import { reportDataset } from '../support/report-fixture';
import { scriptedConnector } from '../support/scripted-connector';
import { tempDir } from '../support/tmp';

const ROOT = resolve(import.meta.dirname, '../..');
const ours = (folder: string) => readdirSync(folder).filter((name) => /rollbook|\.partial$/.test(name));

/** Starts an export and sends `signal` as soon as `started()` sees its files on disk. */
async function interruptExport(args: string[], signal: NodeJS.Signals, tmp: string, started: () => boolean) {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'electron/core/cli/main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, TMPDIR: tmp },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, killedBy) => done({ code, signal: killedBy })),
  );
  await expect.poll(started, { timeout: 60_000, interval: 2 }).toBe(true);
  child.kill(signal);
  return { ...(await exited), stderr };
}

describe('export leftovers', () => {
  // Enough rows that a CSV export is still writing when its first progress line comes.
  const big = testCore({
    inlineSync: true,
    createConnector: () => scriptedConnector({ data: reportDataset(100_000), pageSize: 5_000 }),
  });
  const out = tempDir('rollbook-leftovers-out-');
  const tmp = tempDir('rollbook-leftovers-tmp-');
  beforeAll(async () => {
    await big.core.call('accounts.add', { label: 'Big', settings: { platform: 'sample', seed: 1 } });
    const [run] = await big.core.call('sync.run', {});
    expect(run!.outcome).toBe('ok');
  }, 120_000);
  afterAll(() => {
    big.cleanup();
    out.cleanup();
    tmp.cleanup();
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('%s mid-way through a CSV export leaves no partial file', async (signal) => {
    const file = join(out.path, `${signal}.csv`);
    const writing = () => ours(out.path).some((name) => name.endsWith('.partial'));
    const result = await interruptExport(
      ['report', 'completions', '--out', file, '--data-dir', big.dataDir],
      signal,
      tmp.path,
      writing,
    );
    expect(result.signal, result.stderr).toBe(signal);
    expect(existsSync(file)).toBe(false);
    expect(ours(out.path)).toEqual([]);
  });

  it('SIGTERM while Chromium starts leaves no profile and no partial file', async () => {
    const file = join(out.path, 'report.pdf');
    const printing = () => readdirSync(tmp.path).some((name) => name.startsWith('rollbook-pdf-profile-'));
    const args = ['report', 'courses', '--format', 'pdf', '--out', file, '--data-dir', big.dataDir];
    const result = await interruptExport(args, 'SIGTERM', tmp.path, printing);
    expect(result.signal, result.stderr).toBe('SIGTERM');
    expect(existsSync(file)).toBe(false);
    expect(ours(out.path)).toEqual([]);
    expect(readdirSync(tmp.path).filter((name) => name.startsWith('rollbook-pdf-'))).toEqual([]);
  });

  it(
    "a start sweeps stale partial files (this app's, in folders it exported to) " + 'and stale Chromium profiles',
    async () => {
      const data = tempDir();
      const folder = tempDir('rollbook-leftovers-folder-');
      const temp = tempDir('rollbook-leftovers-tmp-');
      const run = (...args: string[]) => cli([...args, '--data-dir', data.path], { TMPDIR: temp.path });
      try {
        expect((await run('accounts', 'add', 'sample', '--label', 'Demo')).code).toBe(0);
        expect((await run('report', 'courses', '--out', join(folder.path, 'courses.csv'))).code).toBe(0);
        const make = (path: string, hoursOld: number, dir = false) => {
          if (dir) mkdirSync(join(path, 'Default'), { recursive: true });
          else writeFileSync(path, 'x');
          const at = new Date(Date.now() - hoursOld * 3_600_000);
          utimesSync(path, at, at);
          return path;
        };
        const stalePartial = make(join(folder.path, '.q1.csv.rollbook-0a1b2c3d.partial'), 2);
        const freshPartial = make(join(folder.path, '.q2.csv.rollbook-4e5f6a7b.partial'), 0);
        const notOurs = make(join(folder.path, '.notes.txt.partial'), 2);
        const staleProfile = make(join(temp.path, 'rollbook-pdf-profile-0123456789ab'), 2, true);
        const freshProfile = make(join(temp.path, 'rollbook-pdf-profile-ba9876543210'), 0, true);
        const otherDir = make(join(temp.path, 'playwright_chromiumdev_profile-x'), 2, true);

        expect((await run('info')).code).toBe(0);
        expect(existsSync(stalePartial)).toBe(false);
        expect(existsSync(staleProfile)).toBe(false);
        for (const kept of [freshPartial, notOurs, freshProfile, otherDir]) expect(existsSync(kept), kept).toBe(true);
        expect(readdirSync(folder.path).sort()).toEqual([
          '.notes.txt.partial',
          '.q2.csv.rollbook-4e5f6a7b.partial',
          'courses.csv',
        ]);
      } finally {
        data.cleanup();
        folder.cleanup();
        temp.cleanup();
      }
    },
  );
});
