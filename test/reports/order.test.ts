/**
 * The completions report streams in course order and sorts one course name at a time (report-queries.ts). Its rows
 * must equal a plain full ORDER BY over the same joins, including the awkward cases: course names equal but for case
 * (one block), progress for a course or learner missing from the cache, several accounts, and every filter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportDefinition } from '../../electron/core/contract/channels/reports';
import { openDatabase, type Db } from '../../electron/core/store/db';
import { computeStats } from '../../electron/core/store/cache-writer';
import { buildReportQuery, createReportQueries } from '../../electron/core/store/report-queries';
import { tempDir } from '../support/tmp';
import { localDay } from '../../electron/core/store/due-dates';
import { insertLiveAccount } from '../support/live-account';

/** The report as one full sort: what the preview order means. */
const FULL_SORT = `SELECT a.label, a.platform, p.course_id, coalesce(c.name, p.course_id) AS course_name, p.learner_id,
    coalesce(l.name, p.learner_id) AS learner_name, l.email, p.status, p.raw_status, p.progress_pct, p.completed_at,
  p.last_activity_at, p.assigned_at, p.due_at,
  CASE WHEN p.status NOT IN ('completed', 'passed')
    AND (p.due_at < @today AND length(p.due_at) = 10 OR length(p.due_at) > 10 AND p.due_at < @now)
    THEN 'yes' ELSE 'no' END,
  p.expires_at, p.certificate_issued_at, p.certificate_expires_at, round(p.time_spent_s / 60.0, 1), p.score,
  l.department
  FROM progress p JOIN accounts a ON a.id = p.account_id AND p.generation = a.live_generation
  LEFT JOIN learners l ON l.account_id = p.account_id AND l.generation = p.generation AND l.id = p.learner_id
  LEFT JOIN courses c ON c.account_id = p.account_id AND c.generation = p.generation AND c.id = p.course_id
  WHERE %where
  ORDER BY a.label COLLATE NOCASE, course_name COLLATE NOCASE, learner_name COLLATE NOCASE, p.learner_id, p.course_id`;

describe('completions order', () => {
  const dir = tempDir('rollbook-report-order-');
  let db: Db;
  beforeAll(() => {
    db = openDatabase(dir.path);
    const account = db.prepare(
      'INSERT INTO accounts (id, platform, label, settings_json, live_generation, ' +
        `created_at, updated_at) VALUES (?, 'sample', ?, '{}', ?, '', '')`,
    );
    const course = db.prepare(
      `INSERT INTO courses (account_id, generation, id, name, type, raw_json) VALUES (?, ?, ?, ?, 'course', '{}')`,
    );
    const learner = db.prepare(
      `INSERT INTO learners (account_id, generation, id, name, email, status, department, raw_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, '{}')`,
    );
    const progress =
      db.prepare(`INSERT INTO progress (account_id, generation, course_id, learner_id, status, raw_status, progress_pct,
      completed_at, last_activity_at, due_at, expires_at, certificate_expires_at, time_spent_s, raw_json)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')`);
    const names = ['Same name', 'SAME NAME', 'same name', 'Ångström', 'angstrom', 'Zebra', '=cmd', 'b', 'B', 'a'];
    // NOCASE folds ASCII only: 'É' sorts before 'é' although its id is later.
    // 'Ángel 𝒜' and 'Ángel ﬀ': UTF-16 order puts the astral 𝒜 (a surrogate pair) first, SQLite's code point order last.
    const learners = ['Zoë', 'zoe', 'ZOE', 'Ángel', 'Ángel 𝒜', 'Ángel ﬀ', 'bob', 'Bob', 'alice', "O'Brien", 'é', 'É'];
    const statuses = ['completed', 'passed', 'in_progress', 'failed'];
    db.transaction(() => {
      for (const [a, [id, label, generation]] of (
        [
          ['acc-b', 'beta', 2],
          ['acc-a', 'Alpha', 1],
          ['acc-c', 'ALPHA 2', 3],
        ] as const
      ).entries()) {
        account.run(id, label, generation);
        // An old generation that must never show.
        course.run(id, generation - 1, 'c0', 'Old generation');
        progress.run(id, generation - 1, 'c0', 'l0', 'passed', 'passed', 100, null, null, null, null, null, null);
        names.forEach((name, c) => course.run(id, generation, `c${c}`, name));
        learners.forEach((name, l) =>
          learner.run(
            id,
            generation,
            `l${l}`,
            name,
            l === 3 ? null : `${name}@example.com`,
            // Leavers (l1 blocked, l6 deleted) hide unless asked for; l2 has no status at all.
            l === 1 ? 'blocked' : l === 6 ? 'deleted' : l === 2 ? null : 'active',
            l % 4 === 0 ? null : `Dept ${l % 4}`,
          ),
        );
        for (let c = 0; c < names.length + 2; c += 1) {
          // c10 and c11 are not in `courses`; l12 and l13 are not in `learners`.
          for (let l = (c + a) % 3; l < learners.length + 2; l += 1 + ((c + l) % 2)) {
            const status = statuses[(c + l) % statuses.length]!;
            const day = `2026-0${1 + ((c + l) % 5)}-1${l % 10}T10:00:00.000Z`;
            progress.run(
              id,
              generation,
              `c${c}`,
              `l${l}`,
              status,
              status,
              (c * 7 + l) % 3 === 0 ? 100 : 12.5,
              status === 'completed' ? day : null,
              day,
              // Due: a calendar date, an instant (either side of "now") or none; expiries on either end.
              [`2026-05-${10 + (l % 20)}`, '2026-06-01T08:00:00.000Z', '2026-06-02T08:00:00.000Z', null][
                (c + 2 * l) % 4
              ],
              (c + l) % 3 === 0 ? `2026-0${6 + (l % 3)}-15` : null,
              (c + l) % 5 === 0 ? `2026-0${6 + (c % 3)}-01` : null,
              (c + l) % 2 === 0 ? 60 * (c + l) + 29 : null,
            );
          }
        }
        // What a sync's commit stores beside its rows: exports total their progress bar from it.
        computeStats(db, { account: id, generation, before: '2026-05-01T00:00:00.000Z' });
      }
    })();
  });
  afterAll(() => {
    db.close();
    dir.cleanup();
  });

  const definitions: ReportDefinition[] = [
    { kind: 'completions', accountIds: null },
    { kind: 'completions', accountIds: ['acc-a', 'acc-c'] },
    { kind: 'completions', accountIds: null, platforms: ['sample'], courseIds: ['c0', 'c1', 'c2', 'c11'] },
    { kind: 'completions', accountIds: null, statuses: ['completed', 'failed'], from: '2026-02-01', to: '2026-04-30' },
    { kind: 'completions', accountIds: ['acc-b'], statuses: ['in_progress', 'passed'], courseIds: ['c1', 'c3', 'c10'] },
    { kind: 'completions', accountIds: null, learnerSearch: 'ángel' },
    { kind: 'completions', accountIds: null, learnerSearch: 'zo' },
    { kind: 'completions', accountIds: null, includeLeavers: true },
    { kind: 'completions', accountIds: null, overdue: true },
    { kind: 'completions', accountIds: ['acc-a'], dueBefore: '2026-05-20', includeLeavers: true },
    { kind: 'completions', accountIds: null, expiresBefore: '2026-07-01', learnerSearch: 'zo' },
  ];

  // Exports read learners into a map and sort each block in JS (completions-stream.ts); past the map's limit they
  // join in SQL. Both must give the rows of one full sort.
  const cases = definitions.flatMap((definition) => [
    { definition, learnerMapLimit: undefined },
    { definition, learnerMapLimit: 0 },
  ]);

  it.each(cases)('equals one full sort over the joins: %j', ({ definition, learnerMapLimit }) => {
    const queries = createReportQueries(db, { learnerMapLimit });
    const { sql, params } = buildReportQuery(definition, '2026-06-01T00:00:00.000Z', 'count');
    const where = /WHERE (.*)$/s.exec(sql)?.[1] ?? '1';
    const expected = db.prepare(FULL_SORT.replace('%where', where)).raw().all(params) as unknown[][];
    expect(expected.length).toBeGreaterThan(0);
    const rows = [...queries.iterateValues(definition, '2026-06-01T00:00:00.000Z')];
    const key = (r: unknown[]) => JSON.stringify(r);
    expect(rows.map(key)).toEqual(expected.map(key));
    expect(queries.count(definition, '2026-06-01T00:00:00.000Z')).toBe(expected.length);
    expect(queries.head(definition, '2026-06-01T00:00:00.000Z', 5).map((r) => Object.values(r))).toEqual(
      expected.slice(0, 5),
    );
  });
});

describe('completions export with more learners than one read slice', () => {
  it('names every learner: the learner map is read in key-ordered slices and none is lost between them', () => {
    const dir = tempDir('rollbook-report-slices-');
    const db = openDatabase(dir.path);
    try {
      insertLiveAccount(db, 'Big');
      db.prepare(
        'INSERT INTO courses (account_id, generation, id, name, type, raw_json) ' +
          `VALUES ('acc', 1, 'c1', 'Course', 'course', '{}')`,
      ).run();
      const learner = db.prepare(
        `INSERT INTO learners (account_id, generation, id, name, email, raw_json) VALUES ('acc', 1, ?, ?, ?, '{}')`,
      );
      const progress = db.prepare(
        'INSERT INTO progress (account_id, generation, course_id, learner_id, status, ' +
          `raw_json) VALUES ('acc', 1, 'c1', ?, 'completed', '{}')`,
      );
      const total = 3 * 4096 + 7;
      db.transaction(() => {
        // Ids that sort differently as text and as numbers, and an empty id: the first slice must not skip it.
        for (let i = 0; i < total; i += 1) {
          const id = i === 0 ? '' : String(i);
          learner.run(id, `Learner ${(i * 7919) % total}`, `l${i}@example.com`);
          progress.run(id);
        }
        computeStats(db, { account: 'acc', generation: 1, before: '2026-05-01T00:00:00.000Z' });
      })();
      const rows = [
        ...createReportQueries(db).iterateValues({ kind: 'completions', accountIds: null }, '2026-06-01T00:00:00.000Z'),
      ];
      const expected = db
        .prepare(FULL_SORT.replace('%where', '1'))
        .raw()
        .all({ now: '2026-06-01T00:00:00.000Z', today: localDay('2026-06-01T00:00:00.000Z') }) as unknown[][];
      expect(rows).toHaveLength(total);
      expect(rows.filter((r) => r[6] === null)).toEqual([]);
      expect(rows.map((r) => JSON.stringify(r))).toEqual(expected.map((r) => JSON.stringify(r)));
    } finally {
      db.close();
      dir.cleanup();
    }
  });
});
