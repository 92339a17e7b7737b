/**
 * Reading needs no write access: `info` and `report` on a cache this process may not write. Tests run as root,
 * whom mode bits do not stop, so the folder is made read-only the ways that stop root too: a read-only bind mount
 * (in a private mount namespace, `unshare -m`), and an append-only cache file (`chattr +a`). Where the machine
 * allows neither, the test says so and skips.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/core/store/db';
import { cli } from '../support/cli';
import { tempDir } from '../support/tmp';

const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = resolve(ROOT, 'electron/core/cli/main.ts');
const run = promisify(execFile);

/** Runs the CLI with `dir` mounted read-only over itself, visible to this child only. */
async function cliOnReadOnlyMount(dir: string, args: string[]) {
  const script = 'mount --bind -o ro "$0" "$0" && exec "$@"';
  try {
    const { stdout, stderr } = await run(
      'unshare',
      ['-m', 'sh', '-c', script, dir, process.execPath, '--import', 'tsx', MAIN, ...args],
      { cwd: ROOT },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function canMountReadOnly(): boolean {
  try {
    execFileSync(
      'unshare',
      ['-m', 'sh', '-c', 'mount --bind -o ro "$0" "$0" && ! touch "$0/probe" 2>/dev/null', ROOT],
      { stdio: 'ignore' },
    );
    return true;
  } catch {
    console.log('[read-only] SKIPPED mount case: unshare -m with a read-only bind mount is not allowed here.');
    return false;
  }
}

describe('a read-only data folder', () => {
  const dir = tempDir();
  const out = tempDir('rollbook-ro-out-');
  beforeAll(async () => {
    expect((await cli(['accounts', 'add', 'sample', '--label', 'Demo', '--data-dir', dir.path])).code).toBe(0);
    expect((await cli(['sync', '--data-dir', dir.path])).code).toBe(0);
  });
  afterAll(() => {
    dir.cleanup();
    out.cleanup();
  });

  it('read-only mount: info and reports work, a sync is refused with a clear message, nothing is written', async ({
    skip,
  }) => {
    if (!canMountReadOnly()) skip('no read-only bind mounts here');
    const before = readdirSync(dir.path).sort();
    const info = await cliOnReadOnlyMount(dir.path, ['info', '--json', '--data-dir', dir.path]);
    expect(info.code, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout).counts).toMatchObject({ accounts: 1, courses: 24, learners: 500 });

    const csv = join(out.path, 'completions.csv');
    const report = await cliOnReadOnlyMount(dir.path, ['report', 'completions', '--out', csv, '--data-dir', dir.path]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/^Wrote [\d,]+ rows/);
    expect(readFileSync(csv, 'utf8').split('\n').length).toBeGreaterThan(100);
    const pdf = join(out.path, 'courses.pdf');
    const printed = await cliOnReadOnlyMount(dir.path, [
      'report',
      'courses',
      '--format',
      'pdf',
      '--out',
      pdf,
      '--data-dir',
      dir.path,
    ]);
    expect(printed.code, printed.stderr).toBe(0);
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');

    const sync = await cliOnReadOnlyMount(dir.path, ['sync', '--data-dir', dir.path]);
    expect(sync.code).toBe(1);
    expect(sync.stderr).toMatch(/data folder .* is read-only: browsing and reports work/);
    expect(readdirSync(dir.path).sort()).toEqual(before);
  });

  it('append-only cache file (open for writing refused, folder writable): info and a report work', async ({ skip }) => {
    const file = join(dir.path, 'rollbook.sqlite');
    try {
      execFileSync('chattr', ['+a', file], { stdio: 'ignore' });
    } catch {
      console.log('[read-only] SKIPPED chattr case: this file system does not support chattr +a.');
      skip('no chattr +a here');
    }
    try {
      const info = await cli(['info', '--json', '--data-dir', dir.path]);
      expect(info.code, info.stderr).toBe(0);
      expect(JSON.parse(info.stdout).counts).toMatchObject({ accounts: 1, courses: 24 });
      const csv = join(out.path, 'courses.csv');
      const report = await cli(['report', 'courses', '--out', csv, '--data-dir', dir.path]);
      expect(report.code, report.stderr).toBe(0);
      expect(existsSync(csv)).toBe(true);
      const save = await cli([
        'report',
        'courses',
        '--out',
        join(out.path, 'x.csv'),
        '--save-as',
        'Mine',
        '--data-dir',
        dir.path,
      ]);
      expect(save.code).toBe(1);
      expect(save.stderr).toMatch(/is read-only/);
    } finally {
      execFileSync('chattr', ['-a', file]);
    }
  });

  it('a cache SQLite opens but cannot write (its -shm index immutable): reopened read-only, info works', async ({
    skip,
  }) => {
    // This process keeps the cache open, so its WAL index stays; made immutable, another process may only read it.
    const holder = openDatabase(dir.path);
    const shm = join(dir.path, 'rollbook.sqlite-shm');
    try {
      try {
        execFileSync('chattr', ['+i', shm], { stdio: 'ignore' });
      } catch {
        console.log('[read-only] SKIPPED -shm case: this file system does not support chattr +i.');
        skip('no chattr +i here');
      }
      const info = await cli(['info', '--json', '--data-dir', dir.path]);
      expect(info.code, info.stderr).toBe(0);
      expect(JSON.parse(info.stdout).counts).toMatchObject({ accounts: 1, courses: 24 });
      const sync = await cli(['sync', '--data-dir', dir.path]);
      expect(sync.code).toBe(1);
      expect(sync.stderr).toMatch(/is read-only/);
    } finally {
      execFileSync('chattr', ['-i', shm], { stdio: 'ignore' });
      holder.close();
    }
  });
});
