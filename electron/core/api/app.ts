import type { AppInfo } from '../contract/channels';
import { schemaVersion } from '../store/db';
import { ROLLBOOK_VERSION } from '../version';
import type { CoreContext } from './context';

export function appInfo(ctx: CoreContext): AppInfo {
  return {
    version: ROLLBOOK_VERSION,
    dataDir: ctx.dataDir,
    databasePath: ctx.databasePath,
    schemaVersion: schemaVersion(ctx.db),
    counts: ctx.stats.counts(),
  };
}
