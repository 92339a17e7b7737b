/**
 * One sync per account across every process that opens the cache (the app, the CLI, a second app instance). Two runs
 * of one account at once would sweep each other's staged generation (cache-writer's `begin`) and pick the same
 * generation number; the coordinator only prevents that within a process.
 *
 * A run holds its account's row in `sync_locks` from before it begins until it has finished. The row names the
 * holder's process: one whose process is gone (checked on this machine: WAL caches are never shared across machines),
 * or whose heartbeat stopped (a reused pid, a hung holder), no longer counts and is taken over.
 */
import { hostname } from 'node:os';
import { writeTransaction, type Db } from './db';

/** How often a holder refreshes its heartbeat. */
export const LOCK_HEARTBEAT_MS = 30_000;
/**
 * A holder whose heartbeat is older than this is taken over even if its pid is alive (the pid may belong to another
 * program by now). Generous: a holder's heartbeat may itself wait minutes for the write lock behind a big move.
 */
export const LOCK_STALE_MS = 20 * 60_000;

interface LockRow {
  account_id: string;
  owner: string;
  pid: number;
  host: string;
  heartbeat_at: number;
}

export type SyncLocks = ReturnType<typeof createSyncLocks>;

/** Whether a process of this machine is running (EPERM: it is, under another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function createSyncLocks(db: Db, now: () => number = Date.now) {
  const host = hostname();
  const byAccount = db.prepare<[string], LockRow>('SELECT * FROM sync_locks WHERE account_id = ?');
  const all = db.prepare<[], LockRow>('SELECT * FROM sync_locks');
  const put = db.prepare(
    'INSERT OR REPLACE INTO sync_locks (account_id, owner, pid, host, heartbeat_at) VALUES (?, ?, ?, ?, ?)',
  );
  const beat = db.prepare('UPDATE sync_locks SET heartbeat_at = ? WHERE account_id = ? AND owner = ?');
  const remove = db.prepare('DELETE FROM sync_locks WHERE account_id = ? AND owner = ?');

  const live = (row: LockRow) =>
    now() - row.heartbeat_at < LOCK_STALE_MS && (row.host !== host || processAlive(row.pid));

  /** Takes the account's lock unless a live holder other than `owner` has it; the check and the take are atomic. */
  const take = writeTransaction(db, (accountId: string, owner: string): boolean => {
    const row = byAccount.get(accountId);
    if (row && row.owner !== owner && live(row)) return false;
    put.run(accountId, owner, process.pid, host, now());
    return true;
  });

  return {
    /**
     * True if `owner` now holds the account's lock. A lock held by a live holder is seen with a read (no write lock
     * wanted), so a waiter polling it never queues behind other processes' writes.
     */
    tryAcquire(accountId: string, owner: string): boolean {
      const row = byAccount.get(accountId);
      if (row && row.owner !== owner && live(row)) return false;
      return take(accountId, owner);
    },
    heartbeat: (accountId: string, owner: string) => beat.run(now(), accountId, owner).changes > 0,
    release: (accountId: string, owner: string) => void remove.run(accountId, owner),
    /** Accounts a live run (in this process or another) is syncing now. */
    busyAccounts: (): string[] =>
      all
        .all()
        .filter(live)
        .map((row) => row.account_id),
  };
}
