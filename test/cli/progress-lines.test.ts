/**
 * `rollbook sync` without a terminal (a log, a pipe): one line as each step ends with the rows it brought, one every
 * half minute of a long step, and one as each wait begins. Fed the core's progress events directly.
 */
import { describe, expect, it } from 'vitest';
import { progressPrinter } from '../../electron/core/cli/commands/sync';
import { startProgress } from '../../electron/core/sync/run-account';
import type { SyncProgress } from '../../electron/core/contract/channels/sync';

function event(over: Partial<SyncProgress>): SyncProgress {
  return { ...startProgress('a1', 1), resource: 'courses', step: 1, ...over };
}
/** An event of the last step, progress (5/5). */
const progressEvent = (over: Partial<SyncProgress>) => event({ resource: 'progress', step: 5, ...over });

/** A printer for account a1, named `label`, writing to no terminal; and the lines it wrote. */
function printer(label: string) {
  const lines: string[] = [];
  const print = progressPrinter(
    { stdout: () => undefined, stderr: (text) => lines.push(text), env: {}, isTty: false },
    new Map([['a1', label]]),
  );
  return { lines, print };
}

describe('CLI sync progress lines', () => {
  it('prints each step as it ends, a heartbeat in a long step, and each wait once', () => {
    const { lines, print } = printer('Acme');
    print(event({ elapsedMs: 0 }));
    print(event({ rows: 40, pages: 1, counts: { courses: 40 }, elapsedMs: 200 }));
    print(progressEvent({ counts: { courses: 40 }, elapsedMs: 300 }));
    print(progressEvent({ rows: 1_000, pages: 10, counts: { courses: 40, progress: 1_000 }, elapsedMs: 20_000 }));
    print(progressEvent({ rows: 3_000, pages: 30, counts: { courses: 40, progress: 3_000 }, elapsedMs: 31_000 }));
    print(
      progressEvent({
        state: 'waiting',
        rows: 3_000,
        counts: { courses: 40, progress: 3_000 },
        waiting: { reason: 'rate_limited', ms: 20_000 },
        elapsedMs: 32_000,
      }),
    );
    print(
      progressEvent({
        state: 'waiting',
        rows: 3_000,
        counts: { courses: 40, progress: 3_000 },
        waiting: { reason: 'rate_limited', ms: 19_000 },
        elapsedMs: 33_000,
      }),
    );
    print(progressEvent({ rows: 5_000, counts: { courses: 40, progress: 5_000 }, elapsedMs: 55_000 }));
    print(
      progressEvent({
        state: 'done',
        outcome: 'ok',
        rows: 5_000,
        counts: { courses: 40, progress: 5_000 },
        elapsedMs: 56_000,
      }),
    );
    expect(lines).toEqual([
      'Acme: courses (1/5) 40 rows, 0.3 s\n',
      'Acme: progress (5/5) 3,000 rows, 30 pages, 31 s\n',
      'Acme: progress (5/5) 3,000 rows, 0 pages, 32 s — waiting 20 s: rate limited\n',
      'Acme: progress (5/5) 5,000 rows, 56 s\n',
    ]);
  });

  it('says which rows of other resources a step brought (SelfCommunity lists learners beside their progress)', () => {
    const { lines, print } = printer('Community');
    print(event({ resource: 'learners', step: 3, counts: { courses: 4 }, elapsedMs: 100 }));
    print(event({ resource: 'attendance', step: 4, counts: { courses: 4, learners: 0 }, elapsedMs: 110 }));
    print(progressEvent({ counts: { courses: 4, learners: 0, attendance: 0 }, elapsedMs: 120 }));
    print(
      progressEvent({ rows: 200, counts: { courses: 4, learners: 30, attendance: 0, progress: 200 }, elapsedMs: 400 }),
    );
    print(
      progressEvent({
        state: 'done',
        outcome: 'ok',
        rows: 250,
        counts: { courses: 4, learners: 35, attendance: 0, progress: 250 },
        elapsedMs: 500,
      }),
    );
    expect(lines).toEqual([
      'Community: learners (3/5) 0 rows, 0.1 s\n',
      'Community: attendance (4/5) 0 rows, 0.1 s\n',
      'Community: progress (5/5) 250 rows (with 35 learners), 0.5 s\n',
    ]);
  });

  it('on a terminal, redraws one bar and prints no lines', () => {
    const out: string[] = [];
    const io = {
      stdout: () => undefined,
      stderr: (text: string) => out.push(text),
      clearLine: () => out.push('<clear>'),
    };
    const print = progressPrinter({ ...io, env: {}, isTty: true }, new Map());
    print(event({ rows: 10 }));
    print(event({ state: 'done' }));
    expect(out).toHaveLength(2);
    expect(out[0]).toBe('<clear>');
    expect(out[1]).toMatch(/^\[-+\] a1: courses \(1\/5\) 10 rows/);
  });
});
