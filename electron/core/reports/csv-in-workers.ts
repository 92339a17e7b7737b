/**
 * A large completions CSV, written by worker threads. Reading, sorting and formatting a big export keeps one thread
 * busy; the rows of separate blocks (completions-stream) do not depend on each other, so the course list is cut
 * into segments of whole blocks that the workers claim in turn, each formatting its segment into encoded chunks and
 * handing them over (transferred, not copied). This thread only puts the chunks in the file in segment order, so
 * it stays free for IPC meanwhile. Memory stays bounded: a worker runs at most a few segments ahead of the file, and a
 * segment ahead of it hands over only a few chunks before waiting for its turn. Workers are never terminated; they
 * stop themselves (see CONTROL.stop).
 */
import { promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { blockStarts } from '../store/completions-stream';
import { findWorker, type WorkerEntry } from '../worker-entry';
import { csvHeader } from './csv';
import type { CsvScope } from '../store/report-queries';
import {
  CONTROL,
  CONTROL_WORDS,
  type CsvJob,
  type CsvPrepare,
  type FromCsvWorker,
  type ToCsvWorker,
} from './csv-worker-protocol';

/** Workers of one export: each holds its own learner map (up to ~50 MB at the map's limit), so a few at most. */
const MAX_THREADS = 4;
/** Segments per thread: enough for one thread to take over when the other is slowed down, few enough to stay cheap. */
const SEGMENTS_PER_THREAD = 32;
/**
 * Below this many rows one thread is quick anyway, and starting workers and loading their learner maps would be most
 * of the time.
 */
const MIN_ROWS = 50_000;
/**
 * As for sync workers: left alone V8 grows each worker's young generation on the steady garbage of row arrays.
 * Capped, a large export's process peaks well lower at the same worker CPU time (bench/README.md).
 */
const YOUNG_GENERATION_MB = 16;
/** How long `stop` waits for the workers to exit before it lets them finish on their own. */
const STOP_WAIT_MS = 10_000;

export interface CsvWorkers {
  entry: WorkerEntry;
  /** Default: the machine's cores, at most MAX_THREADS. Fewer than two: no workers. */
  threads?: number;
  /** Default MIN_ROWS. */
  minRows?: number;
  /** Courses per segment, at least (tests). Default: the course list over threads × SEGMENTS_PER_THREAD. */
  segmentCourses?: number;
  /**
   * The XLSX export's worker (xlsx-in-worker.ts), found beside the CSV worker: both are the exports' threads, and
   * hosts pass them as one. Without it workbooks are written on the calling thread.
   */
  xlsx?: WorkerEntry;
  /** Rows from which a workbook goes to the XLSX worker (tests). Default 10,000. */
  xlsxMinRows?: number;
}

/**
 * The bundled `csv-worker.js` (and `xlsx-worker.js`) beside the app's and the CLI's entries, or the TypeScript
 * sources under tsx.
 */
export function findCsvWorkers(from: string = import.meta.url): CsvWorkers | undefined {
  const entry = findWorker('csv-worker', './csv-worker.ts', from);
  return entry && { entry, xlsx: findWorker('xlsx-worker', './xlsx-worker.ts', from) };
}

/** How many threads this export gets; 0 = write it on the calling thread. */
export function csvThreads(workers: CsvWorkers | undefined, expectedRows: number): number {
  if (!workers || expectedRows < (workers.minRows ?? MIN_ROWS)) return 0;
  const threads = workers.threads ?? Math.min(MAX_THREADS, availableParallelism());
  return threads >= 2 ? threads : 0;
}

/** Whole blocks, at least `size` courses each (a block larger than that is one segment). */
function segmentStarts(courses: CsvJob['courses'], size: number): number[] {
  const starts: number[] = [];
  for (const start of blockStarts(courses)) {
    if (starts.length === 0 || start - starts[starts.length - 1]! >= size) starts.push(start);
  }
  return starts;
}

export interface CsvWriteOptions {
  bom: boolean;
  onRows?: (rows: number) => void;
}

export interface CsvWorkerGroup {
  /**
   * Writes the header and the job's rows to a new `file`; the row count, or 'stale' when a sync replaced an
   * account's generation after the scope was read (the caller then writes the export on its own thread, from a
   * fresh snapshot). A worker's failure rejects; the caller removes the file.
   */
  write(file: string, job: Omit<CsvJob, 'segmentStarts'>, options: CsvWriteOptions): Promise<number | 'stale'>;
  /** Stops the workers (after `write`, or instead of it). */
  stop(): Promise<void>;
}

/**
 * Starts `threads` workers on an export's scope at once: they open their snapshots and load their learner maps
 * while the caller reads the course list, which takes longest from a cold disk.
 */
export function startCsvWorkers(
  { entry, segmentCourses }: CsvWorkers,
  threads: number,
  scope: CsvScope,
): CsvWorkerGroup {
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * Int32Array.BYTES_PER_ELEMENT));
  type Listener = {
    message: (from: MessagePort, message: FromCsvWorker) => void;
    failed: (error: Error) => void;
    exited: () => void;
  };
  let listener: Listener | null = null;
  // What happens before `write` listens (a stale scope, a failure) is kept for it.
  const early: { stale: boolean; error: Error | null; exited: number } = { stale: false, error: null, exited: 0 };
  const workers = Array.from({ length: threads }, () => {
    const { port1: recycle, port2: workerEnd } = new MessageChannel();
    const worker = new Worker(entry.url, {
      execArgv: entry.execArgv,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    worker.on('message', (message: FromCsvWorker) => {
      if (listener) listener.message(recycle, message);
      else if (message.type === 'stale') early.stale = true;
    });
    worker.on('error', (error) => {
      const failure = new Error(`A CSV worker failed: ${error.message}`, { cause: error });
      if (listener) listener.failed(failure);
      else early.error ??= failure;
    });
    const exited = new Promise<void>((resolve) =>
      worker.once('exit', (code) => {
        early.exited += 1;
        resolve();
        if (code !== 0) {
          const failure = new Error(`A CSV worker stopped (exit code ${code}) before its rows were written.`);
          if (listener) listener.failed(failure);
          else early.error ??= failure;
        } else listener?.exited();
      }),
    );
    worker.postMessage(
      { ...scope, control: control.buffer as SharedArrayBuffer, recycle: workerEnd } satisfies CsvPrepare,
      [workerEnd],
    );
    return { worker, recycle, exited };
  });

  return {
    async write(file, job, options) {
      const size = Math.max(1, Math.ceil(job.courses.length / (threads * SEGMENTS_PER_THREAD)));
      const starts = segmentStarts(job.courses, segmentCourses ?? size);
      const handle = await fs.open(file, 'wx');
      try {
        await handle.write(csvHeader(job.columns, options.bom));
        if (starts.length === 0) return 0;
        return await new Promise<number | 'stale'>((resolve, reject) => {
          const pending = new Map<
            number,
            { chunks: { bytes: Uint8Array; from: MessagePort }[]; rows: number | null }
          >();
          const segment = (index: number) => {
            let entry = pending.get(index);
            if (!entry) pending.set(index, (entry = { chunks: [], rows: null }));
            return entry;
          };
          let current = 0;
          let rows = 0;
          let writing = false;
          let settled = false;
          const finish = (outcome: number | 'stale' | Error) => {
            if (settled) return;
            settled = true;
            Atomics.store(control, CONTROL.stop, 1);
            Atomics.notify(control, CONTROL.written);
            if (outcome instanceof Error) reject(outcome);
            else resolve(outcome);
          };
          // Writes what is ready, in segment order; one pass at a time (messages arriving meanwhile are picked up by
          // it).
          const pump = async () => {
            if (writing || settled) return;
            writing = true;
            try {
              for (;;) {
                const entry = pending.get(current);
                if (!entry) break;
                const chunk = entry.chunks.shift();
                if (chunk) {
                  await handle.write(chunk.bytes);
                  chunk.from.postMessage(chunk.bytes.buffer, [chunk.bytes.buffer as ArrayBuffer]);
                  continue;
                }
                if (entry.rows === null) break;
                pending.delete(current);
                rows += entry.rows;
                current += 1;
                Atomics.store(control, CONTROL.written, current);
                Atomics.notify(control, CONTROL.written);
                options.onRows?.(rows);
              }
            } catch (error) {
              finish(error as Error);
            } finally {
              writing = false;
            }
            if (current === starts.length) finish(rows);
            // A worker posts all it wrote before it exits, so with every worker gone nothing more can come: segments
            // still missing would be a bug, and better an error than an export that never ends.
            else if (early.exited === workers.length)
              finish(new Error('The CSV workers stopped before every row was written.'));
          };
          listener = {
            message: (from, message) => {
              if (message.type === 'stale') return finish('stale');
              const entry = segment(message.segment);
              if (message.type === 'chunk') entry.chunks.push({ bytes: message.bytes, from });
              else entry.rows = message.rows;
              void pump();
            },
            failed: finish,
            exited: () => void pump(),
          };
          if (early.error) return finish(early.error);
          if (early.stale) return finish('stale');
          for (const { worker } of workers)
            worker.postMessage({ type: 'job', job: { ...job, segmentStarts: starts } } satisfies ToCsvWorker);
        });
      } finally {
        await handle.close();
      }
    },
    async stop() {
      // Cooperative: each worker exits at its next check (between reads, never inside one; see CONTROL.stop).
      Atomics.store(control, CONTROL.stop, 1);
      Atomics.notify(control, CONTROL.written);
      for (const { worker } of workers) worker.postMessage({ type: 'stop' } satisfies ToCsvWorker);
      let late: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<'late'>((resolve) => (late = setTimeout(() => resolve('late'), STOP_WAIT_MS)));
      if ((await Promise.race([Promise.all(workers.map((w) => w.exited)), gaveUp])) === 'late') {
        // A check is at most one read away, so this means a bug; leave the thread to finish rather than kill it.
        for (const { worker } of workers) worker.unref();
      }
      clearTimeout(late);
      for (const { recycle } of workers) recycle.close();
    },
  };
}
