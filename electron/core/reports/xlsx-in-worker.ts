/**
 * A large workbook, written by a worker thread (xlsx-worker.ts). exceljs builds objects for every row and cell it
 * writes: on the calling thread a 1M-row workbook kept ~60 MB of young garbage on its heap, and kept the thread busy
 * for the whole export. The worker reads the report from its own read-only connection, writes the whole file and
 * posts only its progress, so the calling thread's heap stays flat and it stays free for IPC.
 */
import { Worker } from 'node:worker_threads';
import type { ReportDefinition } from '../contract/channels/reports';
import type { WorkerEntry } from '../worker-entry';
import type { CsvWorkers } from './csv-in-workers';

/**
 * Below this many rows a workbook takes a moment on the calling thread (its garbage stays small), and a worker would
 * first have to load exceljs and open the cache.
 */
const MIN_ROWS = 10_000;

/**
 * As for the CSV and sync workers: left alone, V8 grows the worker's young generation on exceljs's and the rows'
 * steady garbage. Capped, a 200k-row workbook took less CPU (4.6–5.3 against 6.2–6.4 s) and the process grew by
 * ~85 MB instead of ~180 MB (bench/README.md).
 */
const YOUNG_GENERATION_MB = 16;

/** Everything the worker needs, as plain data (it crosses by structured clone). */
export interface XlsxWorkerJob {
  databasePath: string;
  definition: ReportDefinition;
  now: string;
  temp: string;
  /** The Summary's "Selection" (account labels are the calling side's) and "Generated". */
  selection: string;
  generatedAt: string;
}

export type FromXlsxWorker = { type: 'rows'; rows: number } | { type: 'done'; rows: number };

export interface XlsxWorkerTarget {
  entry: WorkerEntry;
  databasePath: string;
}

/** Where this export's workbook is written: by a worker (non-null) or on the calling thread. */
export function xlsxInWorker(
  workers: CsvWorkers | undefined,
  databasePath: string | null,
  expectedRows: number,
): XlsxWorkerTarget | null {
  if (!workers?.xlsx || databasePath === null) return null;
  return expectedRows >= (workers.xlsxMinRows ?? MIN_ROWS) ? { entry: workers.xlsx, databasePath } : null;
}

/**
 * Writes the workbook in a new worker; the rows written. Settles once the worker has exited, so its file is closed
 * before the caller renames it. The worker is never terminated (see CONTROL.stop in csv-worker-protocol.ts): it
 * ends on its own, after its workbook or its failure.
 */
export function writeXlsxInWorker(
  { entry, databasePath }: XlsxWorkerTarget,
  job: Omit<XlsxWorkerJob, 'databasePath'> & { onRows?: (rows: number) => void },
): Promise<number> {
  const { onRows, ...data } = job;
  const worker = new Worker(entry.url, {
    execArgv: entry.execArgv,
    workerData: { ...data, databasePath } satisfies XlsxWorkerJob,
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
  });
  let written: number | null = null;
  let failure: Error | null = null;
  worker.on('message', (message: FromXlsxWorker) => {
    if (message.type === 'rows') onRows?.(message.rows);
    else written = message.rows;
  });
  // The worker's own error (a full disk, a closed cache), with its message: the export's error repeats it.
  worker.on('error', (error) => (failure ??= new Error(`The XLSX worker failed: ${error.message}`, { cause: error })));
  return new Promise((resolve, reject) => {
    worker.once('exit', (code) => {
      if (failure) reject(failure);
      else if (written !== null) resolve(written);
      else reject(new Error(`The XLSX worker stopped (exit code ${code}) before the workbook was written.`));
    });
  });
}
