import { describe, expect, it } from 'vitest';
import { RateBudget } from '../../electron/core/http/limits';

describe('RateBudget', () => {
  it('counts an attempt from dispatch until its answer, and runs its window from the answer', async () => {
    let now = 1_000;
    const budget = new RateBudget(2, 100, () => now);
    const first = await budget.take(undefined, () => {});
    const second = await budget.take(undefined, () => {});
    // Both in flight: the earliest a place frees is a window after an answer that has not come yet.
    expect(budget.delay()).toBe(101);
    now += 500;
    expect(budget.delay()).toBe(101); // still in flight, however long it takes
    first(); // answered at 1,500: the server saw it at the latest then
    now += 60;
    expect(budget.delay()).toBe(41);
    now += 40;
    expect(budget.delay()).toBe(0);
    second();
    first(); // a second call changes nothing
    const third = await budget.take(undefined, () => {});
    third();
    expect(budget.delay()).toBe(101);
  });

  it('waits, reporting each wait, then lets the attempt go', async () => {
    const budget = new RateBudget(1, 30);
    (await budget.take(undefined, () => {}))();
    const waits: number[] = [];
    const t0 = Date.now();
    (await budget.take(undefined, (ms) => waits.push(ms)))();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(29);
    expect(waits.length).toBeGreaterThan(0);
  });

  it('gives up a wait when cancelled', async () => {
    const budget = new RateBudget(1, 60_000);
    await budget.take(undefined, () => {});
    const controller = new AbortController();
    const pending = budget.take(controller.signal, () => {});
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });
});
