/**
 * The report builder's state: the definition being edited, its live preview, saved definitions and exports.
 * Everything runs in the core against the offline cache; this only shapes the definition and follows progress.
 */
import type { Account, ReportDefinitionInput, ReportKind, ReportPreview, SavedReport } from '../../../electron/core/contract/channels';
import type { Platform, ProgressStatus } from '../../../electron/core/contract/domain';
import { REPORT_TITLES, STATUS_ORDER } from './platforms';
import { call, errorMessage, subscribe } from './rollbook';

export type ExportFormat = 'csv' | 'pdf' | 'xlsx';

export const REPORT_KIND_ORDER = ['completions', 'attendance', 'courses', 'learner'] as const satisfies readonly ReportKind[];

/** What each report is, which date its range applies to, and which filters mean something for it. */
export const REPORT_KINDS: Record<ReportKind, { title: string; description: string; dateField: string; statuses: boolean; learnerSearch: boolean }> = {
  completions: {
    title: REPORT_TITLES.completions,
    description: 'One row per learner and course: status, progress and dates.',
    dateField: 'completion date (last activity when not completed)',
    statuses: true,
    learnerSearch: true,
  },
  attendance: {
    title: REPORT_TITLES.attendance,
    description: 'One row per learner and session: who attended, who did not show.',
    dateField: 'session start',
    statuses: false,
    learnerSearch: true,
  },
  courses: {
    title: REPORT_TITLES.courses,
    description: 'One row per course: learners per status, completion rate, sessions and attendance.',
    dateField: 'course activity (first to last)',
    statuses: true,
    learnerSearch: false,
  },
  learner: {
    title: REPORT_TITLES.learner,
    description: 'Every course of one person, matched by e-mail across all accounts.',
    dateField: 'completion date (last activity when not completed)',
    statuses: true,
    learnerSearch: false,
  },
};

const PREVIEW_ROWS = 50;
const PREVIEW_DELAY_MS = 250;
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

/** "Completions 2026-06-01.csv" (today, local time): a file name without characters any OS refuses. */
export function suggestedFileName(title: string, format: ExportFormat, now = Date.now()): string {
  const printable = [...title].map((c) => (c.charCodeAt(0) < 32 || '\\/:*?"<>|'.includes(c) ? ' ' : c)).join('');
  const safe = printable.replace(/\s+/g, ' ').trim().slice(0, 80) || 'Report';
  // en-CA writes dates as YYYY-MM-DD.
  return `${safe} ${new Intl.DateTimeFormat('en-CA').format(now)}.${format}`;
}

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
  /** CSV options. */
  bom = $state(true);
  localeDates = $state(false);

  accounts = $state.raw<Account[]>([]);
  /** Course names by id, for the chips of chosen courses (definitions only keep ids). */
  courseNames = $state.raw<Record<string, string>>({});

  preview = $state.raw<ReportPreview | null>(null);
  previewError = $state<string | null>(null);
  previewLoading = $state(false);
  /** Bumped when a sync lands: the preview reads the cache again. */
  dataVersion = $state(0);

  saved = $state.raw<SavedReport[]>([]);
  savedError = $state<string | null>(null);
  /** The saved definition last opened or saved: the name field starts from it. */
  savedName = $state('');

  exporting = $state.raw<ExportProgress | null>(null);
  result = $state.raw<ExportResult | null>(null);
  exportError = $state<string | null>(null);
  notice = $state<string | null>(null);

  #previewSeq = 0;
  /** What the view last handed over (selection, preset): only a change of either resets the definition. */
  seenScope: string | undefined = undefined;
  seenPreset: unknown = undefined;

  /** Field → what is wrong with it. The preview and exports wait until this is empty. */
  readonly problems = $derived.by(() => {
    const problems: Partial<Record<'from' | 'to' | 'learnerEmail' | 'accounts', string>> = {};
    if (this.from && !DAY.test(this.from)) problems.from = 'Use a date like 2026-03-01.';
    if (this.to && !DAY.test(this.to)) problems.to = 'Use a date like 2026-03-31.';
    if (!problems.from && !problems.to && this.from && this.to && this.from > this.to) problems.to = 'The end date is before the start date.';
    if (this.kind === 'learner' && !this.learnerEmail.trim()) problems.learnerEmail = 'Enter the learner’s e-mail address.';
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
    if (info.statuses && this.statuses.length) definition.statuses = STATUS_ORDER.filter((s) => this.statuses.includes(s));
    if (this.from) definition.from = this.from;
    if (this.to) definition.to = this.to;
    if (info.learnerSearch && this.learnerSearch.trim()) definition.learnerSearch = this.learnerSearch.trim();
    if (this.kind === 'learner' && this.learnerEmail.trim()) definition.learnerEmail = this.learnerEmail.trim();
    return definition;
  });

  /** Starts listening to the core; returns the stop function (for an $effect or onMount). */
  listen(): () => void {
    const offs = [
      subscribe('reports.progress', (progress) => {
        if (!this.exporting || progress.path !== this.exporting.path) return;
        this.exporting = { ...this.exporting, rows: progress.rows, total: progress.total };
      }),
      subscribe('sync.finished', () => (this.dataVersion += 1)),
      subscribe('accounts.changed', ({ accounts }) => {
        this.accounts = accounts;
        // A removed account leaves the filter with it.
        if (this.accountIds?.some((id) => !accounts.some((a) => a.id === id))) {
          this.accountIds = this.accountIds.filter((id) => accounts.some((a) => a.id === id));
        }
        this.dataVersion += 1;
      }),
    ];
    void this.loadAccounts();
    void this.loadSaved();
    return () => offs.forEach((off) => off());
  }

  async loadAccounts(): Promise<void> {
    try {
      this.accounts = await call('accounts.list');
    } catch {
      // The account filter then only offers "All accounts"; the preview says what is wrong.
    }
  }

  /**
   * Re-reads the preview shortly after the definition stops changing. Call it inside an $effect: it reads the
   * definition (so the effect re-runs on every change) and the returned cleanup cancels a pending read.
   */
  previewSoon(): () => void {
    const definition = this.definition;
    void this.dataVersion;
    if (!this.valid) {
      this.#previewSeq += 1;
      this.previewLoading = false;
      return () => undefined;
    }
    const timer = setTimeout(() => void this.refreshPreview(definition), PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }

  async refreshPreview(definition: ReportDefinitionInput = this.definition): Promise<void> {
    const seq = ++this.#previewSeq;
    this.previewLoading = true;
    try {
      const preview = await call('reports.preview', { definition, limit: PREVIEW_ROWS });
      if (seq !== this.#previewSeq) return;
      this.preview = preview;
      this.previewError = null;
    } catch (error) {
      if (seq === this.#previewSeq) this.previewError = errorMessage(error);
    } finally {
      if (seq === this.#previewSeq) this.previewLoading = false;
    }
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
    if (missing.length) this.courseNames = { ...this.courseNames, ...Object.fromEntries(missing.map((c) => [c.id, c.name])) };
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
    let chosen: { path: string; saveToken: string } | { path: null; saveToken: null };
    try {
      const suggestedName = suggestedFileName(this.reportTitle, format);
      chosen = await call('host.chooseSavePath', { suggestedName, format });
    } catch (error) {
      this.exportError = errorMessage(error);
      return;
    }
    if (chosen.path === null) return;
    this.exporting = { format, path: chosen.path, rows: 0, total: this.preview?.total ?? null };
    try {
      // The app writes only where its Save dialog pointed: the export presents the dialog's token, not a path (the
      // dialog also asked before replacing an existing file).
      const written = await call('reports.export', {
        definition,
        format,
        saveToken: chosen.saveToken,
        options: { bom: this.bom, localeDates: this.localeDates },
      });
      this.result = { format, ...written };
    } catch (error) {
      this.exportError = errorMessage(error);
    } finally {
      this.exporting = null;
    }
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

/** One builder for the window: leaving Reports and coming back finds the report as it was left. */
export const reportBuilder = new ReportBuilder();
