import { z } from 'zod';
import { PLATFORMS, PROGRESS_STATUSES } from '../domain';
import { channel } from './define';

export const REPORT_KINDS = ['completions', 'attendance', 'courses', 'learner', 'changes'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export const REPORT_TITLES: Record<ReportKind, string> = {
  completions: 'Completions',
  attendance: 'Attendance',
  courses: 'Course summary',
  learner: 'Learner transcript',
  changes: 'Changes',
};

/**
 * Report filters compare days as ISO text, which keeps calendar order only for four-digit years; a year past 9999
 * (as "to" + one day would be) sorts before every real date. The range also catches typos such as 0226.
 */
export const DAY_YEARS = { min: 1970, max: 2200 } as const;

/** Why a YYYY-MM-DD filter day is unusable, or null when it is a real day in range. */
export function dayProblem(value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return `"${value}" is not a date: use YYYY-MM-DD`;
  const [year, month, date] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < DAY_YEARS.min || year > DAY_YEARS.max) {
    return `${value} is out of range: use a year from ${DAY_YEARS.min} to ${DAY_YEARS.max}`;
  }
  // Date.UTC rolls 2026-02-30 over into March, so a day that does not exist comes back different.
  const real = new Date(Date.UTC(year, month - 1, date));
  if (real.getUTCMonth() !== month - 1 || real.getUTCDate() !== date) return `${value} is not a real date`;
  return null;
}

const day = z.string().superRefine((value, ctx) => {
  const problem = dayProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const reportDefinitionSchema = z
  .strictObject({
    kind: z.enum(REPORT_KINDS),
    /** Shown as the PDF title; defaults to the kind's name. */
    title: z.string().trim().max(120).optional(),
    accountIds: z.array(z.string().min(1)).max(200).nullable().default(null),
    platforms: z.array(z.enum(PLATFORMS)).max(4).optional(),
    courseIds: z.array(z.string().min(1)).max(500).optional(),
    statuses: z.array(z.enum(PROGRESS_STATUSES)).max(6).optional(),
    /** Inclusive day range on: completed-at (else last activity) for completions and transcripts, session start for
     * attendance, last activity for the course summary, the sync that saw it for changes. */
    from: day.optional(),
    to: day.optional(),
    learnerSearch: z.string().trim().max(200).optional(),
    /** The person for a learner transcript. */
    learnerEmail: z.string().trim().max(320).optional(),
    /** Only rows whose due date has passed and that are not completed or passed (completions, transcripts). */
    overdue: z.boolean().optional(),
    /** Only rows due before this day (exclusive). */
    dueBefore: day.optional(),
    /** Only rows whose access or certificate expires before this day (exclusive). */
    expiresBefore: day.optional(),
    /**
     * Completions and attendance hide learners the platform marks blocked or deleted (leavers) unless this is set.
     * A transcript always shows the person asked for.
     */
    includeLeavers: z.boolean().optional(),
  })
  .refine((d) => d.kind !== 'learner' || Boolean(d.learnerEmail), {
    message: "A learner transcript needs the learner's e-mail",
    path: ['learnerEmail'],
  })
  .refine((d) => !d.from || !d.to || d.from <= d.to, { message: '"from" is after "to"', path: ['from'] })
  .refine((d) => d.kind === 'completions' || d.kind === 'learner' || !(d.overdue || d.dueBefore || d.expiresBefore), {
    message: 'Due and expiry filters apply to completions and learner transcripts only',
    path: ['overdue'],
  })
  .refine((d) => d.kind === 'completions' || d.kind === 'attendance' || !d.includeLeavers, {
    message: 'Leavers are hidden only from completions and attendance: include-leavers applies to those',
    path: ['includeLeavers'],
  });
export type ReportDefinition = z.infer<typeof reportDefinitionSchema>;
export type ReportDefinitionInput = z.input<typeof reportDefinitionSchema>;

export interface ReportColumn {
  key: string;
  label: string;
  type: 'text' | 'number' | 'date';
  /** A number in 0..100 that is a percentage (spreadsheets show it with a % format). */
  percent?: boolean;
  /**
   * A date shown on the clocks of the IANA zone in this row's `zoneKey` column (a session in its venue's zone); rows
   * without one keep UTC.
   */
  zoneKey?: string;
}

export interface ReportPreview {
  columns: ReportColumn[];
  rows: Record<string, string | number | null>[];
  total: number;
  /**
   * How the whole report (not just the previewed rows) splits by normalised status: learner statuses for
   * completions, transcripts and course summaries (learners per status, summed over courses), attendance statuses
   * for attendance.
   */
  breakdown: Record<string, number>;
}

export interface SavedReport {
  name: string;
  definition: ReportDefinition;
  updatedAt: string;
}

export interface ExportResult {
  path: string;
  /** Rows written (a PDF stops at its row limit: then `truncated`). */
  rows: number;
  bytes: number;
  truncated: boolean;
}

/** The file formats a report exports to. */
export const EXPORT_FORMATS = ['csv', 'pdf', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const exportOptionsSchema = z
  .strictObject({
    /** UTF-8 byte-order mark so Excel opens accents correctly (CSV). */
    bom: z.boolean().default(true),
    /** Dates as the locale writes them instead of ISO-8601 (CSV). */
    localeDates: z.boolean().default(false),
    locale: z.string().min(2).max(35).optional(),
    /** Overwrite an existing file. */
    force: z.boolean().default(false),
  })
  .default({ bom: true, localeDates: false, force: false });

/**
 * Where an export writes: a `path` (in-process hosts: the CLI's --out, tests) or the `saveToken` the host's Save
 * dialog issued (the window, which may never name a path itself; Electron main refuses `path` and `force` from it).
 */
const exportTarget = {
  path: z.string().min(1).max(4096).optional(),
  saveToken: z.string().min(1).max(100).optional(),
};
const hasOneTarget = (input: { path?: string; saveToken?: string }) =>
  (input.path === undefined) !== (input.saveToken === undefined);
const oneTarget = {
  message: 'Give either "path" or "saveToken" (from host.chooseSavePath), not both',
  path: ['path'],
};

export const reportChannels = {
  'reports.preview': channel<ReportPreview>()(
    z.strictObject({ definition: reportDefinitionSchema, limit: z.number().int().min(1).max(500).default(50) }),
  ),
  'reports.export': channel<ExportResult>()(
    z
      .strictObject({
        definition: reportDefinitionSchema,
        format: z.enum(EXPORT_FORMATS),
        ...exportTarget,
        options: exportOptionsSchema,
      })
      .refine(hasOneTarget, oneTarget),
  ),
  'reports.saved.list': channel<SavedReport[]>()(z.undefined()),
  'reports.saved.save': channel<SavedReport>()(
    z.strictObject({ name: z.string().trim().min(1).max(80), definition: reportDefinitionSchema }),
  ),
  /** Exports a saved definition as it was saved ("Monthly compliance" → this month's file). */
  'reports.saved.run': channel<ExportResult>()(
    z
      .strictObject({
        name: z.string().trim().min(1).max(80),
        format: z.enum(EXPORT_FORMATS),
        ...exportTarget,
        options: exportOptionsSchema,
      })
      .refine(hasOneTarget, oneTarget),
  ),
  'reports.saved.delete': channel<{ deleted: boolean }>()(z.strictObject({ name: z.string().trim().min(1).max(80) })),
  /** Native "Save as…" in the app; `saveToken` is what reports.export presents. Hosts without one (CLI) refuse. */
  'host.chooseSavePath': channel<{ path: string; saveToken: string } | { path: null; saveToken: null }>()(
    z.strictObject({ suggestedName: z.string().min(1).max(255), format: z.enum(EXPORT_FORMATS) }),
  ),
  /** Opens (or shows in its folder) a file the app wrote in this run; anything else is refused (forbidden_path). */
  'host.openPath': channel<{ ok: boolean }>()(
    z.strictObject({ path: z.string().min(1).max(4096), reveal: z.boolean().default(false) }),
  ),
};

export interface ReportEvents {
  'reports.progress': { path: string; rows: number; total: number | null; done: boolean };
}
