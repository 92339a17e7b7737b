/**
 * The rows behind each report, streamed from the live generation (better-sqlite3 `iterate`): an export of 1M rows
 * never holds 1M rows in memory. Filters are bound parameters; the only dynamic SQL is whitelisted fragments.
 */
import type { ReportColumn, ReportDefinition, ReportKind } from '../contract/channels/reports';
import { PROGRESS_STATUSES } from '../contract/domain';
import type { Db } from './db';
import { textMatch } from './text-match';

export type ReportRow = Record<string, string | number | null>;

const col = (key: string, label: string, type: ReportColumn['type'] = 'text'): ReportColumn => ({ key, label, type });

export const REPORT_COLUMNS: Record<ReportKind, ReportColumn[]> = {
  completions: [
    col('account', 'Account'), col('platform', 'Platform'), col('course_id', 'Course ID'), col('course_name', 'Course'),
    col('learner_id', 'Learner ID'), col('learner_name', 'Learner'), col('learner_email', 'Email'), col('status', 'Status'),
    col('raw_status', 'Platform status'), col('progress_pct', 'Progress %', 'number'), col('completed_at', 'Completed at', 'date'),
    col('last_activity_at', 'Last activity', 'date'),
  ],
  attendance: [
    col('account', 'Account'), col('course_name', 'Course'), col('session_id', 'Session ID'), col('session_start', 'Session start', 'date'),
    col('session_end', 'Session end', 'date'), col('session_status', 'Session status'), col('learner_id', 'Learner ID'),
    col('learner_name', 'Learner'), col('learner_email', 'Email'), col('attendance_status', 'Attendance'),
  ],
  courses: [
    col('account', 'Account'), col('platform', 'Platform'), col('course_id', 'Course ID'), col('course_name', 'Course'),
    col('learners', 'Learners', 'number'), col('not_started', 'Not started', 'number'), col('in_progress', 'In progress', 'number'),
    col('completed', 'Completed', 'number'), col('passed', 'Passed', 'number'), col('failed', 'Failed', 'number'),
    col('incomplete', 'Incomplete', 'number'), col('completion_rate', 'Completion rate %', 'number'),
    col('first_activity_at', 'First activity', 'date'), col('last_activity_at', 'Last activity', 'date'),
    col('sessions_held', 'Sessions held', 'number'), col('sessions_upcoming', 'Sessions upcoming', 'number'),
    col('average_attendance', 'Average attendance %', 'number'),
  ],
  learner: [
    col('learner_name', 'Learner'), col('learner_email', 'Email'), col('account', 'Account'), col('platform', 'Platform'),
    col('course_id', 'Course ID'), col('course_name', 'Course'), col('status', 'Status'), col('raw_status', 'Platform status'),
    col('progress_pct', 'Progress %', 'number'), col('started_at', 'Started', 'date'), col('completed_at', 'Completed at', 'date'),
    col('last_activity_at', 'Last activity', 'date'),
  ],
};

interface Built {
  sql: string;
  params: Record<string, unknown>;
}

const LIVE = (alias: string) => `JOIN accounts a ON a.id = ${alias}.account_id AND ${alias}.generation = a.live_generation`;

/** Inclusive days → half-open ISO range, so `to=2026-03-31` includes the whole last day. */
function range(def: ReportDefinition) {
  return {
    from: def.from ? `${def.from}T00:00:00.000Z` : null,
    to: def.to ? new Date(Date.parse(`${def.to}T00:00:00Z`) + 86_400_000).toISOString() : null,
  };
}

function common(def: ReportDefinition, where: string[], params: Record<string, unknown>, courseColumn: string) {
  if (def.accountIds) {
    where.push('a.id IN (SELECT value FROM json_each(@accountIds))');
    params.accountIds = JSON.stringify(def.accountIds);
  }
  if (def.platforms?.length) {
    where.push('a.platform IN (SELECT value FROM json_each(@platforms))');
    params.platforms = JSON.stringify(def.platforms);
  }
  if (def.courseIds?.length) {
    where.push(`${courseColumn} IN (SELECT value FROM json_each(@courseIds))`);
    params.courseIds = JSON.stringify(def.courseIds);
  }
}

function learnerFilter(def: ReportDefinition, where: string[], params: Record<string, unknown>) {
  if (!def.learnerSearch) return;
  // Report filters match anywhere in a name, even for one or two characters.
  const match = textMatch('learner', 'l', def.learnerSearch, 'learnerQ', 'substring');
  where.push(match.sql);
  params.learnerQ = match.value;
}

/** Rows come sorted by account, course and learner names: files list them exactly as the preview shows them. */
export function buildReportQuery(def: ReportDefinition, now: string): Built {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  const { from, to } = range(def);
  switch (def.kind) {
    case 'completions':
    case 'learner': {
      common(def, where, params, 'p.course_id');
      if (def.statuses?.length) {
        where.push('p.status IN (SELECT value FROM json_each(@statuses))');
        params.statuses = JSON.stringify(def.statuses);
      }
      if (from) {
        where.push('coalesce(p.completed_at, p.last_activity_at) >= @from');
        params.from = from;
      }
      if (to) {
        where.push('coalesce(p.completed_at, p.last_activity_at) < @to');
        params.to = to;
      }
      if (def.kind === 'learner') {
        where.push('lower(l.email) = lower(@email)');
        params.email = def.learnerEmail;
      }
      learnerFilter(def, where, params);
      const select =
        def.kind === 'learner'
          ? `coalesce(l.name, p.learner_id) AS learner_name, l.email AS learner_email, a.label AS account, a.platform, p.course_id,
             coalesce(c.name, p.course_id) AS course_name, p.status, p.raw_status, p.progress_pct, p.started_at, p.completed_at, p.last_activity_at`
          : `a.label AS account, a.platform, p.course_id, coalesce(c.name, p.course_id) AS course_name, p.learner_id,
             coalesce(l.name, p.learner_id) AS learner_name, l.email AS learner_email, p.status, p.raw_status, p.progress_pct,
             p.completed_at, p.last_activity_at`;
      return {
        sql: `SELECT ${select} FROM progress p ${LIVE('p')}
          ${def.kind === 'learner' ? 'JOIN' : 'LEFT JOIN'} learners l ON l.account_id = p.account_id AND l.generation = p.generation AND l.id = p.learner_id
          LEFT JOIN courses c ON c.account_id = p.account_id AND c.generation = p.generation AND c.id = p.course_id
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY a.label COLLATE NOCASE, course_name COLLATE NOCASE, learner_name COLLATE NOCASE, p.learner_id`,
        params,
      };
    }
    case 'attendance': {
      common(def, where, params, 'x.course_id');
      if (from) {
        where.push('s.starts_at >= @from');
        params.from = from;
      }
      if (to) {
        where.push('s.starts_at < @to');
        params.to = to;
      }
      learnerFilter(def, where, params);
      return {
        sql: `SELECT a.label AS account, coalesce(c.name, x.course_id) AS course_name, x.session_id, s.starts_at AS session_start,
            s.ends_at AS session_end, s.status AS session_status, x.learner_id, coalesce(l.name, x.learner_id) AS learner_name,
            l.email AS learner_email, x.status AS attendance_status
          FROM attendance x ${LIVE('x')}
          JOIN course_sessions s ON s.account_id = x.account_id AND s.generation = x.generation AND s.id = x.session_id
          LEFT JOIN courses c ON c.account_id = x.account_id AND c.generation = x.generation AND c.id = x.course_id
          LEFT JOIN learners l ON l.account_id = x.account_id AND l.generation = x.generation AND l.id = x.learner_id
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY a.label COLLATE NOCASE, course_name COLLATE NOCASE, s.starts_at, learner_name COLLATE NOCASE`,
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
        sql: `SELECT a.label AS account, a.platform, c.id AS course_id, c.name AS course_name, coalesce(st.learners, 0) AS learners,
            coalesce(st.not_started, 0) AS not_started, coalesce(st.in_progress, 0) AS in_progress, coalesce(st.completed, 0) AS completed,
            coalesce(st.passed, 0) AS passed, coalesce(st.failed, 0) AS failed, coalesce(st.incomplete, 0) AS incomplete,
            CASE WHEN coalesce(st.learners, 0) = 0 THEN NULL ELSE round((st.completed + st.passed) * 100.0 / st.learners, 1) END AS completion_rate,
            st.first_activity_at, st.last_activity_at,
            (SELECT count(*) FROM course_sessions s WHERE s.account_id = c.account_id AND s.generation = c.generation AND s.course_id = c.id
               AND s.status <> 'cancelled' AND s.starts_at <= @now) AS sessions_held,
            (SELECT count(*) FROM course_sessions s WHERE s.account_id = c.account_id AND s.generation = c.generation AND s.course_id = c.id
               AND s.status <> 'cancelled' AND s.starts_at > @now) AS sessions_upcoming,
            (SELECT round(sum(x.status = 'attended') * 100.0 / nullif(count(*), 0), 1) FROM attendance x
               JOIN course_sessions s ON s.account_id = x.account_id AND s.generation = x.generation AND s.id = x.session_id
               WHERE x.account_id = c.account_id AND x.generation = c.generation AND x.course_id = c.id
                 AND s.status <> 'cancelled' AND s.starts_at <= @now) AS average_attendance
          FROM courses c ${LIVE('c')}
          LEFT JOIN course_stats st ON st.account_id = c.account_id AND st.generation = c.generation AND st.course_id = c.id
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY a.label COLLATE NOCASE, c.name COLLATE NOCASE, c.id`,
        params,
      };
    }
  }
}

export type ReportQueries = ReturnType<typeof createReportQueries>;

export function createReportQueries(db: Db) {
  const freshness = db.prepare<{ accountIds: string | null; platforms: string | null }, { label: string; dataAsOf: string | null }>(
    `SELECT a.label, (SELECT r.ended_at FROM sync_runs r WHERE r.account_id = a.id AND r.outcome IN ('ok', 'partial')
       ORDER BY r.id DESC LIMIT 1) AS dataAsOf
     FROM accounts a
     WHERE (@accountIds IS NULL OR a.id IN (SELECT value FROM json_each(@accountIds)))
       AND (@platforms IS NULL OR a.platform IN (SELECT value FROM json_each(@platforms)))
     ORDER BY a.label COLLATE NOCASE`,
  );
  return {
    /** Streams rows; the caller may stop early (preview). */
    iterate(def: ReportDefinition, now: string): IterableIterator<ReportRow> {
      const { sql, params } = buildReportQuery(def, now);
      return db.prepare(sql).iterate(params) as IterableIterator<ReportRow>;
    },
    /** The first rows only: with LIMIT, SQLite keeps a top-N sorter instead of sorting every row. */
    head(def: ReportDefinition, now: string, limit: number): ReportRow[] {
      const { sql, params } = buildReportQuery(def, now);
      return db.prepare(`${sql} LIMIT @limit`).all({ ...params, limit }) as ReportRow[];
    },
    count(def: ReportDefinition, now: string): number {
      const { sql, params } = buildReportQuery(def, now);
      return (db.prepare(`SELECT count(*) AS n FROM (${sql})`).get(params) as { n: number }).n;
    },
    /** The row count and the split by normalised status over the whole report (see ReportPreview), in one pass. */
    summary(def: ReportDefinition, now: string): { total: number; breakdown: Record<string, number> } {
      const { sql, params } = buildReportQuery(def, now);
      if (def.kind === 'courses') {
        const sums = PROGRESS_STATUSES.map((s) => `coalesce(sum(${s}), 0) AS ${s}`).join(', ');
        const { total, ...breakdown } = db.prepare(`SELECT count(*) AS total, ${sums} FROM (${sql})`).get(params) as Record<string, number>;
        return { total: total!, breakdown };
      }
      const column = def.kind === 'attendance' ? 'attendance_status' : 'status';
      const rows = db.prepare(`SELECT ${column} AS status, count(*) AS n FROM (${sql}) GROUP BY 1`).all(params) as { status: string; n: number }[];
      return { total: rows.reduce((sum, r) => sum + r.n, 0), breakdown: Object.fromEntries(rows.map((r) => [r.status, r.n])) };
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
