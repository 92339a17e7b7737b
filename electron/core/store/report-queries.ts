/**
 * The rows behind each report, streamed from the live generation (better-sqlite3 `iterate`): an export of 1M rows
 * never holds 1M rows in memory. Filters are bound parameters; the only dynamic SQL is whitelisted fragments.
 */
import Database from 'better-sqlite3';
import type { ReportColumn, ReportDefinition, ReportKind } from '../contract/channels/reports';
import { PROGRESS_STATUSES } from '../contract/domain';
import { beginReadSnapshot, type Db } from './db';
import { LEARNER_MAP_LIMIT, learnersFit, readCourses, streamCompletions, type CourseRow } from './completions-stream';
import { textMatch } from './text-match';
import { liveJoin } from './live-rows';
import { dueParams, notLeaverSql, overdueSql } from './due-dates';

export type ReportValue = string | number | null;
export type ReportRow = Record<string, ReportValue>;

const col = (key: string, label: string, type: ReportColumn['type'] = 'text'): ReportColumn => ({ key, label, type });
const pct = (key: string, label: string): ReportColumn => ({ key, label, type: 'number', percent: true });
/** A session time, shown in the session's own time zone (the `time_zone` column). */
const sessionTime = (key: string, label: string): ReportColumn => ({
  ...col(key, label, 'date'),
  zoneKey: 'time_zone',
});

/**
 * What coordinators act on (issue #22), which many platforms leave empty. Appended to the completions columns, so the
 * positions completions-stream fills stay put.
 */
const COORDINATOR_COLUMNS: ReportColumn[] = [
  col('assigned_at', 'Assigned', 'date'),
  col('due_at', 'Due', 'date'),
  col('overdue', 'Overdue'),
  col('expires_at', 'Expires', 'date'),
  col('certificate_issued_at', 'Certificate issued', 'date'),
  col('certificate_expires_at', 'Certificate expires', 'date'),
  col('time_spent_min', 'Time spent (min)', 'number'),
  col('score', 'Score', 'number'),
  col('department', 'Department'),
];
export const COORDINATOR_KEYS: ReadonlySet<string> = new Set(COORDINATOR_COLUMNS.map((c) => c.key));

export const REPORT_COLUMNS: Record<ReportKind, ReportColumn[]> = {
  completions: [
    col('account', 'Account'),
    col('platform', 'Platform'),
    col('course_id', 'Course ID'),
    col('course_name', 'Course'),
    col('learner_id', 'Learner ID'),
    col('learner_name', 'Learner'),
    col('learner_email', 'Email'),
    col('status', 'Status'),
    col('raw_status', 'Platform status'),
    pct('progress_pct', 'Progress %'),
    col('completed_at', 'Completed at', 'date'),
    col('last_activity_at', 'Last activity', 'date'),
    ...COORDINATOR_COLUMNS,
  ],
  attendance: [
    col('account', 'Account'),
    col('course_name', 'Course'),
    col('session_id', 'Session ID'),
    sessionTime('session_start', 'Session start'),
    sessionTime('session_end', 'Session end'),
    col('time_zone', 'Time zone'),
    col('session_status', 'Session status'),
    col('learner_id', 'Learner ID'),
    col('learner_name', 'Learner'),
    col('learner_email', 'Email'),
    col('attendance_status', 'Attendance'),
  ],
  courses: [
    col('account', 'Account'),
    col('platform', 'Platform'),
    col('course_id', 'Course ID'),
    col('course_name', 'Course'),
    col('learners', 'Learners', 'number'),
    col('not_started', 'Not started', 'number'),
    col('in_progress', 'In progress', 'number'),
    col('completed', 'Completed', 'number'),
    col('passed', 'Passed', 'number'),
    col('failed', 'Failed', 'number'),
    col('incomplete', 'Incomplete', 'number'),
    pct('completion_rate', 'Completion rate %'),
    col('first_activity_at', 'First activity', 'date'),
    col('last_activity_at', 'Last activity', 'date'),
    col('sessions_held', 'Sessions held', 'number'),
    col('sessions_upcoming', 'Sessions upcoming', 'number'),
    pct('average_attendance', 'Average attendance %'),
  ],
  learner: [
    col('learner_name', 'Learner'),
    col('learner_email', 'Email'),
    col('account', 'Account'),
    col('platform', 'Platform'),
    col('course_id', 'Course ID'),
    col('course_name', 'Course'),
    col('status', 'Status'),
    col('raw_status', 'Platform status'),
    pct('progress_pct', 'Progress %'),
    col('started_at', 'Started', 'date'),
    col('completed_at', 'Completed at', 'date'),
    col('last_activity_at', 'Last activity', 'date'),
  ],
  changes: [
    col('at', 'When', 'date'),
    col('account', 'Account'),
    col('platform', 'Platform'),
    col('kind', 'Change'),
    col('course_id', 'Course ID'),
    col('course_name', 'Course'),
    col('learner_id', 'Learner ID'),
    col('learner_name', 'Learner'),
    col('learner_email', 'Email'),
    col('session_id', 'Session ID'),
    col('session_name', 'Session'),
    col('from_value', 'From'),
    col('to_value', 'To'),
  ],
};

interface Built {
  sql: string;
  params: Record<string, unknown>;
}

export interface CompletionsByCourse {
  courses: string;
  /** The progress query has no learner join: the reader drops leavers' rows from its learner map instead. */
  hideLeavers: boolean;
  /**
   * One course's rows, with NULL where the course's and the learner's columns go: binds @kAccount, @kGeneration and
   * @kCourse besides `params`.
   */
  progress: string;
  params: Record<string, unknown>;
}

/** Inclusive days → half-open ISO range, so `to=2026-03-31` includes the whole last day. */
function range(def: ReportDefinition) {
  return {
    from: def.from ? `${def.from}T00:00:00.000Z` : null,
    to: def.to ? new Date(Date.parse(`${def.to}T00:00:00Z`) + 86_400_000).toISOString() : null,
  };
}

/** The report's period (whole days, the end inclusive) on one timestamp expression. */
function periodFilter(def: ReportDefinition, timestamp: string, where: string[], params: Record<string, unknown>) {
  const { from, to } = range(def);
  if (from) {
    where.push(`${timestamp} >= @from`);
    params.from = from;
  }
  if (to) {
    where.push(`${timestamp} < @to`);
    params.to = to;
  }
}

function accountScope(def: ReportDefinition, where: string[], params: Record<string, unknown>) {
  if (def.accountIds) {
    where.push('a.id IN (SELECT value FROM json_each(@accountIds))');
    params.accountIds = JSON.stringify(def.accountIds);
  }
  if (def.platforms?.length) {
    where.push('a.platform IN (SELECT value FROM json_each(@platforms))');
    params.platforms = JSON.stringify(def.platforms);
  }
}

function courseFilter(def: ReportDefinition, where: string[], params: Record<string, unknown>, courseColumn: string) {
  if (def.courseIds?.length) {
    where.push(`${courseColumn} IN (SELECT value FROM json_each(@courseIds))`);
    params.courseIds = JSON.stringify(def.courseIds);
  }
}

function common(def: ReportDefinition, where: string[], params: Record<string, unknown>, courseColumn: string) {
  accountScope(def, where, params);
  courseFilter(def, where, params, courseColumn);
}

/** The completions columns after `last_activity_at`, from progress (p); the department comes from the learner. */
const COORDINATOR_SQL = `p.assigned_at, p.due_at, CASE WHEN ${overdueSql('p')} THEN 'yes' ELSE 'no' END AS overdue,
  p.expires_at, p.certificate_issued_at, p.certificate_expires_at,
  round(p.time_spent_s / 60.0, 1) AS time_spent_min, p.score`;

/** Whether a report drops learners who left (blocked or deleted): completions and attendance, unless asked. */
const hidesLeavers = (def: ReportDefinition) => def.kind !== 'learner' && def.kind !== 'courses' && !def.includeLeavers;

/**
 * The filters on progress rows (p) shared by completions and transcripts, without the learner's. Binds @now and
 * @today always: the Overdue column needs them even unfiltered.
 */
function progressOnlyWhere(def: ReportDefinition, now: string, where: string[], params: Record<string, unknown>) {
  Object.assign(params, dueParams(now));
  if (def.statuses?.length) {
    where.push('p.status IN (SELECT value FROM json_each(@statuses))');
    params.statuses = JSON.stringify(def.statuses);
  }
  if (def.overdue) where.push(overdueSql('p'));
  if (def.dueBefore) {
    where.push('p.due_at < @dueBefore');
    params.dueBefore = def.dueBefore;
  }
  if (def.expiresBefore) {
    // Either end counts: a coordinator asking "what runs out before …" means access and certificates alike.
    where.push('(p.expires_at < @expiresBefore OR p.certificate_expires_at < @expiresBefore)');
    params.expiresBefore = def.expiresBefore;
  }
  periodFilter(def, 'coalesce(p.completed_at, p.last_activity_at)', where, params);
}

/** The filters on progress rows (p) and their learners (l) shared by completions and transcripts. */
function progressWhere(def: ReportDefinition, now: string, where: string[], params: Record<string, unknown>) {
  progressOnlyWhere(def, now, where, params);
  if (hidesLeavers(def)) where.push(notLeaverSql('l'));
  learnerWhere(def, where, params);
}

function learnerWhere(def: ReportDefinition, where: string[], params: Record<string, unknown>) {
  if (def.kind === 'learner') {
    where.push('lower(l.email) = lower(@email)');
    params.email = def.learnerEmail;
  }
  learnerFilter(def, where, params);
}

function learnerFilter(def: ReportDefinition, where: string[], params: Record<string, unknown>) {
  if (!def.learnerSearch) return;
  // Report filters match anywhere in a name, even for one or two characters.
  const match = textMatch('learner', 'l', def.learnerSearch, 'learnerQ', 'substring');
  where.push(match.sql);
  params.learnerQ = match.value;
}

/**
 * The completions report in preview order without sorting every row: the few thousand courses are sorted by
 * (account, course name) first, then each course's progress rows are read through the primary key and only the rows
 * of one course name are sorted by learner (SQLite's "LAST 3 TERMS OF ORDER BY" sorter). Sorting 1M rows at once
 * was half of a 1M-row export. Courses with the same name (ignoring case) form one block, exactly as in a full sort;
 * the course id orders one learner's rows within such a block.
 * The course list comes from the progress rows themselves (skip-scan: one primary-key seek per course), so
 * progress for a course missing from `courses` still appears, under its id.
 * The progress primary key's index is named because, with every column selected, the planner otherwise builds an
 * automatic index over all progress rows for this join. The name is SQLite's for the table's first key constraint;
 * a schema change that renamed it would fail every report query in test/reports, not silently slow down.
 * `where` may use p (progress) and l (learners).
 */
function completionsInCourseOrder(def: ReportDefinition, where: string[], params: Record<string, unknown>): string {
  return `${courseOrder(def, params)}
    SELECT k.label AS account, k.platform, p.course_id, k.course_name, p.learner_id,
      coalesce(l.name, p.learner_id) AS learner_name, l.email AS learner_email, p.status, p.raw_status, p.progress_pct,
      p.completed_at, p.last_activity_at, ${COORDINATOR_SQL}, l.department
    FROM k CROSS JOIN progress p INDEXED BY sqlite_autoindex_progress_1
      ON p.account_id = k.account_id AND p.generation = k.generation AND p.course_id = k.course_id
    LEFT JOIN learners l ON l.account_id = p.account_id AND l.generation = p.generation AND l.id = p.learner_id
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY k.label, k.course_name, learner_name COLLATE NOCASE, p.learner_id, p.course_id`;
}

/** The CTEs behind completionsInCourseOrder: `k` is the report's courses in (account, course name) order. */
function courseOrder(def: ReportDefinition, params: Record<string, unknown>): string {
  const scopeWhere: string[] = [];
  accountScope(def, scopeWhere, params);
  const courseWhere: string[] = [];
  courseFilter(def, courseWhere, params, 'i.course_id');
  return `WITH RECURSIVE
      scope AS MATERIALIZED (
        SELECT a.id AS account_id, a.live_generation AS generation, a.label COLLATE NOCASE AS label, a.platform
          FROM accounts a
        ${scopeWhere.length ? `WHERE ${scopeWhere.join(' AND ')}` : ''}),
      ids(account_id, generation, course_id) AS (
        SELECT s.account_id, s.generation,
          (SELECT min(p.course_id) FROM progress p WHERE p.account_id = s.account_id AND p.generation = s.generation)
        FROM scope s
        UNION ALL
        SELECT i.account_id, i.generation,
          (SELECT min(p.course_id) FROM progress p WHERE p.account_id = i.account_id AND p.generation = i.generation
            AND p.course_id > i.course_id)
        FROM ids i WHERE i.course_id IS NOT NULL),
      k AS MATERIALIZED (
        SELECT s.account_id, s.generation, s.label, s.platform, i.course_id,
          coalesce(c.name, i.course_id) COLLATE NOCASE AS course_name
        FROM ids i JOIN scope s ON s.account_id = i.account_id
        LEFT JOIN courses c ON c.account_id = i.account_id AND c.generation = i.generation AND c.id = i.course_id
        WHERE ${['i.course_id IS NOT NULL', ...courseWhere].join(' AND ')}
        ORDER BY s.label, course_name)`;
}

/**
 * The completions report for exports as two queries (completions-stream.ts): its courses in report order, and one
 * course's progress rows, with no learner join.
 */
function completionsByCourse(def: ReportDefinition, now: string): CompletionsByCourse {
  const params: Record<string, unknown> = {};
  const where: string[] = [];
  // Learner filters: a learner search never comes this way (see iterateValues), leavers are the reader's.
  progressOnlyWhere(def, now, where, params);
  const courses = `${courseOrder(def, params)}
    SELECT account_id AS accountId, generation, label, platform, course_id AS courseId, course_name AS courseName
    FROM k ORDER BY label, course_name`;
  // Rows come in REPORT_COLUMNS.completions shape; the NULLs are the course's and learner's, filled in by the caller.
  const progress = `SELECT NULL, NULL, NULL, NULL, p.learner_id, NULL, NULL, p.status, p.raw_status, p.progress_pct,
    p.completed_at, p.last_activity_at, ${COORDINATOR_SQL}, NULL
    FROM progress p INDEXED BY sqlite_autoindex_progress_1
    WHERE
      ${['p.account_id = @kAccount', 'p.generation = @kGeneration', 'p.course_id = @kCourse', ...where].join(' AND ')}`;
  return { courses, progress, params, hideLeavers: hidesLeavers(def) };
}

/**
 * The completions count from the per-course aggregates a sync stores with each generation (course_stats: a row per
 * course, its learners by status), when no filter reaches below them (dates, learner search). Counting the progress
 * rows through their index delayed every large export in proportion to the cache; this reads a row per course.
 * Null: count the rows.
 */
function completionsCountFromStats(def: ReportDefinition): Built | null {
  if (def.kind !== 'completions' || def.from || def.to || def.learnerSearch) return null;
  if (def.overdue || def.dueBefore || def.expiresBefore) return null;
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  common(def, where, params, 's.course_id');
  // Column names from the enum, never from the definition's strings.
  const statuses = def.statuses?.length ? PROGRESS_STATUSES.filter((s) => def.statuses!.includes(s)) : null;
  const rows = statuses ? statuses.map((s) => `s.${s}`).join(' + ') || '0' : 's.learners';
  const total =
    `SELECT coalesce(sum(${rows}), 0) FROM course_stats s ${liveJoin('s')} ` +
    `${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
  if (!hidesLeavers(def)) return { sql: `SELECT (${total}) AS n`, params };
  // Less the leavers' rows: leavers are few, and each one's rows are an index range (progress_by_learner).
  const leaverWhere = ["l.status IN ('blocked', 'deleted')"];
  common(def, leaverWhere, params, 'p.course_id');
  if (statuses) {
    leaverWhere.push('p.status IN (SELECT value FROM json_each(@statuses))');
    params.statuses = JSON.stringify(statuses);
  }
  const leavers = `SELECT count(*) FROM learners l ${liveJoin('l')}
    JOIN progress p ON p.account_id = l.account_id AND p.generation = l.generation AND p.learner_id = l.id
    WHERE ${leaverWhere.join(' AND ')}`;
  return { sql: `SELECT (${total}) - (${leavers}) AS n`, params };
}

/**
 * Rows come sorted by account, course and learner names: files list them exactly as the preview shows them.
 * `unsorted` is for callers that only group the rows, `count` for the row total alone (one column, `n`).
 */
export function buildReportQuery(
  def: ReportDefinition,
  now: string,
  shape: 'sorted' | 'unsorted' | 'count' = 'sorted',
): Built {
  if (shape === 'count' && def.kind !== 'completions' && def.kind !== 'learner') {
    const { sql, params } = buildReportQuery(def, now, 'unsorted');
    return { sql: `SELECT count(*) AS n FROM (${sql})`, params };
  }
  const orderBy = (terms: string) => (shape === 'sorted' ? `ORDER BY ${terms}` : '');
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  const { from, to } = range(def);
  switch (def.kind) {
    case 'completions':
    case 'learner': {
      if (def.kind === 'completions' && shape === 'sorted') {
        progressWhere(def, now, where, params);
        return { sql: completionsInCourseOrder(def, where, params), params };
      }
      common(def, where, params, 'p.course_id');
      progressWhere(def, now, where, params);
      const learners = `${def.kind === 'learner' ? 'JOIN' : 'LEFT JOIN'} learners l
        ON l.account_id = p.account_id AND l.generation = p.generation AND l.id = p.learner_id`;
      const filters = where.length ? `WHERE ${where.join(' AND ')}` : '';
      if (shape === 'count') {
        // A course always joins one row or none, so it cannot change the count; a learner only when filtered on.
        const joinLearners = def.kind === 'learner' || Boolean(def.learnerSearch) || hidesLeavers(def);
        return {
          sql: `SELECT count(*) AS n FROM progress p ${liveJoin('p')} ${joinLearners ? learners : ''} ${filters}`,
          params,
        };
      }
      const select =
        def.kind === 'learner'
          ? `coalesce(l.name, p.learner_id) AS learner_name, l.email AS learner_email, a.label AS account, a.platform,
             p.course_id, coalesce(c.name, p.course_id) AS course_name, p.status, p.raw_status, p.progress_pct,
             p.started_at, p.completed_at, p.last_activity_at`
          : `a.label AS account, a.platform, p.course_id, coalesce(c.name, p.course_id) AS course_name, p.learner_id,
             coalesce(l.name, p.learner_id) AS learner_name, l.email AS learner_email, p.status, p.raw_status,
             p.progress_pct, p.completed_at, p.last_activity_at, ${COORDINATOR_SQL}, l.department`;
      return {
        sql: `SELECT ${select} FROM progress p ${liveJoin('p')}
          ${learners}
          LEFT JOIN courses c ON c.account_id = p.account_id AND c.generation = p.generation AND c.id = p.course_id
          ${filters}
          ${orderBy('a.label COLLATE NOCASE, course_name COLLATE NOCASE, learner_name COLLATE NOCASE, p.learner_id')}`,
        params,
      };
    }
    case 'attendance': {
      common(def, where, params, 'x.course_id');
      periodFilter(def, 's.starts_at', where, params);
      if (hidesLeavers(def)) where.push(notLeaverSql('l'));
      learnerFilter(def, where, params);
      return {
        sql: `SELECT a.label AS account, coalesce(c.name, x.course_id) AS course_name, x.session_id,
            s.starts_at AS session_start, s.ends_at AS session_end, s.time_zone, s.status AS session_status, x.learner_id,
            coalesce(l.name, x.learner_id) AS learner_name, l.email AS learner_email, x.status AS attendance_status
          FROM attendance x ${liveJoin('x')}
          JOIN course_sessions s
            ON s.account_id = x.account_id AND s.generation = x.generation AND s.id = x.session_id
          LEFT JOIN courses c ON c.account_id = x.account_id AND c.generation = x.generation AND c.id = x.course_id
          LEFT JOIN learners l ON l.account_id = x.account_id AND l.generation = x.generation AND l.id = x.learner_id
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ${orderBy('a.label COLLATE NOCASE, course_name COLLATE NOCASE, s.starts_at, learner_name COLLATE NOCASE')}`,
        params,
      };
    }
    case 'changes': {
      // The log keeps removed accounts' changes no longer (they go with the account), so every row has an account.
      accountScope(def, where, params);
      courseFilter(def, where, params, 'x.course_id');
      periodFilter(def, 'x.at', where, params);
      if (def.learnerSearch) {
        where.push("(x.learner_name LIKE @learnerLike ESCAPE '\\' OR x.learner_email LIKE @learnerLike ESCAPE '\\')");
        params.learnerLike = `%${def.learnerSearch.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      }
      if (def.learnerEmail) {
        where.push('lower(x.learner_email) = lower(@learnerEmail)');
        params.learnerEmail = def.learnerEmail;
      }
      return {
        sql: `SELECT x.at, a.label AS account, a.platform, x.kind, x.course_id, x.course_name, x.learner_id,
            x.learner_name, x.learner_email, x.session_id, x.session_name, x.from_value, x.to_value
          FROM changes x JOIN accounts a ON a.id = x.account_id
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ${orderBy('x.at, x.id')}`,
        params,
      };
    }
    case 'courses': {
      common(def, where, params, 'c.id');
      if (def.statuses?.length) where.push(`(${def.statuses.map((s) => `coalesce(st.${s}, 0) > 0`).join(' OR ')})`);
      if (from) {
        where.push('st.last_activity_at >= @from');
        params.from = from;
      }
      if (to) {
        where.push('coalesce(st.first_activity_at, st.last_activity_at) < @to');
        params.to = to;
      }
      params.now = now;
      return {
        sql: `SELECT a.label AS account, a.platform, c.id AS course_id, c.name AS course_name,
            coalesce(st.learners, 0) AS learners, coalesce(st.not_started, 0) AS not_started,
            coalesce(st.in_progress, 0) AS in_progress, coalesce(st.completed, 0) AS completed,
            coalesce(st.passed, 0) AS passed, coalesce(st.failed, 0) AS failed,
            coalesce(st.incomplete, 0) AS incomplete,
            CASE WHEN coalesce(st.learners, 0) = 0 THEN NULL
              ELSE round((st.completed + st.passed) * 100.0 / st.learners, 1) END AS completion_rate,
            st.first_activity_at, st.last_activity_at,
            (SELECT count(*) FROM course_sessions s WHERE s.account_id = c.account_id AND s.generation = c.generation
               AND s.course_id = c.id
               AND s.status <> 'cancelled' AND s.starts_at <= @now) AS sessions_held,
            (SELECT count(*) FROM course_sessions s WHERE s.account_id = c.account_id AND s.generation = c.generation
               AND s.course_id = c.id
               AND s.status <> 'cancelled' AND s.starts_at > @now) AS sessions_upcoming,
            (SELECT round(sum(x.status = 'attended') * 100.0 / nullif(count(*), 0), 1) FROM attendance x
               JOIN course_sessions s
                 ON s.account_id = x.account_id AND s.generation = x.generation AND s.id = x.session_id
               WHERE x.account_id = c.account_id AND x.generation = c.generation AND x.course_id = c.id
                 AND s.status <> 'cancelled' AND s.starts_at <= @now) AS average_attendance
          FROM courses c ${liveJoin('c')}
          LEFT JOIN course_stats st
            ON st.account_id = c.account_id AND st.generation = c.generation AND st.course_id = c.id
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ${orderBy('a.label COLLATE NOCASE, c.name COLLATE NOCASE, c.id')}`,
        params,
      };
    }
  }
}

export type ReportQueries = ReturnType<typeof createReportQueries>;

/** A completions export's accounts and their live generations, and the cache they are in. */
export interface CsvScope {
  databasePath: string;
  accounts: [accountId: string, generation: number][];
}

/**
 * Exports read through their own read-only connection, in one read transaction, for two reasons. The export yields
 * to the event loop between chunks for as long as it runs: on the shared connection an open statement made every
 * write meanwhile (a settings change, a saved report) fail with "connection is busy". And the per-course reads of
 * completions-stream must all see one snapshot: a sync that finished mid-export would otherwise swap generations
 * under it and the rest of the file would come out empty. (WAL keeps the snapshot's pages for as long as it is open.)
 */
function* readSnapshot<T>(db: Db, read: (reader: Db) => Iterable<T>): Generator<T> {
  const reader = db.memory ? db : new Database(db.name, { readonly: true, fileMustExist: true });
  const own = reader !== db;
  try {
    if (own) beginReadSnapshot(reader);
    yield* read(reader);
  } finally {
    if (own) reader.close();
  }
}

export function createReportQueries(db: Db, options: { learnerMapLimit?: number } = {}) {
  const learnerMapLimit = options.learnerMapLimit ?? LEARNER_MAP_LIMIT;
  const freshness = db.prepare<
    { accountIds: string | null; platforms: string | null },
    { label: string; dataAsOf: string | null }
  >(
    `SELECT a.label, (SELECT r.ended_at FROM sync_runs r WHERE r.account_id = a.id AND r.outcome IN ('ok', 'partial')
       ORDER BY r.id DESC LIMIT 1) AS dataAsOf
     FROM accounts a
     WHERE (@accountIds IS NULL OR a.id IN (SELECT value FROM json_each(@accountIds)))
       AND (@platforms IS NULL OR a.platform IN (SELECT value FROM json_each(@platforms)))
     ORDER BY a.label COLLATE NOCASE`,
  );
  return {
    /** The cache file, for exports that read it from a worker thread; null for an in-memory cache. */
    databasePath: db.memory ? null : db.name,
    /** Streams rows as objects (the PDF), through the export's own snapshot: the caller may yield between rows. */
    iterate(def: ReportDefinition, now: string): IterableIterator<ReportRow> {
      const { sql, params } = buildReportQuery(def, now);
      return readSnapshot(db, (reader) => reader.prepare(sql).iterate(params) as IterableIterator<ReportRow>);
    },
    /**
     * Like `iterate`, as arrays in REPORT_COLUMNS order: no object per row, for exports of any size. `learnerMap`:
     * completions may be read course by course with every learner in a map on this thread (faster than SQLite's
     * sort, and up to LEARNER_MAP_LIMIT learners on the heap); false sorts in SQLite instead.
     */
    iterateValues(
      def: ReportDefinition,
      now: string,
      options: { learnerMap?: boolean } = {},
    ): IterableIterator<ReportValue[]> {
      return readSnapshot(db, (reader) => {
        if (def.kind === 'completions' && !def.learnerSearch && options.learnerMap !== false) {
          const rows = streamCompletions(reader, completionsByCourse(def, now), learnerMapLimit);
          if (rows) return rows;
        }
        const { sql, params } = buildReportQuery(def, now);
        const statement = reader.prepare(sql).raw();
        const names = statement.columns().map((c) => c.name);
        const keys = REPORT_COLUMNS[def.kind].map((c) => c.key);
        if (names.join() !== keys.join())
          throw new Error(`The ${def.kind} query selects ${names.join()}, expected ${keys.join()}`);
        return statement.iterate(params) as IterableIterator<ReportValue[]>;
      });
    },
    /**
     * The accounts a completions export covers, with their live generations: what CSV workers load their learner
     * maps for (reports/csv-in-workers) while the course list is read. Null when the export goes through
     * `iterateValues` instead: another kind, a learner search, too many learners for the map, an in-memory cache.
     */
    completionsScope(def: ReportDefinition): CsvScope | null {
      if (def.kind !== 'completions' || def.learnerSearch || db.memory) return null;
      const where: string[] = [];
      const params: Record<string, unknown> = {};
      accountScope(def, where, params);
      // Only accounts with rows in the chosen courses: every other account's learner map would be loaded by each
      // worker for nothing (and could push the scope past the map's limit).
      const inCourses: string[] = [];
      courseFilter(def, inCourses, params, 'p.course_id');
      if (inCourses.length) {
        where.push(
          'EXISTS (SELECT 1 FROM progress p WHERE p.account_id = a.id ' +
            `AND p.generation = a.live_generation AND ${inCourses.join(' AND ')})`,
        );
      }
      const accounts = db
        .prepare<Record<string, unknown>, [string, number]>(
          `SELECT a.id, a.live_generation FROM accounts a ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`,
        )
        .raw()
        .all(params);
      return learnersFit(db, new Map(accounts), learnerMapLimit) ? { databasePath: db.name, accounts } : null;
    },
    /** A completions export's courses in report order, for CSV workers: one statement, so one snapshot. */
    completionsCourses(def: ReportDefinition, now: string): { query: CompletionsByCourse; courses: CourseRow[] } {
      const query = completionsByCourse(def, now);
      return { query, courses: readCourses(db, query) };
    },
    /** The first rows only: with LIMIT, SQLite keeps a top-N sorter instead of sorting every row. */
    head(def: ReportDefinition, now: string, limit: number): ReportRow[] {
      const { sql, params } = buildReportQuery(def, now);
      return db.prepare(`${sql} LIMIT @limit`).all({ ...params, limit }) as ReportRow[];
    },
    count(def: ReportDefinition, now: string): number {
      const { sql, params } = completionsCountFromStats(def) ?? buildReportQuery(def, now, 'count');
      return (db.prepare(sql).get(params) as { n: number }).n;
    },
    /** The row count and the split by normalised status over the whole report (see ReportPreview), in one pass. */
    summary(def: ReportDefinition, now: string): { total: number; breakdown: Record<string, number> } {
      const { sql, params } = buildReportQuery(def, now, 'unsorted');
      if (def.kind === 'courses') {
        const sums = PROGRESS_STATUSES.map((s) => `coalesce(sum(${s}), 0) AS ${s}`).join(', ');
        const { total, ...breakdown } = db
          .prepare(`SELECT count(*) AS total, ${sums} FROM (${sql})`)
          .get(params) as Record<string, number>;
        return { total: total!, breakdown };
      }
      const column = def.kind === 'attendance' ? 'attendance_status' : def.kind === 'changes' ? 'kind' : 'status';
      const rows = db.prepare(`SELECT ${column} AS status, count(*) AS n FROM (${sql}) GROUP BY 1`).all(params) as {
        status: string;
        n: number;
      }[];
      return {
        total: rows.reduce((sum, r) => sum + r.n, 0),
        breakdown: Object.fromEntries(rows.map((r) => [r.status, r.n])),
      };
    },
    /** Per-account "data as of" for report headers: the accounts the definition covers. */
    freshness(def: ReportDefinition): { label: string; dataAsOf: string | null }[] {
      return freshness.all({
        accountIds: def.accountIds ? JSON.stringify(def.accountIds) : null,
        platforms: def.platforms?.length ? JSON.stringify(def.platforms) : null,
      });
    },
  };
}
