import type { Clock } from '../../electron/core/sync/clock';

/**
 * Wall-clock time and timers under the test's control. Awake, time runs for both; asleep, the wall clock moves and
 * timers do not (Node's are monotonic, and the monotonic clock stops while the computer sleeps).
 */
export function fakeClock(start: number) {
  let now = start;
  let ids = 0;
  const timers = new Map<number, { at: number; run: () => void }>();
  const clock: Clock = {
    now: () => now,
    setTimeout: (run, ms) => {
      timers.set(++ids, { at: now + ms, run });
      return ids;
    },
    clearTimeout: (handle) => timers.delete(handle as number),
  };
  return {
    clock,
    /** Milliseconds until the next timer fires, or null when none is set. */
    nextIn: () => (timers.size ? Math.min(...[...timers.values()].map((t) => t.at)) - now : null),
    awake(ms: number) {
      const until = now + ms;
      for (;;) {
        const [id, next] = [...timers.entries()].sort((a, b) => a[1].at - b[1].at)[0] ?? [];
        if (id === undefined || next!.at > until) break;
        timers.delete(id);
        now = next!.at;
        next!.run();
      }
      now = until;
    },
    asleep(ms: number) {
      now += ms;
      for (const timer of timers.values()) timer.at += ms;
    },
    /** The computer was off: time moved and no timer survived. */
    off(ms: number) {
      now += ms;
      timers.clear();
    },
  };
}
