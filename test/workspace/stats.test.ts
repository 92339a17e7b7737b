/**
 * The About page's row counts: progress is summed from the per-course aggregates each commit stores, so it must
 * equal a count of the live progress rows in every state a cache can be in.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { clearCache } from '../../electron/core/store/cache-writer';
import { openDatabase } from '../../electron/core/store/db';
import { createStatsRepo } from '../../electron/core/store/stats-repo';
import { tempDir } from '../support/tmp';
import { addAccount, course, learner, progress, writeLive, writeStaging } from './fixture';

describe('cache counts', () => {
  const dir = tempDir('rollbook-stats-');
  const db = openDatabase(dir.path);
  afterAll(() => {
    db.close();
    dir.cleanup();
  });
  const stats = createStatsRepo(db);
  const liveProgress = () =>
    (
      db
        .prepare(
          'SELECT count(*) AS n FROM progress p JOIN accounts a ' +
            'ON a.id = p.account_id AND p.generation = a.live_generation',
        )
        .get() as { n: number }
    ).n;
  const people = Array.from({ length: 30 }, (_, i) => learner(`L${i}`, `Learner ${i}`, null));
  const rows = (courseIds: string[], count: number) =>
    Array.from({ length: count }, (_, i) =>
      progress(
        courseIds[i % courseIds.length]!,
        people[i % people.length]!.id,
        i % 4 === 0 ? 'completed' : 'in_progress',
      ),
    );

  it('counts the live progress rows of every account, whatever else the cache holds', () => {
    addAccount(db, 'a', 'Academy A', { platform: 'sample', seed: 1 });
    addAccount(db, 'b', 'Academy B', { platform: 'sample', seed: 2 });
    // B's progress names a course its course list does not have (a course deleted between two pages of a sync).
    writeLive(db, 'a', {
      courses: [course('C1', 'One'), course('C2', 'Two')],
      learners: people,
      progress: rows(['C1', 'C2'], 30),
    });
    writeLive(db, 'b', { courses: [course('C1', 'One')], learners: people, progress: rows(['C1', 'GONE'], 17) });
    expect(stats.counts()).toMatchObject({ accounts: 2, courses: 3, learners: 60, progress: 47 });

    // A sync of A still running (or one that died) adds rows nobody sees yet.
    writeStaging(db, 'a', { courses: [course('C1', 'One')], learners: people, progress: rows(['C1'], 25) });
    expect(stats.counts()).toMatchObject({ courses: 3, learners: 60, progress: 47 });

    // A new generation of B replaces the old one.
    writeLive(db, 'b', { courses: [course('C3', 'Three')], learners: people.slice(0, 5), progress: rows(['C3'], 5) });
    expect(stats.counts()).toMatchObject({ courses: 3, learners: 35, progress: 35 });
    expect(stats.counts().progress).toBe(liveProgress());

    clearCache(db);
    expect(stats.counts()).toMatchObject({ accounts: 2, courses: 0, learners: 0, progress: 0 });
  });
});
