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
}
