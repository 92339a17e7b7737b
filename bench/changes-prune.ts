/**
 * Pruning measured alone (the changes section spends ~20 min filling): 1M changes and 1M trend points past the
 * retention (plus 1M and 250k kept), wall and process CPU; then the view's queries over the 1M kept, and one sync
 * writing 100k changes (a mass change). `npx tsx bench/changes-prune.ts`; OLD= and KEEP= set the sizes.
 */
import { pruneHistory } from '../electron/core/store/change-log';
import { createChangeQueries } from '../electron/core/store/change-queries';
import { openDatabase, writeTransaction } from '../electron/core/store/db';
import { tempDir } from '../test/support/tmp';

const DAY = 86_400_000;
const dir = tempDir('prune-probe-');
const db = openDatabase(dir.path);
const now = Date.now();
const accounts = ['a1', 'a2'];
db.prepare(
  "INSERT INTO accounts (id, label, platform, settings_json, created_at, updated_at) VALUES ('a1','A1','sample','{}','x','x'), ('a2','A2','sample','{}','x','x')",
).run();
db.pragma('cache_size = -1000000');
const insertSync = db.prepare(
  'INSERT INTO change_syncs (account_id, run_id, generation, at, total, counts_json) VALUES (?, NULL, ?, ?, ?, ?)',
);
const insertChanges = db.prepare(
  `INSERT INTO changes (sync_id, account_id, at, kind, course_id, course_name, learner_id, learner_name,
     learner_email, from_value, to_value)
   WITH RECURSIVE series(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM series WHERE value < @n)
   SELECT @sync, @account, @at, CASE value % 4 WHEN 0 THEN 'status_changed' WHEN 1 THEN 'enrolled'
       WHEN 2 THEN 'score_changed' ELSE 'attendance_marked' END,
     'c' || (l % 500), 'Course ' || (l % 500), 'l' || l, 'Learner ' || l, 'learner' || l || '@example.org',
     'in_progress', 'completed'
   FROM (SELECT value, abs(random()) % 50000 AS l FROM series)`,
);
let gen = 0;
function fill(days: [number, number], perSync: number) {
  writeTransaction(db, () => {
    for (let day = days[0]; day >= days[1]; day -= 1) {
      for (const account of accounts) {
        const at = new Date(now - day * DAY).toISOString();
        const id = Number(insertSync.run(account, ++gen, at, perSync, '{}').lastInsertRowid);
        insertChanges.run({ sync: id, account, at, n: perSync });
      }
    }
  })();
}
const cpu = () => process.cpuUsage();
const measure = <T>(label: string, fn: () => T): T => {
  const c0 = cpu();
  const t0 = performance.now();
  const r = fn();
  const c = process.cpuUsage(c0);
  console.log(
    `${label}: wall ${((performance.now() - t0) / 1000).toFixed(2)} s, cpu ${((c.user + c.system) / 1e6).toFixed(2)} s (user ${(c.user / 1e6).toFixed(2)}, sys ${(c.system / 1e6).toFixed(2)})`,
    r ?? '',
  );
  return r;
};
const OLD = Number(process.env.OLD ?? 1_000_000);
const KEEP = Number(process.env.KEEP ?? 1_000_000);
measure('fill old', () => fill([800, 401], Math.ceil(OLD / 800)));
measure('fill kept', () => fill([400, 1], Math.ceil(KEEP / 800)));
writeTransaction(db, () => {
  db.prepare(
    `INSERT INTO course_history (account_id, course_id, at, learners, not_started, in_progress, completed,
       passed, failed, incomplete, completion_rate, attendance_rate)
     WITH RECURSIVE series(value) AS (SELECT 0 UNION ALL SELECT value + 1 FROM series WHERE value < @n - 1)
     SELECT 'a1', 'c' || (value % 2500), strftime('%Y-%m-%dT%H:%M:%fZ', @now / 1000, 'unixepoch', '-' || (@d0 - value / 2500) || ' days'),
       100, 10, 20, 50, 10, 5, 5, 60.0, NULL FROM series`,
  ).run({ n: OLD + 250_000, now, d0: 400 + OLD / 2500 });
})();
db.pragma('cache_size = -16384');
db.pragma('wal_checkpoint(TRUNCATE)');
console.log(
  'rows',
  db.prepare('SELECT (SELECT count(*) FROM changes), (SELECT count(*) FROM course_history)').raw().get(),
);
const before = new Date(now - 400 * DAY - DAY / 2).toISOString();
measure('prune', () => pruneHistory(db, before));
console.log(
  'rows',
  db.prepare('SELECT (SELECT count(*) FROM changes), (SELECT count(*) FROM course_history)').raw().get(),
);

const queries = createChangeQueries(db);
const p95 = (label: string, fn: () => unknown) => {
  const s: number[] = [];
  for (let i = 0; i < 40; i += 1) {
    const t = performance.now();
    fn();
    s.push(performance.now() - t);
  }
  s.sort((a, b) => a - b);
  console.log(`${label}: p95 ${s[37]!.toFixed(1)} ms, median ${s[20]!.toFixed(1)} ms`);
};
const from = new Date(now - 30 * DAY).toISOString().slice(0, 10);
p95('first screen', () => queries.list({ accountIds: null }, 0, 200));
p95('30 days', () => queries.list({ accountIds: null, from }, 0, 200));
p95('30 days one kind one account', () =>
  queries.list({ accountIds: ['a1'], from, kinds: ['status_changed'] }, 0, 200),
);
p95('one account', () => queries.list({ accountIds: ['a2'] }, 0, 200));
p95('kind', () => queries.list({ accountIds: null, kinds: ['enrolled'] }, 0, 200));
p95('course', () => queries.list({ accountIds: null, course: { accountId: 'a1', courseId: 'c7' } }, 0, 200));
p95('learner', () => queries.list({ accountIds: null, learner: { accountId: 'a1', learnerId: 'l77' } }, 0, 200));
p95('email', () => queries.list({ accountIds: null, learner: { email: 'Learner77@example.org' } }, 0, 200));
p95('search', () => queries.list({ accountIds: null, search: 'Learner 123' }, 0, 200));
p95('trend', () => queries.courseTrend('a1', 'c7', new Date(now - 400 * DAY).toISOString()));
// A mass change: one sync writes 100k changes, in one transaction, as the flip does.
const at = new Date(now).toISOString();
measure('sync writing 100k changes', () =>
  writeTransaction(db, () => {
    const id = Number(insertSync.run('a1', ++gen, at, 100_000, '{}').lastInsertRowid);
    insertChanges.run({ sync: id, account: 'a1', at, n: 100_000 });
  })(),
);
db.close();
dir.cleanup();
