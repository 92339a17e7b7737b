import type { SyncMode, SyncOutcome, SyncRun } from '../contract/channels/sync';
import type { Db } from './db';

interface RunRow {
  id: number;
  account_id: string;
  mode: SyncMode;
  started_at: string;
  ended_at: string | null;
  outcome: SyncOutcome;
  counts_json: string;
  skipped_json: string;
  error_code: string | null;
  error_message: string | null;
}

const toRun = (row: RunRow): SyncRun => ({
  id: row.id,
  accountId: row.account_id,
  mode: row.mode,
  startedAt: row.started_at,
  endedAt: row.ended_at,
  outcome: row.outcome,
  counts: JSON.parse(row.counts_json) as SyncRun['counts'],
  skipped: JSON.parse(row.skipped_json) as SyncRun['skipped'],
  errorCode: row.error_code,
  errorMessage: row.error_message,
});

export type SyncRunsRepo = ReturnType<typeof createSyncRunsRepo>;

export function createSyncRunsRepo(db: Db) {
  const insert = db.prepare(
    `INSERT INTO sync_runs (account_id, generation, mode, started_at, outcome) VALUES (?, ?, ?, ?, 'running')`,
  );
  const finish = db.prepare(
    `UPDATE sync_runs SET ended_at = @endedAt, outcome = @outcome, counts_json = @counts, skipped_json = @skipped,
       error_code = @errorCode, error_message = @errorMessage WHERE id = @id`,
  );
  const byId = db.prepare<[number], RunRow>('SELECT * FROM sync_runs WHERE id = ?');
  const history = db.prepare<[number], RunRow>('SELECT * FROM sync_runs ORDER BY id DESC LIMIT ?');
  const historyOf = db.prepare<[string, number], RunRow>(
    'SELECT * FROM sync_runs WHERE account_id = ? ORDER BY id DESC LIMIT ?',
  );
  const last = db.prepare<[string], RunRow>('SELECT * FROM sync_runs WHERE account_id = ? ORDER BY id DESC LIMIT 1');
  const lastGood = db.prepare<[string], { ended_at: string }>(
    "SELECT ended_at FROM sync_runs WHERE account_id = ? AND outcome IN ('ok', 'partial') ORDER BY id DESC LIMIT 1",
  );
  // A process killed mid-sync leaves 'running' rows behind; at start-up this process runs nothing, so they were
  // interrupted, except those of accounts another live process (or core) is syncing now (sync-locks-repo).
  const interrupt = db.prepare<[string, string]>(
    `UPDATE sync_runs SET outcome = 'failed', ended_at = coalesce(ended_at, ?), error_code = 'internal',
       error_message = 'The sync was interrupted (Rollbook quit or crashed). The previous data was kept; run it again.'
     WHERE outcome = 'running' AND account_id NOT IN (SELECT value FROM json_each(?))`,
  );

  const anyRunning = db
    .prepare<[], number>("SELECT EXISTS (SELECT 1 FROM sync_runs WHERE outcome = 'running')")
    .pluck();

  return {
    start: (accountId: string, generation: number, mode: SyncMode, at: string) =>
      Number(insert.run(accountId, generation, mode, at).lastInsertRowid),
    finish: (run: Omit<SyncRun, 'accountId' | 'mode' | 'startedAt'>) =>
      finish.run({
        id: run.id,
        endedAt: run.endedAt,
        outcome: run.outcome,
        counts: JSON.stringify(run.counts),
        skipped: JSON.stringify(run.skipped),
        errorCode: run.errorCode,
        errorMessage: run.errorMessage,
      }),
    get: (id: number) => {
      const row = byId.get(id);
      return row ? toRun(row) : undefined;
    },
    history: (accountId: string | undefined, limit: number) =>
      (accountId ? historyOf.all(accountId, limit) : history.all(limit)).map(toRun),
    last: (accountId: string) => {
      const row = last.get(accountId);
      return row ? toRun(row) : null;
    },
    dataAsOf: (accountId: string) => lastGood.get(accountId)?.ended_at ?? null,
    /** Whether any run is recorded as running (a read: no write lock wanted). */
    anyRunning: () => anyRunning.get() === 1,
    /** Call in a write transaction with the busy accounts read in it, so no run starts between the two. */
    markInterrupted: (at: string, busyAccounts: readonly string[]) =>
      interrupt.run(at, JSON.stringify(busyAccounts)).changes,
  };
}
