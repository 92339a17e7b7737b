/**
 * Rows of a big table (100k learners) fetched page by page as they scroll into view. `row(i)` is reactive per
 * page; a reset (new filter or sort) drops every page and ignores answers to the old query.
 */
import { SvelteMap } from 'svelte/reactivity';
import { errorMessage } from './rollbook';

export type PageFetcher<T> = (offset: number, limit: number) => Promise<{ total: number; rows: T[] }>;

export class PagedRows<T> {
  total = $state(0);
  loading = $state(false);
  loaded = $state(false);
  error = $state<string | null>(null);
  readonly #pages = new SvelteMap<number, T[]>();
  /** Pages requested and not yet answered: bookkeeping, deliberately not reactive. */
  #inflight: number[] = [];
  #epoch = 0;
  /** The previous query's pages stay on screen until the new query's first page arrives: no flash of blanks. */
  #stale = false;
  #fetch: PageFetcher<T> = async () => ({ total: 0, rows: [] });

  constructor(readonly pageSize = 200) {}

  row = (index: number): T | undefined => this.#pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];

  /** Starts over with a new query; resolves when the first page is in. */
  async reset(fetch: PageFetcher<T>): Promise<void> {
    this.#epoch += 1;
    this.#fetch = fetch;
    this.#inflight = [];
    this.#stale = true;
    this.loading = true;
    const epoch = this.#epoch;
    await this.#load(0, epoch);
    if (epoch === this.#epoch) this.loading = false;
  }

  /** Makes sure the rows start..end (inclusive) are loaded or on their way. */
  ensure(start: number, end: number): void {
    const first = Math.max(0, Math.floor(start / this.pageSize));
    const last = Math.floor(Math.min(end, Math.max(0, this.total - 1)) / this.pageSize);
    for (let page = first; page <= last; page += 1) {
      if (!this.#pages.has(page) && !this.#inflight.includes(page)) void this.#load(page, this.#epoch);
    }
  }

  async #load(page: number, epoch: number): Promise<void> {
    this.#inflight.push(page);
    try {
      const result = await this.#fetch(page * this.pageSize, this.pageSize);
      if (epoch !== this.#epoch) return;
      if (this.#stale) {
        this.#pages.clear();
        this.#stale = false;
      }
      this.#pages.set(page, result.rows);
      this.total = result.total;
      this.error = null;
      this.loaded = true;
    } catch (error) {
      if (epoch === this.#epoch) this.error = errorMessage(error);
    } finally {
      if (epoch === this.#epoch) this.#inflight = this.#inflight.filter((p) => p !== page);
    }
  }
}
