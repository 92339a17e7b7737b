/**
 * One account's sync: pull every resource through the connector, in dependency order, into a staging generation,
 * then flip it live. Never leaves a half-updated account: on failure or cancel the staging rows are discarded and
 * the previous generation stays visible.
 */
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
import type { Connector, Page, SkippedCourse } from '../providers/types';
import type { CacheWriter } from '../store/cache-writer';
import { createRunReader } from '../store/run-reader';
import type { SyncRunsRepo } from '../store/sync-runs-repo';
import type { Db } from '../store/db';

export interface RunAccountDeps {
  db: Db;
  writer: CacheWriter;
  runs: SyncRunsRepo;
  now: () => Date;
  /** Builds the connector; `onWait` is how rate-limit waits reach the progress bar. */
  connect: (account: Account, onWait: (info: HttpWaitInfo) => void) => Promise<Connector>;
  emitProgress: (progress: SyncProgress) => void;
  onInternalError?: (error: unknown) => void;
}

/** Progress events at most this often per account (a 1M-row sync has 10k pages). */
const PROGRESS_INTERVAL_MS = 100;

export async function runAccountSync(
  deps: RunAccountDeps,
  account: Account,
  options: { mode: SyncMode; signal: AbortSignal },
): Promise<SyncRun> {
  const { writer, runs } = deps;
  const startedAt = deps.now().toISOString();
  const started = performance.now();
  const generation = writer.begin(account.id);
  const cursors = writer.cursors(account.id);
  const runId = runs.start(account.id, generation, options.mode, startedAt);
  const counts: Partial<Record<SyncResource, number>> = {};
  const skipped: SkippedCourse[] = [];
  /** Listings that could not be read whole (the data changed mid-read): the run ends partial, with these reasons. */
  const gaps: string[] = [];

  const progress: SyncProgress = {
    accountId: account.id,
    runId,
    state: 'running',
    resource: null,
    step: 0,
    steps: SYNC_RESOURCES.length,
    pages: 0,
    rows: 0,
    total: null,
    counts,
    waiting: null,
    elapsedMs: 0,
    outcome: 'running',
  };
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
    progress.state = 'done';
    progress.outcome = outcome;
    progress.waiting = null;
    emit(true);
    return runs.get(runId)!;
  };

  try {
    const connector = await deps.connect(account, (info) => {
      progress.state = 'waiting';
      progress.waiting = { reason: info.reason, ms: info.ms };
      emit(true);
    });
    const courseIds: string[] = [];
    const newCursors: Record<string, string> = {};
    let stepIndex = 0;

    for (const resource of SYNC_RESOURCES) {
      stepIndex += 1;
      options.signal.throwIfAborted();
      const canResume = options.mode === 'incremental' && isIncremental(connector, resource) && cursors[resource] !== undefined;
      if (canResume) writer.copyLive(account.id, generation, [resource]);
      Object.assign(progress, { resource, step: stepIndex, pages: 0, rows: 0, total: null, state: 'running', waiting: null });
      emit(true);

      const scope = {
        signal: options.signal,
        since: canResume ? cursors[resource]! : null,
        courseIds,
        onSkip: (skip: SkippedCourse) => skipped.push(skip),
        onGap: (reason: string) => gaps.push(reason),
        cached: createRunReader(deps.db, account.id, generation),
      };
      let rows = 0;
      // Rows an earlier step already brought for this resource (Page.learners) stay counted.
      const carried = counts[resource] ?? 0;
      for await (const page of pagesOf(connector, resource, scope)) {
        options.signal.throwIfAborted();
        writer.writePage(resource, account.id, generation, page);
        if (page.learners && page.learners.items.length > 0) {
          // Staged now, moved into the table with everything else at commit.
          writer.writePage('learners', account.id, generation, page.learners);
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
      writer.flush(resource);
      // The cursor is the run's start: anything changed after it is picked up next time. It is only saved with the
      // generation flip, i.e. after the rows it covers are committed.
      if (isIncremental(connector, resource)) newCursors[resource] = startedAt;
    }

    options.signal.throwIfAborted();
    writer.commit(account.id, generation, deps.now().toISOString(), newCursors);
    if (gaps.length > 0) return finish('partial', { code: 'incomplete', message: gaps.join(' ') });
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
      message: `The sync stopped on an unexpected error (${(error as Error)?.name ?? 'Error'}). The previous data was kept.`,
    });
  }
}

function isIncremental(connector: Connector, resource: SyncResource): boolean {
  return (connector.incremental as ReadonlySet<string>).has(resource);
}

function pagesOf(connector: Connector, resource: SyncResource, scope: Parameters<Connector['courses']>[0]): AsyncIterable<Page<unknown>> {
  switch (resource) {
    case 'courses':
      return connector.courses(scope);
    case 'sessions':
      return connector.sessions(scope);
    case 'learners':
      return connector.learners(scope);
    case 'attendance':
      return connector.attendance(scope);
    case 'progress':
      return connector.progress(scope);
  }
}
