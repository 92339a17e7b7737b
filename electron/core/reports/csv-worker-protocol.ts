/**
 * Messages between an export and its CSV worker threads (csv-in-workers.ts). Everything here crosses threads by
 * structured clone (plain data) except the chunks, whose buffers are transferred, and the control words, shared.
 */
import type { MessagePort } from 'node:worker_threads';
import type { ReportColumn } from '../contract/channels/reports';
import type { CourseRow } from '../store/completions-stream';
import type { CompletionsByCourse, CsvScope } from '../store/report-queries';

/**
 * Sent as soon as the workers start: each opens its own read-only connection, checks in one read transaction that the
 * accounts still have these generations, and loads its learner map while the host reads the course list.
 */
export interface CsvPrepare extends CsvScope {
  /** Int32 words at the CONTROL indexes. */
  control: SharedArrayBuffer;
  /**
   * The host sends each chunk's buffer back here once written, and the worker reuses it. Left to garbage collection,
   * the written buffers piled up on the host's thread (it allocates too little to collect often), and resident
   * memory grew with the export's size.
   */
  recycle: MessagePort;
}

/** Then what to write, or that the export goes on without it. */
export type ToCsvWorker = { type: 'job'; job: CsvJob } | { type: 'stop' };

export interface CsvJob {
  query: CompletionsByCourse;
  /** The report's courses in report order, as the host read them (labels included: the workers do not reread them). */
  courses: CourseRow[];
  /** Segment i is courses[segmentStarts[i]] up to the next start: whole blocks (completions-stream blockStarts). */
  segmentStarts: number[];
  columns: ReportColumn[];
  locale: string | null;
}

/** Indexes into the shared control words. */
export const CONTROL = {
  /** The next segment a worker may claim (Atomics.add). */
  next: 0,
  /** Segments the host has written to the file, in order; workers wait on it. */
  written: 1,
  /**
   * Non-zero: the export is over (failed or stale); workers stop at their next check and exit on their own. Never
   * `Worker.terminate()` one that may be inside SQLite: better-sqlite3 then fails to raise its error in the dying
   * thread and aborts the whole process (seen once in the test suite: "Error::New napi_get_last_error_info").
   */
  stop: 2,
} as const;
export const CONTROL_WORDS = 3;

export type FromCsvWorker =
  /** A sync swapped an account's generation after the host read it: the host writes the export itself. */
  | { type: 'stale' }
  | { type: 'chunk'; segment: number; bytes: Uint8Array }
  | { type: 'segment-end'; segment: number; rows: number };
