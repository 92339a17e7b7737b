/**
 * An export reads one snapshot through its own connection (report-queries readSnapshot): the app may write while a
 * long export yields between chunks, and a sync that swaps generations mid-export must not empty the rest of the file.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../electron/core/store/db';
import { createReportQueries } from '../../electron/core/store/report-queries';
import { tempDir } from '../support/tmp';
import { insertLiveAccount } from '../support/live-account';

const NOW = '2026-06-01T00:00:00.000Z';

function fill(db: Db, generation: number) {
  const course = db.prepare(
    `INSERT INTO courses (account_id, generation, id, name, type, raw_json) VALUES ('acc', ?, ?, ?, 'course', '{}')`,
  );
  const learner = db.prepare(
    `INSERT INTO learners (account_id, generation, id, name, email, raw_json) VALUES ('acc', ?, ?, ?, ?, '{}')`,
  );
  const progress = db.prepare(
    'INSERT INTO progress (account_id, generation, course_id, learner_id, status, ' +
      `raw_json) VALUES ('acc', ?, ?, ?, 'completed', '{}')`,
  );
  db.transaction(() => {
    for (let l = 0; l < 50; l += 1)
      learner.run(generation, `l${l}`, `Learner ${l} (gen ${generation})`, `l${l}@example.com`);
    for (let c = 0; c < 4; c += 1) {
      course.run(generation, `c${c}`, `Course ${c}`);
      for (let l = 0; l < 50; l += 1) progress.run(generation, `c${c}`, `l${l}`);
    }
  })();
}

describe('export snapshot', () => {
  const dirs: { cleanup: () => void }[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));

  it.each([
    { path: 'learner map', learnerMapLimit: undefined },
    { path: 'SQL join', learnerMapLimit: 0 },
  ])(
    'keeps reading the generation it started with while the app writes and a sync swaps ($path)',
    ({ learnerMapLimit }) => {
      const dir = tempDir('rollbook-export-snapshot-');
      dirs.push(dir);
      const db = openDatabase(dir.path);
      try {
        insertLiveAccount(db);
        fill(db, 1);
        const rows = createReportQueries(db, { learnerMapLimit }).iterateValues(
          { kind: 'completions', accountIds: null },
          NOW,
        );
        const first = rows.next();
        expect(first.done).toBe(false);

        // The app writes on its own connection meanwhile (this threw "connection is busy" while an export's statement
        // was open)…
        db.prepare(`UPDATE accounts SET label = 'Acme renamed' WHERE id = 'acc'`).run();
        // …and a sync commits generation 2 and drops generation 1, as the cache writer's swap does.
        fill(db, 2);
        db.transaction(() => {
          db.prepare('UPDATE accounts SET live_generation = 2').run();
          for (const table of ['progress', 'learners', 'courses'])
            db.prepare(`DELETE FROM ${table} WHERE generation <> 2`).run();
        })();

        const rest = [...rows];
        const all = [first.value!, ...rest];
        expect(all).toHaveLength(200);
        expect(new Set(all.map((r) => r[0]))).toEqual(new Set(['Acme']));
        expect(all.every((r) => String(r[5]).endsWith('(gen 1)'))).toBe(true);

        // The next export sees the new generation.
        const next = [
          ...createReportQueries(db, { learnerMapLimit }).iterateValues({ kind: 'completions', accountIds: null }, NOW),
        ];
        expect(next).toHaveLength(200);
        expect(next.every((r) => r[0] === 'Acme renamed' && String(r[5]).endsWith('(gen 2)'))).toBe(true);
      } finally {
        db.close();
      }
    },
  );
});
