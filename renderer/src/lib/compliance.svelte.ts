/**
 * The Compliance section: its filters and the three answers they select (per-requirement summary, the people who
 * need action, the people × requirements matrix). Lives as long as the window, so opening a person from the matrix
 * and coming back finds the same filters and place. Every answer comes from one computed model in the core, so the
 * summary, the action list and the matrix cannot disagree.
 */
import type {
  ActionRow,
  ComplianceFilter,
  ComplianceStatus,
  ComplianceSummary,
  MatrixRow,
} from '$contract/channels/compliance';
import type { ExportResult } from '$contract/channels';
import { PagedRows } from './paged.svelte';
import { exportToChosenFile } from './export-flow';
import type { ExportFormat } from './file-names';
import { Resource } from './resource.svelte';
import { call } from './rollbook';

export type ComplianceReport = 'compliance' | 'actions';
const REPORT_TITLES: Record<ComplianceReport, string> = { compliance: 'Training matrix', actions: 'Actions' };

export type ComplianceTab = 'summary' | 'matrix';

/** How each status reads and which tone it takes, as in reports. */
export const COMPLIANCE_META: Record<ComplianceStatus, { label: string; tone: string; glyph: string }> = {
  compliant: { label: 'Compliant', tone: 'ok', glyph: '✓' },
  expiring: { label: 'Expiring', tone: 'warn', glyph: '◔' },
  due: { label: 'Due', tone: 'info', glyph: '◷' },
  overdue: { label: 'Overdue', tone: 'danger', glyph: '!' },
  expired: { label: 'Expired', tone: 'danger', glyph: '✕' },
  in_progress: { label: 'In progress', tone: 'info', glyph: '◐' },
  not_started: { label: 'Not started', tone: 'neutral', glyph: '○' },
  exempt: { label: 'Exempt', tone: 'teal', glyph: '–' },
};

/** In the order the app lists them (the contract's order). */
export const COMPLIANCE_STATUS_ORDER = Object.keys(COMPLIANCE_META) as ComplianceStatus[];
/** The statuses that ask the coordinator to act, most urgent first. */
export const ACTION_STATUSES = ['overdue', 'expired', 'due', 'expiring'] as const satisfies readonly ComplianceStatus[];

export class ComplianceState {
  tab = $state<ComplianceTab>('summary');
  search = $state('');
  requirementId = $state<number | null>(null);
  status = $state<ComplianceStatus | ''>('');
  department = $state('');

  readonly summary = new Resource<ComplianceSummary>();
  /** Everyone's departments, for the filter (from an unfiltered summary, so picking one never empties the list). */
  readonly departments = new Resource<string[]>();
  readonly actions = new PagedRows<ActionRow>(200);
  readonly matrix = new PagedRows<MatrixRow>(200);
  /** The matrix's columns, from its latest page. */
  requirements = $state.raw<{ id: number; name: string }[]>([]);
  activeAction = $state(0);
  exporting = $state<{ report: ComplianceReport; format: ExportFormat } | null>(null);
  exported = $state.raw<(ExportResult & { report: ComplianceReport }) | null>(null);
  exportError = $state<string | null>(null);

  filters(scope: string[] | null): ComplianceFilter {
    return {
      ...(scope ? { accountIds: scope } : {}),
      ...(this.department ? { departments: [this.department] } : {}),
      ...(this.status ? { statuses: [this.status] } : {}),
      ...(this.requirementId !== null ? { requirementIds: [this.requirementId] } : {}),
      ...(this.search.trim() ? { search: this.search.trim() } : {}),
    };
  }

  /** Loads every answer for these filters; a newer load drops the answers to an older one. */
  load(scope: string[] | null): void {
    const filters = this.filters(scope);
    void this.summary.load(() => call('compliance.summary', { filters }));
    void this.departments.load(async () => (await call('compliance.summary', { filters: {} })).departments);
    void this.actions.reset((offset, limit) => call('compliance.actions', { filters, offset, limit }));
    void this.matrix.reset(async (offset, limit) => {
      const page = await call('compliance.matrix', { filters, offset, limit });
      this.requirements = page.requirements;
      return page;
    });
  }

  /**
   * The training matrix or the action list, with the filters shown, as CSV, XLSX or PDF, where the Save dialog points.
   */
  async exportAs(report: ComplianceReport, format: ExportFormat, scope: string[] | null): Promise<void> {
    if (this.exporting) return;
    this.exportError = null;
    this.exported = null;
    await exportToChosenFile(REPORT_TITLES[report], format, {
      begin: () => (this.exporting = { report, format }),
      write: (saveToken) =>
        call('compliance.export', { kind: report, format, filters: this.filters(scope), saveToken, options: {} }),
      done: (written) => (this.exported = { report, ...written }),
      failed: (message) => (this.exportError = message),
      end: () => (this.exporting = null),
    });
  }

  clearFilters(): void {
    this.search = '';
    this.requirementId = null;
    this.status = '';
    this.department = '';
  }

  readonly filtered = $derived(
    this.search.trim() !== '' || this.requirementId !== null || this.status !== '' || this.department !== '',
  );
}
