/**
 * Runs one account's sync in a worker thread instead of the host's main thread.
 *
 * Why: moving a big sync's staged rows into their tables is one long synchronous SQLite statement (seconds for
 * 100k rows), which on the main thread froze every other request, and in the app the window's IPC with it. A worker
 * has its own connection (WAL lets the main thread keep reading meanwhile) and its own V8 heap, whose young
 * generation can be capped: left alone, V8 sizes it from the machine's memory and lets a long sync's steady garbage
 * grow it, which was most of the difference between a big sync's live data and its peak RSS.
 */
import { Worker } from 'node:worker_threads';
import type { SyncMode, SyncProgress, SyncRun } from '../contract/channels/sync';
import type { SyncLocks } from '../store/sync-locks-repo';
import type { SyncRunsRepo } from '../store/sync-runs-repo';
import { findWorker, type WorkerEntry } from '../worker-entry';
import { describeCause } from '../log/log';
import type { FromWorker, SyncJob, ToWorker } from './worker-protocol';

/** Where the worker's code is, and how to start it. */
export type SyncWorkerEntry = WorkerEntry;

/**
 * The young generation of a sync worker: small enough to keep a big sync's peak RSS under its target, at no cost in
 * time. Smaller still saves little memory and slows XML syncs, whose parsing allocates the most (bench/README.md).
 */
const YOUNG_GENERATION_MB = 16;

/** The bundled `sync-worker.js` beside the app's and the CLI's entries, or the TypeScript source under tsx. */
export function findSyncWorker(from: string = import.meta.url): SyncWorkerEntry | undefined {
  return findWorker('sync-worker', './sync-worker.ts', from);
}

/** The core a job belongs to: where its progress goes and where a failure is recorded. */
export interface SyncJobHost {
  runs: SyncRunsRepo;
  locks: SyncLocks;
  now: () => Date;
  emitProgress: (progress: SyncProgress) => void;
  onInternalError?: (error: unknown) => void;
  /** Writes a whole log line the worker's logger made to the core's log file. */
  writeLog?: (line: string) => void;
  /** Writes a renewed secret of the job's account where the account keeps it (the keychain lives on this thread). */
  saveSecret?: (accountId: string, secret: string) => Promise<void>;
  /** A closed core's cache is closed too: nothing more is written for it. */
  isClosed: () => boolean;
}

/** How long an idle worker is kept for the next sync (auto-sync, "sync all" after "sync one") before it is stopped. */
const IDLE_MS = 60_000;

interface PooledWorker {
  worker: Worker;
  busy: number | null;
  idleTimer: NodeJS.Timeout | null;
}

interface Job {
  host: SyncJobHost;
  accountId: string;
  mode: SyncMode;
  owner: string;
  runId: number | null;
  settle: (run: SyncRun) => void;
}

/**
 * Sync workers, one job at a time each, kept warm between syncs: starting one (a thread and its modules) costs a few
 * hundred milliseconds, as much as syncing 10k rows. One pool per worker entry serves every core in the process
 * (`syncWorkerPool`); the coordinators bound how many jobs run at once. An idle worker does not keep the process
 * alive, and one idle for a minute is stopped.
 */
export class SyncWorkerPool {
  private readonly workers: PooledWorker[] = [];
  private readonly jobs = new Map<number, Job>();
  private nextJob = 1;

  constructor(private readonly entry: SyncWorkerEntry) {}

  run(host: SyncJobHost, input: SyncJob, options: { signal: AbortSignal }): Promise<SyncRun> {
    return new Promise<SyncRun>((resolve) => {
      let pooled: PooledWorker;
      try {
        pooled = this.workers.find((w) => w.busy === null) ?? this.start();
      } catch (error) {
        // A worker that cannot even be created (bad options, no threads left) fails the run like one that died.
        host.onInternalError?.(error);
        resolve(
          this.recordFailure(
            { host, accountId: input.account.id, mode: input.mode, owner: input.owner, runId: null },
            error,
          ),
        );
        return;
      }
      const id = this.nextJob++;
      const cancel = () => pooled.worker.postMessage({ type: 'cancel', job: id } satisfies ToWorker);
      this.jobs.set(id, {
        host,
        accountId: input.account.id,
        mode: input.mode,
        owner: input.owner,
        runId: null,
        settle: (run) => {
          this.jobs.delete(id);
          options.signal.removeEventListener('abort', cancel);
          this.release(pooled);
          resolve(run);
        },
      });
      pooled.busy = id;
      if (pooled.idleTimer) clearTimeout(pooled.idleTimer);
      pooled.idleTimer = null;
      pooled.worker.ref();
      pooled.worker.postMessage({ type: 'run', job: id, input } satisfies ToWorker);
      if (options.signal.aborted) cancel();
      else options.signal.addEventListener('abort', cancel, { once: true });
    });
  }

  private start(): PooledWorker {
    const worker = new Worker(this.entry.url, {
      execArgv: this.entry.execArgv,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    const pooled: PooledWorker = { worker, busy: null, idleTimer: null };
    this.workers.push(pooled);
    worker.on('message', (message: FromWorker) => {
      const job = this.jobs.get(message.job);
      if (!job) return;
      if (message.type === 'log') {
        job.host.writeLog?.(message.line);
      } else if (message.type === 'secret') {
        job.host
          .saveSecret?.(job.accountId, message.secret)
          .catch((error: unknown) => job.host.onInternalError?.(error));
      } else if (message.type === 'progress') {
        // 0 while the run waits for another process's sync of the account: no run row yet.
        if (message.progress.runId > 0) job.runId = message.progress.runId;
        job.host.emitProgress(message.progress);
      } else if (message.type === 'done') {
        job.settle(message.run);
      } else {
        job.host.onInternalError?.(
          Object.assign(new Error(message.message), { name: message.name, stack: message.stack }),
        );
      }
    });
    const died = (error: unknown) => {
      const index = this.workers.indexOf(pooled);
      if (index >= 0) this.workers.splice(index, 1);
      const job = pooled.busy === null ? undefined : this.jobs.get(pooled.busy);
      pooled.busy = null;
      if (job) {
        if (!job.host.isClosed()) job.host.onInternalError?.(error);
        job.settle(this.recordFailure(job, error));
      }
    };
    worker.on('error', died);
    worker.on('exit', (code) => died(new Error(`The sync worker exited (code ${code}) before finishing.`)));
    return pooled;
  }

  private release(pooled: PooledWorker): void {
    pooled.busy = null;
    if (!this.workers.includes(pooled)) return;
    pooled.worker.unref();
    pooled.idleTimer = setTimeout(() => {
      const index = this.workers.indexOf(pooled);
      if (index >= 0 && pooled.busy === null) {
        this.workers.splice(index, 1);
        void pooled.worker.terminate();
      }
    }, IDLE_MS);
    pooled.idleTimer.unref();
  }

  /**
   * The worker died without a result (out of memory, a crash in native code, a bug before the run began): the run
   * is recorded as failed, like one a killed process leaves behind, and the next run sweeps its staged rows. The
   * run's message carries the cause on one line, so the CLI and the window can say what happened; the stack is logged.
   */
  private recordFailure(job: Omit<Job, 'settle'>, cause: unknown): SyncRun {
    const { runs, locks, now, isClosed } = job.host;
    const at = now().toISOString();
    const failure = { endedAt: at, outcome: 'failed' as const, counts: {}, skipped: [], errorCode: 'internal' };
    // Closing: the cache is being closed too; the next start marks the run interrupted (sync-runs-repo).
    if (isClosed()) {
      const errorMessage = 'The sync was stopped because Rollbook is closing. The previous data was kept.';
      return { id: job.runId ?? 0, accountId: job.accountId, mode: job.mode, startedAt: at, ...failure, errorMessage };
    }
    const errorMessage =
      `The sync stopped unexpectedly (${describeCause(cause)}). ` + 'The previous data was kept; run it again.';
    // The worker's lock on the account (if it got that far) died with it; this process lives on, so it would not
    // look stale to other processes for a long while.
    locks.release(job.accountId, job.owner);
    try {
      const id = job.runId ?? runs.start(job.accountId, 0, job.mode, at);
      runs.finish({ id, ...failure, errorMessage });
      const run = runs.get(id);
      if (run) return run;
    } catch {
      // The account was removed meanwhile (its runs with it): nothing to record the run against.
    }
    return { id: 0, accountId: job.accountId, mode: job.mode, startedAt: at, ...failure, errorMessage };
  }
}

const pools = new Map<string, SyncWorkerPool>();

/** The process's pool for a worker entry. */
export function syncWorkerPool(entry: SyncWorkerEntry): SyncWorkerPool {
  const key = `${entry.url.href} ${entry.execArgv?.join(' ') ?? ''}`;
  let pool = pools.get(key);
  if (!pool) pools.set(key, (pool = new SyncWorkerPool(entry)));
  return pool;
}
