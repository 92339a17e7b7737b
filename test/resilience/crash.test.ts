/**
 * Crash safety: a syncing process killed with SIGKILL at random points never damages the cache. After each kill the
 * database passes integrity_check, shows a complete generation (the previous one, or the new one if the kill came
 * after the flip), and a rerun completes.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DB_FILE_NAME } from '../../electron/core/store/db';
import { testCore } from '../support/core';
import { makeDataset, scriptedConnector } from '../support/scripted-connector';
import { tempDir } from '../support/tmp';

const ROOT = resolve(import.meta.dirname, '../..');
const KILLS = Number(process.env.ROLLBOOK_CRASH_KILLS ?? 20);

/** Starts the child sync and SIGKILLs it after `afterEvents` progress lines; resolves with what it printed. */
function killMidSync(dataDir: string, afterEvents: number): Promise<{ lines: string[]; killed: boolean }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/support/sync-child.ts'), dataDir, '4', '60', '25'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let killed = false;
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (!killed && lines.length >= afterEvents) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (!killed && code !== 0) reject(new Error(`child failed (${code ?? signal}): ${stderr}`));
      else resolvePromise({ lines, killed: signal === 'SIGKILL' });
    });
  });
}

describe('crash safety', () => {
  const dir = tempDir('rollbook-crash-');
  afterAll(() => dir.cleanup());

  it(`survives SIGKILL at ${KILLS} random points mid-sync`, async () => {
    const previous = makeDataset(3, 30); // 90 progress rows
    const next = makeDataset(4, 60); // 240 progress rows, what the child syncs
    const seedCache = async (dataDir: string) => {
      const seed = testCore({ dataDir, inlineSync: true, createConnector: () => scriptedConnector({ data: previous }) });
      await seed.core.call('accounts.add', { label: 'Acme', settings: { platform: 'sample', seed: 1 } });
      expect((await seed.core.call('sync.run', {}))[0]!.outcome).toBe('ok');
      seed.core.close();
    };
    await seedCache(dir.path);

    // How many progress lines a whole run prints on this machine (events are throttled in time, so it varies), so
    // the kill points spread over the whole run wherever the test runs.
    const calibration = tempDir('rollbook-crash-calibration-');
    let events: number;
    try {
      await seedCache(calibration.path);
      events = (await killMidSync(calibration.path, Number.POSITIVE_INFINITY)).lines.filter((l) => l.startsWith('progress')).length;
    } finally {
      calibration.cleanup();
    }
    expect(events).toBeGreaterThanOrEqual(5);

    let killedMidway = 0;
    for (let i = 0; i < KILLS; i += 1) {
      // Anywhere from the first progress event to just past the end of the run.
      const afterEvents = 1 + Math.floor(Math.random() * (events + 1));
      const { killed } = await killMidSync(dir.path, afterEvents);
      if (killed) killedMidway += 1;

      const db = new Database(join(dir.path, DB_FILE_NAME));
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const live = db
          .prepare('SELECT count(*) AS n FROM progress p JOIN accounts a ON a.id = p.account_id AND p.generation = a.live_generation')
          .get() as { n: number };
        // A complete generation: the previous sync's or the child's, never a mix.
        expect([previous.progress.length, next.progress.length]).toContain(live.n);
        const courses = db
          .prepare('SELECT count(*) AS n FROM courses c JOIN accounts a ON a.id = c.account_id AND c.generation = a.live_generation')
          .get() as { n: number };
        expect(courses.n).toBe(live.n === previous.progress.length ? 3 : 4);
      } finally {
        db.close();
      }
    }
    expect(killedMidway).toBeGreaterThan(KILLS / 2);

    // A rerun completes and the interrupted runs are recorded as such, not left "running".
    const rerun = testCore({ dataDir: dir.path, inlineSync: true, createConnector: () => scriptedConnector({ data: next }) });
    try {
      expect((await rerun.core.call('sync.run', { mode: 'full' }))[0]!.outcome).toBe('ok');
      expect((await rerun.core.call('app.info')).counts.progress).toBe(240);
      const history = await rerun.core.call('sync.history', {});
      expect(history.some((r) => r.outcome === 'running')).toBe(false);
      expect(history.filter((r) => r.errorMessage?.includes('interrupted')).length).toBeGreaterThan(0);
    } finally {
      rerun.core.close();
    }
  }, 120_000);
});
