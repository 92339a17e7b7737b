/**
 * Crash safety: a process syncing in its sync worker, killed with SIGKILL at random points, never damages the cache.
 * After each kill the database passes integrity_check, shows a complete generation (the previous one, or the new one
 * if the kill came after the flip), and a rerun completes. The sync reads a loopback iSpring Learn whose answers are
 * slowed down, so kills land all along the run.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DB_FILE_NAME } from '../../electron/core/store/db';
import { startIspringSimulator, type IspringSimulator } from '../simulators/ispring';
import { testCore } from '../support/core';
import { makeDataset, scriptedConnector } from '../support/scripted-connector';
import { tempDir } from '../support/tmp';

const ROOT = resolve(import.meta.dirname, '../..');
const KILLS = Number(process.env.ROLLBOOK_CRASH_KILLS ?? 20);
const FLIP_KILLS = Number(process.env.ROLLBOOK_CRASH_FLIP_KILLS ?? 8);

/** Starts the child sync and SIGKILLs it after `afterEvents` progress lines; resolves with what it printed. */
function killMidSync(
  dataDir: string,
  sim: IspringSimulator,
  afterEvents: number,
): Promise<{ lines: string[]; killed: boolean }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'test/support/sync-child.ts'), dataDir, sim.options.clientSecret],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
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
  let sim: IspringSimulator | undefined;
  afterAll(async () => {
    await sim?.close();
    dir.cleanup();
  });

  it(`survives SIGKILL at ${KILLS} random points mid-sync`, async () => {
    const previous = makeDataset(3, 30); // 90 progress rows
    // What the child syncs: 240 progress rows over 4 courses, in pages of 10, each answer 30 ms late.
    sim = await startIspringSimulator({ courses: 4, learners: 60, results: 240, pageSizeCap: 10 });
    sim.addFault({ match: /contents|users|results/, fault: { kind: 'delay', ms: 30 } });
    const next = { courses: 4, progress: sim.data.results.length };
    const settings = {
      platform: 'ispring' as const,
      baseUrl: sim.url,
      authMode: 'token' as const,
      clientId: sim.options.clientId,
      format: 'json' as const,
    };
    // The previous generation comes from a scripted connector (its own complete, different data).
    const seedCache = async (dataDir: string) => {
      const seed = testCore({
        dataDir,
        inlineSync: true,
        createConnector: () => scriptedConnector({ data: previous }),
      });
      await seed.core.call('accounts.add', { label: 'Acme', settings, secret: 'scripted', storage: 'session' });
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
      const whole = await killMidSync(calibration.path, sim, Number.POSITIVE_INFINITY);
      expect(whole.lines.at(-1)).toBe('done ok');
      events = whole.lines.filter((l) => l.startsWith('progress')).length;
    } finally {
      calibration.cleanup();
    }
    expect(events).toBeGreaterThanOrEqual(5);

    let killedMidway = 0;
    for (let i = 0; i < KILLS; i += 1) {
      // Anywhere from the first progress event to just past the end of the run.
      const afterEvents = 1 + Math.floor(Math.random() * (events + 1));
      const { killed, lines } = await killMidSync(dir.path, sim, afterEvents);
      if (killed) killedMidway += 1;
      // A run that ended before its kill point printed fewer lines than the calibration (which a busier moment may
      // have slowed): later kill points aim within runs as long as this one.
      else events = Math.max(1, Math.min(events, lines.filter((l) => l.startsWith('progress')).length));

      const db = new Database(join(dir.path, DB_FILE_NAME));
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const live = db
          .prepare(
            'SELECT count(*) AS n FROM progress p JOIN accounts a ' +
              'ON a.id = p.account_id AND p.generation = a.live_generation',
          )
          .get() as { n: number };
        // A complete generation: the previous sync's or the child's, never a mix.
        expect([previous.progress.length, next.progress]).toContain(live.n);
        const courses = db
          .prepare(
            'SELECT count(*) AS n FROM courses c JOIN accounts a ' +
              'ON a.id = c.account_id AND c.generation = a.live_generation',
          )
          .get() as { n: number };
        expect(courses.n).toBe(live.n === previous.progress.length ? 3 : next.courses);
      } finally {
        db.close();
      }
    }
    expect(killedMidway).toBeGreaterThan(KILLS / 2);

    // A rerun completes and the interrupted runs are recorded as such, not left "running".
    const rerun = testCore({ dataDir: dir.path });
    try {
      await rerun.core.call('accounts.replaceSecret', {
        account: 'Acme',
        secret: sim.options.clientSecret,
        storage: 'session',
      });
      expect((await rerun.core.call('sync.run', { mode: 'full' }))[0]!.outcome).toBe('ok');
      expect((await rerun.core.call('app.info')).counts.progress).toBe(next.progress);
      const history = await rerun.core.call('sync.history', {});
      expect(history.some((r) => r.outcome === 'running')).toBe(false);
      expect(history.filter((r) => r.errorMessage?.includes('interrupted')).length).toBeGreaterThan(0);
    } finally {
      rerun.core.close();
    }
  }, 600_000);

  it(`a SIGKILL inside the flip leaves the new data and its changes, or neither (${FLIP_KILLS} kills)`, async () => {
    const flipDir = tempDir('rollbook-crash-flip-');
    try {
      // 20k progress rows: every flip changes all of them, so its change log takes a while to write.
      const seed = testCore({
        dataDir: flipDir.path,
        inlineSync: true,
        createConnector: () => scriptedConnector({ data: makeDataset(20, 1000), pageSize: 1000 }),
      });
      await seed.core.call('accounts.add', { label: 'Acme', settings: { platform: 'sample', seed: 1 } });
      expect((await seed.core.call('sync.run', {}))[0]!.outcome).toBe('ok');
      seed.core.close();
      const rows = 20_000;

      /** Runs the child; with `killAfterMs`, SIGKILLs it that long after it begins the commit. */
      const flip = (killAfterMs?: number) =>
        new Promise<{ flipMs: number; killed: boolean }>((resolvePromise, reject) => {
          const child = spawn(
            process.execPath,
            ['--import', 'tsx', join(ROOT, 'test/support/flip-child.ts'), flipDir.path],
            {
              cwd: ROOT,
              stdio: ['ignore', 'pipe', 'pipe'],
            },
          );
          let started = 0;
          let flipMs = 0;
          let stderr = '';
          child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
          child.stdout.on('data', (chunk: Buffer) => {
            const text = chunk.toString();
            if (text.includes('flip') && started === 0) {
              started = performance.now();
              if (killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
            }
            if (text.includes('done')) flipMs = performance.now() - started;
          });
          child.on('error', reject);
          child.on('exit', (code, signal) => {
            if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`flip child failed (${code}): ${stderr}`));
            else resolvePromise({ flipMs, killed: signal === 'SIGKILL' });
          });
        });

      /** The live generation, and whether its changes are there: all of them (it was flipped) or none (baseline). */
      const state = () => {
        const db = new Database(join(flipDir.path, DB_FILE_NAME));
        try {
          expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
          const live = db.prepare('SELECT live_generation FROM accounts').pluck().get() as number;
          const syncs = db.prepare('SELECT generation, baseline, total FROM change_syncs ORDER BY id').all() as {
            generation: number;
            baseline: number;
            total: number;
          }[];
          const changes = db.prepare('SELECT count(*) FROM changes').pluck().get() as number;
          return { live, syncs, changes };
        } finally {
          db.close();
        }
      };

      // Calibration: one whole flip, to aim the kills inside it.
      const whole = await flip();
      let expected = state();
      expect(expected.syncs.at(-1)).toMatchObject({ generation: expected.live, baseline: 0, total: rows });
      let inside = 0;
      for (let i = 0; i < FLIP_KILLS; i += 1) {
        const { killed } = await flip(Math.random() * whole.flipMs * 1.2);
        const now = state();
        if (now.live === expected.live) {
          // Not flipped: no trace of the killed run's changes.
          expect(now.syncs).toEqual(expected.syncs);
          expect(now.changes).toBe(expected.changes);
          if (killed) inside += 1;
        } else {
          // Flipped: its changes came with it, every one.
          expect(now.syncs.at(-1)).toMatchObject({ generation: now.live, baseline: 0, total: rows });
          expect(now.changes).toBe(expected.changes + rows);
        }
        expected = now;
      }
      expect(inside).toBeGreaterThan(0);
    } finally {
      flipDir.cleanup();
    }
  }, 600_000);
});
