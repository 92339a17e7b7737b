/**
 * The core as a library: one entry, three hosts (Electron main over IPC, the `rollbook` CLI, the tests).
 * Every contract call goes through `handle`, which validates input at the edge and turns failures into
 * `{ code, message }` so hosts never see raw exceptions.
 */
import { join } from 'node:path';
import { z } from 'zod';
import {
  contract,
  isChannel,
  type ChannelName,
  type EventMap,
  type EventName,
  type InputOf,
  type OutputOf,
  type ParsedInputOf,
} from './contract/channels';
import type { Envelope } from './contract/bridge';
import { RollbookError, toWireError } from './contract/errors';
import { CoreEvents } from './events';
import { DB_FILE_NAME, openDatabase } from './store/db';
import { createAccountsRepo } from './store/accounts-repo';
import { createSettingsRepo } from './store/settings-repo';
import { createStatsRepo } from './store/stats-repo';
import type { SecretStore } from './secrets/types';
import type { CoreContext } from './api/context';
import { readSettings } from './api/settings';
import type { AccountSettings } from './contract/accounts';
import type { Account } from './contract/channels/accounts';
import type { SyncMode, SyncRun } from './contract/channels/sync';
import type { HttpWaitInfo } from './http/types';
import { createConnector, type ConnectorDeps, type CreateConnector } from './providers/registry';
import { appHandlers } from './api/app';
import { accountHandlers } from './api/accounts';
import { syncHandlers } from './api/sync';
import { workspaceHandlers } from './api/workspace';
import { reportHandlers } from './api/reports';
import { createReportQueries } from './store/report-queries';
import { createSavedReportsRepo } from './store/saved-reports-repo';
import { chromiumPdfRenderer, type PdfRenderer } from './reports/pdf-renderer';
import { sweepLeftovers } from './reports/leftovers';
import type { HostAbilities } from './api/context';
import { createWorkspaceQueries } from './store/workspace-queries';
import { clearCache, createCacheWriter } from './store/cache-writer';
import { createSyncRunsRepo } from './store/sync-runs-repo';
import { SyncCoordinator } from './sync/coordinator';
import { runAccountSync, type RunAccountDeps } from './sync/run-account';
import { syncWorkerPool, type SyncJobHost, type SyncWorkerEntry } from './sync/worker-sync';
import type { CsvWorkers } from './reports/csv-in-workers';

export interface CoreOptions {
  dataDir: string;
  secrets: SecretStore;
  now?: () => Date;
  /** Called with unexpected errors (bugs), for the host's log. Never receives secrets: handlers redact. */
  onInternalError?: (error: unknown) => void;
  /** Builds connectors. Default: the real providers (providers/registry); tests may wrap or substitute it. */
  createConnector?: CreateConnector;
  /** How PDFs are printed: a hidden BrowserWindow in the app; playwright-core + system Chromium elsewhere (default). */
  pdfRenderer?: PdfRenderer;
  /** Native abilities of the host (file dialogs, opening files). */
  host?: HostAbilities;
  /** HTTP client overrides for every connector (timeouts, retry policy). */
  httpOptions?: ConnectorDeps['httpOptions'];
  /**
   * Run each account's sync in a worker thread (sync/worker-sync.ts); hosts pass `findSyncWorker()`. Without it
   * syncs run inline, which a substituted `createConnector` needs (functions do not cross threads).
   */
  syncWorker?: SyncWorkerEntry;
  /** Write large completions CSVs in worker threads (reports/csv-in-workers.ts); hosts pass `findCsvWorkers()`. */
  csvWorkers?: CsvWorkers;
}

type Handlers = { [C in ChannelName]: (ctx: CoreContext, input: ParsedInputOf<C>) => OutputOf<C> | Promise<OutputOf<C>> };

// One spread per domain; the Handlers type fails to compile if any channel of the contract has no handler.
const handlers: Handlers = {
  ...appHandlers,
  ...accountHandlers,
  ...syncHandlers,
  ...workspaceHandlers,
  ...reportHandlers,
};

export interface Core {
  /** Typed call for in-process hosts (CLI, tests). Throws RollbookError. */
  call<C extends ChannelName>(channel: C, ...input: undefined extends InputOf<C> ? [InputOf<C>?] : [InputOf<C>]): Promise<OutputOf<C>>;
  /** Untyped entry for IPC: validates the channel and input; never throws. */
  handle(channel: unknown, input: unknown): Promise<Envelope<unknown>>;
  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void;
  onAny(listener: <E extends EventName>(event: E, payload: EventMap[E]) => void): () => void;
  close(): void;
}

export function createCore(options: CoreOptions): Core {
  // Syncs write from worker threads: a write here (settings, saved reports, an account edit) may wait for a worker's
  // move of a big account's rows (seconds per 100k). Waiting is what the same write did when syncs ran on this thread.
  const db = openDatabase(options.dataDir, { busyTimeoutMs: 60_000 });
  // Partial exports and Chromium profiles that a killed or crashed process left behind.
  sweepLeftovers(options.dataDir);
  const events = new CoreEvents();
  const now = options.now ?? (() => new Date());
  const runs = createSyncRunsRepo(db);
  // A read-only cache (a folder this user may not write) is for reading: nothing to mark there.
  if (!db.readonly) runs.markInterrupted(now().toISOString());
  const settingsRepo = createSettingsRepo(db);
  const build = options.createConnector ?? createConnector;
  const connectorFor = (settings: AccountSettings, secret: string, onWait?: (info: HttpWaitInfo) => void) =>
    build(settings, secret, {
      now,
      teamupCompletionThreshold: readSettings(ctx).teamupCompletionThreshold,
      onWait,
      httpOptions: options.httpOptions,
    });
  const accountsRepo = createAccountsRepo(db);
  const secretOf = async (account: Account): Promise<string> => {
    if (account.platform === 'sample') return '';
    const secret = await options.secrets.get(account.id).catch(() => null);
    if (secret) return secret;
    // Missing or unreadable: the account needs reconnecting, its cached data stays browsable.
    if (!account.needsReconnect) {
      accountsRepo.setNeedsReconnect(account.id, true);
      events.emit('accounts.changed', { accounts: accountsRepo.list() });
    }
    throw new RollbookError(
      'secret_missing',
      `The secret for "${account.label}" is missing from the keychain or cannot be read. Reconnect the account (replace its secret) to sync again; its cached data is still here.`,
    );
  };
  if (options.syncWorker && options.createConnector) {
    throw new RollbookError('internal', 'A substituted createConnector cannot run in a sync worker: pass one or the other.');
  }
  const inlineDeps: RunAccountDeps = {
    db,
    writer: createCacheWriter(db),
    runs,
    now,
    connect: async (account, onWait) => connectorFor(account.settings, await secretOf(account), onWait),
    emitProgress: (progress) => events.emit('sync.progress', progress),
    onInternalError: options.onInternalError,
  };
  let closed = false;
  const pool = options.syncWorker ? syncWorkerPool(options.syncWorker) : null;
  const jobHost: SyncJobHost = { runs, now, emitProgress: inlineDeps.emitProgress, onInternalError: options.onInternalError, isClosed: () => closed };
  const runAccount = async (account: Account, run: { mode: SyncMode; signal: AbortSignal }): Promise<SyncRun> => {
    if (!pool) return runAccountSync(inlineDeps, account, run);
    // The keychain is read here, on the host's thread; a missing secret is recorded as a failed run, as inline.
    const secret = await secretOf(account).catch((error: unknown) => error as Error);
    if (secret instanceof Error) return runAccountSync({ ...inlineDeps, connect: () => Promise.reject(secret) }, account, run);
    return pool.run(
      jobHost,
      { dataDir: options.dataDir, account, secret, mode: run.mode, teamupCompletionThreshold: readSettings(ctx).teamupCompletionThreshold, httpOptions: options.httpOptions },
      { signal: run.signal },
    );
  };
  const sync = new SyncCoordinator({
    runAccount,
    emitFinished: (run) => {
      events.emit('sync.finished', run);
      // last_synced_at (and possibly needs-reconnect) changed: the sidebar's "as of" times follow.
      events.emit('accounts.changed', { accounts: accountsRepo.list() });
    },
  });
  const ctx: CoreContext = {
    dataDir: options.dataDir,
    databasePath: join(options.dataDir, DB_FILE_NAME),
    db,
    accounts: accountsRepo,
    connectorFor,
    secretOf,
    settings: settingsRepo,
    stats: createStatsRepo(db),
    secrets: options.secrets,
    runs,
    workspace: createWorkspaceQueries(db),
    reports: createReportQueries(db),
    savedReports: createSavedReportsRepo(db),
    pdf: options.pdfRenderer ?? chromiumPdfRenderer(),
    // Worker threads open the cache by its path; a read-only cache read from a copy in memory has none.
    csvWorkers: db.memory ? undefined : options.csvWorkers,
    syncInWorker: pool !== null,
    host: options.host,
    cache: { clearAll: () => clearCache(db) },
    sync,
    events,
    now,
  };

  async function invoke(channel: unknown, input: unknown): Promise<unknown> {
    if (!isChannel(channel)) throw new RollbookError('unknown_channel', `Unknown request "${String(channel)}".`);
    const parsed = contract[channel].input.safeParse(input);
    if (!parsed.success) {
      throw new RollbookError('invalid_input', `Invalid input for ${channel}: ${z.prettifyError(parsed.error)}`);
    }
    const handler = handlers[channel] as (ctx: CoreContext, input: unknown) => unknown;
    // A sync writes from worker threads, where the refusal would surface as a crash: it is refused here first.
    if (db.readonly && channel === 'sync.run') throw readOnly();
    try {
      return await handler(ctx, parsed.data);
    } catch (error) {
      if (String((error as { code?: unknown }).code).startsWith('SQLITE_READONLY')) throw readOnly();
      throw error;
    }
  }

  const readOnly = () =>
    new RollbookError(
      'read_only',
      `The data folder ${options.dataDir} is read-only: browsing and reports work, but syncing and changes need ` +
        'write access. Make the folder writable, or choose another data folder.',
    );

  return {
    async call(channel, ...input) {
      return (await invoke(channel, input[0])) as never;
    },
    async handle(channel, input) {
      try {
        return { ok: true, value: await invoke(channel, input) };
      } catch (error) {
        if (!(error instanceof RollbookError)) options.onInternalError?.(error);
        return { ok: false, error: toWireError(error) };
      }
    },
    on: (event, listener) => events.on(event, listener),
    onAny: (listener) => events.onAny(listener),
    close: () => {
      // Running syncs are told to stop (a worker's job closes its own connection when it does).
      sync.cancel();
      closed = true;
      db.close();
    },
  };
}
