import { z } from 'zod';
import { appSettingsPatchSchema, type AppSettings } from '../settings';
import { channel } from './define';

export interface AppInfo {
  version: string;
  dataDir: string;
  databasePath: string;
  schemaVersion: number;
  counts: { accounts: number; courses: number; learners: number; progress: number; sessions: number; attendance: number };
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
