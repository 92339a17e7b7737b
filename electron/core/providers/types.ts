/**
 * The one interface every platform connector implements. Connectors are handed the account's non-secret
 * settings and its secret by the core; they never read disk or the keychain themselves.
 *
 * Every list is an async iterable of pages so that a 1M-row sync never holds more than a page in memory.
 * `raw[i]` is the provider's own object behind `items[i]` (kept in the cache beside the normalised columns).
 */
import type { Attendance, Course, CourseSession, Learner, Platform, Progress } from '../contract/domain';
import type { HttpClient } from '../http/types';

export interface Page<T> {
  items: T[];
  raw: unknown[];
  /** Total rows for the whole resource when the API says (drives the progress bar's estimate). */
  total?: number | null;
  /**
   * Learners first met on this page, for platforms that list learners only beside their progress (SelfCommunity's
   * course dashboards): reading those pages once for both halves the requests a sync makes.
   */
  learners?: { items: Learner[]; raw: unknown[] };
}

export interface ConnectionInfo {
  /** What the credentials reach, shown to the user before saving the account. */
  accountName: string;
  courseCount: number | null;
  /** TeamUp: the providers (businesses) the token can reach, so the user can pick one. */
  providers?: { id: string; name: string }[];
  /** Short human notes, e.g. "results endpoint forbidden; using per-course final statuses". */
  notes?: string[];
}

/** A course the credentials can list but not read (e.g. SelfCommunity 403 on dashboard routes). Not a failure. */
export interface SkippedCourse {
  courseId: string;
  reason: string;
}

export interface ResourceScope {
  signal: AbortSignal;
  /** Incremental syncs pass the previous cursor (ISO time) for resources that support windows; null = full. */
  since?: string | null;
  /** Ids of the courses already synced in this run (courses run first). */
  courseIds?: readonly string[];
  /** Called for courses that were skipped (forbidden) so the run can end `partial` and say which. */
  onSkip?: (skip: SkippedCourse) => void;
  /**
   * Called when a listing could not be read whole because the data changed while it was paged through, with the
   * reason, so the run ends `partial` and says so. Without it such a listing is an error.
   */
  onGap?: (reason: string) => void;
  /**
   * Read-back of what this run has already written (sessions, attendance). TeamUp derives course progress from
   * attendance; reading it from the staging cache avoids fetching everything twice.
   */
  cached?: CachedRunReader;
}

export interface CachedRunReader {
  sessionsOf(courseId: string): CourseSession[];
  attendanceOf(courseId: string): Attendance[];
  /** How many syncs of this account have committed before this run (the sample provider's "next day" drift). */
  syncsBefore?(): number;
}

export interface Connector {
  readonly platform: Platform;
  testConnection(signal: AbortSignal): Promise<ConnectionInfo>;
  courses(scope: ResourceScope): AsyncIterable<Page<Course>>;
  /** Platforms without sessions yield nothing. */
  sessions(scope: ResourceScope): AsyncIterable<Page<CourseSession>>;
  /** A platform whose learners arrive with their progress rows (Page.learners) yields nothing here. */
  learners(scope: ResourceScope): AsyncIterable<Page<Learner>>;
  /** Platforms without attendance yield nothing. */
  attendance(scope: ResourceScope): AsyncIterable<Page<Attendance>>;
  progress(scope: ResourceScope): AsyncIterable<Page<Progress>>;
  /**
   * Called once by a sync before its first resource, with the window each resource will be read with, so a connector
   * can start lists that do not depend on the resources read before them and keep them in flight beside those (within
   * its HTTP client's limits). Returns what ends the reading early: the run calls it when it ends, however it ends.
   */
  beginRun?(plan: RunPlan): () => void;
  /** Which resources honour `since` (so sync knows whether an incremental run is possible). */
  readonly incremental: ReadonlySet<'sessions' | 'attendance' | 'progress'>;
}

export interface RunPlan {
  signal: AbortSignal;
  /** The `since` each resource's scope will carry (null: read in full). */
  since: Partial<Record<'sessions' | 'attendance' | 'progress', string | null>>;
}

/** What the core hands a connector factory. */
export interface ConnectorInit<S> {
  settings: S;
  secret: string;
  http: HttpClient;
  /** Clock injection for tests (token expiry, "already started" sessions). */
  now?: () => Date;
  /** Pages per listing before it counts as a runaway (tests lower it); default MAX_LISTING_PAGES. */
  maxPages?: number;
  /**
   * Replaces the account's stored secret (a renewed OAuth credential with a rotated refresh token). Absent for a
   * draft being tested: its credential lives only as long as the test.
   */
  saveSecret?: (secret: string) => Promise<void>;
}
