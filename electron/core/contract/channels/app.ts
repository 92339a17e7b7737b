import { z } from 'zod';
import { appSettingsPatchSchema, type AppSettings } from '../settings';
import { channel } from './define';

export interface AppInfo {
  version: string;
  dataDir: string;
  databasePath: string;
  schemaVersion: number;
  counts: {
    accounts: number;
    courses: number;
    learners: number;
    progress: number;
    sessions: number;
    attendance: number;
  };
  /**
   * Whether syncs and large CSV exports run in worker threads. Their code is built beside the app's; without it the
   * work runs on the host's main thread (slower, and the window waits on it), so this shows a broken install.
   */
  workers: { sync: boolean; csvExport: boolean };
  /** Where the log files are (`<dataDir>/logs`). */
  logDir: string;
}

export const appChannels = {
  'app.info': channel<AppInfo>()(z.undefined()),
  'settings.get': channel<AppSettings>()(z.undefined()),
  'settings.update': channel<AppSettings>()(appSettingsPatchSchema),
  /** Deletes every cached row (accounts, their settings and keychain entries stay); the next sync refills it. */
  'cache.clear': channel<{ cleared: number }>()(z.strictObject({ confirm: z.literal(true) })),
  /**
   * A plain-text report for support: versions, OS, schema, row counts per account (by id and platform), the last
   * sync runs and logged errors. No secrets, account labels, learner names or e-mail addresses.
   */
  'app.diagnostics': channel<{ text: string; logDir: string }>()(z.undefined()),
  /** Opens the log folder in the system's file manager. The core names the folder; the window cannot. */
  'app.openLogs': channel<{ logDir: string }>()(z.undefined()),
};

export interface AppEvents {
  'settings.changed': AppSettings;
}
