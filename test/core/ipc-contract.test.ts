import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/core';
import { noKeychain } from '../../electron/core/secrets/keychain';
import { createSecretStore } from '../../electron/core/secrets/secret-store';
import { IPC_INVOKE } from '../../electron/core/contract/bridge';
import { createSenderCheck, registerContract, type InvokeEvent } from '../../electron/main/ipc';
import { APP_ORIGIN } from '../../electron/main/security';
import { SCHEMA_VERSION } from '../../electron/core/store/migrations';
import { tempDir } from '../support/tmp';

type Listener = (event: InvokeEvent, ...args: unknown[]) => Promise<unknown>;

function fakeFrame(url: string, parent: object | null = null) {
  return { senderFrame: { url, parent } } as unknown as InvokeEvent;
}

describe('IPC registration', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: Core;
  let listener: Listener;

  beforeEach(() => {
    dir = tempDir();
    core = createCore({ dataDir: dir.path, secrets: createSecretStore(noKeychain()) });
    const handlers = new Map<string, Listener>();
    registerContract({ handle: (channel, fn) => handlers.set(channel, fn) }, core, createSenderCheck([APP_ORIGIN]));
    expect([...handlers.keys()]).toEqual([IPC_INVOKE]);
    listener = handlers.get(IPC_INVOKE)!;
  });

  afterEach(() => {
    core.close();
    dir.cleanup();
  });

  it('answers a well-formed call from the app window', async () => {
    const result = await listener(fakeFrame(`${APP_ORIGIN}/index.html`), 'app.info', undefined);
    expect(result).toMatchObject({ ok: true, value: { dataDir: dir.path, schemaVersion: SCHEMA_VERSION } });
  });

  it('rejects malformed input with { code, message } and writes nothing', async () => {
    const before = await core.call('settings.get');
    for (const bad of [{ theme: 'purple' }, { theme: 'dark', unknownKey: 1 }, 'dark', 42, null]) {
      const result = (await listener(fakeFrame(`${APP_ORIGIN}/`), 'settings.update', bad)) as {
        ok: boolean;
        error: { code: string; message: string };
      };
      expect(result.ok).toBe(false);
      expect(result.error.code).toBe('invalid_input');
      expect(result.error.message).toMatch(/Invalid input for settings\.update/);
      expect(Object.keys(result.error).sort()).toEqual(['code', 'message']);
    }
    // Nothing was written: the stored settings are unchanged.
    expect(await core.call('settings.get')).toEqual(before);
    const good = await listener(fakeFrame(`${APP_ORIGIN}/`), 'settings.update', { theme: 'dark' });
    expect(good).toMatchObject({ ok: true, value: { theme: 'dark' } });
  });

  it('rejects report days that do not exist or are out of range, naming the problem', async () => {
    const cases: [string, RegExp][] = [
      ['2026-02-30', /2026-02-30 is not a real date/],
      ['2025-02-29', /2025-02-29 is not a real date/],
      ['9999-12-31', /9999-12-31 is out of range.*1970 to 2200/],
      ['0226-01-01', /out of range/],
      ['2026-1-5', /use YYYY-MM-DD/],
    ];
    for (const [to, message] of cases) {
      const definition = { kind: 'completions', to };
      const result = (await listener(fakeFrame(`${APP_ORIGIN}/`), 'reports.saved.save', { name: 'x', definition })) as {
        ok: boolean;
        error: { code: string; message: string };
      };
      expect(result.ok, to).toBe(false);
      expect(result.error.code).toBe('invalid_input');
      expect(result.error.message).toMatch(message);
    }
    const leap = { kind: 'completions', from: '2024-02-29', to: '2200-12-31' };
    expect(
      await listener(fakeFrame(`${APP_ORIGIN}/`), 'reports.saved.save', { name: 'leap', definition: leap }),
    ).toMatchObject({ ok: true });
  });

  it('refuses calls from foreign senders: subframes, other origins, missing frames', async () => {
    const foreign = [
      fakeFrame('https://evil.example/'),
      fakeFrame(`${APP_ORIGIN}/index.html`, { url: `${APP_ORIGIN}/` }),
      fakeFrame('file:///etc/passwd'),
      fakeFrame('not a url'),
      { senderFrame: null } as unknown as InvokeEvent,
    ];
    for (const event of foreign) {
      const result = await listener(event, 'settings.update', { theme: 'light' });
      expect(result).toEqual({ ok: false, error: { code: 'forbidden_sender', message: expect.any(String) } });
    }
    expect((await core.call('settings.get')).theme).toBe('system');
  });

  it('refuses unknown channels', async () => {
    const result = await listener(fakeFrame(`${APP_ORIGIN}/`), 'fs.readFile', { path: '/etc/passwd' });
    expect(result).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
  });
});
