import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MARGIN, RangeReporter, SETTLE_MS, type RangeView } from '../../renderer/src/lib/virtual-range';

/** A grid of 10,000 rows 40 px high in a 400 px view, recording what it asks for. */
function grid(count = 10_000) {
  const asked: [number, number][] = [];
  const view: RangeView = { top: 0, height: 400, rowHeight: 40, count, onrange: (s, e) => asked.push([s, e]) };
  const range = new RangeReporter(() => view);
  const scroll = (top: number) => ((view.top = top), range.scrolled(top));
  return { asked, view, range, scroll };
}

describe('RangeReporter', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('asks for the rows in view and a margin each side, within the rows there are', () => {
    const { asked, range, view } = grid();
    range.report();
    view.top = 4_000;
    range.report();
    view.top = 400_000 - 400;
    range.report();
    expect(asked).toEqual([
      [0, 10 + MARGIN],
      [100 - MARGIN, 110 + MARGIN],
      [9_990 - MARGIN, 9_999],
    ]);
  });

  it('asks at once for a scroll of a screen or less, and once the view rests for a longer jump', () => {
    const { asked, scroll } = grid();
    scroll(400);
    expect(asked).toEqual([[0, 20 + MARGIN]]);
    scroll(20_000);
    scroll(40_000);
    expect(asked).toHaveLength(1);
    vi.advanceTimersByTime(SETTLE_MS - 1);
    expect(asked).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(asked).toEqual([
      [0, 20 + MARGIN],
      [1_000 - MARGIN, 1_010 + MARGIN],
    ]);
  });

  it('a small step after a jump asks at once and drops the waiting ask', () => {
    const { asked, scroll } = grid();
    scroll(20_000);
    scroll(20_040);
    expect(asked).toEqual([[501 - MARGIN, 511 + MARGIN]]);
    vi.advanceTimersByTime(SETTLE_MS * 2);
    expect(asked).toHaveLength(1);
  });

  it('asks nothing of an empty grid or one without a source', () => {
    const empty = grid(0);
    empty.range.report();
    const sourceless = grid();
    sourceless.view.onrange = undefined;
    sourceless.range.report();
    expect(empty.asked).toEqual([]);
    expect(sourceless.asked).toEqual([]);
  });
});
