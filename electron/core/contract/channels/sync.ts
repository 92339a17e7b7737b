import { z } from 'zod';
import { channel } from './define';

export type SyncOutcome = 'running' | 'ok' | 'partial' | 'failed' | 'cancelled';
export type SyncMode = 'full' | 'incremental';
export type SyncResource = 'courses' | 'sessions' | 'learners' | 'attendance' | 'progress';
export const SYNC_RESOURCES: readonly SyncResource[] = ['courses', 'sessions', 'learners', 'attendance', 'progress'];

export interface SyncRun {
  id: number;
  accountId: string;
  mode: SyncMode;
  startedAt: string;
  endedAt: string | null;
  outcome: SyncOutcome;
  counts: Partial<Record<SyncResource, number>>;
  skipped: { courseId: string; reason: string }[];
  errorCode: string | null;
  errorMessage: string | null;
}

export interface SyncProgress {
  accountId: string;
  runId: number;
  state: 'running' | 'waiting' | 'done';
  /** The resource being pulled now, in dependency order. */
  resource: SyncResource | null;
  /** 1-based index of the current step among the resources this run pulls. */
  step: number;
  steps: number;
  pages: number;
  rows: number;
  /** Total rows for the current resource when the API gives a count. */
  total: number | null;
  counts: Partial<Record<SyncResource, number>>;
  /**
   * Present while waiting on a rate limit or a retry ("waiting 20 s: rate limited"), or, before the run begins, for
   * another Rollbook process that is syncing the same account ('other_process': `ms` is 0, the wait's length unknown).
   */
  waiting: { reason: 'rate_limited' | 'retry' | 'budget' | 'other_process'; ms: number } | null;
  elapsedMs: number;
  outcome: SyncOutcome;
}

export interface AccountSyncStatus {
  accountId: string;
  running: boolean;
  lastRun: SyncRun | null;
  /** Last successful (ok/partial) run's end: the "as of" time of the data shown. */
  dataAsOf: string | null;
}

const accountIds = z.array(z.string().min(1)).max(100).optional();

export const syncChannels = {
  /** Runs the sync and resolves when every account is done; progress arrives as `sync.progress` events. */
  'sync.run': channel<SyncRun[]>()(
    z
      .strictObject({ accountIds, mode: z.enum(['full', 'incremental']).default('incremental') })
      .default({ mode: 'incremental' }),
  ),
  'sync.cancel': channel<{ cancelled: string[] }>()(z.strictObject({ accountIds }).default({})),
  'sync.status': channel<AccountSyncStatus[]>()(z.undefined()),
  'sync.history': channel<SyncRun[]>()(
    z
      .strictObject({ accountId: z.string().min(1).optional(), limit: z.number().int().min(1).max(500).default(50) })
      .default({ limit: 50 }),
  ),
};

export interface SyncEvents {
  'sync.progress': SyncProgress;
  'sync.finished': SyncRun;
}
