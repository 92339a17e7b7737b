import { z } from 'zod';
import { channel } from './define';
import { EXPORT_FORMATS, type ExportFormat } from './reports';

export const SCHEDULE_FREQUENCIES = ['daily', 'weekly', 'monthly'] as const;
export type ScheduleFrequency = (typeof SCHEDULE_FREQUENCIES)[number];

/** The date tokens a file pattern may use inside braces: `Completions {yyyy-MM-dd}.xlsx`. */
export const FILE_PATTERN_TOKENS = ['yyyy', 'MM', 'dd', 'HH', 'mm'] as const;

export const scheduleInputSchema = z
  .strictObject({
    reportName: z.string().trim().min(1).max(80),
    frequency: z.enum(SCHEDULE_FREQUENCIES),
    /** 0 = Sunday … 6 = Saturday (weekly). */
    weekday: z.number().int().min(0).max(6).optional(),
    /** Up to the 28th: every month has it (monthly). */
    monthDay: z.number().int().min(1).max(28).optional(),
    /** Local time of day, HH:mm. */
    time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use a time of day as HH:mm, such as 07:30'),
    format: z.enum(EXPORT_FORMATS),
    /** A file name, not a path; `{yyyy-MM-dd}` and the like are replaced by the run's date. */
    filePattern: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .refine((name) => !/[/\\]/.test(name) && name !== '.' && name !== '..', {
        message: 'The file name may not name a folder: choose the folder separately',
      }),
    /** The destination folder: a path (in-process hosts: the CLI, tests) or the window's token from chooseFolder. */
    folder: z.string().min(1).max(4096).optional(),
    folderToken: z.string().min(1).max(100).optional(),
  })
  .refine((s) => (s.folder === undefined) !== (s.folderToken === undefined), {
    message: 'Give either "folder" or "folderToken" (from host.chooseFolder), not both',
    path: ['folder'],
  })
  .refine((s) => s.frequency !== 'weekly' || s.weekday !== undefined, {
    message: 'A weekly schedule needs its weekday',
    path: ['weekday'],
  })
  .refine((s) => s.frequency !== 'monthly' || s.monthDay !== undefined, {
    message: 'A monthly schedule needs its day of the month',
    path: ['monthDay'],
  });
export type ScheduleInput = z.output<typeof scheduleInputSchema>;

export type DeliveryOutcome = 'ok' | 'stale' | 'failed';

export interface ReportDelivery {
  id: number;
  scheduleId: number;
  /** The run this delivery was for (the latest one missed, after a gap). */
  dueAt: string;
  ranAt: string;
  /** stale: the sync failed and the file was written from the cache (its title says how old the data is). */
  outcome: DeliveryOutcome;
  file: string | null;
  message: string | null;
}

/** A schedule as the user set it up (the store adds how far it has been delivered, the API when it runs next). */
export interface ScheduleDefinition {
  id: number;
  reportName: string;
  frequency: ScheduleFrequency;
  weekday: number | null;
  monthDay: number | null;
  time: string;
  format: ExportFormat;
  folder: string;
  filePattern: string;
}

export interface ReportSchedule extends ScheduleDefinition {
  nextRun: string | null;
  lastDelivery: ReportDelivery | null;
}

export const scheduleChannels = {
  'schedules.list': channel<ReportSchedule[]>()(z.undefined()),
  'schedules.add': channel<ReportSchedule>()(scheduleInputSchema),
  'schedules.remove': channel<{ removed: boolean }>()(z.strictObject({ id: z.number().int().min(1) })),
  'schedules.history': channel<ReportDelivery[]>()(
    z
      .strictObject({
        scheduleId: z.number().int().min(1).optional(),
        limit: z.number().int().min(1).max(500).default(50),
      })
      .default({ limit: 50 }),
  ),
  /** Delivers every schedule due by now (each once, however many runs it missed); returns the deliveries made. */
  'schedules.runDue': channel<ReportDelivery[]>()(z.undefined()),
  /** Native folder picker in the app; `folderToken` is what schedules.add presents. Hosts without one refuse. */
  'host.chooseFolder': channel<{ path: string; folderToken: string } | { path: null; folderToken: null }>()(
    z.undefined(),
  ),
};

export interface ScheduleEvents {
  /** A schedule was added or removed, or a delivery recorded: the scheduler re-times, the window refreshes. */
  'schedules.changed': Record<string, never>;
}
