/** A report as PDF: the summary and its charts, then the first PDF_ROW_LIMIT rows, printed by Chromium. */
import { promises as fs } from 'node:fs';
import type { ReportColumn, ReportKind } from '../contract/channels/reports';
import { COORDINATOR_KEYS, REPORT_COLUMNS, type ReportRow } from '../store/report-queries';
import type { FormatWriter } from './export';
import { FOOTER_TEMPLATE, paperFor, renderReportHtml } from './pdf-template';
import { createStatusTally } from './summary';
import { createChangeDigest } from './change-digest';
import type { ChangeKind } from '../contract/channels/changes';

/** PDFs are for reading: past this many rows the PDF says so and points to the CSV. */
export const PDF_ROW_LIMIT = 10_000;
/** Rows read between two turns of the event loop while a PDF's rows are collected. */
const YIELD_EVERY = 1_000;

/**
 * Ids are for machines: the CSV has them, the printed table stays readable without them. So does a coordinator column
 * (due, expiry, certificates…) no row of this PDF fills: a platform that has none keeps its table as wide as before.
 */
export function printedColumns(kind: ReportKind, rows: ReportRow[]): ReportColumn[] {
  const filled = (key: string) => rows.some((row) => row[key] !== null && row[key] !== undefined && row[key] !== '');
  return REPORT_COLUMNS[kind].filter(
    (c) => !c.key.endsWith('_id') && (!COORDINATOR_KEYS.has(c.key) || filled(c.key === 'overdue' ? 'due_at' : c.key)),
  );
}

export const writePdfExport: FormatWriter = async (deps, { definition, options, now, temp }) => {
  // Chromium starts while the rows are read (the loop yields now and then, which also keeps IPC answering).
  deps.pdf.warm?.();
  const locale = options.locale ?? Intl.DateTimeFormat().resolvedOptions().locale;
  const rows: ReportRow[] = [];
  const tally = createStatusTally(definition);
  // The changes report opens with its digest instead of the learner-status charts.
  const digest = definition.kind === 'changes' ? createChangeDigest(definition) : null;
  for (const row of deps.queries.iterate(definition, now)) {
    tally.add((key) => row[key]);
    digest?.add(row.kind as ChangeKind, row.to_value ?? null);
    if (tally.total % YIELD_EVERY === 0) await new Promise(setImmediate);
    if (rows.length < PDF_ROW_LIMIT) rows.push(row);
  }
  const summary = tally.summary(deps);
  const total = summary.total;
  // Every report table is wide (8+ columns): landscape keeps names and dates on one line.
  const page = { format: paperFor(locale), landscape: true };
  const html = renderReportHtml({
    ...summary,
    definition,
    page,
    columns: printedColumns(definition.kind, rows),
    rows,
    truncatedAt: total > PDF_ROW_LIMIT ? PDF_ROW_LIMIT : null,
    locale,
    digest: digest?.digest(locale),
  });
  deps.onProgress?.(total, total, false);
  const pdf = await deps.pdf.render(html, { ...page, footerTemplate: FOOTER_TEMPLATE });
  await fs.writeFile(temp, pdf, { flag: 'wx' });
  return { rows: Math.min(total, PDF_ROW_LIMIT), read: total, truncated: total > PDF_ROW_LIMIT };
};
