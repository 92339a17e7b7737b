/**
 * Worker-thread entry: syncs accounts (runAccountSync) on its own SQLite connections, one job at a time, and reports
 * progress and each finished run to the core. See worker-sync.ts for why syncs run here.
 */
import { parentPort, threadId } from 'node:worker_threads';
import { forwardingLogger, Scrubber } from '../log/log';
import { createConnector } from '../providers/registry';
import { createCacheWriter } from '../store/cache-writer';
import { pruneByRetention } from '../store/change-log';
import { openDatabase } from '../store/db';
import { createSyncLocks } from '../store/sync-locks-repo';
import { createSyncRunsRepo } from '../store/sync-runs-repo';
import { runAccountSync } from './run-account';
import type { FromWorker, SyncJob, ToWorker } from './worker-protocol';

const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);
const now = () => new Date();
const controllers = new Map<number, AbortController>();
// Secrets of every job this worker ran: none of its log lines may carry one.
const scrubber = new Scrubber();

async function run(job: number, input: SyncJob): Promise<void> {
  const controller = new AbortController();
  controllers.set(job, controller);
  scrubber.add(input.secret);
  // Lines go to the core's thread, which owns the log file: whole lines, one write each, never interleaved.
  const log = forwardingLogger(scrubber, (line) => post({ type: 'log', job, line }), { thread: threadId });
  // A connection per job (opening one takes milliseconds): a warm worker can serve any cache and holds none between.
  // Another account's worker may hold the write lock for a long move or sweep; waiting for it is this thread's job.
  const db = openDatabase(input.dataDir, { busyTimeoutMs: 600_000 });
  try {
    const result = await runAccountSync(
      {
        db,
        writer: createCacheWriter(db),
        runs: createSyncRunsRepo(db),
        locks: createSyncLocks(db),
        now,
        connect: async (account, onWait) =>
          createConnector(account.settings, input.secret, {
            now,
            teamupCompletionThreshold: input.teamupCompletionThreshold,
            onWait,
            httpOptions: { ...input.httpOptions, log },
            // The keychain is the core's thread's: the renewed secret goes there, in order with the run's messages.
            saveSecret: async (secret) => {
              scrubber.add(secret);
              post({ type: 'secret', job, secret });
            },
          }),
        emitProgress: (progress) => post({ type: 'progress', job, progress }),
        onInternalError: (error) =>
          post({
            type: 'internal-error',
            job,
            name: (error as Error)?.name ?? 'Error',
            message: String((error as Error)?.message ?? error),
            stack: (error as Error)?.stack,
          }),
        log,
      },
      input.account,
      { mode: input.mode, signal: controller.signal, owner: input.owner },
    );
    post({ type: 'done', job, run: result });
    // After the run is reported: old changes and trend points go while the window already shows the new data.
    if (result.outcome === 'ok' || result.outcome === 'partial') pruneQuietly(db, log);
  } finally {
    controllers.delete(job);
    db.close();
  }
}

function pruneQuietly(db: ReturnType<typeof openDatabase>, log: ReturnType<typeof forwardingLogger>): void {
  try {
    const started = performance.now();
    const pruned = pruneByRetention(db, now());
    log.info({ ...pruned, ms: Math.round(performance.now() - started) }, 'history pruned');
  } catch (error) {
    // Pruning is housekeeping: the next sync tries again.
    log.warn({ err: error }, 'history pruning failed');
  }
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'run') void run(message.job, message.input);
  else controllers.get(message.job)?.abort();
});
