import { Argument, type Command, Option } from 'commander';
import { z } from 'zod';
import { accountSettingsSchema, credentialOrigins, type AccountSettings } from '../../contract/accounts';
import type { Account, ConnectionReport } from '../../contract/channels/accounts';
import { PLATFORM_LABELS, PLATFORMS, type Platform } from '../../contract/domain';
import type { Core } from '../../core';
import { UsageError, type CliIo, type CommandContext, type GlobalOptions } from '../program';
import { oneLine, terminalJson } from '../output';
import { readSecret } from '../secret-input';

interface PlatformFlags {
  label?: string;
  baseUrl?: string;
  clientId?: string;
  accountUrl?: string;
  login?: string;
  format?: 'json' | 'xml';
  authScheme?: 'bearer' | 'token';
  providerId?: string;
  completionThreshold?: string;
  jwtUserId?: string;
  oauthClientId?: string;
  username?: string;
  seed?: string;
}

const SECRET_NAME: Record<Platform, string> = {
  ispring: 'iSpring client secret or password',
  teamup: 'TeamUp API token',
  selfcommunity: 'SelfCommunity access token or JWT signing secret',
  sample: '',
};

function integer(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new UsageError(`${flag} must be a whole number, got "${value}".`);
  return Number(value);
}

/** Turns flags into settings and validates them with the same schema the window uses. */
function settingsFrom(platform: Platform, flags: PlatformFlags, base?: AccountSettings): AccountSettings {
  const prev = (base ?? {}) as Record<string, unknown>;
  const draft: Record<string, unknown> = { ...prev, platform };
  if (flags.baseUrl !== undefined) draft.baseUrl = flags.baseUrl;
  switch (platform) {
    case 'ispring':
      if (flags.clientId !== undefined && (flags.accountUrl !== undefined || flags.login !== undefined)) {
        throw new UsageError('Use either --client-id (API key) or --account-url with --login (legacy), not both.');
      }
      if (flags.clientId !== undefined)
        Object.assign(draft, { authMode: 'token', clientId: flags.clientId, accountUrl: undefined, login: undefined });
      if (flags.accountUrl !== undefined || flags.login !== undefined) {
        Object.assign(draft, { authMode: 'legacy', clientId: undefined });
        if (flags.accountUrl !== undefined) draft.accountUrl = flags.accountUrl;
        if (flags.login !== undefined) draft.login = flags.login;
      }
      if (!draft.authMode)
        throw new UsageError('iSpring needs --client-id ID (API key) or --account-url URL --login LOGIN (legacy).');
      if (flags.format !== undefined) draft.format = flags.format;
      break;
    case 'teamup':
      if (flags.authScheme !== undefined) draft.authScheme = flags.authScheme;
      if (flags.providerId !== undefined) draft.providerId = flags.providerId;
      if (flags.completionThreshold !== undefined)
        draft.completionThreshold = integer('--completion-threshold', flags.completionThreshold);
      break;
    case 'selfcommunity':
      if (flags.jwtUserId !== undefined && flags.oauthClientId !== undefined)
        throw new UsageError('Use either --jwt-user-id (a JWT secret key) or --oauth-client-id (sign in), not both.');
      if (flags.username !== undefined && flags.oauthClientId === undefined && draft.authMode !== 'oauth')
        throw new UsageError('--username signs in with OAuth: give --oauth-client-id ID as well.');
      if (flags.jwtUserId !== undefined)
        Object.assign(draft, {
          authMode: 'jwt',
          jwtUserId: integer('--jwt-user-id', flags.jwtUserId),
          oauthClientId: undefined,
        });
      if (flags.oauthClientId !== undefined)
        Object.assign(draft, { authMode: 'oauth', oauthClientId: flags.oauthClientId, jwtUserId: null });
      break;
    case 'sample':
      if (flags.seed !== undefined) draft.seed = integer('--seed', flags.seed);
      break;
  }
  const parsed = accountSettingsSchema.safeParse(draft);
  if (!parsed.success) throw new UsageError(z.prettifyError(parsed.error));
  return parsed.data;
}

const signsIn = (settings: AccountSettings) => settings.platform === 'selfcommunity' && settings.authMode === 'oauth';

/**
 * What a SelfCommunity OAuth sign-in needs from the user, read before the core opens: with --username the password
 * (ROLLBOOK_SECRET or stdin; a confidential application's secret in ROLLBOOK_CLIENT_SECRET), else the application's
 * secret if it has one (ROLLBOOK_SECRET, or asked; empty for a public client).
 */
async function signInSecrets(io: CliIo, username: string | undefined) {
  if (username !== undefined) {
    return {
      password: await readSecret(io, 'SelfCommunity password'),
      clientSecret: io.env.ROLLBOOK_CLIENT_SECRET || undefined,
    };
  }
  const given =
    io.env.ROLLBOOK_SECRET ??
    (io.readSecret ? await io.readSecret('OAuth client secret (press Enter if the application has none): ') : '');
  return { password: undefined, clientSecret: given.replace(/\r?\n$/, '') || undefined };
}

/**
 * Signs in to SelfCommunity: the password grant with --username, else the browser code flow, whose address is
 * printed (the CLI opens no browser) while the core waits on its loopback port. Resolves with the finished flow.
 */
async function signIn(
  io: CliIo,
  core: Core,
  settings: AccountSettings,
  username: string | undefined,
  secrets: Awaited<ReturnType<typeof signInSecrets>>,
): Promise<string> {
  if (settings.platform !== 'selfcommunity' || !settings.oauthClientId) throw new UsageError('Nothing to sign in to.');
  const client = { baseUrl: settings.baseUrl, clientId: settings.oauthClientId, clientSecret: secrets.clientSecret };
  if (username !== undefined) {
    const { flow } = await core.call('accounts.oauthPassword', { ...client, username, password: secrets.password! });
    return flow;
  }
  const { flow, authorizeUrl } = await core.call('accounts.oauthStart', client);
  io.stdout(`Open this address in your browser and sign in to SelfCommunity:\n\n  ${authorizeUrl}\n\n`);
  io.stderr('Waiting for the browser to come back (up to 10 minutes; Ctrl+C to stop)…\n');
  return (await core.call('accounts.oauthFinish', { flow })).flow;
}

function printConnection(io: CliIo, report: ConnectionReport) {
  const courses = report.courseCount === null ? '' : ` — ${report.courseCount} courses`;
  io.stdout(`Connected: ${oneLine(report.accountName)}${courses}\n`);
  for (const provider of report.providers) io.stdout(`  provider ${provider.id}: ${oneLine(provider.name)}\n`);
  for (const note of report.notes) io.stdout(`  note: ${oneLine(note)}\n`);
}

const where = (a: Account) =>
  a.secretLocation === 'keychain'
    ? 'system keychain'
    : a.secretLocation === 'session'
      ? 'this session only'
      : 'no secret';

function addPlatformOptions(command: Command): Command {
  return command
    .option('--base-url <url>', 'API address (https; http only for localhost)')
    .option('--client-id <id>', 'iSpring: API client ID (API-key auth)')
    .option('--account-url <url>', 'iSpring: account address (legacy auth)')
    .option('--login <login>', 'iSpring: login (legacy auth)')
    .addOption(new Option('--format <format>', 'iSpring: response format').choices(['json', 'xml']))
    .addOption(new Option('--auth-scheme <scheme>', 'TeamUp: Authorization scheme').choices(['bearer', 'token']))
    .option('--provider-id <n>', 'TeamUp: provider (business) id')
    .option('--completion-threshold <percent>', 'TeamUp: attendance share that completes a course')
    .option('--jwt-user-id <n>', 'SelfCommunity: sign JWTs acting as this user id (else the secret is an access token)')
    .option(
      '--oauth-client-id <id>',
      'SelfCommunity: sign in with OAuth through this application (prints the address to open in a browser)',
    )
    .option(
      '--username <name>',
      'SelfCommunity with --oauth-client-id: sign in with this user and the password from ROLLBOOK_SECRET or stdin ' +
        '(only the tokens are kept)',
    )
    .option('--seed <n>', 'sample: dataset seed');
}

export function registerAccounts(program: Command, { io, withCore }: CommandContext): void {
  const accounts = program.command('accounts').description('add, list, test, edit and remove accounts');

  addPlatformOptions(
    accounts
      .command('add')
      .description('add an account (tests the connection first; the secret comes from ROLLBOOK_SECRET or stdin)')
      .addArgument(new Argument('<platform>', 'ispring, teamup, selfcommunity or sample').choices([...PLATFORMS]))
      .requiredOption('--label <label>', 'a unique name for the account'),
  ).action(async (platform: Platform, flags: PlatformFlags, cmd: Command) => {
    const settings = settingsFrom(platform, flags);
    const oauth = signsIn(settings) ? await signInSecrets(io, flags.username) : null;
    const secret = platform === 'sample' || oauth ? undefined : await readSecret(io, SECRET_NAME[platform]);
    await withCore(cmd.optsWithGlobals<GlobalOptions>(), async (core) => {
      const oauthFlow = oauth ? await signIn(io, core, settings, flags.username, oauth) : undefined;
      const { account, connection } = await core.call('accounts.add', {
        label: flags.label!,
        settings,
        secret,
        oauthFlow,
      });
      printConnection(io, connection);
      const saved = `account "${oneLine(account.label)}" (${account.id})`;
      io.stdout(`Saved ${PLATFORM_LABELS[platform]} ${saved}; secret: ${where(account)}.\n`);
    });
  });

  accounts
    .command('list')
    .description('list accounts')
    .option('--json', 'print stable JSON (an array of accounts; secrets are never included)')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const list = await withCore(cmd.optsWithGlobals<GlobalOptions>(), (core) => core.call('accounts.list'));
      if (opts.json) {
        io.stdout(
          terminalJson(
            list.map((a) => ({
              id: a.id,
              label: a.label,
              platform: a.platform,
              settings: a.settings,
              secretLocation: a.secretLocation,
              needsReconnect: a.needsReconnect,
              reconnectReason: a.reconnectReason,
              lastSyncedAt: a.lastSyncedAt,
              createdAt: a.createdAt,
            })),
          ) + '\n',
        );
        return;
      }
      if (list.length === 0) {
        io.stdout('No accounts yet. Add one with "rollbook accounts add sample --label Demo" to explore.\n');
        return;
      }
      for (const a of list) {
        const flags = [
          where(a),
          a.needsReconnect ? 'NEEDS RECONNECTING' : null,
          a.lastSyncedAt ? `synced ${a.lastSyncedAt}` : 'never synced',
        ];
        const state = flags.filter(Boolean).join(', ');
        io.stdout(`${oneLine(a.label)}\t${PLATFORM_LABELS[a.platform]}\t${a.id}\t${state}\n`);
        if (a.reconnectReason) io.stdout(`  why: ${oneLine(a.reconnectReason)}\n`);
      }
    });

  accounts
    .command('test')
    .description("test an account's stored credentials")
    .argument('<account>', 'label or id')
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      const report = await withCore(cmd.optsWithGlobals<GlobalOptions>(), (core) =>
        core.call('accounts.test', { account: ref }),
      );
      printConnection(io, report);
    });

  addPlatformOptions(
    accounts
      .command('edit')
      .description("change an account's label or settings, or replace its secret")
      .argument('<account>', 'label or id')
      .option('--label <label>', 'new label')
      .option(
        '--replace-secret',
        'read a new secret from ROLLBOOK_SECRET or stdin (asked anyway when the address moves server)',
      ),
  ).action(async (ref: string, flags: PlatformFlags & { replaceSecret?: boolean }, cmd: Command) => {
    await withCore(cmd.optsWithGlobals<GlobalOptions>(), async (core) => {
      const all = await core.call('accounts.list');
      const current = all.find((a) => a.id === ref) ?? all.find((a) => a.label.toLowerCase() === ref.toLowerCase());
      if (!current) throw new UsageError(`No account "${oneLine(ref)}". Run "rollbook accounts list" to see them.`);
      const { label, replaceSecret, ...platformFlags } = flags;
      const touched = Object.values(platformFlags).some((v) => v !== undefined);
      const settings = touched ? settingsFrom(current.platform, platformFlags, current.settings) : undefined;
      // The saved secret is never sent to another server: a new address there needs the secret again.
      const before = credentialOrigins(current.settings);
      const moved =
        !!settings && current.secretLocation !== 'none' && credentialOrigins(settings).some((o) => !before.includes(o));
      if (moved && !replaceSecret) {
        io.stderr(
          'The new address is another server; Rollbook does not send the saved ' +
            'secret there, so it needs the secret again.\n',
        );
      }
      const target = settings ?? current.settings;
      // An OAuth account's "secret" is a sign-in: replacing it (reconnecting) means signing in again.
      if (signsIn(target) && (replaceSecret || moved)) {
        const oauth = await signInSecrets(io, platformFlags.username);
        const oauthFlow = await signIn(io, core, target, platformFlags.username, oauth);
        if (settings !== undefined || label !== undefined) {
          await core.call('accounts.update', { account: current.id, label, settings, oauthFlow });
        } else {
          const { connection } = await core.call('accounts.replaceSecret', { account: current.id, oauthFlow });
          printConnection(io, connection);
        }
        io.stdout(`Signed in again; "${oneLine(label ?? current.label)}" is connected.\n`);
        return;
      }
      const secret = replaceSecret || moved ? await readSecret(io, SECRET_NAME[current.platform]) : undefined;
      if (secret !== undefined && settings === undefined && label === undefined) {
        const { connection } = await core.call('accounts.replaceSecret', { account: current.id, secret });
        printConnection(io, connection);
        io.stdout(`Updated "${oneLine(current.label)}".\n`);
        return;
      }
      // With a secret, the core tests the new settings with it and saves nothing unless that works.
      const updated = await core.call('accounts.update', { account: current.id, label, settings, secret });
      io.stdout(
        secret === undefined
          ? `Updated "${oneLine(updated.label)}".\n`
          : `Connected and updated "${oneLine(updated.label)}"; secret: ${where(updated)}.\n`,
      );
    });
  });

  accounts
    .command('remove')
    .description('remove an account and its keychain entry (and its cached data unless --keep-data)')
    .argument('<account>', 'label or id')
    .option('--yes', 'do not ask for confirmation')
    .option('--keep-data', 'keep the cached data browsable (the account stays, disconnected)')
    .action(async (ref: string, opts: { yes?: boolean; keepData?: boolean }, cmd: Command) => {
      if (!opts.yes) {
        if (!io.confirm) throw new UsageError('Removing an account needs confirmation: add --yes.');
        const what = opts.keepData ? 'its secret (cached data is kept)' : 'its secret and all its cached data';
        if (!(await io.confirm(`Remove "${oneLine(ref)}" and ${what}?`))) {
          io.stderr('Nothing removed.\n');
          return;
        }
      }
      const result = await withCore(cmd.optsWithGlobals<GlobalOptions>(), (core) =>
        core.call('accounts.remove', { account: ref, keepData: opts.keepData ?? false }),
      );
      const name = oneLine(ref);
      io.stdout(result.keptData ? `Disconnected "${name}"; its cached data is kept.\n` : `Removed "${name}".\n`);
    });
}
