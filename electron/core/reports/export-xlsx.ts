/**
 * A report as an Excel workbook: a Summary sheet, then every row (xlsx.ts). Large workbooks are written by a worker
 * thread (xlsx-in-worker.ts), small ones on the calling thread; both run `writeReportXlsx`.
 *
 * A new report kind needs nothing here: its REPORT_COLUMNS entry (store/report-queries.ts) is the whole of its
 * workbook. Each column's `type` makes its cells dates, numbers or text, and `percent` gives a number a % format;
 * rows come from `iterateValues` in that column order. Only a status column coloured like the app needs its key in
 * xlsx.ts's STATUS_KEYS and its statuses in STATUS_TONES.
 */
import { REPORT_TITLES, type ReportDefinition } from '../contract/channels/reports';
import { REPORT_COLUMNS, type ReportValue } from '../store/report-queries';
import type { FormatWriter } from './export';
import { createStatusTally, valuesReader, type SummarySources } from './summary';
import { writeXlsx } from './xlsx';
import { writeXlsxInWorker, xlsxInWorker } from './xlsx-in-worker';

export interface XlsxJob {
  definition: ReportDefinition;
  now: string;
  temp: string;
  /** Completions read course by course with a learner map (faster; the map's heap is the thread's own). */
  learnerMap: boolean;
  onRows?: (rows: number) => void;
}

/** Writes the report's workbook to `temp` (new); the rows written. */
export async function writeReportXlsx(sources: SummarySources, job: XlsxJob): Promise<number> {
  const { definition } = job;
  const columns = REPORT_COLUMNS[definition.kind];
  const tally = createStatusTally(definition);
  const read = valuesReader(columns);
  const counted = function* (rows: Iterable<ReportValue[]>) {
    for (const row of rows) {
      tally.add(read(row));
      yield row;
    }
  };
  const source = sources.queries.iterateValues(definition, job.now, { learnerMap: job.learnerMap });
  return writeXlsx(job.temp, columns, counted(source), {
    sheetName: REPORT_TITLES[definition.kind],
    title: definition.title ?? REPORT_TITLES[definition.kind],
    onRows: job.onRows,
    summary: () => tally.summary(sources),
  });
}

export const writeXlsxExport: FormatWriter = async (deps, { definition, now, temp }) => {
  const expected = deps.queries.count(definition, now);
  deps.onProgress?.(0, expected, false);
  const onRows = (n: number) => deps.onProgress?.(n, Math.max(n, expected), false);
  const worker = xlsxInWorker(deps.csvWorkers, deps.queries.databasePath, expected);
  if (worker) {
    const rows = await writeXlsxInWorker(worker, {
      definition,
      now,
      temp,
      // Read here, where the account labels are: the worker has only the cache.
      selection: deps.accountLabels(definition.accountIds),
      generatedAt: deps.now().toISOString(),
      onRows,
    });
    return { rows, read: rows, truncated: false, logFields: { xlsxWorker: true } };
  }
  // Cells, not the sort, are what a workbook costs: the learner map would only add its heap to this thread's.
  const rows = await writeReportXlsx(deps, { definition, now, temp, learnerMap: false, onRows });
  return { rows, read: rows, truncated: false, logFields: { xlsxWorker: false } };
};
