/**
 * Accounts against the REAL OS keychain (GNOME Keyring over D-Bus in CI): secrets live only there.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpError } from '../../electron/core/http/errors';
import { osKeychain } from '../../electron/core/secrets/keychain';
import { filesContaining } from '../support/byte-search';
import { testCore } from '../support/core';
import { realKeychainAvailable, secretToolLookup } from '../support/keychain';
import { makeDataset, scriptedConnector } from '../support/scripted-connector';

const SECRET = `s3cret-${Math.random().toString(36).slice(2)}-ÄÖ`;
const ISPRING = {
  platform: 'ispring',
  baseUrl: 'https://acme.ispringlearn.com',
  authMode: 'token',
  clientId: 'client-1',
} as const;

let available = false;
beforeAll(async () => {
  available = await realKeychainAvailable();
});

describe('accounts with the OS keychain', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  function core(check?: (secret: string) => void) {
    const t = testCore({
      keychain: osKeychain(),
      inlineSync: true,
      createConnector: (_settings, secret) => {
        check?.(secret);
        return scriptedConnector({ data: makeDataset(2, 3) });
      },
    });
    cleanups.push(t.cleanup);
    return t;
  }

  it('add stores the secret in the keychain only; remove deletes the entry', async (ctx) => {
    if (!available) return ctx.skip();
    const seen: string[] = [];
    const { core: c, dataDir } = core((s) => seen.push(s));
    const { account, connection } = await c.call('accounts.add', {
      label: 'Acme LMS',
      settings: ISPRING,
      secret: SECRET,
    });
    expect(connection).toMatchObject({ accountName: 'Scripted', courseCount: 2 });
    expect(account.secretLocation).toBe('keychain');
    expect(secretToolLookup(account.id)).toBe(SECRET);
    // The core hands the stored secret to the connector when it syncs.
    expect((await c.call('sync.run', {}))[0]!.outcome).toBe('ok');
    expect(seen.at(-1)).toBe(SECRET);
    // Nowhere on disk, nowhere in what the contract returns.
    expect(filesContaining(dataDir, SECRET)).toEqual([]);
    expect(JSON.stringify(await c.call('accounts.list'))).not.toContain(SECRET);

    await c.call('accounts.remove', { account: 'Acme LMS' });
    expect(secretToolLookup(account.id)).toBeNull();
    expect(await c.call('accounts.list')).toEqual([]);
  });

  it('a keychain entry gone missing marks the account "needs reconnecting"; cached data stays', async (ctx) => {
    if (!available) return ctx.skip();
    const { core: c } = core();
    const { account } = await c.call('accounts.add', { label: 'Acme', settings: ISPRING, secret: SECRET });
    await c.call('sync.run', {});
    await osKeychain().delete(account.id);
    const [run] = await c.call('sync.run', {});
    expect(run).toMatchObject({ outcome: 'failed', errorCode: 'secret_missing' });
    expect(run!.errorMessage).toMatch(/Reconnect/);
    expect((await c.call('accounts.list'))[0]!.needsReconnect).toBe(true);
    expect((await c.call('app.info')).counts.progress).toBe(6);
    // Replacing the secret reconnects it.
    await c.call('accounts.replaceSecret', { account: 'Acme', secret: SECRET + '2' });
    expect((await c.call('accounts.list'))[0]!.needsReconnect).toBe(false);
    expect(secretToolLookup(account.id)).toBe(SECRET + '2');
    await c.call('accounts.remove', { account: 'Acme' });
  });

  it('a failed connection test saves nothing', async (ctx) => {
    if (!available) return ctx.skip();
    const t = testCore({
      keychain: osKeychain(),
      inlineSync: true,
      createConnector: () => ({
        ...scriptedConnector({ data: makeDataset(1, 1) }),
        testConnection: async () => {
          throw new HttpError(
            'auth_failed',
            'iSpring Learn rejected the client ID or secret (HTTP 401). Check them in iSpring: Settings → API.',
            401,
          );
        },
      }),
    });
    cleanups.push(t.cleanup);
    await expect(
      t.core.call('accounts.add', { label: 'Bad', settings: ISPRING, secret: SECRET }),
    ).rejects.toMatchObject({
      code: 'auth_failed',
      message: expect.stringMatching(/rejected the client ID or secret/),
    });
    expect(await t.core.call('accounts.list')).toEqual([]);
    expect(filesContaining(t.dataDir, SECRET)).toEqual([]);
  });
});

describe('accounts without a keychain', () => {
  it('explains, refuses to persist, and offers session-only storage that never touches disk', async () => {
    const t = testCore({ inlineSync: true, createConnector: () => scriptedConnector({ data: makeDataset(2, 2) }) });
    try {
      const status = await t.core.call('accounts.keychainStatus');
      expect(status.available).toBe(false);
      expect(status.explanation).toMatch(/session/);
      await expect(
        t.core.call('accounts.add', { label: 'Acme', settings: ISPRING, secret: SECRET }),
      ).rejects.toMatchObject({
        code: 'keychain_unavailable',
        message: expect.stringMatching(/keep for this session only/),
      });
      expect(await t.core.call('accounts.list')).toEqual([]);

      const { account } = await t.core.call('accounts.add', {
        label: 'Acme',
        settings: ISPRING,
        secret: SECRET,
        storage: 'session',
      });
      expect(account.secretLocation).toBe('session');
      expect((await t.core.call('sync.run', {}))[0]!.outcome).toBe('ok');
      expect(filesContaining(t.dataDir, SECRET)).toEqual([]);
    } finally {
      t.cleanup();
    }
  });

  it('validates labels and URLs: unique labels, https except loopback', async () => {
    const t = testCore({ inlineSync: true, createConnector: () => scriptedConnector({ data: makeDataset(1, 1) }) });
    try {
      await t.core.call('accounts.add', { label: 'Demo', settings: { platform: 'sample', seed: 1 } });
      await expect(
        t.core.call('accounts.add', { label: 'demo', settings: { platform: 'sample', seed: 2 } }),
      ).rejects.toMatchObject({ code: 'conflict' });
      for (const baseUrl of ['http://acme.ispringlearn.com', 'ftp://x', 'javascript:alert(1)', 'not a url']) {
        await expect(
          t.core.call('accounts.add', {
            label: 'X',
            settings: { ...ISPRING, baseUrl },
            secret: 'x',
            storage: 'session',
          }),
        ).rejects.toMatchObject({ code: 'invalid_input' });
      }
      const ok = await t.core.call('accounts.add', {
        label: 'Local',
        settings: { ...ISPRING, baseUrl: 'http://127.0.0.1:9999' },
        secret: 'x',
        storage: 'session',
      });
      expect(ok.account.settings).toMatchObject({ baseUrl: 'http://127.0.0.1:9999' });
      expect((await t.core.call('accounts.list')).map((a) => a.label)).toEqual(['Local', 'Demo']);
    } finally {
      t.cleanup();
    }
  });
});
