/**
 * Builds cache contents by hand, through the same writer a sync uses (begin → writePage → commit), so workspace
 * tests can assert exact rows instead of re-deriving a generator's output.
 */
import type { AccountSettings } from '../../electron/core/contract/accounts';
import type { SyncResource } from '../../electron/core/contract/channels/sync';
import type { Attendance, Course, CourseSession, Learner, Progress } from '../../electron/core/contract/domain';
import { createAccountsRepo } from '../../electron/core/store/accounts-repo';
import { createCacheWriter, type CacheWriter } from '../../electron/core/store/cache-writer';
import type { Db } from '../../electron/core/store/db';

export interface Dataset {
  courses?: Course[];
  sessions?: CourseSession[];
  learners?: Learner[];
  progress?: Progress[];
  attendance?: Attendance[];
}

export function addAccount(
  db: Db,
  id: string,
  label: string,
  settings: AccountSettings,
  now = '2026-06-01T12:00:00.000Z',
): string {
  createAccountsRepo(db).insert({
    id,
    label,
    settings,
    secretLocation: settings.platform === 'sample' ? 'none' : 'session',
    now,
  });
  return id;
}

const PAGE = 5_000;

function writeAll(writer: CacheWriter, accountId: string, generation: number, data: Dataset): void {
  const order: [SyncResource, unknown[] | undefined][] = [
    ['courses', data.courses],
    ['sessions', data.sessions],
    ['learners', data.learners],
    ['attendance', data.attendance],
    ['progress', data.progress],
  ];
  for (const [resource, rows] of order) {
    for (let i = 0; i < (rows?.length ?? 0); i += PAGE) {
      const items = rows!.slice(i, i + PAGE);
      writer.writePage(resource, accountId, generation, { items, raw: items });
    }
    // Pages land in staging tables; a finished resource moves into its table (as a sync does).
    writer.flush(resource);
  }
}

/** Writes `data` as a new generation and makes it live, as a successful sync would. Returns the generation. */
export function writeLive(db: Db, accountId: string, data: Dataset, at = '2026-06-01T12:00:00.000Z'): number {
  const writer = createCacheWriter(db);
  const generation = writer.begin(accountId);
  writeAll(writer, accountId, generation, data);
  writer.commit(accountId, generation, at, null);
  return generation;
}

/** Writes `data` as a staging generation that is never committed (a sync still running, or one that died). */
export function writeStaging(db: Db, accountId: string, data: Dataset): number {
  const writer = createCacheWriter(db);
  const generation = writer.begin(accountId);
  writeAll(writer, accountId, generation, data);
  return generation;
}

export const course = (id: string, name: string, type = 'course', extra: Partial<Course> = {}): Course => ({
  id,
  name,
  type,
  description: null,
  createdAt: null,
  updatedAt: null,
  url: null,
  ...extra,
});

export const learner = (id: string, name: string, email: string | null): Learner => ({
  id,
  name,
  email,
  firstName: null,
  lastName: null,
});

export const progress = (
  courseId: string,
  learnerId: string,
  status: Progress['status'],
  extra: Partial<Progress> = {},
): Progress => ({
  courseId,
  learnerId,
  status,
  rawStatus: status,
  progressPct:
    status === 'completed' || status === 'passed' || status === 'failed' ? 100 : status === 'not_started' ? 0 : 50,
  score: null,
  startedAt: status === 'not_started' ? null : '2026-05-01T09:00:00.000Z',
  completedAt: null,
  lastActivityAt: status === 'not_started' ? null : '2026-05-20T09:00:00.000Z',
  ...extra,
});

export const session = (
  id: string,
  courseId: string,
  startsAt: string,
  extra: Partial<CourseSession> = {},
): CourseSession => ({
  id,
  courseId,
  name: null,
  startsAt,
  endsAt: null,
  status: 'scheduled',
  rawStatus: null,
  venue: null,
  instructors: [],
  capacity: null,
  attendingCount: null,
  ...extra,
});
