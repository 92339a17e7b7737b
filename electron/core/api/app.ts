import type { appChannels } from '../contract/channels/app';
import { schemaVersion } from '../store/db';
import { ROLLBOOK_VERSION } from '../version';
import type { HandlersFor } from './handlers';
import { readSettings, updateSettings } from './settings';

export const appHandlers = {
  'app.info': (ctx) => ({
    version: ROLLBOOK_VERSION,
    dataDir: ctx.dataDir,
    databasePath: ctx.databasePath,
    schemaVersion: schemaVersion(ctx.db),
    counts: ctx.stats.counts(),
  }),
  'settings.get': (ctx) => readSettings(ctx),
  'settings.update': (ctx, patch) => updateSettings(ctx, patch),
} satisfies HandlersFor<keyof typeof appChannels>;
