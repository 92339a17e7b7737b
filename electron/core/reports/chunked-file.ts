/**
 * Appends text to a new file through one reused 1 MB buffer. Encoding each line straight into the buffer is several
 * times cheaper than concatenating a large string (V8 must flatten it) or queueing one stream write per row, and
 * awaiting each full chunk is the back-pressure: memory stays at one chunk whatever the file size.
 */
import { promises as fs } from 'node:fs';

const CHUNK = 1 << 20;
/** UTF-8 needs at most 3 bytes per UTF-16 code unit. */
const MAX_BYTES_PER_UNIT = 3;

export interface ChunkedFile {
  /** True when the text filled a chunk: the caller should `flush()` before appending more. */
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
  // Text too long for the chunk is kept aside and written after it, in order.
  let oversize: string | null = null;
  const flush = async () => {
    if (used > 0) await handle.write(buffer, 0, used);
    used = 0;
    if (oversize !== null) await handle.write(oversize);
    oversize = null;
  };
  return {
    append(text) {
      if (oversize === null && used + text.length * MAX_BYTES_PER_UNIT <= CHUNK) {
        used += buffer.write(text, used);
        return used + 64 * 1024 > CHUNK;
      }
      oversize = oversize === null ? text : oversize + text;
      return true;
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
