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
import { DB_FILE_NAME, openDatabase, writeTransaction } from './store/db';
import { createAccountsRepo } from './store/accounts-repo';
import { createSettingsRepo } from './store/settings-repo';
import { createStatsRepo } from './store/stats-repo';
import type { SecretStore } from './secrets/types';
import { accountSecrets, accountSecretWriter, markReconnectNeeded } from './secrets/account-secrets';
import type { CoreContext } from './api/context';
import { readSettings } from './api/settings';
import type { AccountSettings } from './contract/accounts';
import type { HttpWaitInfo } from './http/types';
import { createConnector, type ConnectorDeps, type CreateConnector } from './providers/registry';
import { appHandlers } from './api/app';
import { accountHandlers } from './api/accounts';
import { syncHandlers } from './api/sync';
import { workspaceHandlers } from './api/workspace';
import { reportHandlers } from './api/reports';
import { scheduleHandlers } from './api/schedules';
import { complianceHandlers } from './api/compliance';
import { createRequirementsRepo } from './store/requirements-repo';
import { recordComplianceSnapshot, snapshotAfterSyncs } from './compliance/history';
import { createComplianceService, type ComplianceService } from './compliance/service';
import { changeHandlers } from './api/changes';
import { createChangeQueries } from './store/change-queries';
import { createReportQueries } from './store/report-queries';
import { createSavedReportsRepo } from './store/saved-reports-repo';
import { createSchedulesRepo } from './store/schedules-repo';
import { chromiumPdfRenderer, type PdfRenderer } from './reports/pdf-renderer';
import { sweepLeftovers } from './reports/leftovers';
import type { HostAbilities } from './api/context';
import { createWorkspaceQueries } from './store/workspace-queries';
import { clearCache } from './store/cache-writer';
import { createSyncLocks } from './store/sync-locks-repo';
import { createSyncRunsRepo } from './store/sync-runs-repo';
import { SyncCoordinator } from './sync/coordinator';
import { createSyncRunner } from './sync/sync-runner';
import type { SyncWorkerEntry } from './sync/worker-sync';
import type { CsvWorkers } from './reports/csv-in-workers';
import { describeCause, openLog, type Logger } from './log/log';
import { ROLLBOOK_VERSION } from './version';

export interface CoreOptions {
  dataDir: string;
  secrets: SecretStore;
  now?: () => Date;
  /**
   * Called with unexpected errors (bugs), after the core's own log (`<dataDir>/logs`) has recorded them with their
   * stacks. Never receives secrets: handlers redact.
   */
  onInternalError?: (error: unknown) => void;
  /**
   * Builds connectors. Default: the real providers (providers/registry). A substitute (tests of the engine) cannot
   * cross into a sync worker, so it needs `inlineSync: true`.
   */
  createConnector?: CreateConnector;
  /**
   * Sync on this thread. Only for tests that script the connector: said explicitly, so a core meant to sync as the
   * app does (in its worker) never falls back to this thread because a test substituted something.
   */
  inlineSync?: true;
  /** How PDFs are printed: a hidden BrowserWindow in the app; playwright-core + system Chromium elsewhere (default). */
  pdfRenderer?: PdfRenderer;
  /** Native abilities of the host (file dialogs, opening files). */
  host?: HostAbilities;
  /** HTTP client overrides for every connector (timeouts, retry policy). */
  httpOptions?: ConnectorDeps['httpOptions'];
  /**
   * Run each account's sync in a worker thread (sync/worker-sync.ts); hosts pass `findSyncWorker()`. Without it
   * (a build that lost the worker's bundle) syncs run on this thread.
   */
  syncWorker?: SyncWorkerEntry;
  /** Write large completions CSVs in worker threads (reports/csv-in-workers.ts); hosts pass `findCsvWorkers()`. */
  csvWorkers?: CsvWorkers;
}

/** Channels refused up front on a read-only cache (see invoke). */
const REFUSED_READ_ONLY = new Set<ChannelName>([
  'sync.run',
  'accounts.add',
  'accounts.update',
  'accounts.replaceSecret',
  'accounts.remove',
  'schedules.runDue',
  'requirements.add',
  'requirements.update',
  'requirements.remove',
  'requirements.import',
  'exemptions.add',
  'exemptions.remove',
]);

type Handlers = {
  [C in ChannelName]: (ctx: CoreContext, input: ParsedInputOf<C>) => OutputOf<C> | Promise<OutputOf<C>>;
};

// One spread per domain; the Handlers type fails to compile if any channel of the contract has no handler.
const handlers: Handlers = {
  ...appHandlers,
  ...accountHandlers,
  ...syncHandlers,
  ...workspaceHandlers,
  ...reportHandlers,
  ...scheduleHandlers,
  ...complianceHandlers,
  ...changeHandlers,
};

export interface Core {
  /** Typed call for in-process hosts (CLI, tests). Throws RollbookError. */
  call<C extends ChannelName>(
    channel: C,
    ...input: undefined extends InputOf<C> ? [InputOf<C>?] : [InputOf<C>]
  ): Promise<OutputOf<C>>;
  /** Untyped entry for IPC: validates the channel and input; never throws. */
  handle(channel: unknown, input: unknown): Promise<Envelope<unknown>>;
  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void;
  onAny(listener: <E extends EventName>(event: E, payload: EventMap[E]) => void): () => void;
  /** The folder of the core's log files. */
  readonly logDir: string;
  /** The core's log, for a host's own warnings (auto-sync, PDF layout, links): the same scrubbed file. */
  readonly log: Logger;
  /** Logs an unexpected error a host met outside a call (with its stack), and tells `onInternalError`. */
  logInternalError(error: unknown): void;
  close(): void;
}

/** Checked before anything is opened: a core that refuses its options leaves no log or cache open. */
function checkOptions(options: CoreOptions): void {
  if (options.createConnector && !options.inlineSync) {
    throw new RollbookError(
      'internal',
      'A substituted createConnector can only sync on this thread: pass inlineSync: true for that, or use the real ' +
        'connectors (with faults injected in the simulators) to sync in the worker.',
    );
  }
  if (options.syncWorker && options.inlineSync) {
    throw new RollbookError(
      'internal',
      'Both syncWorker and inlineSync were given: pass one (the worker syncs as the app).',
    );
  }
}

export function createCore(options: CoreOptions): Core {
  checkOptions(options);
  const log = openLog(options.dataDir);
  const logger = log.logger;
  const internalError = (error: unknown) => {
    logger.error({ err: error }, 'internal error');
    options.onInternalError?.(error);
  };
  // Syncs write from worker threads: a write here (settings, saved reports, an account edit) may wait for a worker's
  // move of a big account's rows (seconds per 100k). Waiting is what the same write did when syncs ran on this thread.
  const db = openDatabase(options.dataDir, { busyTimeoutMs: 60_000 });
  // Partial exports and Chromium profiles that a killed or crashed process left behind.
  sweepLeftovers(options.dataDir);
  logger.info(
    { version: ROLLBOOK_VERSION, node: process.versions.node, electron: process.versions.electron },
    'core opened',
  );
  const events = new CoreEvents();
  const now = options.now ?? (() => new Date());

  const runs = createSyncRunsRepo(db);
  const locks = createSyncLocks(db);
  // Checked with a read first: a start (every CLI command) then never queues behind another process's long write.
  // A read-only cache (a folder this user may not write) is for reading: nothing to mark there.
  if (!db.readonly && runs.anyRunning()) {
    writeTransaction(db, () => runs.markInterrupted(now().toISOString(), locks.busyAccounts()))();
  }
  const settingsRepo = createSettingsRepo(db);
  const accountsRepo = createAccountsRepo(db);

  const secretDeps = { secrets: options.secrets, accounts: accountsRepo, events, scrubber: log.scrubber };
  const secretOf = accountSecrets(secretDeps);
  const saveSecret = accountSecretWriter(secretDeps);
  const teamupCompletionThreshold = () => readSettings({ settings: settingsRepo }).teamupCompletionThreshold;
  const build = options.createConnector ?? createConnector;
  const connectorFor = (
    settings: AccountSettings,
    secret: string,
    onWait?: (info: HttpWaitInfo) => void,
    save?: (secret: string) => Promise<void>,
  ) =>
    build(settings, secret, {
      now,
      saveSecret: save,
      teamupCompletionThreshold: teamupCompletionThreshold(),
      onWait,
      httpOptions: { ...options.httpOptions, log: logger },
    });
  const runner = createSyncRunner({
    dataDir: options.dataDir,
    db,
    runs,
    locks,
    now,
    log,
    secretOf,
    saveSecret,
    connectorFor,
    teamupCompletionThreshold,
    httpOptions: options.httpOptions,
    emitProgress: (progress) => events.emit('sync.progress', progress),
    onInternalError: internalError,
    worker: options.syncWorker,
  });
  // Compliance over time: one point per requirement once a moment's syncs have settled (compliance/history.ts).
  let compliance: ComplianceService | null = null;
  const complianceSnapshots = snapshotAfterSyncs(() => {
    try {
      if (compliance && !db.readonly) recordComplianceSnapshot(db, compliance, now());
    } catch (error) {
      internalError(error);
    }
  });
  const sync = new SyncCoordinator({
    runAccount: async (account, run) => {
      const result = await runner.run(account, run);
      // The platform refused the sign-in: the account says so (and why) until it is reconnected, and is not asked
      // again meanwhile (secretOf).
      if (result.errorCode === 'reconnect_needed' && result.errorMessage)
        markReconnectNeeded(secretDeps, account.id, result.errorMessage);
      return result;
    },
    emitFinished: (run) => {
      events.emit('sync.finished', run);
      if (run.outcome === 'ok' || run.outcome === 'partial') complianceSnapshots.schedule();
      // last_synced_at (and possibly needs-reconnect) changed: the sidebar's "as of" times follow.
      events.emit('accounts.changed', { accounts: accountsRepo.list() });
    },
  });

  const requirements = createRequirementsRepo(db);
  const ctx: CoreContext = {
    dataDir: options.dataDir,
    databasePath: join(options.dataDir, DB_FILE_NAME),
    logDir: log.dir,
    log: logger,
    scrub: (text) => log.scrubber.scrub(text),
    db,
    accounts: accountsRepo,
    connectorFor,
    secretOf,
    saveSecret,
    settings: settingsRepo,
    stats: createStatsRepo(db),
    secrets: options.secrets,
    runs,
    workspace: createWorkspaceQueries(db),
    reports: createReportQueries(db),
    changes: createChangeQueries(db),
    savedReports: createSavedReportsRepo(db),
    schedules: createSchedulesRepo(db),
    requirements,
    compliance: (compliance = createComplianceService(db, requirements, now)),
    pdf: options.pdfRenderer ?? chromiumPdfRenderer(),
    // Worker threads open the cache by its path; a read-only cache read from a copy in memory has none.
    csvWorkers: db.memory ? undefined : options.csvWorkers,
    syncInWorker: runner.inWorker,
    host: options.host,
    cache: { clearAll: () => clearCache(db) },
    sync,
    busyAccounts: () => locks.busyAccounts(),
    events,
    now,
  };

  const readOnly = () =>
    new RollbookError(
      'read_only',
      `The data folder ${options.dataDir} is read-only: browsing and reports work, but syncing and changes need ` +
        'write access. Make the folder writable, or choose another data folder.',
    );
  const invoke = async (channel: unknown, input: unknown): Promise<unknown> => {
    if (!isChannel(channel)) throw new RollbookError('unknown_channel', `Unknown request "${String(channel)}".`);
    const parsed = contract[channel].input.safeParse(input);
    if (!parsed.success) {
      throw new RollbookError('invalid_input', `Invalid input for ${channel}: ${z.prettifyError(parsed.error)}`);
    }
    // A secret given in a request (adding an account, replacing its secret) is scrubbed from the log from now on.
    const data = parsed.data as { secret?: unknown; clientSecret?: unknown; password?: unknown } | undefined;
    for (const given of [data?.secret, data?.clientSecret, data?.password])
      if (typeof given === 'string') log.scrubber.add(given);
    const handler = handlers[channel] as (ctx: CoreContext, input: unknown) => unknown;
    // Refused before they begin: a sync writes from worker threads, where the refusal would surface as a crash, and
    // account changes touch the keychain, which a cache write failing afterwards would leave out of step.
    if (db.readonly && REFUSED_READ_ONLY.has(channel)) throw readOnly();
    try {
      return await handler(ctx, parsed.data);
    } catch (error) {
      if (String((error as { code?: unknown }).code).startsWith('SQLITE_READONLY')) throw readOnly();
      throw error;
    }
  };

  return {
    async call(channel, ...input) {
      try {
        return (await invoke(channel, input[0])) as never;
      } catch (error) {
        if (!(error instanceof RollbookError)) internalError(error);
        throw error;
      }
    },
    async handle(channel, input) {
      try {
        return { ok: true, value: await invoke(channel, input) };
      } catch (error) {
        if (!(error instanceof RollbookError)) internalError(error);
        return { ok: false, error: toWireError(error, (cause) => log.scrubber.scrub(describeCause(cause))) };
      }
    },
    on: (event, listener) => events.on(event, listener),
    onAny: (listener) => events.onAny(listener),
    logDir: log.dir,
    log: logger,
    logInternalError: internalError,
    close: () => {
      complianceSnapshots.flush();
      // Running syncs are told to stop (a worker's job closes its own connection when it does).
      sync.cancel();
      runner.close();
      db.close();
      log.close();
    },
  };
}
