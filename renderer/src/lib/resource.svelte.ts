/**
 * One piece of data a view reads from the core: value, loading, error. A newer load supersedes an older one still
 * in flight (fast typing, quick selection switches), and the previous value stays on screen while the next loads.
 */
import { errorMessage } from './rollbook';

export class Resource<T> {
  value = $state.raw<T | null>(null);
  error = $state<string | null>(null);
  loading = $state(false);
  #seq = 0;

  async load(fetch: () => Promise<T>): Promise<void> {
    const seq = ++this.#seq;
    this.loading = true;
    try {
      const value = await fetch();
      if (seq !== this.#seq) return;
      this.value = value;
      this.error = null;
    } catch (error) {
      if (seq === this.#seq) this.error = errorMessage(error);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  /**
   * Loads once the question has stood still for `delay` ms (typing, a definition being edited). Meant to be returned
   * from an $effect: its cleanup, run when the question changes, cancels the wait and drops an answer in flight.
   */
  loadSoon(delay: number, fetch: () => Promise<T>): () => void {
    const timer = setTimeout(() => void this.load(fetch), delay);
    return () => {
      clearTimeout(timer);
      this.cancel();
    };
  }

  /** Drops the answer to a load in flight: the question it answers no longer stands. */
  cancel(): void {
    this.#seq += 1;
    this.loading = false;
  }

  /** No question at all (an empty search box): nothing to show, nothing on its way. */
  clear(): void {
    this.cancel();
    this.value = null;
    this.error = null;
  }
}
