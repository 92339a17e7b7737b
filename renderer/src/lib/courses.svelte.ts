/**
 * The Courses list: search, filters and sort, and the rows they select. Lives as long as the window, so opening a
 * course and coming back finds the same list. Every keystroke queries the cache (milliseconds); rows arrive a
 * screenful at a time (10k courses would be megabytes per keystroke), and answers to an older question are dropped.
 */
import type { CourseFacets, CourseRow } from '$contract/channels';
import type { Platform, ProgressStatus } from '$contract/domain';
import { PagedRows } from './paged.svelte';
import { loadPref, savePref } from './persisted';
import { call } from './rollbook';

export const COURSE_COLUMNS = [
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
export type CourseColumn = (typeof COURSE_COLUMNS)[number];
export interface Sort<C extends string> {
  column: C;
  direction: 'asc' | 'desc';
}

const isCourseSort = (value: unknown): value is Sort<CourseColumn> =>
  typeof value === 'object' &&
  value !== null &&
  COURSE_COLUMNS.includes((value as Sort<string>).column as CourseColumn) &&
  ['asc', 'desc'].includes((value as Sort<string>).direction);

/** Numbers and dates read best largest/newest first; names A→Z. */
export const FIRST_DIRECTION: Record<CourseColumn, 'asc' | 'desc'> = {
  name: 'asc',
  account: 'asc',
  type: 'asc',
  learners: 'desc',
  completionRate: 'desc',
  nextSessionAt: 'asc',
  lastActivityAt: 'desc',
  overdue: 'desc',
  inactive: 'desc',
};

export class CoursesState {
  search = $state('');
  platform = $state<Platform | ''>('');
  accountId = $state('');
  type = $state('');
  status = $state<ProgressStatus | ''>('');
  sort = $state.raw<Sort<CourseColumn>>(loadPref('courses.sort', { column: 'name', direction: 'asc' }, isCourseSort));

  readonly rows = new PagedRows<CourseRow>(200);
  facets = $state.raw<CourseFacets | null>(null);
  /** Keyboard position in the table, kept while a course is open. */
  activeIndex = $state(0);

  readonly filtered = $derived(
    Boolean(this.search.trim() || this.platform || this.accountId || this.type || this.status),
  );
  #seq = 0;
  #lastQuery = '';
  #version = -1;

  setSort(column: CourseColumn): void {
    this.sort =
      this.sort.column === column
        ? { column, direction: this.sort.direction === 'asc' ? 'desc' : 'asc' }
        : { column, direction: FIRST_DIRECTION[column] };
    savePref('courses.sort', this.sort);
  }

  clearFilters(): void {
    this.search = '';
    this.platform = '';
    this.accountId = '';
    this.type = '';
    this.status = '';
  }

  /**
   * Reads every reactive input synchronously (so an $effect calling it tracks them), then queries. `version` is the
   * app's data version: the same question at the same version is answered already (or on its way), e.g. when the
   * window started on Courses and fetched them before the view mounted.
   */
  async load(scope: string[] | null, version = 0): Promise<void> {
    const accountIds = this.accountId
      ? scope === null || scope.includes(this.accountId)
        ? [this.accountId]
        : []
      : scope;
    const input = {
      accountIds,
      search: this.search.trim() || undefined,
      platforms: this.platform ? [this.platform] : undefined,
      types: this.type ? [this.type] : undefined,
      statuses: this.status ? [this.status] : undefined,
      sort: this.sort,
    };
    // A different question starts at the top of its answer; a reload of the same one keeps the place.
    const query = JSON.stringify(input);
    if (query === this.#lastQuery && version === this.#version && !this.rows.error) return;
    if (query !== this.#lastQuery) {
      this.#lastQuery = query;
      this.activeIndex = 0;
    }
    this.#version = version;
    const seq = ++this.#seq;
    // The rows are asked for first: the core answers in order, and the facets (only the filter menus) take longer.
    const rows = this.rows.reset((offset, limit) => call('workspace.coursePage', { ...input, offset, limit }));
    const facets = call('workspace.facets', { accountIds: scope });
    await rows;
    // Facets only fill the filter menus; if reading them fails, the rows' own error is what the view shows.
    const answer = await facets.catch(() => null);
    if (answer && seq === this.#seq) this.facets = answer;
  }
}
