/**
 * Optional background syncing for the app host: once at start and/or every N minutes (settings.autoSync; off by
 * default). Failures are recorded as sync runs like any other; the window shows them.
 */
import type { Core } from '../core';

export function startAutoSync(core: Core, options: { log?: (message: string) => void } = {}): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const runAll = async () => {
    try {
      const status = await core.call('sync.status');
      const idle = status.filter((s) => !s.running).map((s) => s.accountId);
      if (idle.length > 0) await core.call('sync.run', { accountIds: idle, mode: 'incremental' });
    } catch (error) {
      options.log?.(`auto-sync skipped: ${(error as Error).message}`);
    }
  };

  const schedule = async () => {
    if (stopped) return;
    const { autoSync } = await core.call('settings.get');
    if (autoSync.everyMinutes > 0) {
      timer = setTimeout(async () => {
        await runAll();
        void schedule();
      }, autoSync.everyMinutes * 60_000);
    }
  };

  void (async () => {
    const { autoSync } = await core.call('settings.get');
    if (autoSync.onStart) await runAll();
    await schedule();
  })();

  // Changing the interval takes effect at once.
  const off = core.on('settings.changed', () => {
    clearTimeout(timer);
    void schedule();
  });

  return () => {
    stopped = true;
    clearTimeout(timer);
    off();
  };
}
