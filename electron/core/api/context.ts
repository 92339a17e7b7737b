import type { Db } from '../store/db';
import type { AccountsRepo } from '../store/accounts-repo';
import type { SettingsRepo } from '../store/settings-repo';
import type { CoreEvents } from '../events';
import type { SecretStore } from '../secrets/types';
import { type createStatsRepo } from '../store/stats-repo';

/** Everything a contract handler may use. Built once by createCore. */
export interface CoreContext {
  dataDir: string;
  databasePath: string;
  db: Db;
  accounts: AccountsRepo;
  settings: SettingsRepo;
  stats: ReturnType<typeof createStatsRepo>;
  secrets: SecretStore;
  events: CoreEvents;
  now: () => Date;
}
