/** Client-side politeness: a cap on requests in flight and a requests-per-minute budget. */
import { sleep } from './retry';

export class Semaphore {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly capacity: number) {}

  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.active >= this.capacity) {
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const index = this.queue.indexOf(wake);
          if (index >= 0) this.queue.splice(index, 1);
          reject(signal!.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.queue.push(wake);
      });
    } else {
      this.active += 1;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next();
      else this.active -= 1;
    };
  }
}

/**
 * Sliding-window budget: at most `limit` request starts in any `windowMs`. Every attempt counts, retries included,
 * because that is what the server counts.
 *
 * The server counts arrivals, which the client cannot see: a request may reach the server any time between its
 * dispatch and its response. So an attempt counts from dispatch until its response comes back, and its window
 * runs from the response. Measured from dispatch alone, a slow first request and a quick sixth one can land in
 * one server window (seen on a loaded CI machine). The cost is one round trip per window.
 */
export class RateBudget {
  /** Per attempt: when its window started, or null while it is still in flight. */
  private readonly entries: { at: number | null }[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    private readonly now = () => Date.now(),
  ) {}

  /** Milliseconds to wait before the next request may start (0 = now). */
  delay(): number {
    const now = this.now();
    for (let i = this.entries.length - 1; i >= 0; i -= 1) {
      const at = this.entries[i]!.at;
      if (at !== null && now - at >= this.windowMs) this.entries.splice(i, 1);
    }
    if (this.entries.length < this.limit) return 0;
    // An attempt in flight frees its place no sooner than a window after it answers, so no sooner than a window
    // from now; the wait is re-checked when it ends.
    let soonest = this.windowMs;
    for (const { at } of this.entries) soonest = Math.min(soonest, this.windowMs - (now - (at ?? now)));
    return soonest + 1;
  }

  /** Waits for room, records the attempt, and returns the call to make once its response (or failure) arrives. */
  async take(signal: AbortSignal | undefined, onWait: (ms: number) => void): Promise<() => void> {
    for (let wait = this.delay(); wait > 0; wait = this.delay()) {
      onWait(wait);
      await sleep(wait, signal);
    }
    const entry: { at: number | null } = { at: null };
    this.entries.push(entry);
    return () => {
      if (entry.at === null) entry.at = this.now();
    };
  }
}
