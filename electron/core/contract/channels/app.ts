import { z } from 'zod';
import { appSettingsPatchSchema, type AppSettings } from '../settings';
import { channel } from './define';

export interface AppInfo {
  version: string;
  dataDir: string;
  databasePath: string;
  schemaVersion: number;
  counts: { accounts: number; courses: number; learners: number; progress: number; sessions: number; attendance: number };
  /**
   * Whether syncs and large CSV exports run in worker threads. Their code is built beside the app's; without it the
   * work runs on the host's main thread (slower, and the window waits on it), so this shows a broken install.
   */
  workers: { sync: boolean; csvExport: boolean };
}

export const appChannels = {
  'app.info': channel<AppInfo>()(z.undefined()),
  'settings.get': channel<AppSettings>()(z.undefined()),
  'settings.update': channel<AppSettings>()(appSettingsPatchSchema),
  /** Deletes every cached row (accounts, their settings and keychain entries stay); the next sync refills it. */
  'cache.clear': channel<{ cleared: number }>()(z.strictObject({ confirm: z.literal(true) })),
};

export interface AppEvents {
  'settings.changed': AppSettings;
}
