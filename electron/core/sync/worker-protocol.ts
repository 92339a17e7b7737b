/**
 * Messages between the core and its sync worker threads (see worker-sync.ts). Everything here crosses threads by
 * structured clone: plain data only.
 */
import type { Account } from '../contract/channels/accounts';
import type { SyncMode, SyncProgress, SyncRun } from '../contract/channels/sync';
import type { HttpClientOptions } from '../http/types';

/** What a worker needs to sync one account; the secret is handed over in memory, never written anywhere. */
export interface SyncJob {
  /** The cache folder: the worker opens its own connection for the job. */
  dataDir: string;
  account: Account;
  secret: string;
  mode: SyncMode;
  /** The run's name in the account's cross-process lock (the host releases it if the worker dies). */
  owner: string;
  teamupCompletionThreshold: number;
  httpOptions?: Partial<Omit<HttpClientOptions, 'onWait' | 'log'>>;
}

export type ToWorker = { type: 'run'; job: number; input: SyncJob } | { type: 'cancel'; job: number };

export type FromWorker =
  | { type: 'progress'; job: number; progress: SyncProgress }
  | { type: 'done'; job: number; run: SyncRun }
  | { type: 'internal-error'; job: number; name: string; message: string; stack?: string }
  /** A whole log line from the worker's logger; the core's thread writes it to the log file. */
  | { type: 'log'; job: number; line: string }
  /** A renewed secret (a rotated OAuth refresh token): the core's thread writes it to the account's secret store. */
  | { type: 'secret'; job: number; secret: string };
