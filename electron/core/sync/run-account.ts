/**
 * One account's sync: pull every resource through the connector, in dependency order, into a staging generation,
 * then flip it live. Never leaves a half-updated account: on failure or cancel the staging rows are discarded and
 * the previous generation stays visible.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Account } from '../contract/channels/accounts';
import {
  SYNC_RESOURCES,
  type SyncMode,
  type SyncProgress,
  type SyncResource,
  type SyncRun,
} from '../contract/channels/sync';
import { RollbookError } from '../contract/errors';
import type { HttpWaitInfo } from '../http/types';
import { readAhead } from '../providers/parallel';
import type { Connector, Page, SkippedCourse } from '../providers/types';
import type { CacheWriter } from '../store/cache-writer';
import { createRunReader } from '../store/run-reader';
import type { SyncRunsRepo } from '../store/sync-runs-repo';
import type { Db } from '../store/db';
import { LOCK_HEARTBEAT_MS, type SyncLocks } from '../store/sync-locks-repo';
import { describeCause, type Logger } from '../log/log';

export interface RunAccountDeps {
  db: Db;
  writer: CacheWriter;
  runs: SyncRunsRepo;
  locks: SyncLocks;
  now: () => Date;
  /** Builds the connector; `onWait` is how rate-limit waits reach the progress bar. */
  connect: (account: Account, onWait: (info: HttpWaitInfo) => void) => Promise<Connector>;
  emitProgress: (progress: SyncProgress) => void;
  onInternalError?: (error: unknown) => void;
  /** Runs, their steps and timings are logged here (ids and counts only: never a row). */
  log?: Logger;
}

/** Progress events at most this often per account (a 1M-row sync has 10k pages). */
const PROGRESS_INTERVAL_MS = 100;

/** How often a run waiting for another process's sync of the same account looks again. */
const LOCK_POLL_MS = 500;

export interface RunAccountOptions {
  mode: SyncMode;
  signal: AbortSignal;
  /** Names this run in the account's cross-process lock; the host makes it so it can release a dead worker's lock. */
  owner?: string;
}

/**
 * Waits until no other run (in another process, or another core of this one) is syncing the account, saying so as a
 * 'waiting' progress state, then syncs it holding the account's lock.
 */
export async function runAccountSync(
  deps: RunAccountDeps,
  account: Account,
  options: RunAccountOptions,
): Promise<SyncRun> {
  const owner = options.owner ?? randomUUID();
  try {
    if (!(await waitForAccount(deps, account, owner, options.signal))) {
      return cancelledWhileWaiting(deps, account, options.mode);
    }
  } catch (error) {
    return failedOutsideRun(deps, account, options.mode, error);
  }
  // The heartbeat tells a live holder from a crashed one whose pid another program now has. A beat that failed (it
  // waited too long for the write lock) is not worth failing the sync for: the lock goes stale only after many.
  const heartbeat = setInterval(() => {
    try {
      deps.locks.heartbeat(account.id, owner);
    } catch {
      // The next beat tries again.
    }
  }, LOCK_HEARTBEAT_MS);
  heartbeat.unref();
  try {
    // Its own failures are recorded runs; what escapes (the account removed under it, its run row gone) ends here.
    const run = await syncAccount(deps, account, options).catch((error: unknown) => error as Error);
    return run instanceof Error ? failedOutsideRun(deps, account, options.mode, run) : run;
  } finally {
    clearInterval(heartbeat);
    // A closed cache (the core closing under an inline run) is released by the core itself.
    if (deps.db.open) deps.locks.release(account.id, owner);
  }
}

/** False if the run was cancelled while it waited. */
async function waitForAccount(
  deps: RunAccountDeps,
  account: Account,
  owner: string,
  signal: AbortSignal,
): Promise<boolean> {
  const started = performance.now();
  let told = false;
  while (!signal.aborted && !deps.locks.tryAcquire(account.id, owner)) {
    if (!told) {
      told = true;
      deps.emitProgress({
        ...startProgress(account.id, 0),
        state: 'waiting',
        waiting: { reason: 'other_process', ms: 0 },
        elapsedMs: Math.round(performance.now() - started),
      });
    }
    await sleep(LOCK_POLL_MS, undefined, { signal }).catch(() => undefined);
  }
  return !signal.aborted;
}

/**
 * The run could not begin or be recorded: most often the account was removed (here or by another process) while the
 * run waited for its lock or ran, so there is nothing left to sync or to record a run against. Anything else is an
 * unexpected error, recorded as a failed run like one that broke mid-way. Either way the host gets a finished run,
 * never an exception.
 */
function failedOutsideRun(deps: RunAccountDeps, account: Account, mode: SyncMode, error: unknown): SyncRun {
  const at = deps.now().toISOString();
  const failure = { endedAt: at, outcome: 'failed' as const, counts: {}, skipped: [] };
  if (!deps.db.open) {
    // The core closed its cache under an inline run: the next start marks anything left as interrupted.
    const errorMessage = 'The sync was stopped because Rollbook is closing. The previous data was kept.';
    return { id: 0, accountId: account.id, mode, startedAt: at, ...failure, errorCode: 'internal', errorMessage };
  }
  if (deps.db.prepare('SELECT 1 FROM accounts WHERE id = ?').pluck().get(account.id) === undefined) {
    const errorMessage = `The account "${account.label}" was removed while it was being synced; nothing was synced.`;
    deps.log?.info({ accountId: account.id }, 'sync ended: account removed');
    deps.emitProgress(doneProgress(account.id, 0, 'failed'));
    const errorCode = 'account_not_found';
    return { id: 0, accountId: account.id, mode, startedAt: at, ...failure, errorCode, errorMessage };
  }
  deps.onInternalError?.(error);
  const id = deps.runs.start(account.id, 0, mode, at);
  deps.runs.finish({
    id,
    ...failure,
    errorCode: 'internal',
    errorMessage:
      `The sync could not begin (${describeCause(error)}). ` + 'The previous data was kept; details are in the log.',
  });
  deps.emitProgress(doneProgress(account.id, id, 'failed'));
  return deps.runs.get(id)!;
}

/** A run's progress before its first resource: nothing read, nothing waited for. */
export function startProgress(accountId: string, runId: number): SyncProgress {
  return {
    accountId,
    runId,
    state: 'running',
    resource: null,
    step: 0,
    steps: SYNC_RESOURCES.length,
    pages: 0,
    rows: 0,
    total: null,
    counts: {},
    waiting: null,
    elapsedMs: 0,
    outcome: 'running',
  };
}

function doneProgress(accountId: string, runId: number, outcome: SyncRun['outcome']): SyncProgress {
  return { ...startProgress(accountId, runId), state: 'done', outcome };
}

function cancelledWhileWaiting(deps: RunAccountDeps, account: Account, mode: SyncMode): SyncRun {
  const at = deps.now().toISOString();
  // Generation 0: the run wrote nothing. (Cancelled because the account is being removed: then it cannot be recorded.)
  let id: number;
  try {
    id = deps.runs.start(account.id, 0, mode, at);
  } catch (error) {
    return failedOutsideRun(deps, account, mode, error);
  }
  deps.runs.finish({
    id,
    endedAt: at,
    outcome: 'cancelled',
    counts: {},
    skipped: [],
    errorCode: 'cancelled',
    errorMessage:
      'The sync was cancelled while it waited for another Rollbook process ' +
      'syncing this account. The previous data was kept.',
  });
  const run = deps.runs.get(id)!;
  deps.emitProgress(doneProgress(account.id, id, 'cancelled'));
  return run;
}

async function syncAccount(deps: RunAccountDeps, account: Account, options: RunAccountOptions): Promise<SyncRun> {
  const { writer, runs } = deps;
  const startedAt = deps.now().toISOString();
  const started = performance.now();
  const generation = writer.begin(account.id);
  const cursors = writer.cursors(account.id);
  const runId = runs.start(account.id, generation, options.mode, startedAt);
  const log = deps.log?.child({ runId, accountId: account.id, platform: account.platform });
  log?.info({ mode: options.mode }, 'sync started');
  const counts: Partial<Record<SyncResource, number>> = {};
  const skipped: SkippedCourse[] = [];
  /** Listings that could not be read whole (the data changed mid-read): the run ends partial, with these reasons. */
  const gaps: string[] = [];

  const progress: SyncProgress = { ...startProgress(account.id, runId), counts };
  let lastEmit = 0;
  const emit = (force = false) => {
    const now = performance.now();
    if (!force && now - lastEmit < PROGRESS_INTERVAL_MS) return;
    lastEmit = now;
    deps.emitProgress({ ...progress, counts: { ...counts }, elapsedMs: Math.round(now - started) });
  };

  const finish = (outcome: SyncRun['outcome'], error?: { code: string; message: string }): SyncRun => {
    const endedAt = deps.now().toISOString();
    runs.finish({
      id: runId,
      endedAt,
      outcome,
      counts,
      skipped,
      errorCode: error?.code ?? null,
      errorMessage: error?.message ?? null,
    });
    const ms = Math.round(performance.now() - started);
    const fields = { outcome, ms, counts, skipped: skipped.length, errorCode: error?.code };
    if (outcome === 'failed') log?.warn({ ...fields, errorMessage: error?.message }, 'sync finished');
    else log?.info(fields, 'sync finished');
    progress.state = 'done';
    progress.outcome = outcome;
    progress.waiting = null;
    emit(true);
    const run = runs.get(runId);
    // Removed with its account meanwhile (cascade): runAccountSync says so.
    if (!run) throw new Error('The sync run was removed before it ended.');
    return run;
  };

  /** Ends what the connector started ahead of its step (beginRun), whether the run ends well or not. */
  let endEarlyReads: (() => void) | undefined;
  try {
    const connector = await deps.connect(account, (info) => {
      progress.state = 'waiting';
      progress.waiting = { reason: info.reason, ms: info.ms };
      emit(true);
    });
    const courseIds: string[] = [];
    const newCursors: Record<string, string> = {};
    let stepIndex = 0;
    const resumes = (resource: SyncResource) =>
      options.mode === 'incremental' && isIncremental(connector, resource) && cursors[resource] !== undefined;
    const since = (resource: SyncResource) => (resumes(resource) ? cursors[resource]! : null);
    endEarlyReads = connector.beginRun?.({
      signal: options.signal,
      since: { sessions: since('sessions'), attendance: since('attendance'), progress: since('progress') },
    });

    for (const resource of SYNC_RESOURCES) {
      stepIndex += 1;
      options.signal.throwIfAborted();
      const canResume = resumes(resource);
      if (canResume) writer.copyLive(account.id, generation, [resource]);
      Object.assign(progress, {
        resource,
        step: stepIndex,
        pages: 0,
        rows: 0,
        total: null,
        state: 'running',
        waiting: null,
      });
      emit(true);
      const stepStarted = performance.now();

      const scope = {
        signal: options.signal,
        since: since(resource),
        courseIds,
        onSkip: (skip: SkippedCourse) => skipped.push(skip),
        onGap: (reason: string) => gaps.push(reason),
        cached: createRunReader(deps.db, account.id, generation),
      };
      let rows = 0;
      // Rows an earlier step already brought for this resource (Page.learners) stay counted.
      const carried = counts[resource] ?? 0;
      const gapsBefore = gaps.length;
      let learnersBeside = false;
      for await (const page of readAhead(pagesOf(connector, resource, scope))) {
        options.signal.throwIfAborted();
        writer.writePage(resource, account.id, generation, page);
        if (page.learners && page.learners.items.length > 0) {
          // Staged now, moved into the table with everything else at commit.
          writer.writePage('learners', account.id, generation, page.learners);
          learnersBeside = true;
          counts.learners = (counts.learners ?? 0) + page.learners.items.length;
        }
        if (resource === 'courses') for (const course of page.items as { id: string }[]) courseIds.push(course.id);
        rows += page.items.length;
        progress.pages += 1;
        progress.rows = rows;
        progress.total = page.total ?? progress.total;
        progress.state = 'running';
        progress.waiting = null;
        counts[resource] = carried + rows;
        emit();
      }
      counts[resource] = carried + rows;
      // A listing that changed while it was read may have skipped rows. Replacing the cached list with it would
      // silently drop them, so the previous sync's rows of this resource are kept under the fresh ones (the flush
      // below overwrites those it re-read). Rows deleted upstream may linger until a sync reads the lists whole.
      const incomplete = gaps.length > gapsBefore;
      if (incomplete) {
        // A resumed resource already started from a copy of its live rows.
        const keep: SyncResource[] = canResume ? [] : [resource];
        if (learnersBeside) keep.push('learners');
        writer.copyLive(account.id, generation, keep);
      }
      writer.flush(resource);
      log?.info(
        {
          step: resource,
          rows,
          pages: progress.pages,
          resumed: canResume,
          ms: Math.round(performance.now() - stepStarted),
        },
        'sync step',
      );
      // The cursor is the run's start: anything changed after it is picked up next time. It is only saved with the
      // generation flip, i.e. after the rows it covers are committed.
      // After a gap the cursor stays where it was, so the next incremental run asks again for what this one missed.
      if (isIncremental(connector, resource) && !incomplete) newCursors[resource] = startedAt;
    }

    options.signal.throwIfAborted();
    const commitStarted = performance.now();
    writer.commit(account.id, generation, deps.now().toISOString(), newCursors);
    log?.info({ step: 'commit', ms: Math.round(performance.now() - commitStarted) }, 'sync step');
    if (gaps.length > 0) {
      const kept = 'Rows of those lists that this sync did not reach were kept from the previous sync.';
      return finish('partial', { code: 'incomplete', message: `${gaps.join(' ')} ${kept}` });
    }
    return finish(skipped.length > 0 ? 'partial' : 'ok');
  } catch (error) {
    writer.discard(account.id);
    if (options.signal.aborted) {
      return finish('cancelled', { code: 'cancelled', message: 'The sync was cancelled. The previous data was kept.' });
    }
    if (error instanceof RollbookError) return finish('failed', { code: error.code, message: error.message });
    deps.onInternalError?.(error);
    return finish('failed', {
      code: 'internal',
      message:
        `The sync stopped on an unexpected error (${describeCause(error)}). ` +
        'The previous data was kept; details are in the log.',
    });
  } finally {
    endEarlyReads?.();
  }
}

function isIncremental(connector: Connector, resource: SyncResource): boolean {
  return (connector.incremental as ReadonlySet<string>).has(resource);
}

/** Each resource is read by the connector method of the same name. */
function pagesOf(
  connector: Connector,
  resource: SyncResource,
  scope: Parameters<Connector['courses']>[0],
): AsyncIterable<Page<unknown>> {
  return connector[resource](scope);
}
