/**
 * Scale: 10k courses and a 100k-learner course. The Courses view loads every matching row and the learners table
 * pages through 100k rows while scrolling: the answers stay right at that size (sorted, filtered, the last pages).
 * How fast they come is measured by the benchmarks (bench/queries.ts), not here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../electron/core/store/db';
import { testCore } from '../support/core';
import { addAccount, course, learner, progress, writeLive } from './fixture';

const COURSES = 10_000;
const LEARNERS = 100_000;

describe('workspace at scale', () => {
  const t = testCore({ now: () => new Date('2026-06-01T12:00:00.000Z') });
  let db: Db;
  beforeAll(() => {
    db = openDatabase(t.dataDir);
    addAccount(db, 'big', 'Big', { platform: 'sample', seed: 1 });
    const learners = Array.from({ length: LEARNERS }, (_, i) =>
      learner(`L${i}`, `Learner ${String(i).padStart(6, '0')}`, `l${i}@big.example`),
    );
    const courses = Array.from({ length: COURSES }, (_, i) =>
      course(`C${i}`, `Course ${String(i).padStart(5, '0')}`, i % 3 ? 'course' : 'class'),
    );
    const rows = [
      // One huge course…
      ...learners.map((l, i) => progress('C0', l.id, i % 4 === 0 ? 'completed' : 'in_progress')),
      // …and a few learners in every other course.
      ...courses
        .slice(1)
        .flatMap((c, i) => [
          progress(c.id, `L${i % LEARNERS}`, 'completed'),
          progress(c.id, `L${(i + 1) % LEARNERS}`, 'not_started'),
        ]),
    ];
    writeLive(db, 'big', { courses, learners, progress: rows });
  });
  afterAll(() => {
    db.close();
    t.cleanup();
  });

  it('lists 10k courses, sorted and filtered', async () => {
    await t.core.call('workspace.courses', { accountIds: null }); // prepare once
    const all = await t.core.call('workspace.courses', {
      accountIds: null,
      sort: { column: 'completionRate', direction: 'desc' },
    });
    expect(all).toHaveLength(COURSES);
    expect(all.at(-1)!.name).toBe('Course 00000'); // 25 % is the lowest rate
    const search = await t.core.call('workspace.courses', { accountIds: null, search: 'course 0999' });
    expect(search.map((c) => c.name)).toEqual(Array.from({ length: 10 }, (_, i) => `Course 0999${i}`));
  });

  it('pages the 100k-learner course to its last row', async () => {
    const first = await t.core.call('workspace.courseLearners', { accountId: 'big', courseId: 'C0', limit: 200 });
    expect(first.total).toBe(LEARNERS);
    const last = await t.core.call('workspace.courseLearners', {
      accountId: 'big',
      courseId: 'C0',
      offset: LEARNERS - 200,
      limit: 200,
    });
    expect(last.rows.at(-1)!.name).toBe('Learner 099999');
    const filtered = await t.core.call('workspace.courseLearners', {
      accountId: 'big',
      courseId: 'C0',
      statuses: ['completed'],
      offset: 24_900,
      limit: 200,
    });
    expect(filtered.total).toBe(LEARNERS / 4);
    expect(filtered.rows.map((r) => r.name).at(-1)).toBe('Learner 099996');
    const directory = await t.core.call('workspace.learners', { accountIds: null, offset: LEARNERS - 50, limit: 50 });
    expect(directory.rows.at(-1)).toMatchObject({ name: 'Learner 099999', courses: 1 });
  });
});
