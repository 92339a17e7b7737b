import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { RollbookError } from '../../electron/core/contract/errors';
import type { Core } from '../../electron/core/core';
import { startAutoSync } from '../../electron/core/sync/auto-sync';
import { startIspringSimulator } from '../simulators/ispring';
import { testCore } from '../support/core';
import { fakeClock } from '../support/fake-clock';
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
    const auto = startAutoSync(core);
    await auto.idle();
    auto.stop();
    expect(await core.call('sync.history', {})).toEqual([]);
  });

  it('syncs every account on start when enabled', async () => {
    const { core } = await setup();
    await core.call('settings.update', { autoSync: { onStart: true, everyMinutes: 0 } });
    const finished = new Promise((resolve) => core.on('sync.finished', resolve));
    const auto = startAutoSync(core);
    await finished;
    auto.stop();
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

describe('auto-sync failures', () => {
  it("are written to the core's log, not only told to the host", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({}, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    // A core whose every sync is refused (as on a read-only cache).
    const core = {
      log,
      on: () => () => undefined,
      call: async (channel: string) => {
        if (channel === 'settings.get') return { autoSync: { onStart: true, everyMinutes: 0 } };
        if (channel === 'sync.status') return [{ accountId: 'a', running: false, lastRun: null, dataAsOf: null }];
        throw new RollbookError('read_only', 'The data folder is read-only.');
      },
    } as unknown as Core;
    const auto = startAutoSync(core);
    await auto.idle();
    auto.stop();
    expect(lines).toMatchObject([
      { level: 40, msg: 'auto-sync skipped', err: { message: 'The data folder is read-only.' } },
    ]);
  });
});

const MINUTE = 60_000;

describe('auto-sync across sleep and network changes', () => {
  it('catches up on wake, skips while offline, and re-syncs what failed for the network once it returns', async () => {
    const sim = await startIspringSimulator({ courses: 2, learners: 5, results: 6 });
    // One quick retry: a server that hangs up fails the sync in milliseconds.
    const t = testCore({ httpOptions: { retry: { retries: 1, baseDelayMs: 10, maxDelayMs: 20 } } });
    const { clientId, clientSecret } = sim.options;
    const settings = { platform: 'ispring', baseUrl: sim.url, authMode: 'token', clientId } as const;
    await t.core.call('accounts.add', { label: 'LMS', settings, secret: clientSecret, storage: 'session' });
    await t.core.call('settings.update', { autoSync: { onStart: false, everyMinutes: 60 } });
    const time = fakeClock(Date.parse('2026-03-02T09:00:00Z'));
    const auto = startAutoSync(t.core, { clock: time.clock });
    const runs = async () =>
      (await t.core.call('sync.history', {}))
        .sort((a, b) => a.id - b.id)
        .map((r) => `${r.outcome}${r.errorCode ? `:${r.errorCode}` : ''}`);
    try {
      await auto.idle();
      expect(time.nextIn()).toBe(60 * MINUTE);

      // 20 minutes awake, 5 hours asleep: the timer would still wait 40 minutes after waking.
      time.awake(20 * MINUTE);
      time.asleep(5 * 60 * MINUTE);
      await auto.idle();
      expect(await runs()).toEqual([]);
      auto.resume();
      await auto.idle();
      expect(await runs()).toEqual(['ok']);
      expect(time.nextIn()).toBe(60 * MINUTE);

      // The server goes away while the computer still thinks it is online: the sync due then fails for the network.
      sim.addFault({ match: /./, fault: { kind: 'hangup' } });
      time.awake(60 * MINUTE);
      await auto.idle();
      expect(await runs()).toEqual(['ok', 'failed:network']);
      // The network drops and comes back, and so does the server: the failed account syncs again at once.
      auto.networkChanged(false);
      sim.clearFaults();
      auto.networkChanged(true);
      await auto.idle();
      expect(await runs()).toEqual(['ok', 'failed:network', 'ok']);

      // Offline as the interval comes round: nothing is tried until the network is back.
      auto.networkChanged(false);
      const requests = sim.requests.length;
      time.awake(60 * MINUTE);
      await auto.idle();
      expect(sim.requests.length).toBe(requests);
      expect(await runs()).toHaveLength(3);
      auto.networkChanged(true);
      await auto.idle();
      expect(await runs()).toEqual(['ok', 'failed:network', 'ok', 'ok']);
      // Back online with nothing missed or failed: no sync.
      auto.networkChanged(false);
      auto.networkChanged(true);
      await auto.idle();
      expect(await runs()).toHaveLength(4);

      // With auto-sync switched off, a sync that failed for the network is not retried behind the user's back.
      sim.addFault({ match: /./, fault: { kind: 'hangup' } });
      await t.core.call('sync.run', {});
      sim.clearFaults();
      await t.core.call('settings.update', { autoSync: { onStart: false, everyMinutes: 0 } });
      auto.networkChanged(false);
      auto.networkChanged(true);
      await auto.idle();
      expect(await runs()).toEqual(['ok', 'failed:network', 'ok', 'ok', 'failed:network']);
      expect(time.nextIn()).toBeNull();
    } finally {
      auto.stop();
      t.cleanup();
      await sim.close();
    }
  });
});
