/**
 * Runs one account's sync where the host asked: in a sync worker thread (worker-sync.ts) when it passed the worker's
 * code, else on this thread (run-account.ts). Either way a run never throws: its outcome is in the run.
 */
import { randomUUID } from 'node:crypto';
import type { AccountSettings } from '../contract/accounts';
import type { Account } from '../contract/channels/accounts';
import type { SyncMode, SyncProgress, SyncRun } from '../contract/channels/sync';
import type { HttpWaitInfo } from '../http/types';
import type { RollbookLog } from '../log/log';
import type { Connector } from '../providers/types';
import { createCacheWriter } from '../store/cache-writer';
import { pruneByRetention } from '../store/change-log';
import type { Db } from '../store/db';
import type { SyncLocks } from '../store/sync-locks-repo';
import type { SyncRunsRepo } from '../store/sync-runs-repo';
import { runAccountSync, type RunAccountDeps } from './run-account';
import type { SyncJob } from './worker-protocol';
import { syncWorkerPool, type SyncJobHost, type SyncWorkerEntry } from './worker-sync';

export interface SyncRunnerDeps {
  dataDir: string;
  db: Db;
  runs: SyncRunsRepo;
  locks: SyncLocks;
  now: () => Date;
  log: Pick<RollbookLog, 'logger' | 'writeLine'>;
  /** The account's secret (secrets/account-secrets.ts); throws secret_missing if it is gone. */
  secretOf: (account: Account) => Promise<string>;
  /** Writes a renewed secret back (a rotated OAuth refresh token), from this thread or a worker's. */
  saveSecret: (accountId: string, secret: string) => Promise<void>;
  /** Connectors for runs on this thread. */
  connectorFor: (
    settings: AccountSettings,
    secret: string,
    onWait?: (info: HttpWaitInfo) => void,
    saveSecret?: (secret: string) => Promise<void>,
  ) => Connector;
  /** Read as each worker run starts, so a changed setting applies to the next sync. */
  teamupCompletionThreshold: () => number;
  httpOptions?: SyncJob['httpOptions'];
  emitProgress: (progress: SyncProgress) => void;
  onInternalError: (error: unknown) => void;
  /** Where the sync worker's code is; absent, syncs run on this thread. */
  worker?: SyncWorkerEntry;
}

export interface SyncRunner {
  /** Whether syncs run in worker threads. */
  readonly inWorker: boolean;
  /** One account's whole run: never throws, the outcome (a failure too) is in the run. */
  run: (account: Account, run: { mode: SyncMode; signal: AbortSignal }) => Promise<SyncRun>;
  /** The cache is about to close: nothing more is written for it, and runs on this thread let go of their accounts. */
  close: () => void;
}

export function createSyncRunner(deps: SyncRunnerDeps): SyncRunner {
  const inlineDeps: RunAccountDeps = {
    db: deps.db,
    writer: createCacheWriter(deps.db),
    runs: deps.runs,
    locks: deps.locks,
    now: deps.now,
    connect: async (account, onWait) =>
      deps.connectorFor(account.settings, await deps.secretOf(account), onWait, (secret) =>
        deps.saveSecret(account.id, secret),
      ),
    emitProgress: deps.emitProgress,
    onInternalError: deps.onInternalError,
    log: deps.log.logger,
  };
  let closed = false;
  const pool = deps.worker ? syncWorkerPool(deps.worker) : null;
  const jobHost: SyncJobHost = {
    runs: deps.runs,
    locks: deps.locks,
    now: deps.now,
    emitProgress: deps.emitProgress,
    onInternalError: deps.onInternalError,
    writeLog: deps.log.writeLine,
    saveSecret: deps.saveSecret,
    isClosed: () => closed,
  };
  // Account locks of runs on this thread: closing the cache under one leaves it no connection to release its own.
  const inlineLocks = new Map<string, string>();
  const runInline = async (runDeps: RunAccountDeps, account: Account, run: { mode: SyncMode; signal: AbortSignal }) => {
    const owner = randomUUID();
    inlineLocks.set(owner, account.id);
    try {
      const result = await runAccountSync(runDeps, account, { ...run, owner });
      // Old changes and trend points go after the run is reported, on a later turn (the worker does the same).
      if (result.outcome === 'ok' || result.outcome === 'partial') {
        setImmediate(() => {
          if (closed || !deps.db.open) return;
          try {
            pruneByRetention(deps.db, deps.now());
          } catch (error) {
            deps.log.logger.warn({ err: error }, 'history pruning failed');
          }
        });
      }
      return result;
    } finally {
      inlineLocks.delete(owner);
    }
  };

  return {
    inWorker: pool !== null,
    run: async (account, run) => {
      if (!pool) return runInline(inlineDeps, account, run);
      // The keychain is read here, on the host's thread; a missing secret is recorded as a failed run, as inline.
      const secret = await deps.secretOf(account).catch((error: unknown) => error as Error);
      if (secret instanceof Error)
        return runInline({ ...inlineDeps, connect: () => Promise.reject(secret) }, account, run);
      const job: SyncJob = {
        dataDir: deps.dataDir,
        account,
        secret,
        mode: run.mode,
        owner: randomUUID(),
        teamupCompletionThreshold: deps.teamupCompletionThreshold(),
        httpOptions: deps.httpOptions,
      };
      return pool.run(jobHost, job, { signal: run.signal });
    },
    close: () => {
      closed = true;
      for (const [owner, accountId] of inlineLocks) deps.locks.release(accountId, owner);
    },
  };
}
