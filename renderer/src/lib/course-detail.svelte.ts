/**
 * One course: its header facts, its learners (paged: a course may have 100k), its sessions and attendance.
 */
import type { CourseLearnerRow, CourseRow, OutputOf } from '$contract/channels';
import type { LEARNER_SORT_COLUMNS } from '$contract/channels/workspace';
import type { ProgressStatus } from '$contract/domain';
import type { Sort } from './courses.svelte';
import { PagedRows } from './paged.svelte';
import { loadPref, savePref } from './persisted';
import { Resource } from './resource.svelte';
import { call } from './rollbook';

/** The columns the core sorts a course's learners by (the contract declares them). */
export type LearnerColumn = (typeof LEARNER_SORT_COLUMNS)[number];
/** Each column's first direction; its keys are every sortable column, checked against the contract's list. */
const FIRST: Record<LearnerColumn, 'asc' | 'desc'> = {
  name: 'asc',
  email: 'asc',
  status: 'asc',
  progressPct: 'desc',
  completedAt: 'desc',
  lastActivityAt: 'desc',
  dueAt: 'asc',
};
const isLearnerSort = (v: unknown): v is Sort<LearnerColumn> =>
  typeof v === 'object' &&
  v !== null &&
  Object.hasOwn(FIRST, (v as Sort<string>).column) &&
  ['asc', 'desc'].includes((v as Sort<string>).direction);

export type CourseDetailRow = CourseRow & { description: string | null; url: string | null; sessions: number };
export type CourseSessions = OutputOf<'workspace.courseSessions'>;

export class CourseDetail {
  readonly course = new Resource<CourseDetailRow>();
  readonly learners = new PagedRows<CourseLearnerRow>(200);
  readonly sessions = new Resource<CourseSessions>();
  search = $state('');
  status = $state<ProgressStatus | ''>('');
  sort = $state.raw<Sort<LearnerColumn>>(
    loadPref('course-learners.sort', { column: 'name', direction: 'asc' }, isLearnerSort),
  );
  activeIndex = $state(0);
  #lastQuery = '';

  constructor(
    readonly accountId: string,
    readonly courseId: string,
  ) {}

  readonly filtered = $derived(Boolean(this.search.trim() || this.status));

  setSort(column: LearnerColumn): void {
    this.sort =
      this.sort.column === column
        ? { column, direction: this.sort.direction === 'asc' ? 'desc' : 'asc' }
        : { column, direction: FIRST[column] };
    savePref('course-learners.sort', this.sort);
  }

  loadCourse(): Promise<void> {
    return this.course.load(() => call('workspace.course', { accountId: this.accountId, courseId: this.courseId }));
  }

  /** Reads the filters synchronously so an $effect calling this re-runs when they change. */
  loadLearners(): Promise<void> {
    const input = {
      accountId: this.accountId,
      courseId: this.courseId,
      search: this.search.trim() || undefined,
      statuses: this.status ? [this.status] : undefined,
      sort: this.sort,
    };
    // A new question starts at the top; the same one reloaded after a sync keeps the place.
    const query = JSON.stringify(input);
    if (query !== this.#lastQuery) {
      this.#lastQuery = query;
      this.activeIndex = 0;
    }
    return this.learners.reset((offset, limit) => call('workspace.courseLearners', { ...input, offset, limit }));
  }

  loadSessions(): Promise<void> {
    return this.sessions.load(() =>
      call('workspace.courseSessions', { accountId: this.accountId, courseId: this.courseId }),
    );
  }
}
