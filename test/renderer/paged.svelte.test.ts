import { describe, expect, it } from 'vitest';
import { PagedRows, type PageFetcher } from '../../renderer/src/lib/paged.svelte';
import { deferred } from './fake-bridge';

/** A table of `total` numbered rows, answering at once; records which pages were asked for. */
function table(total: number, label = 'row') {
  const asked: number[] = [];
  const fetch: PageFetcher<string> = async (offset, limit) => {
    asked.push(offset);
    const rows = Array.from(
      { length: Math.max(0, Math.min(limit, total - offset)) },
      (_, i) => `${label} ${offset + i}`,
    );
    return { total, rows };
  };
  return { asked, fetch };
}

describe('PagedRows', () => {
  it('loads the first page on reset, then only the pages asked for, once each', async () => {
    const rows = new PagedRows<string>(10);
    const { asked, fetch } = table(35);
    await rows.reset(fetch);
    expect(rows.total).toBe(35);
    expect(rows.loaded).toBe(true);
    expect(rows.loading).toBe(false);
    expect(rows.row(9)).toBe('row 9');
    expect(rows.row(10)).toBeUndefined();

    rows.ensure(12, 25);
    rows.ensure(15, 22);
    await new Promise((resolve) => setImmediate(resolve));
    expect(asked).toEqual([0, 10, 20]);
    expect(rows.row(25)).toBe('row 25');
    expect(rows.row(30)).toBeUndefined();

    // Past the end: only the last page exists.
    rows.ensure(28, 500);
    await new Promise((resolve) => setImmediate(resolve));
    expect(asked).toEqual([0, 10, 20, 30]);
    expect(rows.row(34)).toBe('row 34');
  });

  it('keeps the old rows on screen until the new query answers, and ignores the old query’s late answers', async () => {
    const rows = new PagedRows<string>(10);
    await rows.reset(table(30, 'old').fetch);

    // A new query whose first page is slow, then a newer one before it answers (fast typing).
    const late = deferred<{ total: number; rows: string[] }>();
    const slow = rows.reset(() => late.promise);
    const answer = deferred<{ total: number; rows: string[] }>();
    const newer = rows.reset(() => answer.promise);
    expect(rows.loading).toBe(true);
    expect(rows.row(0)).toBe('old 0');

    late.resolve({ total: 1, rows: ['stale'] });
    await slow;
    expect(rows.row(0)).toBe('old 0');
    expect(rows.total).toBe(30);

    answer.resolve({ total: 2, rows: ['new 0', 'new 1'] });
    await newer;
    expect(rows.loading).toBe(false);
    expect(rows.total).toBe(2);
    expect(rows.row(0)).toBe('new 0');
    expect(rows.row(15)).toBeUndefined();
  });

  it('says what went wrong, and forgets it once a page loads', async () => {
    const rows = new PagedRows<string>(10);
    await rows.reset(async () => {
      throw new Error('The cache is locked.');
    });
    expect(rows.error).toBe('The cache is locked.');
    expect(rows.loading).toBe(false);
    expect(rows.loaded).toBe(false);

    await rows.reset(table(3).fetch);
    expect(rows.error).toBeNull();
    expect(rows.row(2)).toBe('row 2');
  });
});
