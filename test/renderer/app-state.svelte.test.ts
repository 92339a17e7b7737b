import { flushSync } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppState, platformSelection } from '../../renderer/src/lib/app-state.svelte';
import { account, installBridge, type FakeBridge } from './fake-bridge';
import { appSettingsSchema } from '../../electron/core/contract/settings';

const ada = account('a1', 'teamup', 'Ada TeamUp');
const bob = account('a2', 'ispring', 'Bob iSpring');
const cid = account('a3', 'teamup', 'Cid TeamUp');

describe('AppState', () => {
  let bridge: FakeBridge;
  let app: AppState;
  let stop: () => void;

  beforeEach(async () => {
    bridge = installBridge().answer('accounts.list', () => [cid, bob, ada]);
    app = new AppState();
    stop = app.listen();
    await app.load();
  });
  afterEach(() => {
    stop();
    vi.unstubAllGlobals();
  });

  it('loads the accounts and orders them by platform, then label', () => {
    expect(app.loading).toBe(false);
    expect(app.error).toBeNull();
    expect(app.orderedAccounts.map((a) => a.id)).toEqual(['a2', 'a1', 'a3']);
    expect(app.scope).toBeNull();
    expect(app.scopeLabel).toBe('All accounts');
  });

  it('follows the core’s account events: the list, the selection’s scope, and a reload of the data', () => {
    let seen: string[] = [];
    let versions = 0;
    const cleanup = $effect.root(() => {
      $effect(() => {
        seen = app.scopeAccounts.map((a) => a.id);
      });
      $effect(() => {
        void app.dataVersion;
        versions += 1;
      });
    });
    flushSync();
    expect(seen).toEqual(['a2', 'a1', 'a3']);
    const refreshes = bridge.inputs('sync.status').length;

    bridge.emit('accounts.changed', { accounts: [ada, bob] });
    flushSync();
    expect(app.accounts).toEqual([ada, bob]);
    expect(seen).toEqual(['a2', 'a1']);
    expect(versions).toBe(2);
    expect(bridge.inputs('sync.status').length).toBe(refreshes + 1);
    cleanup();
  });

  it('scopes every view by the selection, and falls back to all accounts when the selected one goes', () => {
    bridge.emit('settings.changed', { ...appSettingsSchema.parse({}), selection: platformSelection('teamup') });
    expect(app.scope).toEqual(['a3', 'a1']);
    expect(app.scopeLabel).toBe('All TeamUp accounts');

    bridge.emit('settings.changed', { ...appSettingsSchema.parse({}), selection: 'a2' });
    expect(app.scope).toEqual(['a2']);
    expect(app.scopeLabel).toBe('Bob iSpring');

    bridge.emit('accounts.changed', { accounts: [ada, cid] });
    expect(app.scope).toBeNull();
    expect(app.scopeLabel).toBe('All accounts');
  });

  it('switches the selection at once and rolls it back if the core refuses', async () => {
    bridge.answer('settings.update', () => {
      throw new Error('The settings file is read-only.');
    });
    const update = app.updateSettings({ selection: 'a1' });
    expect(app.scope).toEqual(['a1']);
    await update;
    expect(app.scope).toBeNull();
    expect(app.notice).toEqual({ text: 'The settings file is read-only.', tone: 'error' });
  });

  it('stops following the core when asked', () => {
    expect(bridge.listening('accounts.changed')).toBe(1);
    stop();
    expect(bridge.listening('accounts.changed')).toBe(0);
    bridge.emit('accounts.changed', { accounts: [] });
    expect(app.accounts).toHaveLength(3);
    stop = () => undefined;
  });
});
