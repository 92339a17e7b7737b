/**
 * The normalised domain model. Declared once here and imported by the core, the Electron main process,
 * the preload, the renderer (type-only) and the tests.
 *
 * Conventions: every id is the provider's id as a string (providers mix numbers and strings);
 * timestamps are ISO-8601 UTC strings (`2026-01-31T09:00:00.000Z`) or null when the platform omits them;
 * percentages are decimals in 0..100.
 */
import { z } from 'zod';

export const PLATFORMS = ['ispring', 'teamup', 'selfcommunity', 'sample'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const PLATFORM_LABELS: Record<Platform, string> = {
  ispring: 'iSpring Learn',
  teamup: 'TeamUp',
  selfcommunity: 'SelfCommunity',
  sample: 'Sample data',
};

/** Learner × course status, normalised across platforms. The provider's own value is kept beside it as `rawStatus`. */
export const PROGRESS_STATUSES = ['not_started', 'in_progress', 'completed', 'passed', 'failed', 'incomplete'] as const;
export type ProgressStatus = (typeof PROGRESS_STATUSES)[number];

/** Learner × session attendance (TeamUp). `late_cancelled` comes from event attendances. */
export const ATTENDANCE_STATUSES = [
  'registered',
  'waitlisted',
  'attended',
  'no_show',
  'late_cancelled',
  'cancelled',
] as const;
export type AttendanceStatus = (typeof ATTENDANCE_STATUSES)[number];

export const SESSION_STATUSES = ['scheduled', 'cancelled', 'held'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export type IsoDateTime = string;
/**
 * A calendar date (`2026-01-31`) for values a platform gives without a time (iSpring's due and expiry dates): kept,
 * shown and compared as that date in every time zone, never turned into a UTC midnight.
 */
export type IsoDate = string;

/** Whether a learner can still sign in: platforms that say give active, blocked or deleted ("leavers"). */
export const LEARNER_STATUSES = ['active', 'blocked', 'deleted'] as const;
export type LearnerStatus = (typeof LEARNER_STATUSES)[number];

export interface Course {
  id: string;
  name: string;
  /** Provider's content/course type, lower-case (`course`, `learning_track`, `class`, `course`…). */
  type: string;
  description: string | null;
  createdAt: IsoDateTime | null;
  updatedAt: IsoDateTime | null;
  /** Link to the course on the platform, when the platform gives one. */
  url: string | null;
}

export interface CourseSession {
  id: string;
  courseId: string;
  name: string | null;
  startsAt: IsoDateTime;
  endsAt: IsoDateTime | null;
  status: SessionStatus;
  rawStatus: string | null;
  venue: string | null;
  instructors: string[];
  capacity: number | null;
  attendingCount: number | null;
  /** The venue's IANA zone (`Europe/Rome`) when the platform gives one; times stay UTC, shown in this zone. */
  timeZone?: string | null;
}

export interface Learner {
  id: string;
  /** Display name: "First Last", else the login/username, else the e-mail. */
  name: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  /** Null (or absent) where the platform does not say. */
  status?: LearnerStatus | null;
  /** Department name, not its id. */
  department?: string | null;
  /** Group names, not ids; empty where the platform has none or does not say. */
  groups?: string[];
}

export interface Progress {
  learnerId: string;
  courseId: string;
  status: ProgressStatus;
  rawStatus: string | null;
  /** 0..100, decimal; null when the platform does not say. */
  progressPct: number | null;
  score: number | null;
  startedAt: IsoDateTime | null;
  completedAt: IsoDateTime | null;
  lastActivityAt: IsoDateTime | null;
  // The fields below are optional for connectors: absent means the platform does not say (stored as null).
  /** When the course was assigned to the learner (iSpring's accessDate). */
  assignedAt?: IsoDate | IsoDateTime | null;
  dueAt?: IsoDate | IsoDateTime | null;
  /** When access or the completion's validity ends. */
  expiresAt?: IsoDate | IsoDateTime | null;
  timeSpentS?: number | null;
  passingScore?: number | null;
  /** The platform's enrollment this row comes from (iSpring keeps past enrollments; the current one wins). */
  enrollmentId?: string | null;
  certificateIssuedAt?: IsoDate | IsoDateTime | null;
  certificateExpiresAt?: IsoDate | IsoDateTime | null;
}

export interface Attendance {
  learnerId: string;
  sessionId: string;
  courseId: string;
  status: AttendanceStatus;
  rawStatus: string;
}

/** Zod shapes used where domain objects cross an edge (tests, sample data, IPC outputs in tests). */
export const isoDateTime = z.iso.datetime({ offset: true });
export const progressStatusSchema = z.enum(PROGRESS_STATUSES);
export const platformSchema = z.enum(PLATFORMS);
