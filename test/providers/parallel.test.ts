import { describe, expect, it } from 'vitest';
import { inOrder, readAhead, ReadingAhead, type Task } from '../../electron/core/providers/parallel';

/** A task answering `value` after `ms`, counting how many run at once; it ends early (rejects) when aborted. */
function counter() {
  const state = { now: 0, max: 0, aborted: 0, started: [] as number[] };
  const task =
    (value: number, ms: number, fail = false): Task<number> =>
    (signal) =>
      new Promise<number>((resolve, reject) => {
        state.started.push(value);
        state.now += 1;
        state.max = Math.max(state.max, state.now);
        const onAbort = () => {
          clearTimeout(timer);
          state.now -= 1;
          state.aborted += 1;
          reject(signal.reason);
        };
        const timer = setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          state.now -= 1;
          if (fail) reject(new Error(`task ${value} failed`));
          else resolve(value);
        }, ms);
        signal.addEventListener('abort', onAbort, { once: true });
      });
  return { state, task };
}

describe('inOrder', () => {
  it('keeps up to the width in flight and answers in the order asked, whatever order they finish in', async () => {
    const { state, task } = counter();
    const delays = [50, 10, 40, 5, 30, 1, 20, 15];
    const out: number[] = [];
    for await (const v of inOrder(
      delays.map((ms, i) => task(i, ms)),
      new AbortController().signal,
      3,
    ))
      out.push(v);
    expect(out).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(state.max).toBe(3);
  });

  it('takes tasks from an async source lazily and holds no more than the width', async () => {
    const { state, task } = counter();
    let made = 0;
    const source = async function* () {
      for (let i = 0; i < 10; i += 1) {
        made += 1;
        yield task(i, 5);
      }
    };
    const out: number[] = [];
    for await (const v of inOrder(source(), new AbortController().signal, 2)) {
      out.push(v);
      // The next request is already on its way while this answer is used, and no further.
      expect(made).toBeLessThanOrEqual(out.length + 2);
    }
    expect(out).toHaveLength(10);
    expect(state.max).toBe(2);
  });

  it('throws the first failure in order and aborts the requests still in flight', async () => {
    const { state, task } = counter();
    const tasks = [task(0, 5), task(1, 10, true), task(2, 200), task(3, 200)];
    const out: number[] = [];
    await expect(
      (async () => {
        for await (const v of inOrder(tasks, new AbortController().signal, 4)) out.push(v);
      })(),
    ).rejects.toThrow('task 1 failed');
    expect(out).toEqual([0]);
    expect(state.aborted).toBe(2);
    expect(state.now).toBe(0);
  });

  it('a consumer stopping early aborts what is in flight and closes the source', async () => {
    const { state, task } = counter();
    let closed = false;
    const source = (function* () {
      try {
        for (let i = 0; ; i += 1) yield task(i, 20);
      } finally {
        closed = true;
      }
    })();
    for await (const v of inOrder(source, new AbortController().signal, 4)) if (v === 1) break;
    expect(closed).toBe(true);
    expect(state.aborted).toBe(4);
    expect(state.now).toBe(0);
  });

  it('cancellation stops every request in flight', async () => {
    const { state, task } = counter();
    const controller = new AbortController();
    const run = (async () => {
      for await (const _ of inOrder([task(0, 500), task(1, 500), task(2, 500)], controller.signal)) void _;
    })();
    await new Promise((r) => setTimeout(r, 20));
    expect(state.now).toBe(3);
    controller.abort(new Error('cancelled by the user'));
    await expect(run).rejects.toThrow('cancelled by the user');
    expect(state.aborted).toBe(3);
    expect(state.now).toBe(0);
  });
});

describe('readAhead', () => {
  it('asks for the next page before handing on this one, and passes every page on in order', async () => {
    const asked: number[] = [];
    const pages = async function* () {
      for (let i = 0; i < 4; i += 1) {
        asked.push(i);
        await new Promise((r) => setTimeout(r, 5));
        yield i;
      }
    };
    const seen: { page: number; asked: number }[] = [];
    for await (const page of readAhead(pages())) seen.push({ page, asked: asked.length });
    expect(seen).toEqual([
      { page: 0, asked: 2 },
      { page: 1, asked: 3 },
      { page: 2, asked: 4 },
      { page: 3, asked: 4 },
    ]);
  });

  it('passes a failure on after the pages before it, and closes the source when the consumer stops', async () => {
    const failing = async function* () {
      yield 1;
      throw new Error('page 2 unreadable');
    };
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const page of readAhead(failing())) got.push(page);
      })(),
    ).rejects.toThrow('page 2 unreadable');
    expect(got).toEqual([1]);

    let closed = false;
    const endless = async function* () {
      try {
        for (let i = 0; ; i += 1) yield i;
      } finally {
        closed = true;
      }
    };
    for await (const page of readAhead(endless())) if (page === 2) break;
    await new Promise((r) => setTimeout(r, 10));
    expect(closed).toBe(true);
  });
});

describe('ReadingAhead', () => {
  /** Pages 1…n, each after `ms`, noting when each was asked for; fails at `failAt`; notes when it was closed. */
  function source(n: number, ms: number, failAt?: number) {
    const asked: number[] = [];
    let closed = false;
    async function* pages() {
      try {
        for (let i = 1; i <= n; i += 1) {
          asked.push(i);
          await new Promise((r) => setTimeout(r, ms));
          if (i === failAt) throw new Error(`page ${i} failed`);
          yield i;
        }
      } finally {
        closed = true;
      }
    }
    return { asked, pages, closed: () => closed };
  }

  it('reads before anyone asks, up to its depth, and hands every page on in order', async () => {
    const s = source(6, 5);
    const ahead = new ReadingAhead(s.pages(), 3);
    await new Promise((r) => setTimeout(r, 60));
    // Three held, the fourth waiting for room.
    expect(s.asked).toEqual([1, 2, 3]);
    const got: number[] = [];
    for await (const page of ahead) got.push(page);
    expect(got).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('throws a failure after the pages read before it, and stopping closes the source', async () => {
    const failing = new ReadingAhead(source(5, 2, 3).pages(), 10);
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const page of failing) got.push(page);
      })(),
    ).rejects.toThrow('page 3 failed');
    expect(got).toEqual([1, 2]);

    const s = source(100, 2);
    const stopped = new ReadingAhead(s.pages(), 2);
    for await (const page of stopped) if (page === 2) break;
    await new Promise((r) => setTimeout(r, 30));
    expect(s.closed()).toBe(true);
    expect(s.asked.length).toBeLessThan(6);
  });
});
