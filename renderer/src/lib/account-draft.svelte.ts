/**
 * The account being added or edited: every platform's non-secret settings, the secret (kept only here until it is
 * handed to the core, never shown back), and the outcome of "Test connection".
 */
import type { AccountSettings } from '$contract/accounts';
import type { Account } from '$contract/channels';
import type { ConnectionReport } from '$contract/channels/accounts';
import type { Platform } from '$contract/domain';
import type { ErrorCode } from '$contract/errors';
import { PLATFORMS } from './platforms';
import { originOf, urlProblem } from './urls';
import { call, CoreError, errorMessage } from './rollbook';

export interface Failure {
  code: ErrorCode | 'unknown';
  title: string;
  message: string;
}

/** A heading that says which kind of failure it was; the core's message says exactly what and what to do. */
const FAILURE_TITLES: Partial<Record<ErrorCode, string>> = {
  auth_failed: 'Wrong credentials',
  forbidden: 'No API access',
  network: 'Cannot reach the server',
  timeout: 'The server did not answer',
  not_found: 'Nothing at that address',
  bad_response: 'Unexpected answer from the server',
  server_error: 'The platform had an error',
  rate_limited: 'Too many requests',
  keychain_unavailable: 'The keychain is not available',
  conflict: 'That label is taken',
  invalid_input: 'Check the form',
  secret_required: 'Enter the secret again',
  reconnect_needed: 'Sign in again',
  cancelled: 'Sign-in cancelled',
};

export function toFailure(error: unknown): Failure {
  const code = error instanceof CoreError ? error.code : 'unknown';
  return { code, title: FAILURE_TITLES[code as ErrorCode] ?? 'Connection failed', message: errorMessage(error) };
}

/**
 * "Sign in with SelfCommunity": the core opens the browser and waits on its loopback port; this holds the sign-in
 * while it runs (to cancel it) and its id once done, which stands for the tokens the core keeps.
 */
export class OauthSignIn {
  running = $state(false);
  /** Set when the core could not open the browser: the address to open by hand. */
  authorizeUrl = $state<string | null>(null);
  private pending: string | null = null;

  async run(client: { baseUrl: string; clientId: string; clientSecret?: string }) {
    this.running = true;
    this.authorizeUrl = null;
    try {
      const start = await call('accounts.oauthStart', client);
      this.pending = start.flow;
      if (!start.opened) this.authorizeUrl = start.authorizeUrl;
      return await call('accounts.oauthFinish', { flow: start.flow });
    } finally {
      this.pending = null;
      this.running = false;
      this.authorizeUrl = null;
    }
  }

  cancel(): void {
    if (this.pending) void call('accounts.oauthCancel', { flow: this.pending }).catch(() => undefined);
  }
}

export const DEFAULT_URLS: Record<Exclude<Platform, 'sample'>, string> = {
  ispring: 'https://api-learn.ispringlearn.com',
  teamup: 'https://goteamup.com/api/v2',
  selfcommunity: '',
};

export class AccountDraft {
  platform = $state<Platform>('ispring');
  label = $state('');
  baseUrl = $state(DEFAULT_URLS.ispring);
  // iSpring Learn
  ispringAuth = $state<'token' | 'legacy'>('token');
  clientId = $state('');
  accountUrl = $state('');
  login = $state('');
  format = $state<'json' | 'xml'>('json');
  // TeamUp
  authScheme = $state<'bearer' | 'token'>('bearer');
  providerId = $state('');
  providers = $state.raw<{ id: string; name: string }[]>([]);
  threshold = $state('');
  // SelfCommunity
  scAuth = $state<'token' | 'jwt' | 'oauth'>('token');
  jwtUserId = $state('');
  oauthClientId = $state('');
  readonly signIn = new OauthSignIn();
  /** A finished sign-in the core holds for this draft (accounts.add takes it instead of a secret). */
  oauthFlow = $state<string | null>(null);
  // Sample
  seed = $state(1);

  secret = $state('');
  sessionOnly = $state(false);
  /** Show validation messages (after the first attempt, not while typing the first time). */
  touched = $state(false);

  /**
   * Edit form: the servers (origins) the saved secret was given for; null when none is saved. The core never sends
   * that secret to another server, so an address moved elsewhere needs the secret again.
   */
  savedOrigins = $state.raw<string[] | null>(null);

  testing = $state(false);
  report = $state.raw<ConnectionReport | null>(null);
  failure = $state.raw<Failure | null>(null);
  saving = $state(false);

  /** SelfCommunity's OAuth: the sign-in is the credential, a client secret is optional. */
  readonly signsIn = $derived(this.platform === 'selfcommunity' && this.scAuth === 'oauth');
  readonly needsSecret = $derived(this.platform !== 'sample' && !this.signsIn);
  readonly secretLabel = $derived.by(() => {
    switch (this.platform) {
      case 'ispring':
        return this.ispringAuth === 'token' ? 'Client secret' : 'Password';
      case 'teamup':
        return 'API token';
      case 'selfcommunity':
        return this.scAuth === 'token'
          ? 'Access token'
          : this.scAuth === 'jwt'
            ? 'JWT signing secret'
            : 'Client secret (only if the application has one)';
      default:
        return 'Secret';
    }
  });

  /** The edited address points at another server than the saved secret belongs to. */
  readonly movesServer = $derived.by(() => {
    const saved = this.savedOrigins;
    if (!saved || this.platform === 'sample') return false;
    const legacy = this.platform === 'ispring' && this.ispringAuth === 'legacy';
    const addresses = [this.baseUrl, legacy ? this.accountUrl : ''];
    return addresses.map(originOf).some((origin) => origin !== null && !saved.includes(origin));
  });

  /** Field → problem, for the fields the platform uses. */
  readonly problems = $derived.by(() => {
    const p: Record<string, string> = {};
    if (!this.label.trim()) p.label = 'A label is required.';
    else if (this.label.trim().length > 80) p.label = 'Keep the label under 80 characters.';
    if (this.platform === 'sample') {
      if (!Number.isInteger(this.seed)) p.seed = 'The seed is a whole number.';
      return p;
    }
    const url = urlProblem(this.baseUrl);
    if (url) p.baseUrl = url;
    if (this.platform === 'ispring') {
      if (this.ispringAuth === 'token' && !this.clientId.trim()) p.clientId = 'The client ID is required.';
      if (this.ispringAuth === 'legacy') {
        const account = urlProblem(this.accountUrl);
        if (account) p.accountUrl = account;
        if (!this.login.trim()) p.login = 'The login is required.';
      }
    }
    if (this.platform === 'teamup') {
      if (this.providerId && !/^\d+$/.test(this.providerId.trim())) p.providerId = 'The provider ID is a number.';
      if (this.threshold && !(Number(this.threshold) >= 0 && Number(this.threshold) <= 100))
        p.threshold = 'Between 0 and 100.';
    }
    if (this.platform === 'selfcommunity' && this.scAuth === 'jwt' && !/^\d+$/.test(this.jwtUserId.trim())) {
      p.jwtUserId = 'The user ID is a number.';
    }
    if (this.signsIn && !this.oauthClientId.trim()) p.oauthClientId = 'The OAuth client ID is required.';
    if (this.movesServer && !this.secret)
      p.secret = 'This is another server: enter its secret to save the new address.';
    return p;
  });
  readonly settingsValid = $derived(
    Object.keys(this.problems).filter((k) => k !== 'label' && k !== 'secret').length === 0,
  );

  setPlatform(platform: Platform): void {
    if (platform === this.platform) return;
    const previousDefault = this.platform === 'sample' ? '' : DEFAULT_URLS[this.platform];
    this.platform = platform;
    if (platform !== 'sample' && (!this.baseUrl || this.baseUrl === previousDefault))
      this.baseUrl = DEFAULT_URLS[platform];
    this.report = null;
    this.failure = null;
    this.providers = [];
  }

  /** The edit form starts from a saved account. */
  static from(account: Account): AccountDraft {
    const d = new AccountDraft();
    const s = account.settings;
    d.platform = s.platform;
    d.label = account.label;
    if (s.platform === 'sample') d.seed = s.seed;
    else d.baseUrl = s.baseUrl;
    if (account.secretLocation !== 'none') {
      const saved = [d.baseUrl, s.platform === 'ispring' && s.authMode === 'legacy' ? s.accountUrl : ''];
      d.savedOrigins = saved.map(originOf).filter((o): o is string => o !== null);
      d.sessionOnly = account.secretLocation === 'session';
    }
    if (s.platform === 'ispring') {
      d.ispringAuth = s.authMode;
      d.format = s.format;
      if (s.authMode === 'token') d.clientId = s.clientId;
      else {
        d.accountUrl = s.accountUrl;
        d.login = s.login;
      }
    }
    if (s.platform === 'teamup') {
      d.authScheme = s.authScheme;
      d.providerId = s.providerId ?? '';
      d.threshold = s.completionThreshold === null ? '' : String(s.completionThreshold);
    }
    if (s.platform === 'selfcommunity') {
      d.scAuth = s.authMode;
      d.jwtUserId = s.jwtUserId === null ? '' : String(s.jwtUserId);
      d.oauthClientId = s.oauthClientId ?? '';
    }
    return d;
  }

  settings(): AccountSettings {
    const baseUrl = this.baseUrl.trim();
    switch (this.platform) {
      case 'ispring':
        return this.ispringAuth === 'token'
          ? { platform: 'ispring', baseUrl, authMode: 'token', clientId: this.clientId.trim(), format: this.format }
          : {
              platform: 'ispring',
              baseUrl,
              authMode: 'legacy',
              accountUrl: this.accountUrl.trim(),
              login: this.login.trim(),
              format: this.format,
            };
      case 'teamup':
        return {
          platform: 'teamup',
          baseUrl,
          authScheme: this.authScheme,
          providerId: this.providerId.trim() || null,
          completionThreshold: this.threshold.trim() === '' ? null : Number(this.threshold),
        };
      case 'selfcommunity':
        return {
          platform: 'selfcommunity',
          baseUrl,
          authMode: this.scAuth,
          jwtUserId: this.scAuth === 'jwt' ? Number(this.jwtUserId) : null,
          ...(this.scAuth === 'oauth' ? { oauthClientId: this.oauthClientId.trim() } : {}),
        };
      default:
        return { platform: 'sample', seed: this.seed };
    }
  }

  /** "Test connection": what the credentials reach, or exactly why not. Saves nothing. */
  async test(): Promise<boolean> {
    this.touched = true;
    if (!this.settingsValid || (this.needsSecret && !this.secret)) return false;
    this.testing = true;
    this.failure = null;
    this.report = null;
    try {
      const report = await call('accounts.testDraft', {
        settings: this.settings(),
        secret: this.needsSecret ? this.secret : undefined,
      });
      this.report = report;
      if (this.platform === 'teamup') {
        this.providers = report.providers;
        if (!this.providerId && report.providers.length === 1) this.providerId = report.providers[0]!.id;
      }
      if (!this.label.trim()) this.label = suggestLabel(this.platform, report.accountName);
      return true;
    } catch (error) {
      this.failure = toFailure(error);
      return false;
    } finally {
      this.testing = false;
    }
  }

  /** "Sign in with SelfCommunity": the browser, then what the sign-in reaches. Saves nothing. */
  async signInWithBrowser(): Promise<boolean> {
    this.touched = true;
    if (!this.settingsValid) return false;
    this.failure = null;
    this.report = null;
    this.oauthFlow = null;
    try {
      const { flow, connection } = await this.signIn.run({
        baseUrl: this.baseUrl.trim(),
        clientId: this.oauthClientId.trim(),
        clientSecret: this.secret || undefined,
      });
      this.oauthFlow = flow;
      this.report = connection;
      if (!this.label.trim()) this.label = suggestLabel(this.platform, connection.accountName);
      return true;
    } catch (error) {
      this.failure = toFailure(error);
      return false;
    }
  }

  /** A TeamUp token that reaches several providers needs one picked before saving. */
  readonly needsProvider = $derived(this.platform === 'teamup' && this.providers.length > 1 && !this.providerId);
}

function suggestLabel(platform: Platform, accountName: string): string {
  const name = accountName
    .replace(/^(iSpring Learn|TeamUp|SelfCommunity)\s*[—(-]\s*/, '')
    .replace(/[()]/g, '')
    .trim();
  return (name || PLATFORMS[platform].label).slice(0, 80);
}
