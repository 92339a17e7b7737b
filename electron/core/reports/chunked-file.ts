/**
 * Appends text to a new file through one reused 1 MB buffer. Lines are gathered into batches of ~32k characters
 * and each batch is joined and encoded into the buffer at once: encoding costs a native call per string, and one per
 * short CSV line nearly doubled the cost of writing it; queueing one stream write per row is slower still. Awaiting
 * each full chunk is the back-pressure: memory stays at one chunk whatever the file size.
 */
import { promises as fs } from 'node:fs';

/** Bytes per chunk. */
export const CHUNK_BYTES = 1 << 20;
/** UTF-16 code units gathered before they are encoded. */
const BATCH_UNITS = 32 * 1024;
/** UTF-8 needs at most 3 bytes per UTF-16 code unit. */
const MAX_BYTES_PER_UNIT = 3;

export interface ChunkedOutput {
  /** True when the buffer is nearly full: the caller should `flush()` before appending more. */
  append(text: string): boolean;
  flush(): Promise<void>;
}

export interface ChunkedFile extends ChunkedOutput {
  /** Flushes and closes. */
  close(): Promise<void>;
  /** Closes without flushing, after a failure. */
  abandon(): Promise<void>;
}

/**
 * Where full chunks go. With `next`, the sink keeps each chunk's buffer it is given (a worker transfers it to another
 * thread) and `next` supplies the buffer for the following chunk, of any length (CHUNK_BYTES is best); without it,
 * the one buffer is reused once `write` has settled.
 */
export interface ChunkSink {
  write(bytes: Uint8Array): Promise<void> | void;
  next?: () => Buffer;
}

/** The batching and buffering of a ChunkedFile, for any sink. */
export function createChunkedOutput(sink: ChunkSink): ChunkedOutput {
  let buffer = sink.next ? sink.next() : Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  let batch: string[] = [];
  let batchUnits = 0;
  // Text too long for the chunk is kept aside and written after it, in order.
  let oversize: string | null = null;

  /** Encodes the batch; true when the next batch might not fit. */
  const encodeBatch = (): boolean => {
    if (batch.length > 0) {
      const text = batch.length === 1 ? batch[0]! : batch.join('');
      batch = [];
      batchUnits = 0;
      // The fit is judged against this buffer's own length: a sink's `next` may hand back a shorter one, and
      // Buffer#write silently stops at the end (that lost rows once). The exact byte count only near the end.
      const room = buffer.length - used;
      if (oversize === null && (text.length * MAX_BYTES_PER_UNIT <= room || Buffer.byteLength(text) <= room))
        used += buffer.write(text, used);
      else oversize = oversize === null ? text : oversize + text;
    }
    return oversize !== null || used + BATCH_UNITS * MAX_BYTES_PER_UNIT > buffer.length;
  };
  return {
    append(text) {
      batch.push(text);
      batchUnits += text.length;
      return batchUnits >= BATCH_UNITS && encodeBatch();
    },
    async flush() {
      encodeBatch();
      if (used > 0) {
        await sink.write(buffer.subarray(0, used));
        if (sink.next) buffer = sink.next();
      }
      used = 0;
      if (oversize !== null) {
        const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(oversize));
        bytes.write(oversize);
        await sink.write(bytes);
      }
      oversize = null;
    },
  };
}

export async function createChunkedFile(path: string): Promise<ChunkedFile> {
  const handle = await fs.open(path, 'wx');
  const out = createChunkedOutput({ write: (bytes) => handle.write(bytes).then(() => undefined) });
  return {
    append: out.append,
    flush: out.flush,
    async close() {
      try {
        await out.flush();
      } finally {
        await handle.close();
      }
    },
    async abandon() {
      await handle.close();
    },
  };
}
