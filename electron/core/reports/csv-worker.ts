/**
 * Worker-thread entry: writes segments of a completions CSV (csv-in-workers.ts says why and how). Each worker reads
 * through its own read-only connection in one read transaction, after checking that every account still has the
 * generation the host read: rows of a live generation never change, so the workers and the host see the same data,
 * and a sync that swapped one in between sends the export back to the host. A worker stops only at its own checks of
 * the shared stop word (see CONTROL.stop) and then exits by itself.
 */
import Database from 'better-sqlite3';
import type Sqlite from 'better-sqlite3';
import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import { beginReadSnapshot } from '../store/db';
import { completionsReader, loadLearners, type Learners } from '../store/completions-stream';
import { CHUNK_BYTES, createChunkedOutput } from './chunked-file';
import { csvRecord } from './csv';
import { CONTROL, type CsvJob, type CsvPrepare, type FromCsvWorker, type ToCsvWorker } from './csv-worker-protocol';

/** Segments a worker may run ahead of the file: enough to keep both threads busy, few enough to bound memory. */
const WINDOW = 4;
/** Chunks (1 MB) a segment ahead of the file may hand over before it waits for its turn. */
const AHEAD_CHUNKS = 4;

const port = parentPort!;
const post = (message: FromCsvWorker, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);

class Stopped extends Error {}

/** Throws Stopped once the export is over: called between reads, so a worker ends itself (see CONTROL.stop). */
const stopCheck = (control: Int32Array) => () => {
  if (Atomics.load(control, CONTROL.stop) !== 0) throw new Stopped();
};

/** Opens the snapshot and loads the learner map; null when an account's generation is no longer live. */
function prepare(input: CsvPrepare, checkStop: () => void): { db: Sqlite.Database; learners: Learners } | null {
  const db = new Database(input.databasePath, { readonly: true, fileMustExist: true });
  try {
    beginReadSnapshot(db);
    const live = db.prepare<[string], number>('SELECT live_generation FROM accounts WHERE id = ?').pluck();
    if (input.accounts.some(([account, generation]) => live.get(account) !== generation)) {
      db.close();
      return null;
    }
    return { db, learners: loadLearners(db, new Map(input.accounts), checkStop) };
  } catch (error) {
    db.close();
    throw error;
  }
}

async function run(
  input: CsvPrepare,
  control: Int32Array,
  db: Sqlite.Database,
  learners: Learners,
  job: CsvJob,
): Promise<void> {
  const checkStop = stopCheck(control);
  /** Blocks this thread (it has nothing else to do) until `ready`, or throws Stopped once the export is over. */
  const waitUntil = (ready: () => boolean) => {
    for (;;) {
      checkStop();
      if (ready()) return;
      Atomics.wait(control, CONTROL.written, Atomics.load(control, CONTROL.written), 50);
    }
  };
  try {
    const rowsOf = completionsReader(db, job.query, learners);
    const record = csvRecord(job.columns, job.locale);
    const { segmentStarts: starts } = job;
    // A buffer the host has written and sent back, or a new one (allocUnsafeSlow: its own memory, never a slice of
    // Node's shared pool, so it can be transferred whole). Text too long for a chunk goes over in a buffer of its own
    // size: only full-size ones are worth keeping.
    const nextBuffer = () => {
      const returned = receiveMessageOnPort(input.recycle)?.message as ArrayBuffer | undefined;
      return returned?.byteLength === CHUNK_BYTES ? Buffer.from(returned) : Buffer.allocUnsafeSlow(CHUNK_BYTES);
    };
    for (;;) {
      checkStop();
      const segment = Atomics.add(control, CONTROL.next, 1);
      if (segment >= starts.length) break;
      waitUntil(() => segment - Atomics.load(control, CONTROL.written) <= WINDOW);
      let chunks = 0;
      const out = createChunkedOutput({
        next: nextBuffer,
        write: (bytes) => {
          checkStop();
          chunks += 1;
          // The segment the file is at never waits; one ahead of it waits once it has handed over a few chunks.
          if (chunks > AHEAD_CHUNKS) waitUntil(() => Atomics.load(control, CONTROL.written) >= segment);
          post({ type: 'chunk', segment, bytes }, [bytes.buffer as ArrayBuffer]);
        },
      });
      let rows = 0;
      for (const row of rowsOf(job.courses.slice(starts[segment], starts[segment + 1]))) {
        rows += 1;
        if (out.append(record(row))) await out.flush();
      }
      await out.flush();
      post({ type: 'segment-end', segment, rows });
    }
  } catch (error) {
    if (!(error instanceof Stopped)) throw error;
  } finally {
    db.close();
    input.recycle.close();
  }
}

port.once('message', (input: CsvPrepare) => {
  // A failure throws (or rejects) unhandled, which ends the thread and reaches the host as the worker's 'error' event.
  const control = new Int32Array(input.control);
  let prepared: ReturnType<typeof prepare>;
  try {
    prepared = prepare(input, stopCheck(control));
  } catch (error) {
    input.recycle.close();
    if (error instanceof Stopped) return;
    throw error;
  }
  if (!prepared) {
    input.recycle.close();
    return post({ type: 'stale' });
  }
  const { db, learners } = prepared;
  // With no listener left the thread ends by itself once this returns.
  port.once('message', (message: ToCsvWorker) => {
    if (message.type === 'job') return void run(input, control, db, learners, message.job);
    db.close();
    input.recycle.close();
  });
});
