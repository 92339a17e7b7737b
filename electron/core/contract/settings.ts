import { z } from 'zod';

/** App-wide preferences. Every key has a default so a fresh install needs no setup. */
export const appSettingsSchema = z.object({
  theme: z.enum(['system', 'light', 'dark']).default('system'),
  /** BCP 47 locale for dates and numbers; null follows the OS. */
  locale: z.string().min(2).max(35).nullable().default(null),
  /** Active account selection: an account id, or null for "All accounts". Persists across restarts. */
  selection: z.string().nullable().default(null),
  /** Default attendance share (%) for TeamUp course completion; an account may override it. */
  teamupCompletionThreshold: z.number().min(0).max(100).default(80),
  autoSync: z
    .object({
      onStart: z.boolean(),
      everyMinutes: z
        .number()
        .int()
        .min(0)
        .max(24 * 60),
    })
    .default({ onStart: false, everyMinutes: 0 }),
  /** How long the change log and course trends are kept (pruned after each sync). */
  historyRetentionDays: z.number().int().min(30).max(3650).default(400),
});
export type AppSettings = z.infer<typeof appSettingsSchema>;
export const appSettingsPatchSchema = appSettingsSchema.partial().strict();
export type AppSettingsPatch = z.infer<typeof appSettingsPatchSchema>;
