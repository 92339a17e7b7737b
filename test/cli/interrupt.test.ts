/**
 * Ctrl+C during `rollbook sync`: the sync (in its worker thread) stops within a second or two, the CLI exits 1 with
 * the reason, and the previous data stays.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliIspringAccount } from '../support/cli-account';

const ROOT = resolve(import.meta.dirname, '../..');

describe('CLI interrupt', () => {
  const account = cliIspringAccount('Slow LMS', { courses: 10, learners: 200, results: 1_500, pageSizeCap: 50 });
  const { dir, run } = account;

  it('Ctrl+C stops a running sync quickly, exits 1 and keeps the previous data', async (ctx) => {
    if (!account.keychain) return ctx.skip(); // the CLI keeps secrets only in the OS keychain
    const before = await account.addAndSync();
    expect(before.progress).toBeGreaterThan(500); // more than ten pages of 50

    // Every results page now takes a second: the sync is still running when Ctrl+C comes.
    account.sim.addFault({ match: /learners\/results/, fault: { kind: 'delay', ms: 1_000 } });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', resolve(ROOT, 'electron/core/cli/main.ts'), 'sync', '--data-dir', dir.path],
      { cwd: ROOT },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    // Plain lines come as steps end: attendance's comes as the progress step begins.
    await expect.poll(() => stderr, { timeout: 60_000 }).toMatch(/attendance \(4\/5\)/);
    const interruptedAt = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    const stoppedIn = Date.now() - interruptedAt;
    expect(code).toBe(1);
    expect(stderr).toMatch(/Slow LMS: (CANCELLED|cancelled).*previous data was kept/i);
    // Stopped, not finished: the thirty pages still to come would take thirty seconds (a page in flight is
    // abandoned at once; the bound only leaves room for a paused machine).
    expect(stoppedIn).toBeLessThan(15_000);
    expect(JSON.parse((await run(['info', '--json'])).stdout).counts).toEqual(before);
    expect((await run(['sync', '--status'])).stdout).toMatch(/Slow LMS\tcancelled at /);
  }, 150_000);
});
