import { appSettingsSchema, type AppSettings, type AppSettingsPatch } from '../contract/settings';
import { writeTransaction } from '../store/db';
import type { CoreContext } from './context';

export function readSettings(ctx: Pick<CoreContext, 'settings'>): AppSettings {
  // Stored values were validated when written; parsing again fills defaults for keys added by newer versions.
  const parsed = appSettingsSchema.safeParse(ctx.settings.all());
  return parsed.success ? parsed.data : appSettingsSchema.parse({});
}

export function updateSettings(ctx: CoreContext, patch: AppSettingsPatch): AppSettings {
  writeTransaction(ctx.db, () => {
    for (const [key, value] of Object.entries(patch)) if (value !== undefined) ctx.settings.set(key, value);
  })();
  const next = readSettings(ctx);
  ctx.events.emit('settings.changed', next);
  return next;
}
