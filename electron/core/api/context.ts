import type { AccountSettings } from '../contract/accounts';
import type { Account } from '../contract/channels/accounts';
import type { ExportFormat } from '../contract/channels/reports';
import type { HttpWaitInfo } from '../http/types';
import type { Connector } from '../providers/types';
import type { Db } from '../store/db';
import type { AccountsRepo } from '../store/accounts-repo';
import type { SettingsRepo } from '../store/settings-repo';
import type { CoreEvents } from '../events';
import type { SecretStore } from '../secrets/types';
import type { createStatsRepo } from '../store/stats-repo';
import type { SyncRunsRepo } from '../store/sync-runs-repo';
import type { WorkspaceQueries } from '../store/workspace-queries';
import type { ReportQueries } from '../store/report-queries';
import type { ChangeQueries } from '../store/change-queries';
import type { SavedReportsRepo } from '../store/saved-reports-repo';
import type { SchedulesRepo } from '../store/schedules-repo';
import type { PdfRenderer } from '../reports/pdf-renderer';
import type { CsvWorkers } from '../reports/csv-in-workers';
import type { Logger } from '../log/log';
import type { RequirementsRepo } from '../store/requirements-repo';
import type { ComplianceService } from '../compliance/service';

/**
 * What the hosting app can do natively. In the Electron app these decide what the window may touch: the window
 * writes only where the Save dialog pointed (a one-time token) and opens only files the app wrote.
 */
export interface HostAbilities {
  /** The native Save dialog: the chosen path (to show) and the token an export must present to write there. */
  chooseSavePath?: (suggestedName: string, format: ExportFormat) => Promise<{ path: string; saveToken: string } | null>;
  /** The path behind a token chooseSavePath issued, once; null for any other token. */
  claimSavePath?: (saveToken: string) => string | null;
  /** The native folder picker (a scheduled report's destination): the chosen folder and a token for it. */
  chooseFolder?: () => Promise<{ path: string; folderToken: string } | null>;
  /** The folder behind a token chooseFolder issued, once; null for any other token. */
  claimFolder?: (folderToken: string) => string | null;
  /**
   * The native Save or Open dialog for a requirements file (JSON). A save's token is claimed by claimSavePath, an
   * open's by claimOpenPath.
   */
  chooseRequirementsFile?: (mode: 'save' | 'open') => Promise<{ path: string; token: string } | null>;
  /** The file behind a token an Open dialog issued, once; null for any other token. */
  claimOpenPath?: (openToken: string) => string | null;
  /** Told of every file an export wrote, so the host may open it later. */
  fileWritten?: (path: string) => void;
  /** Throws RollbookError('forbidden_path') for anything the host will not open. */
  openPath?: (path: string, reveal: boolean) => Promise<void>;
  /**
   * Opens a sign-in page (SelfCommunity's /oauth/authorize/) in the system browser. The host opens only http(s)
   * addresses; absent (the CLI), the user is shown the address to open.
   */
  openSignInPage?: (url: string) => Promise<void>;
  /** Opens the core's own log folder (never a path from the window: the core passes its `logDir`). */
  openLogFolder?: (dir: string) => Promise<void>;
}
import type { SyncCoordinator } from '../sync/coordinator';

/** Everything a contract handler may use. Built once by createCore. */
export interface CoreContext {
  dataDir: string;
  databasePath: string;
  /** The folder of the log files (log/log.ts). */
  logDir: string;
  log: Logger;
  /** Removes secrets the core has seen, e-mail addresses and URL query strings from text that leaves it. */
  scrub: (text: string) => string;
  db: Db;
  accounts: AccountsRepo;
  settings: SettingsRepo;
  stats: ReturnType<typeof createStatsRepo>;
  secrets: SecretStore;
  /** A connector for settings + secret (the wizard's test, and sync). */
  connectorFor: (
    settings: AccountSettings,
    secret: string,
    onWait?: (info: HttpWaitInfo) => void,
    saveSecret?: (secret: string) => Promise<void>,
  ) => Connector;
  /** The account's secret; marks the account "needs reconnecting" and throws secret_missing if it is gone. */
  secretOf: (account: Account) => Promise<string>;
  /** Writes a renewed secret (a rotated OAuth refresh token) back where the account keeps its secret. */
  saveSecret: (accountId: string, secret: string) => Promise<void>;
  runs: SyncRunsRepo;
  workspace: WorkspaceQueries;
  reports: ReportQueries;
  /** The change log, the timeline and trends (store/change-queries.ts). */
  changes: ChangeQueries;
  savedReports: SavedReportsRepo;
  schedules: SchedulesRepo;
  /** Requirements and exemptions (user data). */
  requirements: RequirementsRepo;
  /** Every person's status per requirement, computed once per change of the cache or the requirements. */
  compliance: ComplianceService;
  pdf: PdfRenderer;
  /** Absent: CSV exports run on the calling thread. */
  csvWorkers?: CsvWorkers;
  /** Whether syncs run in worker threads (the host passed their code). */
  syncInWorker: boolean;
  /** Native abilities of the hosting app (file dialogs, opening files); absent in the CLI and tests. */
  host?: HostAbilities;
  cache: { clearAll: () => number };
  sync: SyncCoordinator;
  /** Accounts a live run in any process (this one, the app, a CLI) is syncing now: the cross-process locks. */
  busyAccounts: () => string[];
  events: CoreEvents;
  now: () => Date;
}
