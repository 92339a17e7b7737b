/**
 * Scheduled reports: when a schedule's runs come due (croner reads the recurrence), the file name its date pattern
 * gives, and the scheduler that delivers them while the app runs (api/schedules.ts does the delivering).
 *
 * Like auto-sync (sync/auto-sync.ts), timers stand still while the computer sleeps: the host calls resume() when it
 * wakes, and anything that came due meanwhile is delivered then, once. A start does the same for runs missed while
 * the app was closed.
 */
import { Cron } from 'croner';
import type { ScheduleFrequency } from '../contract/channels/schedules';
import type { Core } from '../core';
import { jobLoop, systemClock, type Clock } from '../sync/clock';

export interface Recurrence {
  frequency: ScheduleFrequency;
  weekday: number | null;
  monthDay: number | null;
  /** HH:mm, local time. */
  time: string;
}

/** The recurrence as a cron pattern (minute hour day-of-month month day-of-week), in local time. */
export function cronPattern(r: Recurrence): string {
  const [hour, minute] = r.time.split(':').map(Number);
  const day = r.frequency === 'monthly' ? String(r.monthDay) : '*';
  const weekday = r.frequency === 'weekly' ? String(r.weekday) : '*';
  return `${minute} ${hour} ${day} * ${weekday}`;
}

/** The first run strictly after `after` (ms), or null if there is none. */
export function nextRunAfter(r: Recurrence, after: number): number | null {
  const next = new Cron(cronPattern(r), { paused: true }).nextRun(new Date(after));
  return next ? next.getTime() : null;
}

/**
 * The latest run due in (after, now] and how many runs fell in that span, or null when none did: after a gap of
 * several runs only the latest is delivered (a missed week of daily reports is one file, not seven).
 */
export function latestDue(r: Recurrence, after: number, now: number): { dueAt: number; runs: number } | null {
  let due: number | null = null;
  let runs = 0;
  const job = new Cron(cronPattern(r), { paused: true });
  for (let next = job.nextRun(new Date(after)); next && next.getTime() <= now; next = job.nextRun(next)) {
    due = next.getTime();
    runs += 1;
  }
  return due === null ? null : { dueAt: due, runs };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `Completions {yyyy-MM-dd}.xlsx` → `Completions 2026-03-02.xlsx`, in local time; unknown letters stay as they are. */
export function fileNameFor(pattern: string, at: Date): string {
  const tokens: Record<string, string> = {
    yyyy: pad(at.getFullYear(), 4),
    MM: pad(at.getMonth() + 1),
    dd: pad(at.getDate()),
    HH: pad(at.getHours()),
    mm: pad(at.getMinutes()),
  };
  return pattern.replace(/\{([^{}]*)\}/g, (_, inner: string) =>
    inner.replace(/yyyy|MM|dd|HH|mm/g, (token) => tokens[token]!),
  );
}

/** setTimeout's longest delay; a monthly run further away than that is re-timed when the timer fires. */
const MAX_DELAY = 2 ** 31 - 1;

export interface Scheduler {
  stop(): void;
  /** The computer woke up: schedules that came due while it slept are delivered now (each once). */
  resume(): void;
  /** Settles once the work started so far (deliveries, re-timing) is done. */
  idle(): Promise<void>;
}

/** Delivers due schedules while the app runs; the core's `now` must be the same clock as `clock`. */
export function startScheduler(
  core: Core,
  options: { log?: (message: string) => void; clock?: Clock } = {},
): Scheduler {
  const clock = options.clock ?? systemClock;
  const loop = jobLoop(clock, (error: unknown) => {
    core.log.warn({ err: error }, 'scheduled reports skipped');
    options.log?.(`scheduled reports skipped: ${(error as Error).message}`);
  });
  const enqueue = loop.enqueue;

  const runDue = async () => {
    if (!loop.stopped) await core.call('schedules.runDue');
  };
  const schedule = async () => {
    loop.clearTimer();
    if (loop.stopped) return;
    const runs = (await core.call('schedules.list'))
      .map((s) => (s.nextRun ? Date.parse(s.nextRun) : Infinity))
      .filter((at) => Number.isFinite(at));
    if (runs.length === 0) return;
    const delay = Math.min(MAX_DELAY, Math.max(0, Math.min(...runs) - clock.now()));
    loop.setTimer(delay, async () => {
      await runDue();
      await schedule();
    });
  };

  enqueue(async () => {
    await runDue();
    await schedule();
  });
  // A schedule added or removed (here or by the CLI in this process) re-times the next run.
  loop.untilStopped(core.on('schedules.changed', () => enqueue(schedule)));

  return {
    stop: loop.stop,
    resume() {
      enqueue(async () => {
        await runDue();
        await schedule();
      });
    },
    idle: loop.idle,
  };
}
