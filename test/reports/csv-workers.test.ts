/**
 * Large completions CSVs are written by worker threads (reports/csv-in-workers.ts): segments of whole blocks,
 * claimed in turn and put in the file in order. The file must be byte for byte the one a single thread writes, for
 * every filter and option, whatever the segment size; a sync that swaps a generation between the course list and the
 * workers sends the export back to one thread, and a failing worker fails the export without leaving a file.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportDefinition } from '../../electron/core/contract/channels/reports';
import { createCore, type Core } from '../../electron/core/core';
import {
  csvThreads,
  findCsvWorkers,
  startCsvWorkers,
  type CsvWorkers,
} from '../../electron/core/reports/csv-in-workers';
import { exportReport, type ExportDeps } from '../../electron/core/reports/export';
import { noKeychain } from '../../electron/core/secrets/keychain';
import { createSecretStore } from '../../electron/core/secrets/secret-store';
import { computeStats } from '../../electron/core/store/cache-writer';
import { openDatabase, type Db } from '../../electron/core/store/db';
import { createReportQueries } from '../../electron/core/store/report-queries';
import { tempDir } from '../support/tmp';
import { insertLiveAccount } from '../support/live-account';

const NOW = new Date('2026-06-01T00:00:00.000Z');

/** A cache of its own with one live account, 'acc' at generation 1, filled by `rows`. */
function accountCache(prefix: string, rows: (db: Db) => void) {
  const dir = tempDir(prefix);
  const db = openDatabase(dir.path);
  try {
    insertLiveAccount(db);
    db.transaction(() => rows(db))();
  } finally {
    db.close();
  }
  return dir;
}
const workersHere = findCsvWorkers()!;

/** Accounts with course names equal but for case (one block across courses), hostile cells, and learners missing. */
function fill(db: Db, generation: number, suffix = '') {
  const account = db.prepare(
    'INSERT OR REPLACE INTO accounts (id, platform, label, settings_json, live_generation, ' +
      `created_at, updated_at) VALUES (?, 'sample', ?, '{}', ?, '', '')`,
  );
  const course = db.prepare(
    `INSERT INTO courses (account_id, generation, id, name, type, raw_json) VALUES (?, ?, ?, ?, 'course', '{}')`,
  );
  const learner = db.prepare(
    `INSERT INTO learners (account_id, generation, id, name, email, raw_json) VALUES (?, ?, ?, ?, ?, '{}')`,
  );
  const progress = db.prepare(`INSERT INTO progress (account_id, generation, course_id, learner_id, status, raw_status,
    progress_pct, completed_at, last_activity_at, raw_json)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')`);
  const courseNames = [
    'Same name',
    'SAME NAME',
    'Fire, "Safety"',
    '=cmd',
    'Ångström',
    'b',
    'B',
    'Line\nBreak',
    '王芳',
    'zz',
  ];
  const learnerNames = [
    'Zoë',
    'zoe',
    '=HYPERLINK("x")',
    'O\'Brien, "Shiv"',
    'Ángel 𝒜',
    '@SUM(A1)',
    'é',
    'É',
    'bob',
    'Bob',
  ];
  const statuses = ['completed', 'passed', 'in_progress', 'failed'];
  db.transaction(() => {
    for (const [a, [id, label]] of (
      [
        ['acc-b', 'beta'],
        ['acc-a', 'Alpha'],
        ['acc-c', 'ALPHA 2'],
      ] as const
    ).entries()) {
      account.run(id, label, generation);
      courseNames.forEach((name, c) => course.run(id, generation, `c${c}`, `${name}${suffix}`));
      for (let l = 0; l < 60; l += 1)
        learner.run(
          id,
          generation,
          `l${l}`,
          `${learnerNames[l % learnerNames.length]} ${l}${suffix}`,
          l % 7 ? `l${l}@example.com` : null,
        );
      // c10 is not in `courses`; l60 and l61 are not in `learners`.
      for (let c = 0; c <= courseNames.length; c += 1) {
        for (let l = (c + a) % 3; l < 62; l += 1 + ((c + l) % 3)) {
          const status = statuses[(c + l) % statuses.length]!;
          const day = `2026-0${1 + ((c + l) % 5)}-1${l % 10}T10:00:00.000Z`;
          progress.run(
            id,
            generation,
            `c${c}`,
            `l${l}`,
            status,
            l % 11 ? status : '-1+1',
            (c * 7 + l) % 3 === 0 ? 100 : 12.5,
            status === 'completed' ? day : null,
            day,
          );
        }
      }
      computeStats(db, { account: id, generation, before: '2026-05-01T00:00:00.000Z' });
    }
  })();
}

describe('CSV in worker threads', () => {
  const dir = tempDir('rollbook-csv-workers-');
  let inline: Core;
  const cores: Core[] = [];
  const inWorkers = (workers: Partial<CsvWorkers>) => {
    const core = createCore({
      dataDir: dir.path,
      secrets: createSecretStore(noKeychain()),
      now: () => NOW,
      csvWorkers: { ...workersHere, minRows: 0, ...workers },
    });
    cores.push(core);
    return core;
  };
  let files = 0;
  const exportWith = async (
    core: Core,
    definition: ReportDefinition,
    options: { bom?: boolean; localeDates?: boolean; locale?: string } = {},
  ) => {
    const path = join(dir.path, `out-${(files += 1)}.csv`);
    const progress: [number, number | null, boolean][] = [];
    const off = core.on('reports.progress', (p) => p.path === path && progress.push([p.rows, p.total, p.done]));
    const result = await core.call('reports.export', { definition, format: 'csv', path, options });
    off();
    return { bytes: readFileSync(path), result, progress };
  };

  beforeAll(() => {
    const db = openDatabase(dir.path);
    fill(db, 1);
    db.close();
    inline = createCore({ dataDir: dir.path, secrets: createSecretStore(noKeychain()), now: () => NOW });
  });
  afterAll(() => {
    for (const core of [inline, ...cores]) core.close();
    dir.cleanup();
  });

  const definitions: ReportDefinition[] = [
    { kind: 'completions', accountIds: null },
    { kind: 'completions', accountIds: ['acc-a', 'acc-c'] },
    { kind: 'completions', accountIds: null, courseIds: ['c0', 'c1', 'c2', 'c10'] },
    { kind: 'completions', accountIds: null, statuses: ['completed', 'failed'], from: '2026-02-01', to: '2026-04-30' },
  ];

  it.each([
    { threads: 2, segmentCourses: 1 },
    { threads: 3, segmentCourses: 4 },
    { threads: 2, segmentCourses: 1_000 },
  ])(
    'writes the same bytes as one thread, for every filter ($threads threads, segments of $segmentCourses courses)',
    async (workers) => {
      const core = inWorkers(workers);
      for (const definition of definitions) {
        for (const options of [{}, { bom: false, localeDates: true, locale: 'de-DE' }]) {
          const one = await exportWith(inline, definition, options);
          const many = await exportWith(core, definition, options);
          expect(many.result.rows).toBe(one.result.rows);
          expect(many.bytes.equals(one.bytes)).toBe(true);
          expect(one.result.rows).toBeGreaterThan(0);
          // The progress bar moves forward and ends at the file's rows.
          const rows = many.progress.map(([n]) => n);
          expect(rows).toEqual([...rows].sort((x, y) => x - y));
          expect(many.progress.at(-1)).toEqual([many.result.rows, many.result.rows, true]);
        }
      }
    },
  );

  it('an empty selection is a header alone', async () => {
    const one = await exportWith(inline, { kind: 'completions', accountIds: ['nobody'] });
    const many = await exportWith(inWorkers({ threads: 2 }), { kind: 'completions', accountIds: ['nobody'] });
    expect(many.bytes.toString()).toBe(one.bytes.toString());
    expect(many.result.rows).toBe(0);
  });

  it('keeps small exports, single cores and learner searches on one thread', () => {
    expect(csvThreads(undefined, 1e6)).toBe(0);
    expect(csvThreads({ ...workersHere, threads: 1 }, 1e6)).toBe(0);
    expect(csvThreads({ ...workersHere, threads: 2 }, 49_999)).toBe(0);
    expect(csvThreads({ ...workersHere, threads: 2 }, 50_000)).toBe(2);
    const db = openDatabase(dir.path);
    try {
      const queries = createReportQueries(db);
      expect(queries.completionsScope({ kind: 'completions', accountIds: null, learnerSearch: 'zo' })).toBeNull();
      expect(queries.completionsScope({ kind: 'attendance', accountIds: null })).toBeNull();
      expect(
        createReportQueries(db, { learnerMapLimit: 10 }).completionsScope({ kind: 'completions', accountIds: null }),
      ).toBeNull();
      expect(
        queries.completionsScope({ kind: 'completions', accountIds: ['acc-a', 'acc-c'] })?.accounts.sort(),
      ).toEqual([
        ['acc-a', 1],
        ['acc-c', 1],
      ]);
      expect(
        queries.completionsCourses({ kind: 'completions', accountIds: null }, NOW.toISOString()).courses,
      ).toHaveLength(33);
    } finally {
      db.close();
    }
  });

  it('loads learner maps only for the accounts with rows in the chosen courses', () => {
    const own = tempDir('rollbook-csv-scope-');
    const db = openDatabase(own.path);
    try {
      const account = db.prepare(
        'INSERT INTO accounts (id, platform, label, settings_json, live_generation, ' +
          `created_at, updated_at) VALUES (?, 'sample', ?, '{}', 1, '', '')`,
      );
      const learner = db.prepare(
        `INSERT INTO learners (account_id, generation, id, name, email, raw_json) VALUES (?, 1, ?, 'L', NULL, '{}')`,
      );
      const progress =
        db.prepare(`INSERT INTO progress (account_id, generation, course_id, learner_id, status, raw_status,
    progress_pct, completed_at, last_activity_at, raw_json)
        VALUES (?, ?, ?, 'l0', 'completed', 'completed', 100, NULL, NULL, '{}')`);
      db.transaction(() => {
        for (const id of ['x', 'y']) {
          account.run(id, id);
          for (let l = 0; l < 6; l += 1) learner.run(id, `l${l}`);
        }
        // 'orphan' has progress rows but no row in `courses`; 'old' exists only in a generation that is not live.
        progress.run('x', 1, 'kx');
        progress.run('x', 1, 'orphan');
        progress.run('y', 1, 'ky');
        progress.run('y', 2, 'old');
      })();
      const scopeOf = (courseIds: string[], limit?: number) =>
        createReportQueries(db, limit ? { learnerMapLimit: limit } : {})
          .completionsScope({ kind: 'completions', accountIds: null, courseIds })
          ?.accounts.sort() ?? null;
      expect(scopeOf(['kx'])).toEqual([['x', 1]]);
      expect(scopeOf(['orphan'])).toEqual([['x', 1]]);
      expect(scopeOf(['kx', 'ky'])).toEqual([
        ['x', 1],
        ['y', 1],
      ]);
      expect(scopeOf(['old'])).toEqual([]);
      // Six learners per account: one account's map fits a limit of 10, both do not.
      expect(scopeOf(['ky'], 10)).toEqual([['y', 1]]);
      expect(scopeOf(['kx', 'ky'], 10)).toBeNull();
    } finally {
      db.close();
      own.cleanup();
    }
  });

  it('finds its code: the TypeScript source here, the bundle beside a built entry', () => {
    expect(workersHere.entry.url.pathname).toMatch(/electron\/core\/reports\/csv-worker\.ts$/);
    const built = tempDir();
    try {
      writeFileSync(join(built.path, 'csv-worker.js'), '');
      expect(findCsvWorkers(pathToFileURL(join(built.path, 'chunks', 'core-abc.js')).href)?.entry.url.href).toBe(
        pathToFileURL(join(built.path, 'csv-worker.js')).href,
      );
      expect(findCsvWorkers(pathToFileURL(join(built.path, 'deeper', 'still', 'x.js')).href)).toBeUndefined();
    } finally {
      built.cleanup();
    }
  });

  it('keeps segments of several chunks in order while the next segment waits its turn', async () => {
    // Three courses of 25k rows, ~4.8 MB of CSV each: a segment ahead of the file hands over a few 1 MB chunks and
    // waits.
    const padding = 'x'.repeat(80);
    const big = accountCache('rollbook-csv-workers-big-', (db) => {
      for (let l = 0; l < 25_000; l += 1) {
        db.prepare(
          `INSERT INTO learners (account_id, generation, id, name, email, raw_json) VALUES ('acc', 1, ?, ?, ?, '{}')`,
        ).run(`l${l}`, `Learner ${l % 997} ${padding}`, `l${l}@example.com`);
      }
      for (let c = 0; c < 3; c += 1) {
        db.prepare(
          'INSERT INTO courses (account_id, generation, id, name, type, ' +
            `raw_json) VALUES ('acc', 1, ?, ?, 'course', '{}')`,
        ).run(`c${c}`, `Course ${c}`);
        db.prepare(
          `INSERT INTO progress (account_id, generation, course_id, learner_id, status, raw_status,
          progress_pct, last_activity_at, raw_json)
          SELECT 'acc', 1, ?, id, 'completed', 'completed', 100, '2026-03-01T10:00:00.000Z', '{}' FROM learners`,
        ).run(`c${c}`);
      }
      computeStats(db, { account: 'acc', generation: 1, before: '2026-05-01T00:00:00.000Z' });
    });
    const one = createCore({ dataDir: big.path, secrets: createSecretStore(noKeychain()), now: () => NOW });
    const many = createCore({
      dataDir: big.path,
      secrets: createSecretStore(noKeychain()),
      now: () => NOW,
      csvWorkers: { ...workersHere, threads: 2, segmentCourses: 1 },
    });
    try {
      const a = await exportWith(one, { kind: 'completions', accountIds: null });
      const b = await exportWith(many, { kind: 'completions', accountIds: null });
      expect(b.result.rows).toBe(75_000);
      expect(b.bytes.length).toBeGreaterThan(12 * 2 ** 20);
      expect(b.bytes.equals(a.bytes)).toBe(true);
    } finally {
      one.close();
      many.close();
      big.cleanup();
    }
  });

  it(
    'stops its workers promptly at any moment, without killing them (a ' +
      'thread killed inside SQLite can abort the process)',
    async () => {
      // Called off while the workers start, read their learners, or wait for the course list: each must exit by itself.
      const many = accountCache('rollbook-csv-workers-stop-', (db) => {
        db.prepare(
          `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 149999)
        INSERT INTO learners (account_id, generation, id, name, email, raw_json)
          SELECT 'acc', 1, 'l' || i, 'Learner ' || i, 'l' || i || '@example.com', '{}' FROM n`,
        ).run();
      });
      try {
        // The last round waits until the workers have surely loaded their maps and wait for the course list.
        for (const delay of [100, 250, 400, 550, 700, 4_000]) {
          const group = startCsvWorkers(workersHere, 3, {
            databasePath: join(many.path, 'rollbook.sqlite'),
            accounts: [['acc', 1]],
          });
          await new Promise((resolve) => setTimeout(resolve, delay));
          const t0 = performance.now();
          await group.stop();
          // Each worker noticed at its next check and exited: stop gives up waiting for them only after 10 s.
          expect(performance.now() - t0).toBeLessThan(9_000);
        }
      } finally {
        many.cleanup();
      }
    },
  );

  describe('when things go wrong', () => {
    const own = tempDir('rollbook-csv-workers-wrong-');
    let db: Db;
    beforeAll(() => {
      db = openDatabase(own.path);
      fill(db, 1, ' (gen 1)');
    });
    afterAll(() => {
      db.close();
      own.cleanup();
    });
    const deps = (queries: ExportDeps['queries']): ExportDeps => ({
      queries,
      pdf: { render: () => Promise.reject(new Error('no PDFs here')) },
      now: () => NOW,
      accountLabels: () => 'All accounts',
      csvWorkers: { ...workersHere, threads: 2, minRows: 0, segmentCourses: 2 },
    });
    const options = { bom: true, localeDates: false, force: false };

    /** A sync commits generation `next` and sweeps the one before, as the cache writer's swap does. */
    const swap = (next: number) => {
      fill(db, next, ` (gen ${next})`);
      db.transaction(() => {
        for (const table of ['progress', 'learners', 'courses', 'course_stats', 'generation_stats'])
          db.prepare(`DELETE FROM ${table} WHERE generation <> ?`).run(next);
      })();
    };

    it.each([
      { when: 'after the scope was read, before the workers open their snapshots', at: 'scope' as const },
      { when: 'after the workers loaded their learners, before the course list was read', at: 'courses' as const },
      // The workers boot while the course list is read (from source, under tsx, in hundreds of milliseconds).
      { when: 'after the course list was read, before the workers open their snapshots', at: 'booting' as const },
    ])('a sync that swaps a generation $when sends the export back to one thread', async ({ at }) => {
      const generation =
        (db.prepare(`SELECT live_generation FROM accounts WHERE id = 'acc-a'`).pluck().get() as number) + 1;
      const queries = createReportQueries(db);
      const path = join(own.path, `swapped-${at}.csv`);
      let swapped = false;
      const result = await exportReport(
        deps({
          ...queries,
          completionsScope: (def) => {
            const scope = queries.completionsScope(def);
            if (at === 'scope') swapped = (swap(generation), true);
            return scope;
          },
          completionsCourses: (def, now) => {
            if (at === 'courses') {
              // Long enough for both workers to have opened their snapshots at the old generation.
              const until = Date.now() + 1_500;
              while (Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
              swapped = (swap(generation), true);
            }
            const read = queries.completionsCourses(def, now);
            if (at === 'booting') swapped = (swap(generation), true);
            return read;
          },
        }),
        { definition: { kind: 'completions', accountIds: null }, format: 'csv', path, options },
      );
      expect(swapped).toBe(true);
      const text = readFileSync(path, 'utf8');
      // Every row, all from the new generation: none lost to the swept one, none mixed.
      expect(result.rows).toBeGreaterThan(500);
      expect(text).not.toContain(`(gen ${generation - 1})`);
      expect(text.split(`(gen ${generation})`).length - 1).toBeGreaterThanOrEqual(result.rows);
      const again = await exportReport(deps(createReportQueries(db)), {
        definition: { kind: 'completions', accountIds: null },
        format: 'csv',
        path: join(own.path, `after-${at}.csv`),
        options,
      });
      expect(readFileSync(join(own.path, `after-${at}.csv`)).equals(readFileSync(path))).toBe(true);
      expect(again.rows).toBe(result.rows);
    });

    it('a worker that fails fails the export with a clear error, leaves no file, and logs the cause', async () => {
      const queries = createReportQueries(db);
      const path = join(own.path, 'failed.csv');
      const missing = join(own.path, 'missing', 'rollbook.sqlite');
      const lines: Record<string, unknown>[] = [];
      const log = pino({}, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
      const error = await exportReport(
        {
          ...deps({
            ...queries,
            completionsScope: (def) => ({ ...queries.completionsScope(def)!, databasePath: missing }),
          }),
          log,
        },
        { definition: { kind: 'completions', accountIds: null }, format: 'csv', path, options },
      ).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'export_failed',
        message: expect.stringMatching(/CSV worker failed.*Nothing was written/s),
      });
      expect(existsSync(path)).toBe(false);
      expect(readdirSync(own.path).filter((name) => name.includes('failed.csv'))).toEqual([]);
      // export_failed is not a bug the core logs: the worker's failure and its stack are logged by the export.
      expect(lines).toMatchObject([
        {
          level: 50,
          msg: 'export failed',
          kind: 'completions',
          format: 'csv',
          err: { message: expect.stringMatching(/^A CSV worker failed/), stack: expect.any(String) },
        },
      ]);

      const definition = { kind: 'completions', accountIds: null } as const;
      const ok = await exportReport({ ...deps(queries), log }, { definition, format: 'csv', path, options });
      expect(lines[1]).toMatchObject({ level: 30, msg: 'export written', kind: 'completions', format: 'csv' });
      expect(lines[1]).toMatchObject({ rows: ok.rows, bytes: ok.bytes, csvThreads: 2 });
      expect(JSON.stringify(lines)).not.toContain(own.path);
    });
  });
});
