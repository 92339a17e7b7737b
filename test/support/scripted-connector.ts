/**
 * A connector driven by a script: exact data, page size, failures, delays and skips on demand. Used to test the sync
 * engine's guarantees independently of any platform (the platform connectors have their own simulator tests).
 */
import { setTimeout } from 'node:timers/promises';
import type { Attendance, Course, CourseSession, Learner, Progress } from '../../electron/core/contract/domain';
import type { Connector, Page, ResourceScope } from '../../electron/core/providers/types';

export interface Dataset {
  courses: Course[];
  sessions: CourseSession[];
  learners: Learner[];
  attendance: Attendance[];
  progress: Progress[];
}

export interface Script {
  data: Dataset;
  pageSize?: number;
  /** Throw this error when the given resource reaches the given page (0-based). */
  failAt?: { resource: keyof Dataset; page: number; error: Error };
  /** Milliseconds to wait before each page (a cancel ends the wait, as it ends a real connector's request). */
  delayMs?: number;
  /** Course ids reported as forbidden (skipped) during progress. */
  forbidden?: string[];
  /** Resources that honour `since` (rows with lastActivityAt/startsAt >= since). */
  incremental?: ('sessions' | 'attendance' | 'progress')[];
  /**
   * Learners come beside this resource's pages (Page.learners, as SelfCommunity's progress pages bring them) instead
   * of from learners(), a page's worth on each page and the rest on the last.
   */
  learnersWith?: 'courses' | 'progress';
  /**
   * The resource's listing changes while it is read: only its first `rows` rows arrive, and the listing reports a gap
   * (as a connector does when the platform's total moved between pages).
   */
  gapIn?: { resource: keyof Dataset; rows: number };
  /** Records every call: resource + since. */
  calls?: { resource: string; since: string | null | undefined; pages: number }[];
}

export function course(id: string, name = `Course ${id}`): Course {
  return { id, name, type: 'course', description: null, createdAt: null, updatedAt: null, url: null };
}
export function learner(id: string, name: string, email: string | null = `${id}@example.com`): Learner {
  return { id, name, email, firstName: null, lastName: null };
}
export function progressRow(
  courseId: string,
  learnerId: string,
  status: Progress['status'] = 'in_progress',
  lastActivityAt: string | null = '2026-01-10T10:00:00.000Z',
): Progress {
  return {
    courseId,
    learnerId,
    status,
    rawStatus: status,
    progressPct: status === 'completed' ? 100 : 40,
    score: null,
    startedAt: null,
    completedAt: status === 'completed' ? '2026-01-12T09:00:00.000Z' : null,
    lastActivityAt,
  };
}

export function makeDataset(courses: number, learners: number): Dataset {
  const data: Dataset = { courses: [], sessions: [], learners: [], attendance: [], progress: [] };
  for (let c = 1; c <= courses; c += 1) data.courses.push(course(`c${c}`));
  for (let l = 1; l <= learners; l += 1) data.learners.push(learner(`l${l}`, `Learner ${l}`));
  for (const c of data.courses)
    for (const l of data.learners)
      data.progress.push(progressRow(c.id, l.id, Number(l.id.slice(1)) % 3 === 0 ? 'completed' : 'in_progress'));
  return data;
}

export function scriptedConnector(script: Script): Connector {
  const pageSize = script.pageSize ?? 10;
  async function* pages<T>(resource: keyof Dataset, all: T[], scope: ResourceScope): AsyncIterable<Page<T>> {
    const gap = script.gapIn?.resource === resource ? script.gapIn : undefined;
    const rows = gap ? all.slice(0, gap.rows) : all;
    let count = 0;
    for (let i = 0, page = 0; i < rows.length; i += pageSize, page += 1) {
      scope.signal.throwIfAborted();
      if (script.delayMs) await setTimeout(script.delayMs, undefined, { signal: scope.signal });
      if (script.failAt && script.failAt.resource === resource && script.failAt.page === page)
        throw script.failAt.error;
      const items = rows.slice(i, i + pageSize);
      count += 1;
      const last = !gap && i + pageSize >= rows.length;
      const carried =
        script.learnersWith === resource ? script.data.learners.slice(i, last ? undefined : i + pageSize) : [];
      yield {
        items,
        raw: items.map((item) => ({ scripted: true, ...item })),
        total: rows.length,
        ...(carried.length > 0
          ? { learners: { items: carried, raw: carried.map((l) => ({ scripted: true, ...l })) } }
          : {}),
      };
    }
    if (gap) {
      const read = `${rows.length} of ${all.length} read`;
      scope.onGap?.(`The scripted list of ${resource} changed while Rollbook read it (${read}).`);
    }
    script.calls?.push({ resource, since: scope.since, pages: count });
  }
  const since = (rows: Progress[], scope: ResourceScope) =>
    scope.since ? rows.filter((r) => (r.lastActivityAt ?? '') >= scope.since!) : rows;
  return {
    platform: 'sample',
    incremental: new Set(script.incremental ?? []),
    testConnection: async () => ({ accountName: 'Scripted', courseCount: script.data.courses.length }),
    courses: (scope) => pages('courses', script.data.courses, scope),
    sessions: (scope) => pages('sessions', script.data.sessions, scope),
    learners: (scope) => pages('learners', script.learnersWith ? [] : script.data.learners, scope),
    attendance: (scope) => pages('attendance', script.data.attendance, scope),
    progress: (scope) => {
      for (const courseId of script.forbidden ?? [])
        scope.onSkip?.({ courseId, reason: 'HTTP 403: not a manager of this course' });
      const rows = since(script.data.progress, scope).filter((p) => !(script.forbidden ?? []).includes(p.courseId));
      return pages('progress', rows, scope);
    },
  };
}
