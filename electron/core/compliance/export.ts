/**
 * The compliance reports: `compliance` (the matrix: one row per person, per requirement its status and date) and
 * `actions` (one row per person × requirement that asks for action, with days left or late). Both read the one
 * computed model, through the same CSV, XLSX and PDF writers as the other reports, temp file renamed into place.
 */
import { promises as fs } from 'node:fs';
import type { ReportColumn, ExportFormat } from '../contract/channels/reports';
import { COMPLIANCE_STATUSES, type ComplianceFilter, type ComplianceReportKind } from '../contract/channels/compliance';
import { RollbookError } from '../contract/errors';
import type { CoreContext } from '../api/context';
import { commitTarget, discard, prepareTarget } from '../reports/atomic-file';
import { writeCsv } from '../reports/csv';
import { neutralise } from '../reports/cells';
import { writeXlsx } from '../reports/xlsx';
import { FOOTER_TEMPLATE, paperFor, renderReportHtml } from '../reports/pdf-template';
import { PDF_ROW_LIMIT } from '../reports/export-pdf';
import type { ReportSummary } from '../reports/summary';
import type { ReportValue } from '../store/report-queries';
import type { ExportOptions } from '../reports/export';
import { actionCells, actionRow, select, summary as summarize } from './queries';
import { isoDay } from './rules';
import type { ComplianceModel } from './model';

export const COMPLIANCE_REPORT_TITLES: Record<ComplianceReportKind, string> = {
  compliance: 'Compliance',
  actions: 'Compliance actions',
};

/** The app's tones for each status, as the PDF's chart shows them. */
export const COMPLIANCE_COLORS: Record<string, string> = {
  compliant: '#1f9d55',
  expiring: '#d69e2e',
  due: '#3b82f6',
  overdue: '#e53e3e',
  expired: '#9b2c2c',
  in_progress: '#63b3ed',
  not_started: '#a0aec0',
  exempt: '#718096',
};

const text = (key: string, label: string): ReportColumn => ({ key, label, type: 'text' });

interface Table {
  columns: ReportColumn[];
  rows: () => Iterable<ReportValue[]>;
  total: number;
}

/** The matrix: Learner, Email, then per requirement "NAME" (status) and "NAME date". */
export function complianceTable(model: ComplianceModel, filters: ComplianceFilter): Table {
  const selection = select(model, filters);
  const columns = [text('learner', 'Learner'), text('email', 'Email')];
  selection.columns.forEach((c, i) => {
    // Requirement names become headers, which the CSV writer quotes but (its own labels being fixed) never guards.
    const name = neutralise(c.requirement.name);
    columns.push(text(`r${i}`, name), text(`r${i}_date`, `${name} date`));
  });
  const width = columns.length;
  return {
    columns,
    total: selection.rows.length,
    *rows() {
      const row = new Array<ReportValue>(width);
      for (const p of selection.rows) {
        const person = model.people[p]!;
        row[0] = person.name;
        row[1] = person.email;
        for (let i = 0; i < selection.columns.length; i += 1) {
          const column = selection.columns[i]!;
          const code = column.status[p]!;
          const known = code !== 255;
          row[2 + i * 2] = known ? COMPLIANCE_STATUSES[code]! : null;
          row[3 + i * 2] = known ? isoDay(column.date[p]!) : null;
        }
        yield row;
      }
    },
  };
}

/** Requirement, Learner, Email, Status, Date, Days (negative = late by that many days). */
export function actionsTable(model: ComplianceModel, filters: ComplianceFilter): Table {
  const cells = actionCells(model, filters);
  return {
    columns: [
      text('requirement', 'Requirement'),
      text('learner', 'Learner'),
      text('email', 'Email'),
      text('status', 'Status'),
      text('date', 'Date'),
      { key: 'days', label: 'Days', type: 'number' },
    ],
    total: cells.length,
    *rows() {
      for (const cell of cells) {
        const a = actionRow(model, cell);
        yield [a.requirement, a.name, a.email, a.status, a.date, a.days];
      }
    },
  };
}

function describe(ctx: CoreContext, filters: ComplianceFilter, model: ComplianceModel): string[] {
  const out: string[] = [];
  if (filters.requirementIds?.length) {
    const names = model.requirements
      .filter((r) => filters.requirementIds!.includes(r.requirement.id))
      .map((r) => r.requirement.name);
    out.push(`requirements: ${names.join(', ')}`);
  }
  if (filters.departments?.length) out.push(`departments: ${filters.departments.join(', ')}`);
  if (filters.statuses?.length) out.push(`statuses: ${filters.statuses.join(', ')}`);
  if (filters.search) out.push(`learner: "${filters.search}"`);
  out.push(`as of ${isoDay(model.today)}`);
  return out;
}

export async function exportCompliance(
  ctx: CoreContext,
  input: {
    kind: ComplianceReportKind;
    format: ExportFormat;
    filters: ComplianceFilter;
    path: string;
    options: ExportOptions;
  },
): Promise<{ path: string; rows: number; bytes: number; truncated: boolean }> {
  const { kind, format, filters, path, options } = input;
  const model = ctx.compliance.model();
  const table = kind === 'compliance' ? complianceTable(model, filters) : actionsTable(model, filters);
  const title = COMPLIANCE_REPORT_TITLES[kind];
  const started = performance.now();
  const log = ctx.log.child({ kind, format });
  const counts = summarize(model, filters);
  const accountIds = filters.accountIds?.length ? filters.accountIds : null;
  const reportSummary = (): ReportSummary => ({
    selection: accountIds ? accountIds.map((id) => ctx.accounts.get(id)?.label ?? id).join(', ') : 'All accounts',
    filters: describe(ctx, filters, model),
    freshness: ctx.reports.freshness({ kind: 'courses', accountIds }),
    generatedAt: ctx.now(),
    total: table.total,
    statusCounts: {},
    bars: counts.requirements
      .filter((r) => r.compliantShare !== null)
      .map((r) => ({ label: r.name, value: r.compliantShare! })),
  });
  const onRows = (n: number) => ctx.events.emit('reports.progress', { path, rows: n, total: table.total, done: false });
  const temp = await prepareTarget(path, options.force);
  try {
    let rows: number;
    let truncated = false;
    if (format === 'csv') {
      rows = await writeCsv(temp, table.columns, table.rows(), { bom: options.bom, locale: null, onRows });
    } else if (format === 'xlsx') {
      rows = await writeXlsx(temp, table.columns, table.rows(), {
        sheetName: title,
        title,
        onRows,
        summary: reportSummary,
      });
    } else {
      const locale = options.locale ?? Intl.DateTimeFormat().resolvedOptions().locale;
      ctx.pdf.warm?.();
      const objects: Record<string, ReportValue>[] = [];
      for (const values of table.rows()) {
        if (objects.length === PDF_ROW_LIMIT) break;
        objects.push(Object.fromEntries(table.columns.map((c, i) => [c.key, values[i] ?? null])));
      }
      const page = { format: paperFor(locale), landscape: true };
      const html = renderReportHtml({
        ...reportSummary(),
        definition: { kind: 'courses', title, accountIds },
        statusChart: { counts: counts.totals, colors: COMPLIANCE_COLORS },
        barsTitle: 'Share compliant by requirement',
        page,
        columns: table.columns,
        rows: objects,
        truncatedAt: table.total > PDF_ROW_LIMIT ? PDF_ROW_LIMIT : null,
        locale,
      });
      await fs.writeFile(temp, await ctx.pdf.render(html, { ...page, footerTemplate: FOOTER_TEMPLATE }), {
        flag: 'wx',
      });
      rows = objects.length;
      truncated = table.total > PDF_ROW_LIMIT;
    }
    const bytes = await commitTarget(temp, path);
    ctx.events.emit('reports.progress', { path, rows, total: rows, done: true });
    log.info({ rows, bytes, ms: Math.round(performance.now() - started) }, 'export written');
    return { path, rows, bytes, truncated };
  } catch (error) {
    await discard(temp);
    if (error instanceof RollbookError) throw error;
    log.error({ err: error }, 'export failed');
    throw new RollbookError(
      'export_failed',
      `The ${title} export failed: ${(error as Error).message}. Nothing was written to ${path}.`,
      { cause: error },
    );
  }
}
