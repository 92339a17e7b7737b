import { z } from 'zod';
import { accountSettingsSchema, baseUrlSchema, type AccountSettings } from '../accounts';
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
  /** The secret is missing or unreadable (or was removed with "keep data"): cached data stays browsable. */
  needsReconnect: boolean;
  /** Why, when the platform said so (e.g. SelfCommunity no longer accepts the OAuth sign-in); else null. */
  reconnectReason: string | null;
  liveGeneration: number;
  lastSyncedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What a connection test found, shown before an account is saved. */
export interface ConnectionReport {
  accountName: string;
  courseCount: number | null;
  providers: { id: string; name: string }[];
  notes: string[];
}

const label = z.string().trim().min(1, 'A label is required').max(80, 'Keep the label under 80 characters');
/** Secrets are opaque strings; only their size is checked (a pasted file is a mistake, not a secret). */
const secret = z.string().min(1, 'The secret is empty').max(8192, 'That secret is implausibly long');
const storage = z.enum(['keychain', 'session']).default('keychain');
const accountRef = z.string().trim().min(1);
/**
 * A finished OAuth sign-in the core holds (accounts.oauthFinish / oauthPassword): what accounts.add and
 * replaceSecret take instead of a secret, so the tokens never leave the core.
 */
const oauthFlow = z.string().trim().min(1).max(100);
const oauthClient = {
  baseUrl: baseUrlSchema,
  clientId: z.string().trim().min(1, 'The OAuth client ID is required').max(200),
  /** A confidential application's secret; a desktop app is normally registered without one. */
  clientSecret: secret.optional(),
};

export const accountChannels = {
  'accounts.list': channel<Account[]>()(z.undefined()),
  'accounts.keychainStatus': channel<{ available: boolean; explanation: string | null }>()(z.undefined()),
  /** Tests credentials without saving anything (the wizard's "Test connection"). */
  'accounts.testDraft': channel<ConnectionReport>()(
    z.strictObject({ settings: accountSettingsSchema, secret: secret.optional() }),
  ),
  /** Tests a saved account with its stored secret. */
  'accounts.test': channel<ConnectionReport>()(z.strictObject({ account: accountRef })),
  /** Tests the connection first; saves nothing if it fails. */
  'accounts.add': channel<{ account: Account; connection: ConnectionReport }>()(
    z.strictObject({
      label,
      settings: accountSettingsSchema,
      secret: secret.optional(),
      oauthFlow: oauthFlow.optional(),
      storage,
    }),
  ),
  /**
   * "Sign in with SelfCommunity": the core listens on a loopback port and the host opens the authorize page in the
   * system browser (`opened`; a host that cannot, the CLI, shows `authorizeUrl` to the user instead).
   */
  'accounts.oauthStart': channel<{ flow: string; authorizeUrl: string; opened: boolean }>()(
    z.strictObject(oauthClient),
  ),
  /** Waits for the browser to come back, exchanges the code and tests the connection with the new tokens. */
  'accounts.oauthFinish': channel<{ flow: string; connection: ConnectionReport }>()(
    z.strictObject({ flow: oauthFlow }),
  ),
  /** Stops waiting for a browser sign-in (the user closed the dialog). */
  'accounts.oauthCancel': channel<{ cancelled: boolean }>()(z.strictObject({ flow: oauthFlow })),
  /** The password grant (CLI): the password is used once and never kept; only the tokens are. */
  'accounts.oauthPassword': channel<{ flow: string; connection: ConnectionReport }>()(
    z.strictObject({ ...oauthClient, username: z.string().trim().min(1).max(200), password: secret }),
  ),
  /**
   * A change of address that moves the account to another origin (scheme, host or port) needs the secret again:
   * the stored one is never sent to the new address. With a secret, the new settings are tested first and saved only
   * if the connection works.
   */
  'accounts.update': channel<Account>()(
    z.strictObject({
      account: accountRef,
      label: label.optional(),
      settings: accountSettingsSchema.optional(),
      secret: secret.optional(),
      oauthFlow: oauthFlow.optional(),
      storage: z.enum(['keychain', 'session']).optional(),
    }),
  ),
  'accounts.replaceSecret': channel<{ account: Account; connection: ConnectionReport }>()(
    z.strictObject({ account: accountRef, secret: secret.optional(), oauthFlow: oauthFlow.optional(), storage }),
  ),
  /** Deletes the keychain entry; with keepData the account stays (disconnected) so its cache remains browsable. */
  'accounts.remove': channel<{ removed: string; keptData: boolean }>()(
    z.strictObject({ account: accountRef, keepData: z.boolean().default(false) }),
  ),
};

export interface AccountEvents {
  'accounts.changed': { accounts: Account[] };
}
