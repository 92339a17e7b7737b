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
 */
export class RateBudget {
  private readonly starts: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    private readonly now = () => Date.now(),
  ) {}

  /** Milliseconds to wait before the next request may start (0 = now). */
  delay(): number {
    const now = this.now();
    while (this.starts.length > 0 && now - this.starts[0]! >= this.windowMs) this.starts.shift();
    return this.starts.length < this.limit ? 0 : this.windowMs - (now - this.starts[0]!) + 1;
  }

  async take(signal: AbortSignal | undefined, onWait: (ms: number) => void): Promise<void> {
    for (let wait = this.delay(); wait > 0; wait = this.delay()) {
      onWait(wait);
      await sleep(wait, signal);
    }
    this.starts.push(this.now());
  }
}
