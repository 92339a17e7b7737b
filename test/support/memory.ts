import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose_gc');
/** A real garbage collection, so heap measurements show what is retained rather than what is merely unswept. */
export const gc = runInNewContext('gc') as () => void;

/**
 * Iterates `pages`, measuring retained heap (after a forced GC) every `every` pages. Returns the row count and the
 * largest growth over the starting heap: flat memory means it does not grow with the number of rows.
 */
export async function retainedGrowth<T>(
  pages: AsyncIterable<{ items: T[] }>,
  every = 25,
): Promise<{ rows: number; pages: number; maxPage: number; growthBytes: number }> {
  gc();
  const start = process.memoryUsage().heapUsed;
  let rows = 0;
  let count = 0;
  let maxPage = 0;
  let growth = 0;
  for await (const page of pages) {
    rows += page.items.length;
    maxPage = Math.max(maxPage, page.items.length);
    count += 1;
    if (count % every === 0) {
      gc();
      growth = Math.max(growth, process.memoryUsage().heapUsed - start);
    }
  }
  return { rows, pages: count, maxPage, growthBytes: growth };
}
