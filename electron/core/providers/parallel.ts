/**
 * Requests kept in flight side by side, answered in order. Over a real network a sync waits on round trips, not on
 * its own work: one request at a time makes a 200-course account 200 round trips long, while the account's HTTP
 * client lets IN_FLIGHT_PER_ACCOUNT go at once. Connectors hand `inOrder` the requests that do not depend on one
 * another (a course's members, pages 2…n of a numbered list) and get the answers back in the order asked, so pages
 * still land in the cache, and in the listing checks, in a deterministic order.
 */

/** Requests in flight at once per account: the HTTP client's cap (registry LIMITS) and the width connectors use. */
export const IN_FLIGHT_PER_ACCOUNT = 4;

/** One request (or a few in a row); `signal` ends it when the run is cancelled or the consumer stops early. */
export type Task<T> = (signal: AbortSignal) => Promise<T>;

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Runs `tasks` with at most `width` started and not yet consumed, yielding their results in the tasks' order. The
 * first failure (in that order) is thrown where its result would have been yielded. Holds at most `width` results.
 * When the consumer stops (break, throw) or `signal` aborts, every request still in flight is aborted and its
 * outcome dropped; the task source is closed.
 */
export async function* inOrder<T>(
  tasks: Iterable<Task<T>> | AsyncIterable<Task<T>>,
  signal: AbortSignal,
  width = IN_FLIGHT_PER_ACCOUNT,
): AsyncGenerator<T> {
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const source =
    Symbol.asyncIterator in tasks
      ? (tasks as AsyncIterable<Task<T>>)[Symbol.asyncIterator]()
      : (tasks as Iterable<Task<T>>)[Symbol.iterator]();
  const queue: Promise<Settled<T>>[] = [];
  let exhausted = false;
  const refill = async () => {
    while (!exhausted && queue.length < width) {
      const next = await source.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      // Settled at once so that an answer failing while an earlier one is awaited is never an unhandled rejection.
      let started: Promise<T>;
      try {
        started = next.value(stop.signal);
      } catch (error) {
        started = Promise.reject(error);
      }
      queue.push(
        started.then(
          (value) => ({ ok: true, value }) as const,
          (error: unknown) => ({ ok: false, error }),
        ),
      );
    }
  };
  try {
    signal.throwIfAborted();
    await refill();
    while (queue.length > 0) {
      const outcome = await queue.shift()!;
      signal.throwIfAborted();
      if (!outcome.ok) throw outcome.error;
      // The next request leaves before this answer is handed on, so the consumer's work overlaps the network.
      await refill();
      yield outcome.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (queue.length > 0) stop.abort(new Error('The listing stopped before these answers were used.'));
    if (!exhausted) await source.return?.(undefined);
  }
}

/**
 * Pages read one ahead of their consumer: the next page's request leaves before this page is handed on, so writing
 * a page overlaps fetching the next. That matters where pages must follow one another (iSpring's page tokens): each
 * page's write would otherwise add to the chain of round trips. Holds one page more than the consumer.
 */
export async function* readAhead<T>(pages: AsyncIterable<T>): AsyncGenerator<T> {
  const source = pages[Symbol.asyncIterator]();
  let pending = source.next();
  let finished = false;
  try {
    for (;;) {
      const current = await pending;
      if (current.done) {
        finished = true;
        return;
      }
      pending = source.next();
      // Observed when awaited; a consumer stopping early may never await it.
      pending.catch(() => undefined);
      // The cache writes are synchronous: let the request leave first.
      await new Promise<void>((resolve) => setImmediate(resolve));
      yield current.value;
    }
  } catch (error) {
    finished = true;
    throw error;
  } finally {
    // Closes the source once the page it is reading arrives (a cancelled run has aborted that request already);
    // not waited for, so a consumer that failed is not held up by a slow answer it no longer needs.
    if (!finished) void source.return?.(undefined)?.catch(() => undefined);
  }
}

/**
 * A listing read ahead of its consumer by up to `depth` items, from the moment it is made: for a chain of pages that
 * does not depend on what is read before it is used (iSpring's results, read while its enrollments are), so the two
 * chains of round trips overlap instead of adding up. Holds at most `depth` items; a failure is thrown where its item
 * would have been, after the items read before it. `stop` ends the reading (the source is closed once the page it is
 * reading arrives; abort the source's requests separately to end them at once). Iterated once.
 */
export class ReadingAhead<T> implements AsyncIterable<T> {
  private readonly buffer: IteratorResult<T>[] = [];
  private failure: { error: unknown } | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private room: (() => void) | null = null;
  private readonly source: AsyncIterator<T>;

  constructor(
    source: AsyncIterable<T>,
    private readonly depth: number,
  ) {
    this.source = source[Symbol.asyncIterator]();
    void this.pump();
  }

  private notify(): void {
    this.wake?.();
    this.wake = null;
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        while (this.buffer.length >= this.depth && !this.stopped) {
          await new Promise<void>((resolve) => (this.room = resolve));
        }
        if (this.stopped) break;
        const next = await this.source.next();
        this.buffer.push(next);
        this.notify();
        if (next.done) return;
      }
      await this.source.return?.(undefined);
    } catch (error) {
      this.failure = { error };
      this.notify();
    }
  }

  stop(): void {
    this.stopped = true;
    this.room?.();
    this.room = null;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    try {
      for (;;) {
        while (this.buffer.length === 0 && !this.failure) {
          await new Promise<void>((resolve) => (this.wake = resolve));
        }
        const next = this.buffer.shift();
        if (!next) throw this.failure!.error;
        this.room?.();
        this.room = null;
        if (next.done) return;
        yield next.value;
      }
    } finally {
      this.stop();
    }
  }
}
