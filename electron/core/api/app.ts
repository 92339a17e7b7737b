import type { appChannels } from '../contract/channels/app';
import { schemaVersion } from '../store/db';
import { ROLLBOOK_VERSION } from '../version';
import { RollbookError } from '../contract/errors';
import type { HandlersFor } from './handlers';
import { readSettings, updateSettings } from './settings';
import { diagnosticsText } from './diagnostics';

export const appHandlers = {
  'app.info': (ctx) => ({
    version: ROLLBOOK_VERSION,
    dataDir: ctx.dataDir,
    databasePath: ctx.databasePath,
    schemaVersion: schemaVersion(ctx.db),
    counts: ctx.stats.counts(),
    workers: { sync: ctx.syncInWorker, csvExport: ctx.csvWorkers !== undefined },
    logDir: ctx.logDir,
  }),
  'app.diagnostics': (ctx) => ({ text: diagnosticsText(ctx), logDir: ctx.logDir }),
  'app.openLogs': async (ctx) => {
    if (!ctx.host?.openLogFolder) {
      throw new RollbookError('unsupported', `This program cannot open folders. The log files are in ${ctx.logDir}.`);
    }
    await ctx.host.openLogFolder(ctx.logDir);
    return { logDir: ctx.logDir };
  },
  'settings.get': (ctx) => readSettings(ctx),
  'settings.update': (ctx, patch) => updateSettings(ctx, patch),
  'cache.clear': (ctx) => {
    if (ctx.accounts.list().some((a) => ctx.sync.isRunning(a.id))) {
      throw new RollbookError(
        'sync_running',
        'A sync is running. Cancel it or wait for it to finish, then clear the cache.',
      );
    }
    const cleared = ctx.cache.clearAll();
    ctx.events.emit('accounts.changed', { accounts: ctx.accounts.list() });
    return { cleared };
  },
} satisfies HandlersFor<keyof typeof appChannels>;
