/**
 * Two processes on one cache: this process syncs six accounts again and again (all at once, in the real sync
 * worker) while a second process, the `rollbook` CLI, syncs three of the same accounts and exports reports from the
 * same cache. No run may fail ("database is locked", a swept generation), no two runs of one account may overlap, the
 * file must stay sound, and every account must end with exactly the rows its provider serves.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncRun } from '../../electron/core/contract/channels/sync';
import { generateSampleDataset } from '../../electron/core/providers/sample';
import { applySampleDrift } from '../../electron/core/providers/sample-drift';
import { DB_FILE_NAME } from '../../electron/core/store/db';
import { findSyncWorker } from '../../electron/core/sync/worker-sync';
import { startIspringSimulator, type IspringSimulator } from '../simulators/ispring';
import { cli } from '../support/cli';
import { testCore } from '../support/core';

/** Sample accounts (no secret: the CLI process can sync them too) and their seeds. */
const SAMPLES = [1, 2, 3, 4];
/** The accounts the CLI process syncs at the same time as this one. */
const SHARED = ['Sample 1', 'Sample 2', 'Sample 3'];
/** CLI rounds: each syncs the shared accounts in full and exports two reports. */
const CLI_ROUNDS = 3;
/** This process's full syncs of all six accounts: at least this many, and more while the CLI is still going. */
const MIN_ROUNDS = 2;
const MAX_ROUNDS = 12;

type Counts = { courses: number; sessions: number; learners: number; attendance: number; progress: number };

const TABLES: Record<keyof Counts, string> = {
  courses: 'courses',
  sessions: 'course_sessions',
  learners: 'learners',
  attendance: 'attendance',
  progress: 'progress',
};

function liveCounts(db: Database.Database, accountId: string): Counts {
  const count = (table: string) =>
    (
      db
        .prepare(
          `SELECT count(*) AS n FROM ${table} t JOIN accounts a ON a.id = t.account_id ` +
            'AND t.generation = a.live_generation WHERE a.id = ?',
        )
        .get(accountId) as { n: number }
    ).n;
  return Object.fromEntries(Object.entries(TABLES).map(([key, table]) => [key, count(table)])) as Counts;
}

describe('two processes syncing and exporting one cache', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('no run fails, the file stays sound and every account ends complete', async () => {
    const sims: IspringSimulator[] = [];
    for (const seed of [11, 12]) {
      const sim = await startIspringSimulator({ seed, courses: 12, learners: 300, results: 2_000, pageSizeCap: 200 });
      cleanups.push(() => sim.close());
      sims.push(sim);
    }
    const t = testCore({
      syncWorker: findSyncWorker(),
      httpOptions: { retry: { retries: 2, baseDelayMs: 20, maxDelayMs: 50 } },
    });
    cleanups.push(t.cleanup);
    const { core, dataDir } = t;

    const expected = new Map<string, Counts>();
    /** Sample accounts drift a day per sync (sample-drift.ts): what each serves is known once the syncs are done. */
    const samples = new Map<string, number>();
    for (const seed of SAMPLES) {
      const { account } = await core.call('accounts.add', {
        label: `Sample ${seed}`,
        settings: { platform: 'sample', seed },
        storage: 'session',
      });
      samples.set(account.id, seed);
    }
    for (const [index, sim] of sims.entries()) {
      const settings = {
        platform: 'ispring' as const,
        baseUrl: sim.url,
        authMode: 'token' as const,
        clientId: sim.options.clientId,
        format: 'json' as const,
      };
      const { account } = await core.call('accounts.add', {
        label: `iSpring ${index + 1}`,
        settings,
        secret: sim.options.clientSecret,
        storage: 'session',
      });
      expected.set(account.id, {
        courses: sim.data.courses.length,
        sessions: 0,
        learners: sim.data.users.length,
        attendance: 0,
        progress: sim.data.results.length,
      });
    }

    // The second process: syncs overlapping accounts and exports, round after round.
    const cliResults: { args: string[]; code: number; stderr: string }[] = [];
    let cliDone = false;
    const second = (async () => {
      try {
        for (let round = 0; round < CLI_ROUNDS; round += 1) {
          const commands = [
            ['sync', ...SHARED, '--full'],
            ['report', 'completions', '--format', 'csv', '--out', join(dataDir, `completions-${round}.csv`)],
            ['report', 'courses', '--format', 'csv', '--out', join(dataDir, `courses-${round}.csv`)],
          ];
          for (const args of commands) {
            const result = await cli([...args, '--data-dir', dataDir]);
            cliResults.push({ args, code: result.code, stderr: result.stderr });
          }
        }
      } finally {
        cliDone = true;
      }
    })();

    const runs: SyncRun[] = [];
    for (let round = 0; round < MAX_ROUNDS && (round < MIN_ROUNDS || !cliDone); round += 1) {
      runs.push(...(await core.call('sync.run', { mode: 'full' })));
    }
    await second;

    const failedHere = runs
      .filter((r) => r.outcome !== 'ok')
      .map((r) => `${r.accountId}: ${r.outcome} ${r.errorMessage ?? ''}`);
    expect(failedHere).toEqual([]);
    const failedThere = cliResults
      .filter((r) => r.code !== 0)
      .map((r) => `${r.args.join(' ')} → ${r.code}\n${r.stderr}`);
    expect(failedThere).toEqual([]);
    expect(cliResults).toHaveLength(CLI_ROUNDS * 3);

    const db = new Database(join(dataDir, DB_FILE_NAME), { readonly: true });
    cleanups.push(() => void db.close());
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    // Every run either process recorded ended well: none was failed, interrupted or left running.
    expect(db.prepare("SELECT outcome, error_message AS message FROM sync_runs WHERE outcome <> 'ok'").all()).toEqual(
      [],
    );
    const recorded = db
      .prepare<[], { account_id: string; started_at: string; ended_at: string }>(
        'SELECT account_id, started_at, ended_at FROM sync_runs ORDER BY account_id, started_at',
      )
      .all();
    expect(recorded).toHaveLength(runs.length + CLI_ROUNDS * SHARED.length);
    // One run per account at a time, across both processes: each began after the account's previous one ended.
    const overlapping = recorded.filter((run, i) => {
      const previous = recorded[i - 1];
      return previous?.account_id === run.account_id && Date.parse(run.started_at) < Date.parse(previous.ended_at);
    });
    expect(overlapping).toEqual([]);
    for (const [accountId, seed] of samples) {
      // The live generation is the one the last sync wrote; it saw every earlier sync's change log entry.
      const syncs = db.prepare<[string], number>('SELECT count(*) FROM change_syncs WHERE account_id = ?').pluck();
      const data = applySampleDrift(generateSampleDataset(seed, new Date()), seed, syncs.get(accountId)! - 1);
      expected.set(accountId, {
        courses: data.courses.length,
        sessions: data.sessions.length,
        learners: data.learners.length,
        attendance: data.attendance.length,
        progress: data.progress.length,
      });
    }
    for (const [accountId, counts] of expected) expect(liveCounts(db, accountId), accountId).toEqual(counts);
  }, 240_000);
});
