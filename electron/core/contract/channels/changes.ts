/**
 * What changed between syncs (issue #24): the change log each successful sync writes, "since last sync", a course's
 * trend and a learner's history. Everything is read from the cache; changes of a removed account are removed with it.
 */
import { z } from 'zod';
import { PLATFORMS, type Platform } from '../domain';
import { dayProblem } from './reports';
import { channel } from './define';

/**
 * The kinds, exactly. A completion is `status_changed` to `completed` or `passed`; a failure, to `failed`.
 * - learner_added / learner_removed: the learner appeared in / disappeared from the account.
 * - learner_left: the learner became blocked or deleted (from/to: their status).
 * - enrolled / unenrolled: a learner × course row appeared (to: its status) / disappeared (from: its last status).
 * - status_changed: from → to progress status (a new row that arrives finished: from null).
 * - score_changed, due_changed: from → to value.
 * - certificate_issued: to: the issue date. expired: the access or certificate expiry passed (to: the expiry).
 * - attendance_marked: a session mark became attended, no_show or late_cancelled (from: the previous mark).
 * - session_added (to: its start), session_cancelled (from: status, to: cancelled, or "removed" when the platform
 *   no longer lists it), session_moved (from → to: the start).
 * - course_added (to: its type) / course_removed (from: its type).
 */
export const CHANGE_KINDS = [
  'learner_added',
  'learner_removed',
  'learner_left',
  'enrolled',
  'unenrolled',
  'status_changed',
  'score_changed',
  'due_changed',
  'certificate_issued',
  'expired',
  'attendance_marked',
  'session_added',
  'session_cancelled',
  'session_moved',
  'course_added',
  'course_removed',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** One change, as every view, the CLI and the report show it. */
export interface ChangeRow {
  id: number;
  /** The sync that recorded it (a `ChangeSync`). */
  syncId: number;
  accountId: string;
  accountLabel: string;
  platform: Platform;
  /** When the sync that saw it committed (this computer's clock, ISO UTC). */
  at: string;
  kind: ChangeKind;
  courseId: string | null;
  courseName: string | null;
  learnerId: string | null;
  learnerName: string | null;
  learnerEmail: string | null;
  sessionId: string | null;
  sessionName: string | null;
  from: string | null;
  to: string | null;
  /** The platform's own time of the event where it gives one (completion, issue date, session start), as given. */
  occurredAt: string | null;
}

/** One sync's entry in the timeline: its counts per kind; a baseline (the account's first sync) has no changes. */
export interface ChangeSync {
  id: number;
  accountId: string;
  accountLabel: string;
  runId: number | null;
  at: string;
  baseline: boolean;
  total: number;
  counts: Partial<Record<ChangeKind, number>>;
  /** Baseline only: what the first sync brought ({ courses, sessions, learners, progress, attendance }). */
  rows: Record<string, number>;
  /**
   * Kinds this sync changed in bulk (at least MASS_CHANGE_MIN rows and half of the account's rows of that sort):
   * the UI summarises them ("12,000 statuses changed — platform reset?") instead of listing them.
   */
  mass: { kind: ChangeKind; count: number }[];
}

/** A kind counts as a mass change from this many rows in one sync (and see ChangeSync.mass). */
export const MASS_CHANGE_MIN = 500;

export interface CoursePoint {
  at: string;
  learners: number;
  completed: number;
  passed: number;
  failed: number;
  inProgress: number;
  notStarted: number;
  incomplete: number;
  /** (completed + passed) ÷ learners, 0..100. */
  completionRate: number | null;
  /** attended ÷ (attended + no_show + late_cancelled), 0..100; null without marked attendance. */
  attendanceRate: number | null;
}

export interface ChangesSummary {
  /** The latest sync of each account in scope (what "since last sync" covers), newest first. */
  syncs: ChangeSync[];
  counts: Partial<Record<ChangeKind, number>>;
  /** status_changed to completed or passed. */
  completions: number;
  /** status_changed to failed. */
  failures: number;
  /** attendance_marked to no_show. */
  noShows: number;
  /** The ten most important changes (failures, leavers, cancellations and no-shows before completions …). */
  top: ChangeRow[];
}

/** A calendar day, `YYYY-MM-DD`, inclusive; compared with the change's `at` in UTC. */
const day = z.string().superRefine((value, ctx) => {
  const problem = dayProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const accountIds = z.array(z.string().min(1)).max(200).nullable().default(null);
const page = { offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(1000).default(200) };

export const changeFilterSchema = z
  .strictObject({
    accountIds,
    platforms: z.array(z.enum(PLATFORMS)).max(4).optional(),
    /** One course of one account. */
    course: z.strictObject({ accountId: z.string().min(1), courseId: z.string().min(1) }).optional(),
    /** One learner: in one account, or by e-mail across accounts. */
    learner: z
      .union([
        z.strictObject({ accountId: z.string().min(1), learnerId: z.string().min(1) }),
        z.strictObject({ email: z.string().trim().min(3).max(320) }),
      ])
      .optional(),
    kinds: z.array(z.enum(CHANGE_KINDS)).max(CHANGE_KINDS.length).optional(),
    /** status_changed only: its new status (completions: ['completed', 'passed']). */
    toValues: z.array(z.string().min(1).max(50)).max(20).optional(),
    from: day.optional(),
    to: day.optional(),
    /** Course, learner or session name, or e-mail (substring, case-insensitive). */
    search: z.string().trim().max(200).optional(),
    /** Changes of one sync (a timeline group). */
    syncId: z.number().int().positive().optional(),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { message: '"from" is after "to"', path: ['from'] });
export type ChangeFilter = z.output<typeof changeFilterSchema>;
export type ChangeFilterInput = z.input<typeof changeFilterSchema>;

export const changeChannels = {
  /**
   * One screenful of changes, newest first, and how many match in all (a virtualized list asks by offset).
   * `total` is exact.
   */
  'changes.list': channel<{ total: number; rows: ChangeRow[] }>()(
    z.strictObject({ filter: changeFilterSchema.default({ accountIds: null }), ...page }),
  ),
  /** The timeline's groups: syncs (newest first) with their counts per kind, the mass changes flagged. */
  'changes.syncs': channel<{ total: number; rows: ChangeSync[] }>()(
    z.strictObject({ accountIds, from: day.optional(), to: day.optional(), ...page }),
  ),
  /** "Since last sync": the latest sync of each account in scope, counts per kind and the ten that matter most. */
  'changes.summary': channel<ChangesSummary>()(z.strictObject({ accountIds }).default({ accountIds: null })),
  /** A course's completion-rate trend (one point per sync, oldest first) and its most recent changes. */
  'changes.courseTrend': channel<{ points: CoursePoint[]; recent: ChangeRow[] }>()(
    z.strictObject({
      accountId: z.string().min(1),
      courseId: z.string().min(1),
      /** How far back the trend goes. */
      days: z.number().int().min(1).max(3650).default(400),
      recentLimit: z.number().int().min(1).max(200).default(20),
    }),
  ),
  /** A learner's history, newest first: in one account, or by e-mail across accounts. */
  'changes.learnerHistory': channel<{ total: number; rows: ChangeRow[] }>()(
    z.strictObject({
      learner: z.union([
        z.strictObject({ accountId: z.string().min(1), learnerId: z.string().min(1) }),
        z.strictObject({ email: z.string().trim().min(3).max(320) }),
      ]),
      ...page,
    }),
  ),
};
