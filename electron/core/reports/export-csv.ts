/** A report as CSV: every row, streamed; large completions exports by worker threads (csv-in-workers.ts). */
import { REPORT_COLUMNS } from '../store/report-queries';
import { discard } from './atomic-file';
import { writeCsv } from './csv';
import { csvThreads, startCsvWorkers } from './csv-in-workers';
import type { FormatWriter } from './export';

export const writeCsvExport: FormatWriter = async (deps, { definition, options, now, temp }) => {
  const columns = REPORT_COLUMNS[definition.kind];
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
  let fellBack = false;
  if (workers && scope) {
    // The workers load their learner maps while this thread reads the course list.
    const group = startCsvWorkers(workers, threads, scope);
    try {
      const { query, courses } = deps.queries.completionsCourses(definition, now);
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
    fellBack = scope !== null;
    await discard(temp, true);
    rows = await writeCsv(temp, columns, deps.queries.iterateValues(definition, now), {
      bom: options.bom,
      locale,
      onRows,
    });
  }
  // A sync that replaced an account's rows under the CSV workers sends the export back to this thread.
  const logFields = fellBack ? { csvThreads: 0, csvWorkersStale: true } : { csvThreads: threads };
  return { rows, read: rows, truncated: false, logFields };
};
