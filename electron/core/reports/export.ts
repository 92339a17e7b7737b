/**
 * Runs a report definition into a CSV or PDF file (atomically), or a preview.
 */
import { promises as fs } from 'node:fs';
import { REPORT_TITLES, type ReportDefinition } from '../contract/channels/reports';
import { RollbookError } from '../contract/errors';
import type { ProgressStatus } from '../contract/domain';
import { REPORT_COLUMNS, type ReportQueries, type ReportRow } from '../store/report-queries';
import { commitTarget, discard, prepareTarget } from './atomic-file';
import { writeCsv } from './csv';
import { csvThreads, startCsvWorkers, type CsvWorkers } from './csv-in-workers';
import type { PdfRenderer } from './pdf-renderer';
import { FOOTER_TEMPLATE, paperFor, renderReportHtml } from './pdf-template';

/** PDFs are for reading: past this many rows the PDF says so and points to the CSV. */
export const PDF_ROW_LIMIT = 10_000;
/** Rows read between two turns of the event loop while a PDF's rows are collected. */
const YIELD_EVERY = 1_000;

export interface ExportDeps {
  queries: ReportQueries;
  pdf: PdfRenderer;
  now: () => Date;
  accountLabels: (ids: string[] | null) => string;
  onProgress?: (rows: number, total: number | null, done: boolean) => void;
  /** Large completions CSVs are written by worker threads when the host has their code (csv-in-workers.ts). */
  csvWorkers?: CsvWorkers;
}

export function describeFilters(def: ReportDefinition): string[] {
  const out: string[] = [];
  if (def.platforms?.length) out.push(`platforms: ${def.platforms.join(', ')}`);
  if (def.courseIds?.length) out.push(`courses: ${def.courseIds.join(', ')}`);
  if (def.statuses?.length) out.push(`statuses: ${def.statuses.join(', ')}`);
  if (def.from || def.to) out.push(`dates: ${def.from ?? '…'} to ${def.to ?? '…'}`);
  if (def.learnerSearch) out.push(`learner: "${def.learnerSearch}"`);
  if (def.learnerEmail) out.push(`learner e-mail: ${def.learnerEmail}`);
  return out;
}

export async function exportReport(
  deps: ExportDeps,
  input: { definition: ReportDefinition; format: 'csv' | 'pdf'; path: string; options: { bom: boolean; localeDates: boolean; locale?: string; force: boolean } },
): Promise<{ path: string; rows: number; bytes: number; truncated: boolean }> {
  const { definition, format, path, options } = input;
  const now = deps.now().toISOString();
  const columns = REPORT_COLUMNS[definition.kind];
  const temp = await prepareTarget(path, options.force);
  try {
    if (format === 'csv') {
      // Counting first costs one more pass over the index, and buys a real progress bar for long exports.
      const expected = deps.queries.count(definition, now);
      deps.onProgress?.(0, expected, false);
      // The file lists rows in the order the preview shows them (see completionsInCourseOrder in report-queries).
      const locale = options.localeDates ? (options.locale ?? Intl.DateTimeFormat().resolvedOptions().locale) : null;
      const onRows = (n: number) => deps.onProgress?.(n, Math.max(n, expected), false);
      const workers = deps.csvWorkers;
      const threads = csvThreads(workers, expected);
      const scope = workers && threads > 0 ? deps.queries.completionsScope(definition) : null;
      let rows: number | 'stale' = 'stale';
      if (workers && scope) {
        // The workers load their learner maps while this thread reads the course list.
        const group = startCsvWorkers(workers, threads, scope);
        try {
          const { query, courses } = deps.queries.completionsCourses(definition);
          const generations = new Map(scope.accounts);
          // Courses read at another generation than the workers' (a sync committed in between): written here instead.
          if (courses.every((c) => generations.get(c.accountId) === c.generation)) {
            rows = await group.write(temp, { query, courses, columns, locale }, { bom: options.bom, onRows });
          }
        } finally {
          await group.stop();
        }
      }
      if (rows === 'stale') {
        // No workers, or a sync swapped generations under them: this thread writes it from its own snapshot.
        await discard(temp, true);
        rows = await writeCsv(temp, columns, deps.queries.iterateValues(definition, now), { bom: options.bom, locale, onRows });
      }
      const bytes = await commitTarget(temp, path);
      deps.onProgress?.(rows, rows, true);
      return { path, rows, bytes, truncated: false };
    }

    // Chromium starts while the rows are read (the loop yields now and then, which also keeps IPC answering).
    deps.pdf.warm?.();
    const locale = options.locale ?? Intl.DateTimeFormat().resolvedOptions().locale;
    const rows: ReportRow[] = [];
    const statusCounts: Partial<Record<ProgressStatus, number>> = {};
    const byCourse = new Map<string, { name: string; learners: number; done: number }>();
    let total = 0;
    for (const row of deps.queries.iterate(definition, now)) {
      total += 1;
      if (total % YIELD_EVERY === 0) await new Promise(setImmediate);
      if (rows.length < PDF_ROW_LIMIT) rows.push(row);
      const status = row.status as ProgressStatus | undefined;
      if (status) statusCounts[status] = (statusCounts[status] ?? 0) + 1;
      if (definition.kind === 'courses') {
        for (const s of ['not_started', 'in_progress', 'completed', 'passed', 'failed', 'incomplete'] as const) {
          statusCounts[s] = (statusCounts[s] ?? 0) + Number(row[s] ?? 0);
        }
        byCourse.set(`${row.account}/${row.course_id}`, { name: String(row.course_name), learners: Number(row.learners), done: Number(row.completed) + Number(row.passed) });
      } else if (row.course_name !== undefined && status) {
        const key = `${row.account}/${row.course_id ?? row.course_name}`;
        const entry = byCourse.get(key) ?? { name: String(row.course_name), learners: 0, done: 0 };
        entry.learners += 1;
        if (status === 'completed' || status === 'passed') entry.done += 1;
        byCourse.set(key, entry);
      }
    }
    const bars = [...byCourse.values()]
      .filter((c) => c.learners > 0)
      .sort((a, b) => b.learners - a.learners)
      .slice(0, 12)
      .map((c) => ({ label: c.name, value: Math.round((c.done / c.learners) * 1000) / 10 }));
    // Every report table is wide (8+ columns): landscape keeps names and dates on one line.
    const page = { format: paperFor(locale), landscape: true };
    const html = renderReportHtml({
      definition,
      page,
      // Ids are for machines: the CSV has them, the printed table stays readable without them.
      columns: columns.filter((c) => !c.key.endsWith('_id')),
      rows,
      total,
      truncatedAt: total > PDF_ROW_LIMIT ? PDF_ROW_LIMIT : null,
      selection: deps.accountLabels(definition.accountIds),
      filters: describeFilters(definition),
      freshness: deps.queries.freshness(definition),
      generatedAt: deps.now(),
      locale,
      statusCounts,
      bars,
    });
    deps.onProgress?.(total, total, false);
    const pdf = await deps.pdf.render(html, { ...page, footerTemplate: FOOTER_TEMPLATE });
    await fs.writeFile(temp, pdf, { flag: 'wx' });
    const bytes = await commitTarget(temp, path);
    deps.onProgress?.(total, total, true);
    return { path, rows: Math.min(total, PDF_ROW_LIMIT), bytes, truncated: total > PDF_ROW_LIMIT };
  } catch (error) {
    await discard(temp);
    if (error instanceof RollbookError) throw error;
    throw new RollbookError('export_failed', `The ${REPORT_TITLES[definition.kind]} export failed: ` +
      `${(error as Error).message}. Nothing was written to ${path}.`, { cause: error });
  }
}
