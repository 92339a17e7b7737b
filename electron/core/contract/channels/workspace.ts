/**
 * What the coordinator's workspace reads: all from the offline cache (live generation), scoped by the selection
 * (`accountIds`: some accounts, or null for all).
 */
import { z } from 'zod';
import {
  PLATFORMS,
  PROGRESS_STATUSES,
  type IsoDate,
  type IsoDateTime,
  type LearnerStatus,
  type Platform,
  type ProgressStatus,
} from '../domain';
import { channel } from './define';

export type StatusCounts = Record<ProgressStatus, number>;

export interface CourseRow {
  accountId: string;
  accountLabel: string;
  platform: Platform;
  id: string;
  name: string;
  type: string;
  learners: number;
  /** (completed + passed) ÷ learners, 0..100; null without learners. */
  completionRate: number | null;
  counts: StatusCounts;
  /**
   * Inactive: learners who started but have not finished (in_progress, not_started with a start date, incomplete) and
   * show no activity in the 30 days before the sync that produced the data.
   */
  inactive: number;
  /** Overdue: learners whose due date has passed and who have not completed or passed (store/due-dates.ts). */
  overdue: number;
  nextSessionAt: string | null;
  lastActivityAt: string | null;
}

export interface Overview {
  totals: { accounts: number; courses: number; learners: number; completions: number; upcomingSessions: number };
  statusDistribution: StatusCounts;
  completionByCourse: Pick<CourseRow, 'accountId' | 'id' | 'name' | 'learners' | 'completionRate'>[];
  lowestCompletion: Pick<CourseRow, 'accountId' | 'id' | 'name' | 'learners' | 'completionRate'>[];
  mostInactive: Pick<CourseRow, 'accountId' | 'id' | 'name' | 'learners' | 'inactive'>[];
  recentCompletions: {
    accountId: string;
    courseId: string;
    courseName: string;
    learnerId: string;
    learnerName: string;
    email: string | null;
    status: ProgressStatus;
    completedAt: string;
  }[];
  freshness: {
    accountId: string;
    label: string;
    platform: Platform;
    dataAsOf: string | null;
    lastOutcome: string | null;
    lastError: string | null;
  }[];
}

export interface CourseLearnerRow {
  learnerId: string;
  name: string;
  email: string | null;
  status: ProgressStatus;
  rawStatus: string | null;
  progressPct: number | null;
  startedAt: string | null;
  completedAt: string | null;
  lastActivityAt: string | null;
  dueAt: IsoDate | IsoDateTime | null;
  overdue: boolean;
  learnerStatus: LearnerStatus | null;
}

export interface SessionRow {
  id: string;
  name: string | null;
  startsAt: string;
  endsAt: string | null;
  status: string;
  venue: string | null;
  instructors: string[];
  capacity: number | null;
  attending: number;
  /** The venue's IANA zone: the session's times are shown on its clocks. Null: the computer's zone. */
  timeZone: string | null;
}

/** The dates and figures a coordinator acts on, per learner × course (null where the platform does not say). */
export interface CoordinatorFields {
  assignedAt: IsoDate | IsoDateTime | null;
  dueAt: IsoDate | IsoDateTime | null;
  /** The due date has passed and the course is not completed or passed. */
  overdue: boolean;
  expiresAt: IsoDate | IsoDateTime | null;
  certificateIssuedAt: IsoDate | IsoDateTime | null;
  certificateExpiresAt: IsoDate | IsoDateTime | null;
  timeSpentS: number | null;
  score: number | null;
  passingScore: number | null;
}

export interface LearnerProfile {
  name: string;
  email: string | null;
  accounts: number;
  /** As the first account that lists the person says (null where it does not). */
  status: LearnerStatus | null;
  department: string | null;
  groups: string[];
  courses: (CoordinatorFields & {
    accountId: string;
    accountLabel: string;
    platform: Platform;
    learnerId: string;
    courseId: string;
    courseName: string;
    status: ProgressStatus;
    rawStatus: string | null;
    progressPct: number | null;
    startedAt: string | null;
    completedAt: string | null;
    lastActivityAt: string | null;
  })[];
}

/** One person in one account (the Learners directory); the profile merges accounts by e-mail. */
export interface LearnerRow {
  accountId: string;
  accountLabel: string;
  platform: Platform;
  learnerId: string;
  name: string;
  email: string | null;
  status: LearnerStatus | null;
  department: string | null;
  courses: number;
  /** Completed or passed. */
  completed: number;
  lastActivityAt: string | null;
}

/** The filter values that exist in the selection, with how many courses have each. */
export interface CourseFacets {
  types: { value: string; count: number }[];
  platforms: { value: Platform; count: number }[];
  accounts: { value: string; label: string; platform: Platform; count: number }[];
}

export const COURSE_SORT_COLUMNS = [
  'name',
  'account',
  'type',
  'learners',
  'completionRate',
  'nextSessionAt',
  'lastActivityAt',
  'overdue',
  'inactive',
] as const;
export const LEARNER_SORT_COLUMNS = [
  'name',
  'email',
  'status',
  'progressPct',
  'completedAt',
  'lastActivityAt',
  'dueAt',
] as const;

const scope = z.array(z.string().min(1)).max(200).nullable().default(null);
const search = z.string().trim().max(200).optional();
const statuses = z.array(z.enum(PROGRESS_STATUSES)).max(6).optional();
const direction = z.enum(['asc', 'desc']).default('asc');
const courseRef = { accountId: z.string().min(1), courseId: z.string().min(1) };
const page = { offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(1000).default(200) };
const courseFilter = {
  accountIds: scope,
  search,
  platforms: z.array(z.enum(PLATFORMS)).max(4).optional(),
  types: z.array(z.string().max(50)).max(50).optional(),
  /** Courses having at least one learner in any of these statuses. */
  statuses,
  /** Only these course ids (a saved report's chosen courses, to show their names). */
  ids: z.array(z.string().min(1).max(500)).max(1000).optional(),
  sort: z
    .strictObject({ column: z.enum(COURSE_SORT_COLUMNS), direction })
    .default({ column: 'name', direction: 'asc' }),
};

export const workspaceChannels = {
  'workspace.overview': channel<Overview>()(z.strictObject({ accountIds: scope }).default({ accountIds: null })),
  /** Every matching course (report pickers, the CLI); the Courses view pages through `workspace.coursePage`. */
  'workspace.courses': channel<CourseRow[]>()(z.strictObject(courseFilter)),
  /** One screenful of the Courses view and how many courses match in all. */
  'workspace.coursePage': channel<{ total: number; rows: CourseRow[] }>()(z.strictObject({ ...courseFilter, ...page })),
  'workspace.course': channel<CourseRow & { description: string | null; url: string | null; sessions: number }>()(
    z.strictObject(courseRef),
  ),
  'workspace.courseLearners': channel<{ total: number; rows: CourseLearnerRow[] }>()(
    z.strictObject({
      ...courseRef,
      search,
      statuses,
      sort: z
        .strictObject({ column: z.enum(LEARNER_SORT_COLUMNS), direction })
        .default({ column: 'name', direction: 'asc' }),
      ...page,
    }),
  ),
  'workspace.courseSessions': channel<{
    sessions: SessionRow[];
    /** Learners × sessions attendance (capped at 500 learners). */
    learners: { id: string; name: string }[];
    cells: Record<string, Record<string, string>>;
  }>()(z.strictObject(courseRef)),
  'workspace.learner': channel<LearnerProfile>()(
    z.union([
      z.strictObject({ email: z.string().trim().min(3).max(320) }),
      z.strictObject({ accountId: z.string().min(1), learnerId: z.string().min(1) }),
    ]),
  ),
  'workspace.facets': channel<CourseFacets>()(z.strictObject({ accountIds: scope }).default({ accountIds: null })),
  /** The Learners directory: paged (100k-learner accounts), sorted by name or e-mail. */
  'workspace.learners': channel<{ total: number; rows: LearnerRow[] }>()(
    z.strictObject({
      accountIds: scope,
      search,
      sort: z
        .strictObject({ column: z.enum(['name', 'email']), direction })
        .default({ column: 'name', direction: 'asc' }),
      /** Blocked and deleted learners are hidden unless asked for. */
      includeLeavers: z.boolean().default(false),
      ...page,
    }),
  ),
  /** Command palette / quick search over course names and learner names and e-mails. */
  'workspace.search': channel<{
    courses: Pick<CourseRow, 'accountId' | 'accountLabel' | 'platform' | 'id' | 'name'>[];
    learners: { accountId: string; learnerId: string; name: string; email: string | null }[];
  }>()(
    z.strictObject({
      accountIds: scope,
      query: z.string().trim().min(1).max(200),
      limit: z.number().int().min(1).max(50).default(10),
    }),
  ),
};
