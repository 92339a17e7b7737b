/**
 * An account's secret, read from its store when a sync or a connection test needs it. A secret that is gone marks
 * the account "needs reconnecting", so the sidebar says what to do instead of every sync failing the same way.
 */
import type { Account } from '../contract/channels/accounts';
import { RollbookError } from '../contract/errors';
import type { CoreEvents } from '../events';
import type { Scrubber } from '../log/log';
import type { AccountsRepo } from '../store/accounts-repo';
import type { SecretStore } from './types';

export interface AccountSecretsDeps {
  secrets: SecretStore;
  accounts: AccountsRepo;
  events: CoreEvents;
  /** Every secret read is registered here, so no log line can carry it. */
  scrubber: Scrubber;
}

/** The account's secret; throws secret_missing (after marking the account) if it is missing or unreadable. */
export function accountSecrets(deps: AccountSecretsDeps): (account: Account) => Promise<string> {
  return async (account) => {
    if (account.platform === 'sample') return '';
    // The platform refused this account's sign-in: asking it again with the same credential would fail the same
    // way (and count against it), so nothing is sent until the user reconnects.
    const current = deps.accounts.get(account.id) ?? account;
    if (current.needsReconnect && current.reconnectReason) {
      throw new RollbookError('reconnect_needed', `"${account.label}" needs reconnecting. ${current.reconnectReason}`);
    }
    const secret = await deps.secrets.get(account.id).catch(() => null);
    if (secret) {
      deps.scrubber.add(secret);
      return secret;
    }
    // Missing or unreadable: the account needs reconnecting, its cached data stays browsable.
    if (!account.needsReconnect) {
      deps.accounts.setNeedsReconnect(account.id, true);
      deps.events.emit('accounts.changed', { accounts: deps.accounts.list() });
    }
    throw new RollbookError(
      'secret_missing',
      `The secret for "${account.label}" is missing from the keychain or cannot be read. ` +
        'Reconnect the account (replace its secret) to sync again; its cached data is still here.',
    );
  };
}

/**
 * Writes a renewed secret back where the account keeps it (a rotated OAuth refresh token). The account may have been
 * removed meanwhile: then there is nothing to write it for.
 */
export function accountSecretWriter(deps: AccountSecretsDeps): (accountId: string, secret: string) => Promise<void> {
  return async (accountId, secret) => {
    deps.scrubber.add(secret);
    const account = deps.accounts.get(accountId);
    if (!account || account.secretLocation === 'none') return;
    await deps.secrets.set(accountId, secret, account.secretLocation);
  };
}

/** Marks an account whose sign-in the platform refused (`reconnect_needed`), once, with the platform's reason. */
export function markReconnectNeeded(
  deps: Omit<AccountSecretsDeps, 'secrets' | 'scrubber'>,
  accountId: string,
  reason: string,
) {
  const account = deps.accounts.get(accountId);
  if (!account || account.needsReconnect) return;
  deps.accounts.setNeedsReconnect(accountId, true, reason);
  deps.events.emit('accounts.changed', { accounts: deps.accounts.list() });
}
