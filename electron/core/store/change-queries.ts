/**
 * Reads of the change log (change-log.ts writes it): the Changes view's pages, the timeline's syncs, "since last
 * sync", a course's trend and a learner's history. Newest first by the sync's time (ties: the order recorded).
 * Filters are bound parameters over a fixed set of fragments.
 */
import {
  CHANGE_KINDS,
  MASS_CHANGE_MIN,
  type ChangeFilter,
  type ChangeKind,
  type ChangeRow,
  type ChangeSync,
  type ChangesSummary,
  type CoursePoint,
} from '../contract/channels/changes';
import type { Platform } from '../contract/domain';
import type { Db } from './db';

interface ChangeDbRow {
  id: number;
  sync_id: number;
  account_id: string;
  label: string;
  platform: Platform;
  at: string;
  kind: ChangeKind;
  course_id: string | null;
  course_name: string | null;
  learner_id: string | null;
  learner_name: string | null;
  learner_email: string | null;
  session_id: string | null;
  session_name: string | null;
  from_value: string | null;
  to_value: string | null;
  occurred_at: string | null;
}

const toChange = (r: ChangeDbRow): ChangeRow => ({
  id: r.id,
  syncId: r.sync_id,
  accountId: r.account_id,
  accountLabel: r.label,
  platform: r.platform,
  at: r.at,
  kind: r.kind,
  courseId: r.course_id,
  courseName: r.course_name,
  learnerId: r.learner_id,
  learnerName: r.learner_name,
  learnerEmail: r.learner_email,
  sessionId: r.session_id,
  sessionName: r.session_name,
  from: r.from_value,
  to: r.to_value,
  occurredAt: r.occurred_at,
});

const FROM = (index = '') => `FROM changes c ${index} JOIN accounts a ON a.id = c.account_id`;
const SELECT = `SELECT c.*, a.label, a.platform ${FROM()}`;
const ORDER = 'ORDER BY c.at DESC, c.id DESC';

/** Inclusive days → a half-open ISO range on `at`. */
export function dayRange(from?: string, to?: string): { from: string | null; to: string | null } {
  return {
    from: from ? `${from}T00:00:00.000Z` : null,
    to: to ? new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString() : null,
  };
}

/** The inclusive days on `column` (a sync's or a change's `at`). */
function addDays(
  column: string,
  days: { from?: string; to?: string },
  where: string[],
  params: Record<string, unknown>,
) {
  const { from, to } = dayRange(days.from, days.to);
  if (from) {
    where.push(`${column} >= @from`);
    params.from = from;
  }
  if (to) {
    where.push(`${column} < @to`);
    params.to = to;
  }
}

/** The WHERE of a filter on `change_syncs s`: accounts and days. */
function syncWhere(scope: { accountIds: string[] | null; from?: string; to?: string }) {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (scope.accountIds) {
    where.push('s.account_id IN (SELECT value FROM json_each(@accountIds))');
    params.accountIds = JSON.stringify(scope.accountIds);
  }
  addDays('s.at', scope, where, params);
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

const escapeLike = (query: string) => query.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The WHERE of a filter on `changes c` (and `accounts a`), with its parameters. */
export function changeWhere(filter: ChangeFilter): {
  sql: string;
  params: Record<string, unknown>;
  simple: boolean;
  /** `INDEXED BY …` for a course or learner filter: else SQLite walks (account_id, at, id) to skip the sort. */
  index: string;
} {
  const where: string[] = [];
  let index = '';
  const params: Record<string, unknown> = {};
  // One value is an equality, not a list: then the (account_id, at, id) index serves the order too.
  if (filter.accountIds?.length === 1) {
    where.push('c.account_id = @accountId');
    params.accountId = filter.accountIds[0];
  } else if (filter.accountIds) {
    where.push('c.account_id IN (SELECT value FROM json_each(@accountIds))');
    params.accountIds = JSON.stringify(filter.accountIds);
  }
  if (filter.platforms?.length) {
    where.push('a.platform IN (SELECT value FROM json_each(@platforms))');
    params.platforms = JSON.stringify(filter.platforms);
  }
  if (filter.kinds?.length === 1) {
    where.push('c.kind = @kind');
    params.kind = filter.kinds[0];
  } else if (filter.kinds?.length) {
    where.push('c.kind IN (SELECT value FROM json_each(@kinds))');
    params.kinds = JSON.stringify(filter.kinds);
  }
  addDays('c.at', filter, where, params);
  // Filters a sync's per-kind counts can answer (see count): everything above.
  const simple = !filter.platforms?.length;
  let narrow = false;
  // The course, learner and e-mail indexes start with the month (migration 010): seek each month that has a sync.
  const months = `substr(c.at, 1, 7) IN (SELECT DISTINCT substr(at, 1, 7) FROM change_syncs)`;
  if (filter.course || filter.learner) where.push(months);
  if (filter.course) {
    where.push('c.account_id = @courseAccount AND c.course_id = @courseId');
    Object.assign(params, { courseAccount: filter.course.accountId, courseId: filter.course.courseId });
    index = 'INDEXED BY changes_by_course';
    narrow = true;
  }
  if (filter.learner) {
    if ('email' in filter.learner) {
      where.push('lower(c.learner_email) = lower(@email)');
      params.email = filter.learner.email;
    } else {
      where.push('c.account_id = @learnerAccount AND c.learner_id = @learnerId');
      Object.assign(params, { learnerAccount: filter.learner.accountId, learnerId: filter.learner.learnerId });
      index = 'INDEXED BY changes_by_learner';
    }
    narrow = true;
  }
  if (filter.toValues?.length) {
    where.push('c.to_value IN (SELECT value FROM json_each(@toValues))');
    params.toValues = JSON.stringify(filter.toValues);
    narrow = true;
  }
  if (filter.syncId !== undefined) {
    where.push('c.sync_id = @syncId');
    params.syncId = filter.syncId;
    narrow = true;
  }
  if (filter.search) {
    where.push(
      `(c.course_name LIKE @search ESCAPE '\\' OR c.learner_name LIKE @search ESCAPE '\\'
        OR c.learner_email LIKE @search ESCAPE '\\' OR c.session_name LIKE @search ESCAPE '\\')`,
    );
    params.search = `%${escapeLike(filter.search)}%`;
    narrow = true;
  }
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', params, simple: simple && !narrow, index };
}

interface SyncDbRow {
  id: number;
  account_id: string;
  label: string;
  run_id: number | null;
  at: string;
  baseline: number;
  total: number;
  counts_json: string;
  rows_json: string;
  rows_now: number | null;
}

function toSync(r: SyncDbRow): ChangeSync {
  const counts = JSON.parse(r.counts_json) as Partial<Record<ChangeKind, number>>;
  const size = r.rows_now ?? 0;
  const mass = CHANGE_KINDS.filter((kind) => (counts[kind] ?? 0) >= MASS_CHANGE_MIN)
    .filter((kind) => (counts[kind] ?? 0) * 2 >= size)
    .map((kind) => ({ kind, count: counts[kind]! }));
  return {
    id: r.id,
    accountId: r.account_id,
    accountLabel: r.label,
    runId: r.run_id,
    at: r.at,
    baseline: r.baseline === 1,
    total: r.total,
    counts,
    rows: JSON.parse(r.rows_json) as Record<string, number>,
    mass,
  };
}

/**
 * What "half the account's rows" means for a mass change: the account's live progress rows (the largest kind of
 * row; a reset flips most of them), from the stored per-course totals.
 */
const SYNC_SELECT = `SELECT s.*, a.label,
    (SELECT sum(st.learners) FROM course_stats st WHERE st.account_id = s.account_id
       AND st.generation = a.live_generation) AS rows_now
  FROM change_syncs s JOIN accounts a ON a.id = s.account_id`;

/** Importance for "the ten that matter": lower first. */
const IMPORTANCE = `CASE
    WHEN c.kind = 'status_changed' AND c.to_value = 'failed' THEN 0
    WHEN c.kind = 'learner_left' THEN 1
    WHEN c.kind = 'session_cancelled' THEN 2
    WHEN c.kind = 'attendance_marked' AND c.to_value = 'no_show' THEN 3
    WHEN c.kind = 'expired' THEN 4
    WHEN c.kind = 'status_changed' AND c.from_value IN ('completed', 'passed') THEN 5
    WHEN c.kind = 'status_changed' AND c.to_value IN ('completed', 'passed') THEN 6
    WHEN c.kind = 'certificate_issued' THEN 7
    WHEN c.kind IN ('course_added', 'course_removed', 'session_moved') THEN 8
    WHEN c.kind IN ('learner_removed', 'unenrolled') THEN 9
    ELSE 10 END`;

export type ChangeQueries = ReturnType<typeof createChangeQueries>;

export function createChangeQueries(db: Db) {
  const statements = new Map<string, ReturnType<Db['prepare']>>();
  const prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, (statement = db.prepare(sql)));
    return statement;
  };

  /** Totals of filters on accounts, kinds and days come from the syncs' per-kind counts: no scan of the changes. */
  const countFromSyncs = (filter: ChangeFilter): number => {
    const { sql, params } = syncWhere(filter);
    let measure = 's.total';
    if (filter.kinds?.length) {
      measure = "(SELECT coalesce(sum(json_extract(s.counts_json, '$.' || k.value)), 0) FROM json_each(@kinds) k)";
      params.kinds = JSON.stringify(filter.kinds);
    }
    return prepare(`SELECT coalesce(sum(${measure}), 0) FROM change_syncs s ${sql}`).pluck().get(params) as number;
  };

  const list = (filter: ChangeFilter, offset: number, limit: number) => {
    const { sql, params, simple, index } = changeWhere(filter);
    const rows = prepare(
      `SELECT c.*, a.label, a.platform ${FROM(index)} ${sql} ${ORDER} LIMIT @limit OFFSET @offset`,
    ).all({
      ...params,
      limit,
      offset,
    }) as ChangeDbRow[];
    const total = simple
      ? countFromSyncs(filter)
      : (prepare(`SELECT count(*) ${FROM(index)} ${sql}`)
          .pluck()
          .get(params) as number);
    return { total, rows: rows.map(toChange) };
  };

  return {
    list,

    syncs(input: { accountIds: string[] | null; from?: string; to?: string; offset: number; limit: number }) {
      const { sql: filter, params } = syncWhere(input);
      Object.assign(params, { limit: input.limit, offset: input.offset });
      const rows = prepare(`${SYNC_SELECT} ${filter} ORDER BY s.at DESC, s.id DESC LIMIT @limit OFFSET @offset`).all(
        params,
      ) as SyncDbRow[];
      const total = prepare(`SELECT count(*) FROM change_syncs s ${filter}`).pluck().get(params) as number;
      return { total, rows: rows.map(toSync) };
    },

    /** The latest sync of each account in scope and what it changed. */
    summary(accountIds: string[] | null): ChangesSummary {
      const latest = prepare(
        `${SYNC_SELECT} WHERE s.id IN (SELECT max(id) FROM change_syncs GROUP BY account_id)
           AND (@all = 1 OR s.account_id IN (SELECT value FROM json_each(@ids)))
         ORDER BY s.at DESC, s.id DESC`,
      ).all({ all: accountIds === null ? 1 : 0, ids: JSON.stringify(accountIds ?? []) }) as SyncDbRow[];
      const syncs = latest.map(toSync);
      const counts: Partial<Record<ChangeKind, number>> = {};
      for (const sync of syncs) {
        for (const [kind, n] of Object.entries(sync.counts) as [ChangeKind, number][]) {
          counts[kind] = (counts[kind] ?? 0) + n;
        }
      }
      const ids = JSON.stringify(syncs.map((s) => s.id));
      const tally = prepare(
        `SELECT coalesce(sum(kind = 'status_changed' AND to_value IN ('completed', 'passed')), 0) AS completions,
           coalesce(sum(kind = 'status_changed' AND to_value = 'failed'), 0) AS failures,
           coalesce(sum(kind = 'attendance_marked' AND to_value = 'no_show'), 0) AS noShows
         FROM changes WHERE sync_id IN (SELECT value FROM json_each(@ids))
           AND kind IN ('status_changed', 'attendance_marked')`,
      ).get({ ids }) as { completions: number; failures: number; noShows: number };
      const top = (
        prepare(
          `${SELECT} WHERE c.sync_id IN (SELECT value FROM json_each(@ids))
           ORDER BY ${IMPORTANCE}, c.at DESC, c.id DESC LIMIT 10`,
        ).all({ ids }) as ChangeDbRow[]
      ).map(toChange);
      return { syncs, counts, ...tally, top };
    },

    courseTrend(accountId: string, courseId: string, since: string): CoursePoint[] {
      return prepare(
        `SELECT at, learners, completed, passed, failed, in_progress AS inProgress, not_started AS notStarted,
           incomplete, completion_rate AS completionRate, attendance_rate AS attendanceRate
         FROM course_history WHERE account_id = @accountId AND course_id = @courseId AND at >= @since ORDER BY at`,
      ).all({ accountId, courseId, since }) as CoursePoint[];
    },
  };
}
