/**
 * The change log (issue #24): at each generation flip, what differs between the account's previous live generation
 * and the new one, written in the flip's own transaction (cache-writer's commit), so a cache never holds data without
 * its changes or changes without their data, and a failed or cancelled sync, which never flips, records none.
 *
 * Computed in SQL from the two generations, not from what the connector sent: an incremental run's copy-forward makes
 * its generation the same complete picture a full run builds, so both record the same changes. Each resource is
 * diffed in one pass over the new generation with a primary-key lookup into the old one (plus one pass the other way
 * for removed rows); only rows that differ reach the small TEMP tables the kinds are read from.
 */
import type { ChangeKind } from '../contract/channels/changes';
import type { Statement } from 'better-sqlite3';
import { writeTransaction, type Db } from './db';

export interface ChangeLogParams {
  account: string;
  /** The generation live before the flip; 0 for an account never synced (its first sync is a baseline). */
  from: number;
  to: number;
  /** The flip's time (this computer's clock): every change of the sync carries it. */
  at: string;
  /** The previous flip's time: an expiry between it and `at` passed during this sync's window. */
  prevAt: string | null;
  runId: number | null;
}

/** Whether a date-only (`YYYY-MM-DD`, valid through that day) or date-time expiry has passed at `t`. */
const passed = (x: string, t: string) =>
  `(${x} IS NOT NULL AND ${t} IS NOT NULL AND ` +
  `CASE WHEN length(${x}) = 10 THEN ${x} < substr(${t}, 1, 10) ELSE ${x} <= ${t} END)`;

/**
 * A generation's rows in primary-key order. Without this SQLite may walk a secondary index that starts with the same
 * (account_id, generation) (by learner, by course) and fetch each row from the table out of order: three times slower.
 */
const keyOrder = (table: string, alias: string) => `${table} ${alias} INDEXED BY sqlite_autoindex_${table}_1`;

const scope = (alias: string, generation: '@from' | '@to') =>
  `${alias}.account_id = @account AND ${alias}.generation = ${generation}`;

const EXPIRY = (alias: string) => `coalesce(${alias}.expires_at, ${alias}.certificate_expires_at)`;

const TEMP_TABLES = `
  CREATE TEMP TABLE IF NOT EXISTS cl_progress (
    course_id TEXT, learner_id TEXT, in_old INTEGER, in_new INTEGER, o_status TEXT, n_status TEXT, o_score REAL,
    n_score REAL, o_due TEXT, n_due TEXT, o_cert TEXT, n_cert TEXT, expired INTEGER, n_expiry TEXT, n_completed TEXT);
  CREATE TEMP TABLE IF NOT EXISTS cl_learners (
    id TEXT, in_old INTEGER, in_new INTEGER, o_status TEXT, n_status TEXT, name TEXT, email TEXT);`;

/** Progress rows that differ in anything a kind looks at, new ones, and (second statement) removed ones. */
const PROGRESS_DIFF = [
  `INSERT INTO temp.cl_progress
   SELECT n.course_id, n.learner_id, o.learner_id IS NOT NULL, 1, o.status, n.status, o.score, n.score, o.due_at,
     n.due_at, o.certificate_issued_at, n.certificate_issued_at,
     o.learner_id IS NOT NULL AND ${passed(EXPIRY('n'), '@at')} AND NOT ${passed(EXPIRY('o'), '@prevAt')},
     ${EXPIRY('n')}, n.completed_at
   FROM ${keyOrder('progress', 'n')}
   LEFT JOIN progress o ON ${scope('o', '@from')} AND o.course_id = n.course_id AND o.learner_id = n.learner_id
   WHERE ${scope('n', '@to')} AND (o.learner_id IS NULL OR o.status IS NOT n.status OR o.score IS NOT n.score
     OR o.due_at IS NOT n.due_at OR o.certificate_issued_at IS NOT n.certificate_issued_at
     OR (${passed(EXPIRY('n'), '@at')} AND NOT ${passed(EXPIRY('o'), '@prevAt')}))`,
  `INSERT INTO temp.cl_progress (course_id, learner_id, in_old, in_new, o_status)
   SELECT o.course_id, o.learner_id, 1, 0, o.status FROM ${keyOrder('progress', 'o')}
   WHERE ${scope('o', '@from')} AND NOT EXISTS (SELECT 1 FROM progress n
     WHERE ${scope('n', '@to')} AND n.course_id = o.course_id AND n.learner_id = o.learner_id)`,
];

const LEARNERS_DIFF = [
  `INSERT INTO temp.cl_learners
   SELECT n.id, o.id IS NOT NULL, 1, o.status, n.status, n.name, n.email FROM ${keyOrder('learners', 'n')}
   LEFT JOIN learners o ON ${scope('o', '@from')} AND o.id = n.id
   WHERE ${scope('n', '@to')} AND (o.id IS NULL OR o.status IS NOT n.status)`,
  `INSERT INTO temp.cl_learners
   SELECT o.id, 1, 0, o.status, NULL, o.name, o.email FROM ${keyOrder('learners', 'o')}
   WHERE ${scope('o', '@from')} AND NOT EXISTS (SELECT 1 FROM learners n WHERE ${scope('n', '@to')} AND n.id = o.id)`,
];

const INSERT = `INSERT INTO changes (sync_id, account_id, at, kind, course_id, course_name, learner_id, learner_name,
  learner_email, session_id, session_name, from_value, to_value, occurred_at)`;

/** Names of a course, learner or session: from the new generation, else (removed) from the old one. */
const named = (table: string, alias: string, column: string) =>
  `LEFT JOIN ${table} ${alias}n ON ${scope(`${alias}n`, '@to')} AND ${alias}n.id = ${column}
   LEFT JOIN ${table} ${alias}o ON ${scope(`${alias}o`, '@from')} AND ${alias}o.id = ${column}`;

const score = (column: string) => `CASE WHEN ${column} IS NULL THEN NULL ELSE printf('%g', ${column}) END`;
const FINISHED = `('completed', 'passed', 'failed')`;

const PROGRESS_KINDS = `${INSERT}
  SELECT @sync, @account, @at, x.kind, x.course_id, coalesce(cn.name, co.name), x.learner_id,
    coalesce(ln.name, lo.name), coalesce(ln.email, lo.email), NULL, NULL, x.from_value, x.to_value, x.occurred_at
  FROM (
    SELECT 'enrolled' AS kind, course_id, learner_id, NULL AS from_value, n_status AS to_value, NULL AS occurred_at
      FROM temp.cl_progress WHERE in_new AND NOT in_old
    UNION ALL SELECT 'unenrolled', course_id, learner_id, o_status, NULL, NULL
      FROM temp.cl_progress WHERE in_old AND NOT in_new
    -- A row that arrives already finished is a completion (or failure) too: from nothing to its status.
    UNION ALL SELECT 'status_changed', course_id, learner_id, o_status, n_status, n_completed
      FROM temp.cl_progress WHERE in_new AND (CASE WHEN in_old THEN o_status IS NOT n_status
        ELSE n_status IN ${FINISHED} END)
    UNION ALL SELECT 'score_changed', course_id, learner_id, ${score('o_score')}, ${score('n_score')}, NULL
      FROM temp.cl_progress WHERE in_old AND in_new AND o_score IS NOT n_score
    UNION ALL SELECT 'due_changed', course_id, learner_id, o_due, n_due, NULL
      FROM temp.cl_progress WHERE in_old AND in_new AND o_due IS NOT n_due
    UNION ALL SELECT 'certificate_issued', course_id, learner_id, o_cert, n_cert, n_cert
      FROM temp.cl_progress WHERE in_new AND n_cert IS NOT NULL AND o_cert IS NOT n_cert
    UNION ALL SELECT 'expired', course_id, learner_id, NULL, n_expiry, n_expiry
      FROM temp.cl_progress WHERE expired
  ) x
  ${named('courses', 'c', 'x.course_id')}
  ${named('learners', 'l', 'x.learner_id')}`;

const LEARNER_KINDS = `${INSERT}
  SELECT @sync, @account, @at, x.kind, NULL, NULL, x.id, x.name, x.email, NULL, NULL, x.from_value, x.to_value, NULL
  FROM (
    SELECT 'learner_added' AS kind, id, name, email, NULL AS from_value, n_status AS to_value
      FROM temp.cl_learners WHERE in_new AND NOT in_old
    UNION ALL SELECT 'learner_removed', id, name, email, o_status, NULL FROM temp.cl_learners WHERE NOT in_new
    UNION ALL SELECT 'learner_left', id, name, email, o_status, n_status FROM temp.cl_learners
      WHERE in_old AND in_new AND n_status IN ('blocked', 'deleted') AND o_status IS NOT n_status
  ) x`;

const COURSE_KINDS = `${INSERT}
  SELECT @sync, @account, @at, 'course_added', n.id, n.name, NULL, NULL, NULL, NULL, NULL, NULL, n.type, n.created_at
  FROM courses n WHERE ${scope('n', '@to')}
    AND NOT EXISTS (SELECT 1 FROM courses o WHERE ${scope('o', '@from')} AND o.id = n.id)
  UNION ALL
  SELECT @sync, @account, @at, 'course_removed', o.id, o.name, NULL, NULL, NULL, NULL, NULL, o.type, NULL, NULL
  FROM courses o WHERE ${scope('o', '@from')}
    AND NOT EXISTS (SELECT 1 FROM courses n WHERE ${scope('n', '@to')} AND n.id = o.id)`;

/**
 * Sessions: added; cancelled (or gone from the platform: then `to` is "removed"); moved (its start changed, from and
 * to are the starts). Attendance: a learner's mark on a session became attended, no-show or late-cancelled.
 */
const SESSION_KINDS = `${INSERT}
  SELECT @sync, @account, @at, x.kind, x.course_id, coalesce(cn.name, co.name), NULL, NULL, NULL, x.id, x.name,
    x.from_value, x.to_value, x.occurred_at
  FROM (
    SELECT 'session_added' AS kind, n.course_id, n.id, n.name, NULL AS from_value, n.starts_at AS to_value,
      n.starts_at AS occurred_at
    FROM course_sessions n WHERE ${scope('n', '@to')}
      AND NOT EXISTS (SELECT 1 FROM course_sessions o WHERE ${scope('o', '@from')} AND o.id = n.id)
    UNION ALL SELECT 'session_cancelled', o.course_id, o.id, o.name, o.status, 'removed', o.starts_at
    FROM course_sessions o WHERE ${scope('o', '@from')} AND o.status <> 'cancelled'
      AND NOT EXISTS (SELECT 1 FROM course_sessions n WHERE ${scope('n', '@to')} AND n.id = o.id)
    UNION ALL SELECT CASE WHEN n.status = 'cancelled' AND o.status <> 'cancelled' THEN 'session_cancelled'
        ELSE 'session_moved' END,
      n.course_id, n.id, n.name,
      CASE WHEN n.status = 'cancelled' AND o.status <> 'cancelled' THEN o.status ELSE o.starts_at END,
      CASE WHEN n.status = 'cancelled' AND o.status <> 'cancelled' THEN n.status ELSE n.starts_at END,
      n.starts_at
    FROM course_sessions n JOIN course_sessions o ON ${scope('o', '@from')} AND o.id = n.id
    WHERE ${scope('n', '@to')} AND ((n.status = 'cancelled' AND o.status <> 'cancelled')
      OR (n.starts_at <> o.starts_at AND n.status <> 'cancelled'))
  ) x
  ${named('courses', 'c', 'x.course_id')}`;

const ATTENDANCE_KINDS = `${INSERT}
  SELECT @sync, @account, @at, 'attendance_marked', n.course_id, coalesce(cn.name, co.name), n.learner_id,
    coalesce(ln.name, lo.name), coalesce(ln.email, lo.email), n.session_id, coalesce(sn.name, so.name), o.status,
    n.status, coalesce(sn.starts_at, so.starts_at)
  FROM ${keyOrder('attendance', 'n')}
  LEFT JOIN attendance o
    ON ${scope('o', '@from')} AND o.session_id = n.session_id AND o.learner_id = n.learner_id
  ${named('courses', 'c', 'n.course_id')}
  ${named('learners', 'l', 'n.learner_id')}
  ${named('course_sessions', 's', 'n.session_id')}
  WHERE ${scope('n', '@to')} AND n.status IN ('attended', 'no_show', 'late_cancelled')
    AND (o.status IS NULL OR o.status IS NOT n.status)`;

/**
 * The per-course snapshot for trends: learners per status and completion rate from the generation's course_stats
 * (computed just before, in the same transaction), and the share of marked attendances that were attended.
 */
const COURSE_HISTORY = `
  INSERT OR REPLACE INTO course_history (account_id, course_id, at, learners, not_started, in_progress, completed, passed,
    failed, incomplete, completion_rate, attendance_rate)
  SELECT s.account_id, s.course_id, @at, s.learners, s.not_started, s.in_progress, s.completed, s.passed, s.failed,
    s.incomplete,
    CASE WHEN s.learners > 0 THEN round((s.completed + s.passed) * 100.0 / s.learners, 1) END,
    (SELECT round(sum(x.status = 'attended') * 100.0
        / nullif(sum(x.status IN ('attended', 'no_show', 'late_cancelled')), 0), 1)
     FROM attendance x WHERE ${scope('x', '@to')} AND x.course_id = s.course_id)
  FROM course_stats s WHERE ${scope('s', '@to')}`;

/**
 * Snapshots a flip writes besides the per-course one, in the same transaction. The hook for per-requirement
 * compliance shares (migration 009, built separately): it adds its writer here once its tables exist.
 */
export type HistorySnapshot = (db: Db, params: { account: string; generation: number; at: string }) => void;
export const HISTORY_SNAPSHOTS: HistorySnapshot[] = [];

export type ChangeLog = ReturnType<typeof createChangeLog>;

/** Prepared once per connection (the cache writer's); `record` runs inside the flip's transaction. */
export function createChangeLog(db: Db) {
  db.exec(TEMP_TABLES);
  const p = <T extends object>(sql: string) => db.prepare<T>(sql);
  type Bind = { account: string; from: number; to: number; at: string; prevAt: string | null; sync: number };
  const [progressDiff, progressGone] = PROGRESS_DIFF.map((sql) => p<Bind>(sql)) as [Statement<Bind>, Statement<Bind>];
  const learnerDiffs = LEARNERS_DIFF.map((sql) => p<Bind>(sql));
  // Rows a generation has, from the per-course totals its commit stored (the new one's were computed just before).
  const progressRows = db
    .prepare<[string, number], number>(
      'SELECT coalesce(sum(learners), 0) FROM course_stats WHERE account_id = ? AND generation = ?',
    )
    .pluck();
  const progressAdded = db
    .prepare<[], number>('SELECT count(*) FROM temp.cl_progress WHERE in_new AND NOT in_old')
    .pluck();
  const kinds = [COURSE_KINDS, SESSION_KINDS, LEARNER_KINDS, PROGRESS_KINDS, ATTENDANCE_KINDS].map((sql) =>
    p<Bind>(sql),
  );
  const clearTemp = [db.prepare('DELETE FROM temp.cl_progress'), db.prepare('DELETE FROM temp.cl_learners')];
  const history = p<{ account: string; to: number; at: string }>(COURSE_HISTORY);
  const insertSync = db.prepare<[string, number | null, number, string, number, string]>(
    'INSERT INTO change_syncs (account_id, run_id, generation, at, baseline, total, rows_json) VALUES (?, ?, ?, ?, ?, 0, ?)',
  );
  const countKinds = db.prepare<[number], { kind: ChangeKind; n: number }>(
    'SELECT kind, count(*) AS n FROM changes WHERE sync_id = ? GROUP BY kind',
  );
  const setCounts = db.prepare<[number, string, number]>(
    'UPDATE change_syncs SET total = ?, counts_json = ? WHERE id = ?',
  );
  const rowCounts = db.prepare<{ account: string; to: number }, Record<string, number>>(
    `SELECT (SELECT count(*) FROM courses c WHERE ${scope('c', '@to')}) AS courses,
       (SELECT count(*) FROM course_sessions s WHERE ${scope('s', '@to')}) AS sessions,
       (SELECT count(*) FROM learners l WHERE ${scope('l', '@to')}) AS learners,
       (SELECT count(*) FROM progress x WHERE ${scope('x', '@to')}) AS progress,
       (SELECT count(*) FROM attendance x WHERE ${scope('x', '@to')}) AS attendance`,
  );

  return {
    /**
     * Records the flip from `from` to `to`: one change_syncs row, and its changes unless this is the account's first
     * sync (a baseline: its size, no flood of "added"). Also the trend snapshots. Call inside the flip's transaction.
     */
    record(params: ChangeLogParams): { syncId: number; total: number } {
      const baseline = params.from === 0;
      const rows = baseline ? rowCounts.get({ account: params.account, to: params.to }) : {};
      const syncId = Number(
        insertSync.run(params.account, params.runId, params.to, params.at, baseline ? 1 : 0, JSON.stringify(rows))
          .lastInsertRowid,
      );
      let total = 0;
      if (!baseline) {
        const bind: Bind = { ...params, sync: syncId };
        for (const statement of clearTemp) statement.run();
        progressDiff.run(bind);
        // Rows of the old generation that the new one lacks, looked for only when the counts say there are some:
        // old rows − (new rows − added rows). Most syncs remove nothing, and the search reads every old row.
        const kept = progressRows.get(params.account, params.to)! - progressAdded.get()!;
        if (progressRows.get(params.account, params.from)! > kept) progressGone.run(bind);
        for (const statement of learnerDiffs) statement.run(bind);
        for (const statement of kinds) statement.run(bind);
        for (const statement of clearTemp) statement.run();
        const counts = countKinds.all(syncId);
        total = counts.reduce((sum, c) => sum + c.n, 0);
        setCounts.run(total, JSON.stringify(Object.fromEntries(counts.map((c) => [c.kind, c.n]))), syncId);
      }
      history.run({ account: params.account, to: params.to, at: params.at });
      for (const snapshot of HISTORY_SNAPSHOTS)
        snapshot(db, { account: params.account, generation: params.to, at: params.at });
      return { syncId, total };
    },
  };
}

/** Rows deleted per transaction while pruning: the write lock is let go between batches (the window keeps going). */
const PRUNE_BATCH = 20_000;

/**
 * Deletes trend snapshots, changes and sync entries older than `before` (ISO). Run after a sync's flip, off the flip's
 * transaction: the sync's data is visible already. Snapshots and sync entries are written together with the same
 * time, so while no sync entry is that old there is nothing to prune and nothing is scanned.
 */
export function pruneHistory(db: Db, before: string): { history: number; changes: number } {
  const old = db.prepare<[string], number>('SELECT EXISTS (SELECT 1 FROM change_syncs WHERE at < ?)').pluck();
  if (!old.get(before)) return { history: 0, changes: 0 };
  // The snapshots in key order (one row per course and sync, no other index), in batches: each batch ends at the key
  // of its PRUNE_BATCH-th old row and the next starts after it, so no batch rescans what one before it kept.
  type Key = { account: string; course: string; at: string };
  const KEY = '(account_id, course_id, at)';
  const bound = db.prepare<Key & { before: string; skip: number }, { account: string; course: string; at: string }>(
    `SELECT account_id AS account, course_id AS course, at FROM course_history
     WHERE ${KEY} > (@account, @course, @at) AND at < @before ORDER BY account_id, course_id, at LIMIT 1 OFFSET @skip`,
  );
  const upTo = db.prepare<Key & { before: string; last: string; lastCourse: string; lastAt: string }>(
    `DELETE FROM course_history WHERE ${KEY} > (@account, @course, @at)
       AND ${KEY} <= (@last, @lastCourse, @lastAt) AND at < @before`,
  );
  const rest = db.prepare<Key & { before: string }>(
    `DELETE FROM course_history WHERE ${KEY} > (@account, @course, @at) AND at < @before`,
  );
  let history = 0;
  for (let from: Key | undefined = { account: '', course: '', at: '' }; from;) {
    const start: Key = from;
    from = writeTransaction(db, () => {
      const end = bound.get({ ...start, before, skip: PRUNE_BATCH - 1 });
      if (!end) {
        history += rest.run({ ...start, before }).changes;
        return undefined;
      }
      history += upTo.run({ ...start, before, last: end.account, lastCourse: end.course, lastAt: end.at }).changes;
      return end;
    })();
  }
  // Changes in batches, each its own transaction: the write lock is let go between them.
  const batch = (table: string) =>
    writeTransaction(db, () =>
      db
        .prepare<[string, number]>(`DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE at < ? LIMIT ?)`)
        .run(before, PRUNE_BATCH),
    );
  const drain = (table: string) => {
    const run = batch(table);
    let removed = 0;
    for (let n = run().changes; n > 0; n = run().changes) removed += n;
    return removed;
  };
  const changes = drain('changes');
  // Last: while any remain, the next prune looks again.
  drain('change_syncs');
  return { history, changes };
}

/** The retention setting (Settings → History), read from the settings table: syncs run where no core is. */
export function historyRetentionDays(db: Db): number {
  const raw = db
    .prepare<[], string>("SELECT value_json FROM settings WHERE key = 'historyRetentionDays'")
    .pluck()
    .get();
  const parsed = raw === undefined ? undefined : (JSON.parse(raw) as unknown);
  return typeof parsed === 'number' && Number.isInteger(parsed) && parsed > 0 ? parsed : DEFAULT_HISTORY_DAYS;
}

/** How long changes and trends are kept unless the setting says otherwise. */
export const DEFAULT_HISTORY_DAYS = 400;

/** Prunes by the retention setting, counted back from `now`. */
export function pruneByRetention(db: Db, now: Date): { history: number; changes: number } {
  const before = new Date(now.getTime() - historyRetentionDays(db) * 86_400_000).toISOString();
  return pruneHistory(db, before);
}
