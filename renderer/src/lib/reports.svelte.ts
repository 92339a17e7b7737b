/**
 * The report builder's state: the definition being edited, its live preview, saved definitions and exports.
 * Everything runs in the core against the offline cache; this only shapes the definition and follows progress.
 */
import { untrack } from 'svelte';
import type { CourseRow, ReportDefinitionInput, ReportKind, ReportPreview, SavedReport } from '$contract/channels';
import type { Platform, ProgressStatus } from '$contract/domain';
import type { AppState } from './app-state.svelte';
import { REPORT_TITLES, STATUS_ORDER } from './platforms';
import { Resource } from './resource.svelte';
import { exportToChosenFile } from './export-flow';
import type { ExportFormat } from './file-names';
import { call, errorMessage, subscribe } from './rollbook';

export { suggestedFileName, type ExportFormat } from './file-names';

export const REPORT_KIND_ORDER = [
  'completions',
  'attendance',
  'courses',
  'learner',
  'changes',
] as const satisfies readonly ReportKind[];

/** What each report is, which date its range applies to, and which filters mean something for it. */
export const REPORT_KINDS: Record<
  ReportKind,
  {
    title: string;
    description: string;
    dateField: string;
    statuses: boolean;
    learnerSearch: boolean;
    /** Overdue, due-before and expires-before filters. */
    dueFilters: boolean;
    /** Leavers (blocked, deleted learners) are hidden unless shown. */
    leavers: boolean;
  }
> = {
  completions: {
    title: REPORT_TITLES.completions,
    description: 'One row per learner and course: status, progress and dates.',
    dateField: 'completion date (last activity when not completed)',
    statuses: true,
    learnerSearch: true,
    dueFilters: true,
    leavers: true,
  },
  attendance: {
    title: REPORT_TITLES.attendance,
    description: 'One row per learner and session: who attended, who did not show.',
    dateField: 'session start',
    statuses: false,
    learnerSearch: true,
    dueFilters: false,
    leavers: true,
  },
  courses: {
    title: REPORT_TITLES.courses,
    description: 'One row per course: learners per status, completion rate, sessions and attendance.',
    dateField: 'course activity (first to last)',
    statuses: true,
    learnerSearch: false,
    dueFilters: false,
    leavers: false,
  },
  learner: {
    title: REPORT_TITLES.learner,
    description: 'Every course of one person, matched by e-mail across all accounts.',
    dateField: 'completion date (last activity when not completed)',
    statuses: true,
    learnerSearch: false,
    dueFilters: true,
    leavers: false,
  },
  changes: {
    title: REPORT_TITLES.changes,
    description: 'One row per change a sync recorded: completions, failures, no-shows, enrolments, sessions.',
    dateField: 'the sync that recorded the change',
    statuses: false,
    learnerSearch: true,
    dueFilters: false,
    leavers: false,
  },
};

const PREVIEW_ROWS = 50;
const PREVIEW_DELAY_MS = 250;
const COURSE_SUGGEST_DELAY_MS = 150;
const LEARNER_SUGGEST_DELAY_MS = 200;
const SUGGESTIONS = 8;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export interface ExportProgress {
  format: ExportFormat;
  path: string;
  rows: number;
  total: number | null;
}

export interface ExportResult {
  format: ExportFormat;
  path: string;
  rows: number;
  bytes: number;
  truncated: boolean;
}

/** What the builder reads from the window: the accounts (one copy, the app's) and when the cached data changed. */
export type ReportSource = Pick<AppState, 'accounts' | 'dataVersion'>;

export class ReportBuilder {
  kind = $state<ReportKind>('completions');
  title = $state('');
  /** null: every account. */
  accountIds = $state.raw<string[] | null>(null);
  platforms = $state.raw<Platform[]>([]);
  courseIds = $state.raw<string[]>([]);
  statuses = $state.raw<ProgressStatus[]>([]);
  from = $state('');
  to = $state('');
  learnerSearch = $state('');
  learnerEmail = $state('');
  overdue = $state(false);
  dueBefore = $state('');
  expiresBefore = $state('');
  includeLeavers = $state(false);
  /** CSV options. */
  bom = $state(true);
  localeDates = $state(false);

  /** Course names by id, for the chips of chosen courses (definitions only keep ids). */
  courseNames = $state.raw<Record<string, string>>({});

  readonly preview = new Resource<ReportPreview>();
  /** The course picker's matches for what is typed, without the courses already chosen. */
  readonly courseSuggestions = new Resource<CourseRow[]>();
  /** Transcript: people whose name or e-mail matches what is typed, one per e-mail. */
  readonly learnerSuggestions = new Resource<{ name: string; email: string }[]>();

  saved = $state.raw<SavedReport[]>([]);
  savedError = $state<string | null>(null);
  /** The saved definition last opened or saved: the name field starts from it. */
  savedName = $state('');

  exporting = $state.raw<ExportProgress | null>(null);
  result = $state.raw<ExportResult | null>(null);
  exportError = $state<string | null>(null);
  notice = $state<string | null>(null);

  /** What `enter` last handed over (selection, preset): only a change of either resets the definition. */
  #scope: string | undefined = undefined;
  #preset: Partial<ReportDefinitionInput> | null = null;

  constructor(private readonly source: ReportSource) {}

  /** Field → what is wrong with it. The preview and exports wait until this is empty. */
  readonly problems = $derived.by(() => {
    const problems: Partial<
      Record<'from' | 'to' | 'learnerEmail' | 'accounts' | 'dueBefore' | 'expiresBefore', string>
    > = {};
    if (this.dueBefore && !DAY.test(this.dueBefore)) problems.dueBefore = 'Use a date like 2026-03-01.';
    if (this.expiresBefore && !DAY.test(this.expiresBefore)) problems.expiresBefore = 'Use a date like 2026-03-01.';
    if (this.from && !DAY.test(this.from)) problems.from = 'Use a date like 2026-03-01.';
    if (this.to && !DAY.test(this.to)) problems.to = 'Use a date like 2026-03-31.';
    if (!problems.from && !problems.to && this.from && this.to && this.from > this.to)
      problems.to = 'The end date is before the start date.';
    if (this.kind === 'learner' && !this.learnerEmail.trim())
      problems.learnerEmail = 'Enter the learner’s e-mail address.';
    if (this.accountIds !== null && this.accountIds.length === 0) problems.accounts = 'Choose at least one account.';
    return problems;
  });
  readonly valid = $derived(Object.keys(this.problems).length === 0);
  readonly reportTitle = $derived(this.title.trim() || REPORT_KINDS[this.kind].title);

  /** The definition as the core takes it; filters that mean nothing for this kind are left out. */
  readonly definition: ReportDefinitionInput = $derived.by(() => {
    const info = REPORT_KINDS[this.kind];
    const definition: ReportDefinitionInput = { kind: this.kind, accountIds: this.accountIds };
    if (this.title.trim()) definition.title = this.title.trim();
    if (this.platforms.length) definition.platforms = [...this.platforms];
    if (this.courseIds.length) definition.courseIds = [...this.courseIds];
    if (info.statuses && this.statuses.length)
      definition.statuses = STATUS_ORDER.filter((s) => this.statuses.includes(s));
    if (this.from) definition.from = this.from;
    if (this.to) definition.to = this.to;
    if (info.learnerSearch && this.learnerSearch.trim()) definition.learnerSearch = this.learnerSearch.trim();
    if (this.kind === 'learner' && this.learnerEmail.trim()) definition.learnerEmail = this.learnerEmail.trim();
    if (info.dueFilters && this.overdue) definition.overdue = true;
    if (info.dueFilters && this.dueBefore) definition.dueBefore = this.dueBefore;
    if (info.dueFilters && this.expiresBefore) definition.expiresBefore = this.expiresBefore;
    if (info.leavers && this.includeLeavers) definition.includeLeavers = true;
    return definition;
  });

  /** Starts listening to the core; returns the stop function (for an $effect or onMount). */
  listen(): () => void {
    const offs = [
      subscribe('reports.progress', (progress) => {
        if (!this.exporting || progress.path !== this.exporting.path) return;
        this.exporting = { ...this.exporting, rows: progress.rows, total: progress.total };
      }),
      subscribe('accounts.changed', ({ accounts }) => {
        // A removed account leaves the filter with it.
        if (this.accountIds?.some((id) => !accounts.some((a) => a.id === id))) {
          this.accountIds = this.accountIds.filter((id) => accounts.some((a) => a.id === id));
        }
      }),
    ];
    void this.loadSaved();
    return () => offs.forEach((off) => off());
  }

  /**
   * The Reports view opens with the window's selection and, when another view asked for a report ("Report this
   * course"), that preset. A new preset starts the definition from it; a new selection replaces the account filter;
   * otherwise the builder keeps what the user left (coming back to Reports from another view).
   */
  enter(scope: readonly string[] | null, preset: Partial<ReportDefinitionInput> | null): void {
    const scopeKey = JSON.stringify(scope);
    untrack(() => {
      if (preset && preset !== this.#preset) {
        this.apply({ accountIds: scope ? [...scope] : null, ...preset });
        this.savedName = '';
      } else if (scopeKey !== this.#scope) {
        this.accountIds = scope ? [...scope] : null;
      }
    });
    this.#preset = preset;
    this.#scope = scopeKey;
  }

  /**
   * Re-reads the preview shortly after the definition stops changing, and after a sync or an account change. Call it
   * inside an $effect: it reads the definition (so the effect re-runs on every change); return its cleanup.
   */
  previewSoon(): () => void {
    const definition = this.definition;
    void this.source.dataVersion;
    if (!this.valid) {
      this.preview.cancel();
      return () => undefined;
    }
    return this.preview.loadSoon(PREVIEW_DELAY_MS, () => call('reports.preview', { definition, limit: PREVIEW_ROWS }));
  }

  /**
   * The course picker: courses of the chosen accounts whose name contains `query`. For an $effect, like previewSoon.
   */
  suggestCourses(query: string): () => void {
    const search = query.trim();
    const accountIds = this.accountIds;
    void this.source.dataVersion;
    if (!search) {
      this.courseSuggestions.clear();
      return () => undefined;
    }
    return this.courseSuggestions.loadSoon(COURSE_SUGGEST_DELAY_MS, async () => {
      // A screenful is shown: ask for that many besides the chosen ones, not every course that contains the letters.
      const chosen = this.courseIds;
      const page = await call('workspace.coursePage', { accountIds, search, limit: SUGGESTIONS + chosen.length }).catch(
        () => ({ rows: [] }),
      );
      return page.rows.filter((r) => !chosen.includes(r.id)).slice(0, SUGGESTIONS);
    });
  }

  /** Transcript: suggests people by name or e-mail as the address is typed. For an $effect, like previewSoon. */
  suggestLearners(): () => void {
    const query = this.kind === 'learner' ? this.learnerEmail.trim() : '';
    if (query.length < 2) {
      this.learnerSuggestions.clear();
      return () => undefined;
    }
    return this.learnerSuggestions.loadSoon(LEARNER_SUGGEST_DELAY_MS, async () => {
      const found = await call('workspace.search', { accountIds: null, query, limit: SUGGESTIONS });
      // One suggestion per person: the same e-mail in several accounts is one transcript.
      const key = (email: string | null) => email?.toLowerCase();
      return found.learners
        .filter((l, i, all) => l.email && all.findIndex((o) => key(o.email) === key(l.email)) === i)
        .map((l) => ({ name: l.name, email: l.email! }));
    });
  }

  /** Saved definitions and presets keep only course ids: looks up the names of chosen courses for their chips. */
  nameCourses(): void {
    const unknown = this.courseIds.filter((id) => this.courseNames[id] === undefined);
    if (unknown.length === 0) return;
    const accountIds = untrack(() => this.accountIds);
    void call('workspace.courses', { accountIds, ids: unknown.slice(0, 1000) })
      .then((rows) => this.rememberCourseNames(rows))
      .catch(() => undefined);
  }

  /** The account checkboxes: all of them ticked is "every account", including accounts added later. */
  setAllAccounts(all: boolean): void {
    this.accountIds = all ? null : this.source.accounts.map((a) => a.id);
  }

  setAccount(id: string, on: boolean): void {
    const accounts = this.source.accounts;
    const next = this.toggle(this.accountIds ?? accounts.map((a) => a.id), id, on);
    this.accountIds = next.length === accounts.length && accounts.length > 0 ? null : next;
  }

  /** Takes over a definition (a saved one, or a preset from another view); unknown fields keep their defaults. */
  apply(definition: Partial<ReportDefinitionInput>): void {
    this.kind = definition.kind ?? this.kind;
    this.title = definition.title ?? '';
    if (definition.accountIds !== undefined) this.accountIds = definition.accountIds ?? null;
    this.platforms = definition.platforms ?? [];
    this.courseIds = definition.courseIds ?? [];
    this.statuses = definition.statuses ?? [];
    this.from = definition.from ?? '';
    this.to = definition.to ?? '';
    this.learnerSearch = definition.learnerSearch ?? '';
    this.learnerEmail = definition.learnerEmail ?? '';
    this.overdue = definition.overdue ?? false;
    this.dueBefore = definition.dueBefore ?? '';
    this.expiresBefore = definition.expiresBefore ?? '';
    this.includeLeavers = definition.includeLeavers ?? false;
    this.result = null;
    this.exportError = null;
  }

  reset(accountIds: string[] | null): void {
    this.apply({ kind: this.kind, accountIds });
    this.savedName = '';
  }

  toggle<T>(list: readonly T[], value: T, on: boolean): T[] {
    return on ? (list.includes(value) ? [...list] : [...list, value]) : list.filter((v) => v !== value);
  }

  addCourse(id: string, name: string): void {
    this.courseNames = { ...this.courseNames, [id]: name };
    if (!this.courseIds.includes(id)) this.courseIds = [...this.courseIds, id];
  }

  removeCourse(id: string): void {
    this.courseIds = this.courseIds.filter((c) => c !== id);
  }

  rememberCourseNames(courses: { id: string; name: string }[]): void {
    const missing = courses.filter((c) => this.courseNames[c.id] === undefined);
    if (missing.length)
      this.courseNames = { ...this.courseNames, ...Object.fromEntries(missing.map((c) => [c.id, c.name])) };
  }

  async loadSaved(): Promise<void> {
    try {
      this.saved = await call('reports.saved.list');
      this.savedError = null;
    } catch (error) {
      this.savedError = errorMessage(error);
    }
  }

  async save(name: string): Promise<boolean> {
    const trimmed = name.trim();
    if (!trimmed || !this.valid) return false;
    const existed = this.saved.some((s) => s.name.toLowerCase() === trimmed.toLowerCase());
    try {
      const saved = await call('reports.saved.save', { name: trimmed, definition: this.definition });
      this.savedName = saved.name;
      this.notice = existed ? `Updated “${saved.name}”.` : `Saved “${saved.name}”.`;
      await this.loadSaved();
      return true;
    } catch (error) {
      this.savedError = errorMessage(error);
      return false;
    }
  }

  open(saved: SavedReport): void {
    this.apply(saved.definition);
    this.savedName = saved.name;
    this.notice = `Opened “${saved.name}”.`;
  }

  async remove(name: string): Promise<void> {
    try {
      await call('reports.saved.delete', { name });
      if (this.savedName.toLowerCase() === name.toLowerCase()) this.savedName = '';
      this.notice = `Deleted “${name}”.`;
      await this.loadSaved();
    } catch (error) {
      this.savedError = errorMessage(error);
    }
  }

  /** Save as…: asks the app where (native dialog), then writes the file; progress arrives as events. */
  async exportAs(format: ExportFormat): Promise<void> {
    if (!this.valid || this.exporting) return;
    this.exportError = null;
    this.result = null;
    const definition = this.definition;
    await exportToChosenFile(this.reportTitle, format, {
      begin: (path) => (this.exporting = { format, path, rows: 0, total: this.preview.value?.total ?? null }),
      write: (saveToken) =>
        call('reports.export', {
          definition,
          format,
          saveToken,
          options: { bom: this.bom, localeDates: this.localeDates },
        }),
      done: (written) => (this.result = { format, ...written }),
      failed: (message) => (this.exportError = message),
      end: () => (this.exporting = null),
    });
  }

  async openResult(reveal: boolean): Promise<void> {
    if (!this.result) return;
    try {
      await call('host.openPath', { path: this.result.path, reveal });
    } catch (error) {
      this.exportError = errorMessage(error);
    }
  }
}

const builders = new WeakMap<ReportSource, ReportBuilder>();

/** One builder per window: leaving Reports and coming back finds the report as it was left. */
export function reportBuilderFor(app: ReportSource): ReportBuilder {
  let builder = builders.get(app);
  if (!builder) {
    // Built in a scope of its own: a $derived belongs to the effect it is created in and stops following its inputs
    // once that effect ends, and the view that first asks goes away long before the builder does.
    $effect.root(() => {
      builder = new ReportBuilder(app);
    });
    builders.set(app, builder!);
  }
  return builder!;
}
