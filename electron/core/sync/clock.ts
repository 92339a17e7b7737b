/**
 * What the background loops (auto-sync, scheduled reports) share: a clock tests can fake, and one queue of jobs with
 * at most one timer, so a wake-up and a timer firing at once never start the same work twice.
 */

/** Wall-clock time and timers; tests pass a fake one. */
export interface Clock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface JobLoop {
  readonly stopped: boolean;
  /** Runs `job` after those queued before it; a failure goes to `onError` and the queue goes on. */
  enqueue(job: () => Promise<void>): void;
  /** Queues `job` after `ms`, replacing the timer set before. */
  setTimer(ms: number, job: () => Promise<void>): void;
  clearTimer(): void;
  /** No timer fires any more, and those given to untilStopped run; jobs check `stopped` before starting work. */
  stop(): void;
  /** Runs `off` (say, ending an event subscription that queues jobs) when the loop stops. */
  untilStopped(off: () => void): void;
  /** Settles once the work queued so far, and any it queued in turn, is done. */
  idle(): Promise<void>;
}

export function jobLoop(clock: Clock, onError: (error: unknown) => void): JobLoop {
  let timer: unknown;
  let stopped = false;
  let work: Promise<void> = Promise.resolve();
  const cleanups: (() => void)[] = [];
  const enqueue = (job: () => Promise<void>) => {
    work = work.then(job).catch(onError);
  };
  const clearTimer = () => {
    clock.clearTimeout(timer);
    timer = undefined;
  };
  return {
    get stopped() {
      return stopped;
    },
    enqueue,
    setTimer(ms, job) {
      clearTimer();
      timer = clock.setTimeout(() => {
        timer = undefined;
        enqueue(job);
      }, ms);
    },
    clearTimer,
    stop() {
      stopped = true;
      clearTimer();
      cleanups.splice(0).forEach((off) => off());
    },
    untilStopped(off) {
      cleanups.push(off);
    },
    idle: async () => {
      // Jobs may queue more jobs (a timer firing during one): wait until the chain stops growing.
      let seen: Promise<void> | undefined;
      while (seen !== work) {
        seen = work;
        await work;
      }
    },
  };
}
