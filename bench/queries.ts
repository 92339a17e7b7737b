/**
 * Cache queries on a big cache (1M progress rows, 200k learners, 10k courses; --quick: 10k/2k/1k), through the real
 * contract: Courses view with aggregates, search as you type, one course's learners page, Overview aggregates, the
 * Learners directory's last page.
 */
import { createCore } from '../electron/core/core';
import { noKeychain } from '../electron/core/secrets/keychain';
import { createSecretStore } from '../electron/core/secrets/secret-store';
import { tempDir } from '../test/support/tmp';
import { fillCache } from './fill-cache';
import type { BenchContext, Figure } from './sections';
import { percentile, round } from './stats';

async function timeIt(times: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

export async function queriesSection(ctx: BenchContext): Promise<Record<string, Figure>> {
  const dir = tempDir('rollbook-bench-queries-');
  try {
    const size = ctx.quick
      ? { courses: 1_000, learners: 2_000, progress: 10_000 }
      : { courses: 10_000, learners: 200_000, progress: 1_000_000 };
    const t0 = performance.now();
    fillCache(dir.path, size);
    ctx.log(
      `filled ${size.progress} progress rows, ${size.learners} learners, ` +
        `${size.courses} courses in ${round((performance.now() - t0) / 1000)} s`,
    );
    const core = createCore({ dataDir: dir.path, secrets: createSecretStore(noKeychain()) });
    try {
      const figure = (samples: number[], target: number) => {
        const p95 = round(percentile(samples, 95));
        return {
          p95_ms: p95,
          median_ms: round(percentile(samples, 50)),
          target: `p95 ≤ ${target} ms`,
          met: p95 <= target,
        };
      };
      // The Courses view asks for its first screenful (and the total). Each call is a new question (name ↑/↓ with a
      // changing type filter, or another sort), more than the sorted-order cache holds, so every sample sorts cold.
      const directions = ['asc', 'desc'] as const;
      const types = [undefined, ['course'], ['learning_track'], ['course', 'learning_track']];
      const courses = await timeIt(20, (i) =>
        core.call('workspace.coursePage', {
          accountIds: null,
          types: types[Math.floor(i / 2) % 4],
          sort: { column: 'name', direction: directions[i % 2]! },
          offset: 0,
          limit: 200,
        }),
      );
      const columns = [
        'completionRate',
        'learners',
        'lastActivityAt',
        'overdue',
        'account',
        'type',
        'nextSessionAt',
        'name',
      ] as const;
      const sorted = await timeIt(24, (i) =>
        core.call('workspace.coursePage', {
          accountIds: null,
          sort: { column: columns[i % columns.length]!, direction: 'desc' },
          offset: 0,
          limit: 200,
        }),
      );
      const typed = ['s', 'sa', 'saf', 'safe', 'safet', 'safety', 'z', 'zo', 'zoe', 'zoë å', 'lear', 'learner12'];
      const search = await timeIt(typed.length * 3, (i) =>
        core.call('workspace.search', { accountIds: null, query: typed[i % typed.length]!, limit: 10 }),
      );
      const learnersPage = await timeIt(30, (i) =>
        core.call('workspace.courseLearners', {
          accountId: 'bench-1',
          courseId: `c${(i * 37) % size.courses}`,
          offset: 0,
          limit: 200,
        }),
      );
      const overview = await timeIt(10, () => core.call('workspace.overview', { accountIds: null }));
      // The Learners directory scrolled to its end: the deepest offset the window asks for.
      const directoryEnd = await timeIt(10, () =>
        core.call('workspace.learners', { accountIds: null, offset: size.learners - 50, limit: 50 }),
      );
      return {
        courses_view: figure(courses, 50),
        courses_view_sorted: figure(sorted, 50),
        search_as_you_type: figure(search, 10),
        course_learners_page: figure(learnersPage, 20),
        overview: figure(overview, 100),
        learners_directory_end: figure(directoryEnd, 500),
      };
    } finally {
      core.close();
    }
  } finally {
    dir.cleanup();
  }
}
