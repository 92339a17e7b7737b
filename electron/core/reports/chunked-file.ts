/**
 * Appends text to a new file through one reused 1 MB buffer. Lines are gathered into batches of ~32k characters
 * and each batch is joined and encoded into the buffer at once: encoding costs a native call per string, and one per
 * CSV line (~170 bytes) was ~450 ns against ~240 ns per line batched (measured on 200k report rows); queueing one
 * stream write per row is slower still. Awaiting each full chunk is the back-pressure: memory stays at one chunk
 * whatever the file size.
 */
import { promises as fs } from 'node:fs';

const CHUNK = 1 << 20;
/** UTF-16 code units gathered before they are encoded. */
const BATCH_UNITS = 32 * 1024;
/** UTF-8 needs at most 3 bytes per UTF-16 code unit. */
const MAX_BYTES_PER_UNIT = 3;

export interface ChunkedFile {
  /** True when the buffer is nearly full: the caller should `flush()` before appending more. */
  append(text: string): boolean;
  flush(): Promise<void>;
  /** Flushes and closes. */
  close(): Promise<void>;
  /** Closes without flushing, after a failure. */
  abandon(): Promise<void>;
}

export async function createChunkedFile(path: string): Promise<ChunkedFile> {
  const handle = await fs.open(path, 'wx');
  const buffer = Buffer.allocUnsafe(CHUNK);
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
      if (oversize === null && used + text.length * MAX_BYTES_PER_UNIT <= CHUNK) used += buffer.write(text, used);
      else oversize = oversize === null ? text : oversize + text;
    }
    return oversize !== null || used + BATCH_UNITS * MAX_BYTES_PER_UNIT > CHUNK;
  };
  const flush = async () => {
    encodeBatch();
    if (used > 0) await handle.write(buffer, 0, used);
    used = 0;
    if (oversize !== null) await handle.write(oversize);
    oversize = null;
  };
  return {
    append(text) {
      batch.push(text);
      batchUnits += text.length;
      return batchUnits >= BATCH_UNITS && encodeBatch();
    },
    flush,
    async close() {
      try {
        await flush();
      } finally {
        await handle.close();
      }
    },
    async abandon() {
      await handle.close();
    },
  };
}
