/**
 * Account management. Secrets go from the caller straight to the secret store; they are never stored in SQLite,
 * returned, logged or put in an error message.
 */
import { randomUUID } from 'node:crypto';
import { credentialOrigins, type AccountSettings } from '../contract/accounts';
import type { Account, accountChannels, ConnectionReport } from '../contract/channels/accounts';
import { RollbookError } from '../contract/errors';
import type { ConnectionInfo } from '../providers/types';
import { markReconnectNeeded } from '../secrets/account-secrets';
import { writeTransaction } from '../store/db';
import type { CoreContext } from './context';
import type { HandlersFor } from './handlers';
import { oauthHandlers, takeOauthSecret } from './oauth';
import { seedSampleRequirements } from '../compliance/sample-requirements';

export function resolveAccount(ctx: CoreContext, ref: string): Account {
  const account = ctx.accounts.get(ref) ?? ctx.accounts.findByLabel(ref);
  if (!account)
    throw new RollbookError('account_not_found', `No account "${ref}". Run "rollbook accounts list" to see them.`);
  return account;
}

const needsSecret = (settings: AccountSettings) => settings.platform !== 'sample';

function toReport(info: ConnectionInfo): ConnectionReport {
  return {
    accountName: info.accountName,
    courseCount: info.courseCount,
    providers: info.providers ?? [],
    notes: info.notes ?? [],
  };
}

async function testConnection(
  ctx: CoreContext,
  settings: AccountSettings,
  secret: string | undefined,
  saveSecret?: (secret: string) => Promise<void>,
) {
  if (needsSecret(settings) && !secret) {
    throw new RollbookError(
      'invalid_input',
      settings.platform === 'selfcommunity' && settings.authMode === 'oauth'
        ? 'Sign in with SelfCommunity first.'
        : 'This platform needs a secret (client secret, password or token).',
    );
  }
  const connector = ctx.connectorFor(settings, secret ?? '', undefined, saveSecret);
  const signal = AbortSignal.timeout(60_000);
  return toReport(await connector.testConnection(signal));
}

/** The secret a request gives: typed in, or the credential of a finished "Sign in with SelfCommunity". */
function givenSecret(
  ctx: CoreContext,
  input: { secret?: string; oauthFlow?: string },
  settings: AccountSettings,
): string | undefined {
  if (input.oauthFlow === undefined) return input.secret;
  if (input.secret !== undefined)
    throw new RollbookError('invalid_input', 'Give either a secret or a sign-in, not both.');
  return takeOauthSecret(ctx, input.oauthFlow, settings);
}

function assertLabelFree(ctx: CoreContext, label: string, exceptId?: string) {
  const existing = ctx.accounts.findByLabel(label);
  if (existing && existing.id !== exceptId) {
    throw new RollbookError('conflict', `There is already an account called "${existing.label}". Pick another label.`);
  }
}

function changed(ctx: CoreContext) {
  ctx.events.emit('accounts.changed', { accounts: ctx.accounts.list() });
}

async function assertKeychain(ctx: CoreContext, storage: 'keychain' | 'session') {
  if (storage === 'keychain' && !(await ctx.secrets.keychainAvailable())) {
    throw new RollbookError(
      'keychain_unavailable',
      'The system keychain is not available, so the secret cannot be saved. Start your keychain (on Linux: ' +
        'GNOME Keyring or KWallet) and try again, or choose "keep for this session only".',
    );
  }
}

async function storeSecret(ctx: CoreContext, accountId: string, secret: string, storage: 'keychain' | 'session') {
  await assertKeychain(ctx, storage);
  await ctx.secrets.set(accountId, secret, storage);
}

export const accountHandlers = {
  'accounts.list': (ctx) => ctx.accounts.list(),

  'accounts.keychainStatus': async (ctx) => {
    const available = await ctx.secrets.keychainAvailable();
    return {
      available,
      explanation: available
        ? null
        : 'No system keychain answered. Rollbook never writes secrets to disk in plain text, ' +
          'so without a keychain a secret can only be kept for this session (until Rollbook quits). On Linux, ' +
          'install and unlock GNOME Keyring or KWallet to keep secrets across restarts.',
    };
  },

  'accounts.testDraft': (ctx, input) => testConnection(ctx, input.settings, input.secret),

  'accounts.test': async (ctx, input) => {
    const account = resolveAccount(ctx, input.account);
    const secret = await ctx.secretOf(account);
    try {
      // A test may renew an OAuth access token: the rotated refresh token is kept, as a sync would keep it.
      return await testConnection(ctx, account.settings, secret ?? undefined, (renewed) =>
        ctx.saveSecret(account.id, renewed),
      );
    } catch (error) {
      if (error instanceof RollbookError && error.code === 'reconnect_needed')
        markReconnectNeeded(ctx, account.id, error.message);
      throw error;
    }
  },

  ...oauthHandlers((ctx, settings, secret) => testConnection(ctx, settings, secret)),

  'accounts.add': async (ctx, input) => {
    assertLabelFree(ctx, input.label);
    const secret = givenSecret(ctx, input, input.settings);
    const connection = await testConnection(ctx, input.settings, secret);
    const id = randomUUID();
    const now = ctx.now().toISOString();
    const withSecret = needsSecret(input.settings);
    if (withSecret) await assertKeychain(ctx, input.storage);
    // The row first: a cache that cannot be written (a read-only folder, a full disk) fails here, before a secret is
    // stored anywhere. Undoing a stored secret could fail too, and would leave it in the keychain for no account.
    const secretLocation = withSecret ? input.storage : 'none';
    ctx.accounts.insert({ id, label: input.label, settings: input.settings, secretLocation, now });
    if (withSecret) {
      try {
        await ctx.secrets.set(id, secret!, input.storage);
      } catch (error) {
        writeTransaction(ctx.db, () => ctx.accounts.remove(id))();
        throw error;
      }
    }
    if (input.settings.platform === 'sample') seedSampleRequirements(ctx, id);
    changed(ctx);
    return { account: ctx.accounts.get(id)!, connection };
  },

  'accounts.update': async (ctx, input) => {
    const account = resolveAccount(ctx, input.account);
    const label = input.label ?? account.label;
    assertLabelFree(ctx, label, account.id);
    const settings = input.settings ?? account.settings;
    if (settings.platform !== account.platform) {
      throw new RollbookError(
        'invalid_input',
        `An account cannot change platform (${account.platform} → ${settings.platform}). Add a new account instead.`,
      );
    }
    if (input.secret === undefined && input.oauthFlow === undefined) {
      // The stored secret was given for the old address; sending it to a new one (a typo, or a host that asks for
      // it) could hand it to a stranger. An account without a secret has nothing to send.
      const before = credentialOrigins(account.settings);
      const moved = credentialOrigins(settings).find((origin) => !before.includes(origin));
      if (moved && account.secretLocation !== 'none') {
        throw new RollbookError(
          'secret_required',
          `The new address (${moved}) is another server than before (${before.join(', ')}). ` +
            'Rollbook does not send the saved secret to a new server: ' +
            'enter the secret again to save the new address.',
        );
      }
      ctx.accounts.update({ id: account.id, label, settings, now: ctx.now().toISOString() });
      changed(ctx);
      return ctx.accounts.get(account.id)!;
    }
    if (!needsSecret(settings)) throw new RollbookError('invalid_input', 'Sample accounts have no secret.');
    const secret = givenSecret(ctx, input, settings)!;
    // The new settings with the new secret, tested before anything is saved.
    await testConnection(ctx, settings, secret);
    const storage = input.storage ?? (account.secretLocation === 'session' ? 'session' : 'keychain');
    await storeSecret(ctx, account.id, secret, storage);
    try {
      writeTransaction(ctx.db, () => {
        const now = ctx.now().toISOString();
        ctx.accounts.update({ id: account.id, label, settings, now });
        ctx.accounts.setSecretLocation(account.id, storage, now);
      })();
    } catch (error) {
      // The new secret must not stay with the old address: drop it, and the account asks to be reconnected.
      await ctx.secrets.delete(account.id).catch(() => undefined);
      ctx.accounts.setSecretLocation(account.id, 'none', ctx.now().toISOString());
      ctx.accounts.setNeedsReconnect(account.id, true);
      changed(ctx);
      throw error;
    }
    changed(ctx);
    return ctx.accounts.get(account.id)!;
  },

  'accounts.replaceSecret': async (ctx, input) => {
    const account = resolveAccount(ctx, input.account);
    if (!needsSecret(account.settings)) throw new RollbookError('invalid_input', 'Sample accounts have no secret.');
    const secret = givenSecret(ctx, input, account.settings);
    const connection = await testConnection(ctx, account.settings, secret);
    await storeSecret(ctx, account.id, secret!, input.storage);
    ctx.accounts.setSecretLocation(account.id, input.storage, ctx.now().toISOString());
    changed(ctx);
    return { account: ctx.accounts.get(account.id)!, connection };
  },

  'accounts.remove': async (ctx, input) => {
    const account = resolveAccount(ctx, input.account);
    if (ctx.sync.isRunning(account.id)) ctx.sync.cancel([account.id]);
    // Keychain first: if it fails we have removed nothing and can say so.
    if (account.secretLocation !== 'none') await ctx.secrets.delete(account.id);
    if (input.keepData) {
      ctx.accounts.setSecretLocation(account.id, 'none', ctx.now().toISOString());
      ctx.accounts.setNeedsReconnect(account.id, true);
    } else {
      // One statement, one transaction: the account and (by cascade) every cached row of it.
      writeTransaction(ctx.db, () => ctx.accounts.remove(account.id))();
    }
    const settings = ctx.settings.all();
    if (settings.selection === account.id && !input.keepData) ctx.settings.set('selection', null);
    changed(ctx);
    return { removed: account.id, keptData: input.keepData };
  },
} satisfies HandlersFor<keyof typeof accountChannels>;
