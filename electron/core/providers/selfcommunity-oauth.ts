/**
 * SelfCommunity's OAuth 2.0 (django-oauth-toolkit; docs/api/authentication/oauth.md): the pieces Rollbook uses.
 *
 * - Sign-in in the system browser (RFC 8252): the core listens on 127.0.0.1 on a random port, the browser is sent to
 *   `/oauth/authorize/` with that loopback address as redirect_uri, a `state` and a PKCE S256 challenge (a server
 *   that does not know PKCE ignores it), and the code that comes back is exchanged at `POST /oauth/token/`.
 * - The password grant, for the command line: the password is sent once and never kept.
 * - Access tokens live 36000 s and come with a refresh token. What is kept (in the keychain, as the account's secret)
 *   is the refresh token with the current access token and its expiry, and a confidential client's secret. A
 *   refresh may rotate the refresh token: the new one is written back at once, the old one no longer works.
 *
 * A refresh the server refuses (`invalid_grant`, `invalid_client`) means the sign-in is over: it is reported as
 * `reconnect_needed` and never retried. A refresh that fails on the way (network, 5xx) is just a failed request.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { RollbookError } from '../contract/errors';
import { HttpError } from '../http/errors';
import type { HttpClient } from '../http/types';

/** Renew this long before the access token expires, so a request never leaves with a token about to lapse. */
export const OAUTH_RENEW_MARGIN_S = 5 * 60;
/** How long a browser sign-in may take before Rollbook stops listening. */
export const OAUTH_SIGN_IN_TIMEOUT_MS = 10 * 60_000;
const CALLBACK_PATH = '/rollbook/oauth/callback';

/** What the keychain holds for an OAuth account (its "secret"), as JSON. */
export interface OauthCredential {
  kind: 'selfcommunity-oauth';
  accessToken: string;
  /** ISO time the access token stops working. */
  expiresAt: string;
  refreshToken: string;
  /** A confidential client's secret (needed for every refresh); absent for a public client. */
  clientSecret?: string;
}

const credentialSchema = z.object({
  kind: z.literal('selfcommunity-oauth'),
  accessToken: z.string().min(1),
  expiresAt: z.string().refine((v) => !Number.isNaN(Date.parse(v))),
  refreshToken: z.string().min(1),
  clientSecret: z.string().min(1).optional(),
});

export const serializeCredential = (credential: OauthCredential): string => JSON.stringify(credential);

/** The stored credential, or null when the secret is not one (a pasted token, a JWT key). */
export function parseCredential(secret: string): OauthCredential | null {
  try {
    const parsed = credentialSchema.safeParse(JSON.parse(secret));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const tokenSchema = z.looseObject({
  access_token: z.string().min(1),
  // Seconds, though the schema page says "minutes": 36000 is DOT's default in seconds (shared/api/selfcommunity.md).
  expires_in: z.coerce.number().positive().optional(),
  token_type: z.string().optional(),
  refresh_token: z.string().min(1).optional(),
});

/** The community's own address from an account's base URL (which may end in /api/v2): the OAuth routes sit there. */
export const communityRoot = (baseUrl: string): string =>
  new URL(baseUrl.replace(/\/+$/, '').replace(/\/api\/v2$/, '')).toString().replace(/\/+$/, '');

export interface OauthClient {
  /** The community's address (no /api/v2). */
  root: string;
  clientId: string;
  clientSecret?: string;
}

/** The OAuth error code in a token endpoint's answer (`{"error": "invalid_grant", …}`), if any. */
function oauthErrorOf(error: unknown): { code: string; description: string | null } | null {
  if (!(error instanceof HttpError) || !error.excerpt) return null;
  try {
    const body = JSON.parse(error.excerpt) as { error?: unknown; error_description?: unknown };
    return typeof body.error === 'string'
      ? {
          code: body.error,
          description: typeof body.error_description === 'string' ? body.error_description.slice(0, 160) : null,
        }
      : null;
  } catch {
    return null;
  }
}

/** `POST /oauth/token/` with a form; the answer as a credential (keeping the old refresh token if none came back). */
async function tokenRequest(
  http: HttpClient,
  client: OauthClient,
  form: Record<string, string>,
  now: () => Date,
  signal: AbortSignal,
  previousRefresh?: string,
): Promise<OauthCredential> {
  const body = new URLSearchParams({ ...form, client_id: client.clientId });
  if (client.clientSecret) body.set('client_secret', client.clientSecret);
  const response = await http.request({
    method: 'POST',
    url: `${client.root}/oauth/token/`,
    headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
    signal,
    // A refresh token is single-use when the server rotates them: resending a refresh whose answer was lost
    // would present a token already spent. A failed exchange is simply tried again by the next sync.
    retry: false,
  });
  let parsed: z.infer<typeof tokenSchema>;
  try {
    parsed = tokenSchema.parse(JSON.parse(response.body));
  } catch (error) {
    throw new HttpError(
      'bad_response',
      'SelfCommunity answered the token request without an access token. Check the community address.',
      response.status,
      undefined,
      { cause: error },
    );
  }
  http.redact(parsed.access_token);
  if (parsed.refresh_token) http.redact(parsed.refresh_token);
  const refreshToken = parsed.refresh_token ?? previousRefresh;
  if (!refreshToken) {
    throw new RollbookError(
      'invalid_input',
      'SelfCommunity gave an access token without a refresh token, so Rollbook could not renew it. ' +
        'Check that the OAuth application allows the authorization-code (or password) grant.',
    );
  }
  const lifetimeS = parsed.expires_in ?? 36_000;
  return {
    kind: 'selfcommunity-oauth',
    accessToken: parsed.access_token,
    expiresAt: new Date(now().getTime() + lifetimeS * 1000).toISOString(),
    refreshToken,
    ...(client.clientSecret ? { clientSecret: client.clientSecret } : {}),
  };
}

/** A sign-in the server refused: what it said, in words the user can act on. */
function refusedSignIn(error: unknown, what: string): never {
  const said = oauthErrorOf(error);
  if (!said) throw error;
  const hint =
    said.code === 'invalid_client'
      ? 'Check the OAuth client ID (and its secret, if the application has one) from make.selfcommunity.io.'
      : said.code === 'invalid_grant'
        ? `The ${what} was not accepted.`
        : 'Check the OAuth application in make.selfcommunity.io.';
  throw new RollbookError(
    'auth_failed',
    `SelfCommunity refused the sign-in (${said.code}${said.description ? `: ${said.description}` : ''}). ${hint}`,
    { cause: error },
  );
}

/** The password grant: the password is used for this one request and not kept. */
export async function passwordGrant(
  http: HttpClient,
  client: OauthClient,
  username: string,
  password: string,
  now: () => Date,
  signal: AbortSignal,
): Promise<OauthCredential> {
  http.redact(password);
  try {
    return await tokenRequest(http, client, { grant_type: 'password', username, password }, now, signal);
  } catch (error) {
    return refusedSignIn(error, 'user name or password');
  }
}

export interface BrowserSignIn {
  /** The address to open in the system browser. */
  authorizeUrl: string;
  /** Resolves with the credential once the browser came back and the code was exchanged. */
  done: Promise<OauthCredential>;
  /** Stops listening (the sign-in fails with `cancelled` if it had not finished). */
  cancel: () => void;
}

const PAGE = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title>` +
  `<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto"><h1>${title}</h1><p>${text}</p>`;

/**
 * Starts a browser sign-in: a one-shot listener on 127.0.0.1 (random port) and the authorize URL for it. Only a
 * redirect carrying this sign-in's `state` is taken; anything else on the port is answered and ignored.
 */
export async function startBrowserSignIn(
  http: HttpClient,
  client: OauthClient,
  now: () => Date,
  timeoutMs = OAUTH_SIGN_IN_TIMEOUT_MS,
): Promise<BrowserSignIn> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(16).toString('base64url');
  const controller = new AbortController();
  let settle!: { resolve: (code: string) => void; reject: (error: unknown) => void };
  const code = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const reply = (status: number, title: string, text: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(PAGE(title, text));
    };
    if (url.pathname !== CALLBACK_PATH || url.searchParams.get('state') !== state) {
      reply(400, 'Not this sign-in', 'This address does not belong to the sign-in Rollbook is waiting for.');
      return;
    }
    const error = url.searchParams.get('error');
    const given = url.searchParams.get('code');
    if (error || !given) {
      reply(400, 'Sign-in not completed', 'Return to Rollbook to try again.');
      settle.reject(
        new RollbookError(
          'auth_failed',
          error === 'access_denied'
            ? 'The sign-in was declined in the browser. Sign in again and allow Rollbook access.'
            : `SelfCommunity did not complete the sign-in (${error ?? 'no code'}). Check the OAuth application ` +
                '(its client ID, and that it allows the authorization-code grant) in make.selfcommunity.io.',
        ),
      );
      return;
    }
    reply(200, 'Signed in', 'Rollbook is connected to SelfCommunity. You can close this tab and return to Rollbook.');
    settle.resolve(given);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}${CALLBACK_PATH}`;
  const timer = setTimeout(() => {
    settle.reject(
      new RollbookError('timeout', 'The browser sign-in was not completed in time. Start the sign-in again.'),
    );
  }, timeoutMs);
  timer.unref();
  const cancel = () => {
    controller.abort();
    settle.reject(new RollbookError('cancelled', 'The sign-in was cancelled.'));
  };
  const stop = () => {
    clearTimeout(timer);
    server.closeAllConnections();
    server.close();
  };

  const done = code.then(
    async (given) => {
      stop();
      try {
        return await tokenRequest(
          http,
          client,
          { grant_type: 'authorization_code', code: given, redirect_uri: redirectUri, code_verifier: verifier },
          now,
          controller.signal,
        );
      } catch (error) {
        return refusedSignIn(error, 'sign-in code');
      }
    },
    (error: unknown) => {
      stop();
      throw error;
    },
  );
  // A sign-in nobody waits for must not surface as an unhandled rejection.
  done.catch(() => undefined);

  const authorize = new URL(`${client.root}/oauth/authorize/`);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: redirectUri,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  return { authorizeUrl: authorize.toString(), done, cancel };
}

/**
 * The access token of an OAuth account for a connector's requests: renewed shortly before it expires and, after a
 * 401, once; each renewal's credential (a rotated refresh token) goes to `save` before it is used. Concurrent
 * requests share one renewal.
 */
export function oauthBearer(options: {
  http: HttpClient;
  client: OauthClient;
  credential: OauthCredential;
  now: () => Date;
  save?: (secret: string) => Promise<void>;
}) {
  const { http, client, now } = options;
  let credential = options.credential;
  let renewing: Promise<string> | null = null;
  /** Renewed by this session: used until it lapses, even when the server grants less than the margin. */
  let fresh = false;
  /** The refusal that ended this sign-in: every later request fails with it, without asking the server again. */
  let refused: RollbookError | null = null;
  http.redact(credential.accessToken);
  http.redact(credential.refreshToken);

  async function refresh(signal: AbortSignal): Promise<string> {
    if (refused) throw refused;
    let next: OauthCredential;
    try {
      next = await tokenRequest(
        http,
        { ...client, clientSecret: credential.clientSecret ?? client.clientSecret },
        { grant_type: 'refresh_token', refresh_token: credential.refreshToken },
        now,
        signal,
        credential.refreshToken,
      );
    } catch (error) {
      const said = oauthErrorOf(error);
      if (!said || !['invalid_grant', 'invalid_client', 'unauthorized_client'].includes(said.code)) throw error;
      refused = new RollbookError(
        'reconnect_needed',
        `SelfCommunity no longer accepts this account's sign-in (${said.code}` +
          `${said.description ? `: ${said.description}` : ''}): it was revoked, expired or used elsewhere. ` +
          'Sign in with SelfCommunity again to reconnect; the cached data is still here.',
        { cause: error },
      );
      throw refused;
    }
    credential = next;
    fresh = true;
    // Written back before use: a rotated refresh token lost here would leave the account unable to renew.
    await options.save?.(serializeCredential(credential));
    return credential.accessToken;
  }

  const renew = (signal: AbortSignal, stale?: string): Promise<string> => {
    // Another request already renewed the token this one was refused with.
    if (stale !== undefined && stale !== credential.accessToken) return Promise.resolve(credential.accessToken);
    renewing ??= refresh(signal).finally(() => {
      renewing = null;
    });
    return renewing;
  };

  return {
    /** A token with more than the margin left, renewing first if needed. */
    async token(signal: AbortSignal): Promise<string> {
      if (renewing) return renewing;
      const left = Date.parse(credential.expiresAt) - now().getTime();
      return left > OAUTH_RENEW_MARGIN_S * 1000 || (fresh && left > 0) ? credential.accessToken : renew(signal);
    },
    /** After a 401 with `stale`: a renewed token (once per stale token). */
    renew,
  };
}
