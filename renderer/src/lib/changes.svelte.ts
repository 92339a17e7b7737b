/**
 * The Changes section: the timeline's syncs, the filters and the changes they select. Lives as long as the window,
 * so opening a course from a change and coming back finds the same place; other views hand it a course or a learner
 * to look at ("All changes" under a course).
 */
import type { ChangeFilterInput, ChangeKind, ChangeRow, ChangeSync } from '$contract/channels/changes';
import { PagedRows } from './paged.svelte';
import { Resource } from './resource.svelte';
import { call } from './rollbook';

export class ChangesState {
  search = $state('');
  kind = $state<ChangeKind | ''>('');
  from = $state('');
  to = $state('');
  /** One sync of the timeline, or null for all. */
  syncId = $state<number | null>(null);
  course = $state.raw<{ accountId: string; courseId: string; name: string } | null>(null);
  learner = $state.raw<{ email: string; name: string } | null>(null);
  active = $state(0);

  readonly syncs = new Resource<{ total: number; rows: ChangeSync[] }>();
  readonly rows = new PagedRows<ChangeRow>(200);

  filter(scope: string[] | null): ChangeFilterInput {
    const valid = (day: string) => /^\d{4}-\d{2}-\d{2}$/.test(day);
    return {
      accountIds: scope,
      ...(this.kind ? { kinds: [this.kind] } : {}),
      ...(valid(this.from) ? { from: this.from } : {}),
      ...(valid(this.to) && (!valid(this.from) || this.from <= this.to) ? { to: this.to } : {}),
      ...(this.search.trim() ? { search: this.search.trim() } : {}),
      ...(this.syncId !== null ? { syncId: this.syncId } : {}),
      ...(this.course ? { course: { accountId: this.course.accountId, courseId: this.course.courseId } } : {}),
      ...(this.learner ? { learner: { email: this.learner.email } } : {}),
    };
  }

  load(scope: string[] | null): void {
    const filter = this.filter(scope);
    const { from, to } = filter;
    void this.syncs.load(() => call('changes.syncs', { accountIds: scope, from, to, limit: 200 }));
    void this.rows.reset((offset, limit) => call('changes.list', { filter, offset, limit }));
  }

  readonly filtered = $derived(
    this.search.trim() !== '' ||
      this.kind !== '' ||
      this.from !== '' ||
      this.to !== '' ||
      this.syncId !== null ||
      this.course !== null ||
      this.learner !== null,
  );

  clear(): void {
    this.search = '';
    this.kind = '';
    this.from = '';
    this.to = '';
    this.syncId = null;
    this.course = null;
    this.learner = null;
  }
}
