/**
 * Optional background syncing for the app host: once at start and/or every N minutes (settings.autoSync; off by
 * default). Failures are recorded as sync runs like any other; the window shows them.
 *
 * Timers stand still while the computer sleeps, and a sync while the network is down fails. The host says when
 * either ends (resume(), networkChanged()): a sync that came due meanwhile runs then, and accounts whose last sync
 * failed for network reasons are synced again when the network returns.
 */
import type { Core } from '../core';
import { jobLoop, systemClock, type Clock } from './clock';

/** Run failures that say the network, not the account, was the problem. */
const NETWORK_ERRORS = new Set(['network', 'timeout']);

export interface AutoSync {
  stop(): void;
  /** The computer woke up: a sync that came due while it slept runs now, and the next is timed from the clock. */
  resume(): void;
  /** The network went away or came back. Back: a sync missed meanwhile runs, or those that failed for it run again. */
  networkChanged(online: boolean): void;
  /** Settles once the work started so far (syncs it began, rescheduling) is done. */
  idle(): Promise<void>;
}

export function startAutoSync(core: Core, options: { log?: (message: string) => void; clock?: Clock } = {}): AutoSync {
  const clock = options.clock ?? systemClock;
  let online = true;
  /** When the interval last came round (wall clock): the next run is due an interval after it. */
  let lastDueAt = clock.now();
  let missedWhileOffline = false;
  // One job at a time, in order: a wake-up and a network change at once must not start the same sync twice.
  const loop = jobLoop(clock, (error: unknown) => {
    core.log.warn({ err: error }, 'auto-sync skipped');
    options.log?.(`auto-sync skipped: ${(error as Error).message}`);
  });
  const enqueue = loop.enqueue;

  const syncAccounts = async (pick: (status: Awaited<ReturnType<typeof statusOf>>) => string[]) => {
    const accountIds = pick(await statusOf());
    if (accountIds.length > 0) await core.call('sync.run', { accountIds, mode: 'incremental' });
  };
  const statusOf = () => core.call('sync.status');
  const syncIdle = () => syncAccounts((status) => status.filter((s) => !s.running).map((s) => s.accountId));

  const intervalMs = async () => (await core.call('settings.get')).autoSync.everyMinutes * 60_000;

  const due = async () => {
    lastDueAt = clock.now();
    // Every request would fail: the sync runs when the network is back instead.
    if (!online) {
      missedWhileOffline = true;
      return;
    }
    await syncIdle();
  };

  const schedule = async () => {
    loop.clearTimer();
    if (loop.stopped) return;
    const interval = await intervalMs();
    if (interval <= 0) return;
    loop.setTimer(Math.max(0, lastDueAt + interval - clock.now()), async () => {
      await due();
      await schedule();
    });
  };

  enqueue(async () => {
    const { autoSync } = await core.call('settings.get');
    if (autoSync.onStart) await syncIdle();
    await schedule();
  });

  // Changing the interval takes effect at once.
  loop.untilStopped(core.on('settings.changed', () => enqueue(schedule)));

  return {
    stop: loop.stop,
    resume() {
      enqueue(async () => {
        if (loop.stopped) return;
        const interval = await intervalMs();
        if (interval > 0 && clock.now() - lastDueAt >= interval) await due();
        await schedule();
      });
    },
    networkChanged(next) {
      const wasOnline = online;
      online = next;
      if (!next || wasOnline) return;
      enqueue(async () => {
        if (loop.stopped) return;
        // Background syncing switched off means none, retries included.
        const { autoSync } = await core.call('settings.get');
        if (!autoSync.onStart && autoSync.everyMinutes <= 0) return;
        if (missedWhileOffline) {
          missedWhileOffline = false;
          await syncIdle();
          return;
        }
        const failedForNetwork = (s: Awaited<ReturnType<typeof statusOf>>[number]) =>
          !s.running && s.lastRun?.outcome === 'failed' && NETWORK_ERRORS.has(s.lastRun.errorCode ?? '');
        await syncAccounts((status) => status.filter(failedForNetwork).map((s) => s.accountId));
      });
    },
    idle: loop.idle,
  };
}
