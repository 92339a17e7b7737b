/**
 * Worker-thread entry: writes one report's workbook (xlsx-in-worker.ts says why). It reads the report through its own
 * read-only connection to the cache, in one snapshot (ReportQueries.iterateValues), and exits once the file is
 * written; a failure is thrown, which ends the thread and reaches the caller as the worker's 'error' event.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { createReportQueries } from '../store/report-queries';
import { writeReportXlsx } from './export-xlsx';
import type { FromXlsxWorker, XlsxWorkerJob } from './xlsx-in-worker';

const job = workerData as XlsxWorkerJob;
const post = (message: FromXlsxWorker) => parentPort!.postMessage(message);
const db = new Database(job.databasePath, { readonly: true, fileMustExist: true });
try {
  const rows = await writeReportXlsx(
    {
      queries: createReportQueries(db),
      now: () => new Date(job.generatedAt),
      accountLabels: () => job.selection,
    },
    {
      definition: job.definition,
      now: job.now,
      temp: job.temp,
      // This thread's heap is its own: the faster read, course by course with every learner in a map.
      learnerMap: true,
      onRows: (n) => post({ type: 'rows', rows: n }),
    },
  );
  post({ type: 'done', rows });
} finally {
  db.close();
}
