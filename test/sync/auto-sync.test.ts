import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelName } from '../../electron/core/contract/channels';
import type { Core } from '../../electron/core/core';
import { startAutoSync } from '../../electron/core/sync/auto-sync';
import { testCore } from '../support/core';
import { makeDataset, scriptedConnector } from '../support/scripted-connector';

describe('auto-sync and clear cache', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  async function setup() {
    const t = testCore({ inlineSync: true, createConnector: () => scriptedConnector({ data: makeDataset(2, 5) }) });
    cleanups.push(t.cleanup);
    await t.core.call('accounts.add', { label: 'Acme', settings: { platform: 'sample', seed: 1 } });
    return t;
  }

  it('is off by default', async () => {
    const { core } = await setup();
    // What auto-sync asks the core: once it has read the settings for the start and for the schedule, it has decided.
    const calls: string[] = [];
    const watched: Core = { ...core, call: ((channel: ChannelName, ...input: never[]) => (calls.push(channel), core.call(channel, ...input))) as Core['call'] };
    const stop = startAutoSync(watched);
    await expect.poll(() => calls.filter((c) => c === 'settings.get')).toHaveLength(2);
    await core.call('settings.get');
    stop();
    expect(calls).toEqual(['settings.get', 'settings.get']);
    expect(await core.call('sync.history', {})).toEqual([]);
  });

  it('syncs every account on start when enabled', async () => {
    const { core } = await setup();
    await core.call('settings.update', { autoSync: { onStart: true, everyMinutes: 0 } });
    const finished = new Promise((resolve) => core.on('sync.finished', resolve));
    const stop = startAutoSync(core);
    await finished;
    stop();
    expect((await core.call('sync.history', {}))[0]).toMatchObject({ outcome: 'ok', mode: 'incremental' });
  });

  it('clear cache removes cached rows and history but keeps accounts; needs explicit confirmation', async () => {
    const { core } = await setup();
    await core.call('sync.run', {});
    expect((await core.call('app.info')).counts.progress).toBe(10);
    await expect(core.call('cache.clear', {} as never)).rejects.toMatchObject({ code: 'invalid_input' });
    const { cleared } = await core.call('cache.clear', { confirm: true });
    expect(cleared).toBeGreaterThan(10);
    expect((await core.call('app.info')).counts).toMatchObject({ accounts: 1, courses: 0, progress: 0, learners: 0 });
    expect(await core.call('sync.history', {})).toEqual([]);
    expect((await core.call('sync.run', {}))[0]!.outcome).toBe('ok');
    expect((await core.call('app.info')).counts.progress).toBe(10);
  });
});
