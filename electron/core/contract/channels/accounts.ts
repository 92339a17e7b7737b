import { z } from 'zod';
import type { AccountSettings } from '../accounts';
import type { Platform } from '../domain';
import { channel } from './define';

export type SecretLocation = 'keychain' | 'session' | 'none';

export interface Account {
  id: string;
  platform: Platform;
  label: string;
  settings: AccountSettings;
  /** Where the secret is kept. The secret itself never leaves the core. */
  secretLocation: SecretLocation;
  needsReconnect: boolean;
  liveGeneration: number;
  lastSyncedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export const accountChannels = {
  'accounts.list': channel<Account[]>()(z.undefined()),
};

export interface AccountEvents {
  'accounts.changed': { accounts: Account[] };
}
