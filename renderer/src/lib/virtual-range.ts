/**
 * Which rows a virtualised grid (the tables, the training matrix) asks its paged source for, and when. It asks for
 * the rows in view and MARGIN more each side, so rows scrolled into view are usually loaded already.
 */

/** Rows asked for above and below the view. */
export const MARGIN = 100;
/**
 * A scroll that moves more than a screen at once (dragging the scrollbar, End) waits until the view rests this long
 * before asking for rows. Asking on every frame of a drag fetched a page or two a frame for rows on screen for one
 * frame, and delivering them was what made frames long; rows fill in once the drag pauses.
 */
export const SETTLE_MS = 80;

/** The grid as it is now; read on every ask, so it may come from a component's state and props. */
export interface RangeView {
  /** How far the rows are scrolled, px. */
  top: number;
  /** The height the rows show in, px. */
  height: number;
  rowHeight: number;
  count: number;
  /** Rows start..end (inclusive) are about to be shown. */
  onrange: ((start: number, end: number) => void) | undefined;
}

export class RangeReporter {
  readonly #view: () => RangeView;
  #settle: ReturnType<typeof setTimeout> | undefined;
  /** Where the previous scroll left the view. */
  #lastTop = 0;

  constructor(view: () => RangeView) {
    this.#view = view;
  }

  /** Asks now for the rows around the view; a scroll waiting to settle asks no more. */
  readonly report = (): void => {
    clearTimeout(this.#settle);
    const { top, height, rowHeight, count, onrange } = this.#view();
    if (!onrange || count === 0) return;
    const start = Math.floor(top / rowHeight);
    const end = Math.ceil((top + height) / rowHeight);
    onrange(Math.max(0, start - MARGIN), Math.min(count - 1, end + MARGIN));
  };

  /** Asks on the next frame (the count or the size changed); returns the cancel, for an $effect to return. */
  soon(): () => void {
    const frame = requestAnimationFrame(this.report);
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(this.#settle);
    };
  }

  /** The view scrolled to `top`. */
  scrolled(top: number): void {
    const moved = Math.abs(top - this.#lastTop);
    this.#lastTop = top;
    // Wheel, keys and slow drags move less than a screen per event: ask at once, so the margin keeps ahead.
    if (moved <= this.#view().height) this.report();
    else {
      clearTimeout(this.#settle);
      this.#settle = setTimeout(this.report, SETTLE_MS);
    }
  }
}
