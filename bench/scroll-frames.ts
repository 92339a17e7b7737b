/**
 * Scrolls a virtualised grid in the page in 120 jumps, one a frame (a scrollbar drag), and clocks every frame until
 * the rows in view are filled (no placeholder left, 5 s at most) and half a second more.
 */
import type { Locator } from 'playwright-core';

export interface ScrollFrames {
  /** Every frame's length, ms. */
  frames: number[];
  /** How long the rows in view stayed placeholders once the scroll stopped. */
  filledMs: number;
  rows: number;
  cells: number;
}

/** `across`: also scroll from the left edge to the right one (the training matrix), not only top to bottom. */
export function scrollFrames(grid: Locator, across = false): Promise<ScrollFrames> {
  return grid.evaluate(async (el, sideways) => {
    const frames: number[] = [];
    let last = performance.now();
    let running = true;
    const tick = (now: number) => {
      frames.push(now - last);
      last = now;
      if (running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const down = el.scrollHeight - el.clientHeight;
    const right = el.scrollWidth - el.clientWidth;
    const steps = 120;
    const nextFrame = () => new Promise((r) => requestAnimationFrame(() => r(null)));
    for (let i = 1; i <= steps; i += 1) {
      el.scrollTop = (down * i) / steps;
      if (sideways) el.scrollLeft = (right * i) / steps;
      await nextFrame();
    }
    const stopped = performance.now();
    while (el.querySelector('.skeleton') && performance.now() - stopped < 5_000) await nextFrame();
    const filledMs = performance.now() - stopped;
    await new Promise((r) => setTimeout(r, 500));
    running = false;
    return {
      frames,
      filledMs,
      rows: el.querySelectorAll('[role="row"]').length,
      cells: el.querySelectorAll('[role="gridcell"]').length,
    };
  }, across);
}
