/**
 * "Sign in with SelfCommunity" through the core, as the window drives it: the core listens on a loopback port, the
 * host is asked to open the authorize page, the test follows it with fetch as a signed-in browser would, and the
 * tokens become the account's secret. Then the access token's 10 hours pass (a shared, injected clock), a revoked
 * token answers 401, and a refused refresh marks the account "needs reconnecting" without asking again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SelfcommunitySettings } from '../../electron/core/contract/accounts';
import type { Core } from '../../electron/core/core';
import type { KeychainBackend } from '../../electron/core/secrets/keychain';
import { startSelfcommunitySimulator, type SelfcommunitySimulator } from '../simulators/selfcommunity';
import { testCore } from '../support/core';

/** A keychain in memory: the test reads what the core stored there. */
function memoryKeychain() {
  const entries = new Map<string, string>();
  const backend: KeychainBackend = {
    get: async (id) => entries.get(id) ?? null,
    set: async (id, secret) => void entries.set(id, secret),
    delete: async (id) => void entries.delete(id),
    probe: async () => true,
  };
  return { backend, entries };
}

/** What a browser already signed in to the community does with the authorize URL: follow the redirects. */
async function browse(url: string): Promise<{ status: number; text: string; location: string | null }> {
  const first = await fetch(url, { redirect: 'manual' });
  const location = first.headers.get('location');
  await first.body?.cancel();
  if (first.status !== 302 || !location) return { status: first.status, text: '', location: null };
  const back = await fetch(location);
  return { status: back.status, text: await back.text(), location };
}

const HOUR = 3_600_000;

describe('SelfCommunity OAuth sign-in through the core', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup() {
    const sim = await startSelfcommunitySimulator({ courses: 3, users: 12, membersPerCourse: 4 });
    let t = Date.UTC(2026, 11, 7, 9);
    sim.knobs.now = () => new Date(t);
    const keychain = memoryKeychain();
    const opened: string[] = [];
    const { core, cleanup } = testCore({
      keychain: keychain.backend,
      inlineSync: true,
      now: () => new Date(t),
      host: { openSignInPage: async (url) => void opened.push(url) },
    });
    cleanups.push(() => sim.close(), cleanup);
    const settings: SelfcommunitySettings = {
      platform: 'selfcommunity',
      baseUrl: `${sim.url}/api/v2`,
      authMode: 'oauth',
      jwtUserId: null,
      oauthClientId: sim.options.oauthClientId,
    };
    return {
      sim,
      core,
      keychain,
      opened,
      settings,
      advance: (ms: number) => void (t += ms),
    };
  }

  async function signIn(core: Core, sim: SelfcommunitySimulator, opened: string[]) {
    const start = await core.call('accounts.oauthStart', { baseUrl: sim.url, clientId: sim.options.oauthClientId });
    expect(start.opened).toBe(true);
    expect(opened.at(-1)).toBe(start.authorizeUrl);
    const browser = await browse(start.authorizeUrl);
    expect(browser.status).toBe(200);
    expect(browser.text).toContain('You can close this tab');
    return { start, finish: await core.call('accounts.oauthFinish', { flow: start.flow }) };
  }

  it('signs in through the browser (loopback, PKCE S256, state), keeps only the tokens, renews and rotates', async () => {
    const { sim, core, keychain, opened, settings, advance } = await setup();
    const { start, finish } = await signIn(core, sim, opened);

    // RFC 8252: a loopback redirect on a port of our own, a state and a PKCE S256 challenge.
    const asked = new URL(start.authorizeUrl);
    expect(asked.origin + asked.pathname).toBe(`${sim.url}/oauth/authorize/`);
    const redirect = new URL(asked.searchParams.get('redirect_uri')!);
    expect(redirect.protocol).toBe('http:');
    expect(redirect.hostname).toBe('127.0.0.1');
    expect(Number(redirect.port)).toBeGreaterThan(0);
    expect(asked.searchParams.get('response_type')).toBe('code');
    expect(asked.searchParams.get('code_challenge_method')).toBe('S256');
    expect(asked.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(asked.searchParams.get('state')!.length).toBeGreaterThanOrEqual(16);
    expect(finish.connection.accountName).toContain('Coordinator Ćwik');
    // The listener is gone once the browser came back.
    await expect(fetch(redirect)).rejects.toThrow();

    const { account } = await core.call('accounts.add', { label: 'Community', settings, oauthFlow: finish.flow });
    expect(account).toMatchObject({ secretLocation: 'keychain', needsReconnect: false, reconnectReason: null });
    const stored = () => JSON.parse(keychain.entries.get(account.id)!) as Record<string, string>;
    const first = stored();
    expect(first).toMatchObject({ kind: 'selfcommunity-oauth', refreshToken: expect.any(String) });
    expect(sim.oauth.refresh.has(first.refreshToken!)).toBe(true);
    // The window never sees a token.
    expect(JSON.stringify(await core.call('accounts.list'))).not.toContain(first.refreshToken);
    expect(sim.oauth.grants).toEqual(['authorization_code']);

    expect((await core.call('sync.run', {}))[0]).toMatchObject({ outcome: 'ok' });
    expect(sim.oauth.grants).toEqual(['authorization_code']);

    // 11 hours on: the access token (36000 s) has expired. It is renewed once before the first request, however
    // many requests go out in parallel, and the rotated refresh token is written back.
    advance(11 * HOUR);
    const before = sim.requests.length;
    expect((await core.call('sync.run', {}))[0]).toMatchObject({ outcome: 'ok' });
    expect(sim.oauth.grants).toEqual(['authorization_code', 'refresh_token']);
    expect(sim.requests.slice(before).filter((r) => r.status === 401)).toEqual([]);
    const second = stored();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(sim.oauth.refresh.has(second.refreshToken!)).toBe(true);
    expect(sim.oauth.refresh.has(first.refreshToken!)).toBe(false);

    // Revoked early on the server: a 401, one renewal, the request again.
    sim.oauth.access.clear();
    expect((await core.call('sync.run', {}))[0]).toMatchObject({ outcome: 'ok' });
    expect(sim.oauth.grants.filter((g) => g === 'refresh_token')).toHaveLength(2);
    expect(stored().refreshToken).not.toBe(second.refreshToken);
  });

  it('a sync in a worker thread renews after a 401 and the core writes the rotated refresh token back', async () => {
    const sim = await startSelfcommunitySimulator({ courses: 2, users: 6, membersPerCourse: 3 });
    const keychain = memoryKeychain();
    const { core, cleanup } = testCore({ keychain: keychain.backend });
    cleanups.push(() => sim.close(), cleanup);
    const start = await core.call('accounts.oauthStart', { baseUrl: sim.url, clientId: sim.options.oauthClientId });
    await browse(start.authorizeUrl);
    const { flow } = await core.call('accounts.oauthFinish', { flow: start.flow });
    const settings = { platform: 'selfcommunity', baseUrl: sim.url, authMode: 'oauth' } as const;
    const { account } = await core.call('accounts.add', {
      label: 'Worker',
      settings: { ...settings, oauthClientId: sim.options.oauthClientId },
      oauthFlow: flow,
    });
    const before = JSON.parse(keychain.entries.get(account.id)!) as { refreshToken: string };
    sim.oauth.access.clear();
    expect((await core.call('sync.run', {}))[0]).toMatchObject({ outcome: 'ok' });
    const after = JSON.parse(keychain.entries.get(account.id)!) as { refreshToken: string };
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(sim.oauth.refresh.has(after.refreshToken)).toBe(true);
  });

  it('a refused refresh marks the account with the reason, is never retried, and signing in again clears it', async () => {
    const { sim, core, opened, settings, advance } = await setup();
    const { finish } = await signIn(core, sim, opened);
    const { account } = await core.call('accounts.add', { label: 'Community', settings, oauthFlow: finish.flow });

    // The sign-in is revoked on the server (or its refresh token used by another copy of the app).
    sim.oauth.refresh.clear();
    advance(11 * HOUR);
    const failed = (await core.call('sync.run', {}))[0]!;
    expect(failed).toMatchObject({ outcome: 'failed', errorCode: 'reconnect_needed' });
    expect(failed.errorMessage).toMatch(/invalid_grant.*Sign in with SelfCommunity again/);
    expect(sim.oauth.grants.filter((g) => g === 'refresh_token')).toHaveLength(1);
    const marked = (await core.call('accounts.list'))[0]!;
    expect(marked).toMatchObject({ needsReconnect: true, reconnectReason: expect.stringMatching(/invalid_grant/) });

    // Again: it fails at once, saying why, and asks the server nothing.
    const asked = sim.requests.length;
    const again = (await core.call('sync.run', {}))[0]!;
    expect(again).toMatchObject({ outcome: 'failed', errorCode: 'reconnect_needed' });
    expect(again.errorMessage).toMatch(/"Community" needs reconnecting\. .*invalid_grant/);
    await expect(core.call('accounts.test', { account: account.id })).rejects.toMatchObject({
      code: 'reconnect_needed',
    });
    expect(sim.requests.length).toBe(asked);

    // Signing in again is the reconnection.
    const { finish: renewed } = await signIn(core, sim, opened);
    await core.call('accounts.replaceSecret', { account: account.id, oauthFlow: renewed.flow });
    expect((await core.call('accounts.list'))[0]).toMatchObject({ needsReconnect: false, reconnectReason: null });
    expect((await core.call('sync.run', {}))[0]).toMatchObject({ outcome: 'ok' });
  });

  it('a pasted OAuth access token stops after its 10 hours, and the failure says how to sign in instead', async () => {
    const { sim, core, advance } = await setup();
    const form = new URLSearchParams({
      grant_type: 'password',
      client_id: sim.options.oauthClientId,
      username: 'coordinator',
      password: sim.options.passwords.coordinator!,
    });
    const answer = await fetch(`${sim.url}/oauth/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    const issued = (await answer.json()) as { access_token: string; expires_in: number };
    expect(issued.expires_in).toBe(36_000);
    const settings = { platform: 'selfcommunity', baseUrl: sim.url, authMode: 'token' } as const;
    await core.call('accounts.add', { label: 'Pasted', settings, secret: issued.access_token });
    expect((await core.call('sync.run', {}))[0]).toMatchObject({ outcome: 'ok' });
    advance(10 * HOUR + 60_000);
    const run = (await core.call('sync.run', {}))[0]!;
    expect(run).toMatchObject({ outcome: 'failed', errorCode: 'auth_failed' });
    expect(run.errorMessage).toMatch(/lasts 10 hours: use "Sign in with SelfCommunity"/);
  });

  it('takes only the redirect with its own state; a declined or cancelled sign-in ends clearly', async () => {
    const { sim, core, opened } = await setup();
    const start = await core.call('accounts.oauthStart', { baseUrl: sim.url, clientId: sim.options.oauthClientId });
    const redirect = new URL(new URL(start.authorizeUrl).searchParams.get('redirect_uri')!);
    // Another page (or another site) calling the port with a forged state is answered and ignored.
    const forged = new URL(redirect);
    forged.search = 'code=stolen&state=not-ours';
    expect((await fetch(forged)).status).toBe(400);
    expect((await browse(start.authorizeUrl)).status).toBe(200);
    expect((await core.call('accounts.oauthFinish', { flow: start.flow })).connection.courseCount).toBe(3);

    sim.knobs.authorizeDenied = true;
    const declined = await core.call('accounts.oauthStart', { baseUrl: sim.url, clientId: sim.options.oauthClientId });
    await browse(declined.authorizeUrl);
    await expect(core.call('accounts.oauthFinish', { flow: declined.flow })).rejects.toMatchObject({
      code: 'auth_failed',
      message: expect.stringMatching(/declined in the browser/),
    });

    const cancelled = await core.call('accounts.oauthStart', { baseUrl: sim.url, clientId: sim.options.oauthClientId });
    const waiting = core.call('accounts.oauthFinish', { flow: cancelled.flow });
    expect(await core.call('accounts.oauthCancel', { flow: cancelled.flow })).toEqual({ cancelled: true });
    await expect(waiting).rejects.toMatchObject({ code: 'cancelled' });
    expect(opened).toHaveLength(3);
  });

  it('works with a server that ignores PKCE, and with a confidential client whose secret is kept for refreshes', async () => {
    const sim = await startSelfcommunitySimulator({
      courses: 2,
      users: 6,
      membersPerCourse: 3,
      oauthClientSecret: 'cs-Ω1',
    });
    sim.knobs.pkce = false;
    let t = Date.UTC(2026, 11, 7, 9);
    sim.knobs.now = () => new Date(t);
    const keychain = memoryKeychain();
    const { core, cleanup } = testCore({ keychain: keychain.backend, inlineSync: true, now: () => new Date(t) });
    cleanups.push(() => sim.close(), cleanup);

    const wrong = await core.call('accounts.oauthStart', { baseUrl: sim.url, clientId: sim.options.oauthClientId });
    expect(wrong.opened).toBe(false); // no host: the CLI shows the address instead
    await browse(wrong.authorizeUrl);
    await expect(core.call('accounts.oauthFinish', { flow: wrong.flow })).rejects.toMatchObject({
      code: 'auth_failed',
      message: expect.stringMatching(/invalid_client.*client ID \(and its secret/),
    });

    const start = await core.call('accounts.oauthStart', {
      baseUrl: sim.url,
      clientId: sim.options.oauthClientId,
      clientSecret: 'cs-Ω1',
    });
    await browse(start.authorizeUrl);
    const { flow } = await core.call('accounts.oauthFinish', { flow: start.flow });
    const settings = {
      platform: 'selfcommunity',
      baseUrl: sim.url,
      authMode: 'oauth',
      oauthClientId: sim.options.oauthClientId,
    } as const;
    // A finished sign-in is only for the community and application it was made for.
    await expect(
      core.call('accounts.add', { label: 'X', settings: { ...settings, oauthClientId: 'other' }, oauthFlow: flow }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    const { flow: again } = await (async () => {
      const s = await core.call('accounts.oauthStart', {
        baseUrl: sim.url,
        clientId: sim.options.oauthClientId,
        clientSecret: 'cs-Ω1',
      });
      await browse(s.authorizeUrl);
      return core.call('accounts.oauthFinish', { flow: s.flow });
    })();
    const { account } = await core.call('accounts.add', { label: 'Confidential', settings, oauthFlow: again });
    expect(JSON.parse(keychain.entries.get(account.id)!)).toMatchObject({ clientSecret: 'cs-Ω1' });
    t += 11 * HOUR;
    expect((await core.call('sync.run', {}))[0]).toMatchObject({ outcome: 'ok' });
    expect(sim.oauth.grants.at(-1)).toBe('refresh_token');
  });
});
