/**
 * Read queries behind the workspace views. Everything reads the live generation of each account, scoped by the
 * selection. Dynamic parts (filters, sort) come from whitelists, never from user text; prepared statements are
 * cached per query shape.
 */
import type {
  CourseFacets,
  CourseLearnerRow,
  CourseRow,
  LearnerRow,
  LearnerProfile,
  Overview,
  SessionRow,
  StatusCounts,
} from '../contract/channels/workspace';
import type { LearnerStatus, Platform, ProgressStatus } from '../contract/domain';
import { PROGRESS_STATUSES } from '../contract/domain';
import type { Db } from './db';
import { textMatch, textSource } from './text-match';
import { liveJoin, liveLearnerTotalSql } from './live-rows';
import { dueParams, notLeaverSql, overdueSql } from './due-dates';

type Scope = string[] | null;

/** `(… IN json_each(@ids))` keeps one statement for any selection size. */
const SCOPE_SQL = '(@all = 1 OR %col% IN (SELECT value FROM json_each(@ids)))';
const scopeSql = (column: string) => SCOPE_SQL.replace('%col%', column);
const scopeParams = (ids: Scope) => ({ all: ids === null ? 1 : 0, ids: JSON.stringify(ids ?? []) });

interface CourseDbRow {
  account_id: string;
  label: string;
  platform: Platform;
  id: string;
  name: string;
  type: string;
  learners: number | null;
  not_started: number | null;
  in_progress: number | null;
  completed: number | null;
  passed: number | null;
  failed: number | null;
  incomplete: number | null;
  inactive: number | null;
  generation: number;
  last_activity_at: string | null;
  next_session_at: string | null;
}

const counts = (r: Partial<Record<ProgressStatus, number | null>>): StatusCounts =>
  Object.fromEntries(PROGRESS_STATUSES.map((s) => [s, r[s] ?? 0])) as StatusCounts;
const rate = (done: number, learners: number) => (learners > 0 ? Math.round((done / learners) * 1000) / 10 : null);

function toCourseRow(r: CourseDbRow, overdue: number): CourseRow {
  const c = counts(r);
  const learners = r.learners ?? 0;
  return {
    accountId: r.account_id,
    accountLabel: r.label,
    platform: r.platform,
    id: r.id,
    name: r.name,
    type: r.type,
    learners,
    completionRate: rate(c.completed + c.passed, learners),
    counts: c,
    inactive: r.inactive ?? 0,
    overdue,
    nextSessionAt: r.next_session_at,
    lastActivityAt: r.last_activity_at,
  };
}

const NEXT_SESSION_SQL = `(SELECT min(cs.starts_at) FROM course_sessions cs
      WHERE cs.account_id = c.account_id AND cs.generation = c.generation AND cs.course_id = c.id
        AND cs.starts_at > @now AND cs.status <> 'cancelled')`;
/** Overdue in SQL, for sorting by it (rows shown count it through overdueCounter instead). */
const OVERDUE_SQL = `(SELECT count(*) FROM progress p
      WHERE p.account_id = c.account_id AND p.generation = c.generation AND p.course_id = c.id AND ${overdueSql('p')})`;
const COURSE_FROM = `
  FROM courses c
  ${liveJoin('c')}
  LEFT JOIN course_stats s ON s.account_id = c.account_id AND s.generation = c.generation AND s.course_id = c.id`;
const COURSE_COLUMNS = `c.account_id, a.label, a.platform, c.id, c.name, c.type, s.learners, s.not_started,
    s.in_progress, s.completed, s.passed, s.failed, s.incomplete, s.overdue AS inactive, s.last_activity_at,
    ${NEXT_SESSION_SQL} AS next_session_at, c.generation`;
const COURSE_SELECT = `SELECT ${COURSE_COLUMNS} ${COURSE_FROM}`;

/**
 * Sort key for names: case- and accent-insensitive, so "Ångström" sorts with the A's and "Émile" with the E's
 * (SQLite's NOCASE folds ASCII only). Registered on the connection as rb_fold().
 */
export function foldForSort(value: string): string {
  return value.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

const COURSE_SORT: Record<string, string> = {
  name: 'rb_fold(c.name)',
  account: 'rb_fold(a.label)',
  type: 'c.type',
  learners: 'coalesce(s.learners, 0)',
  completionRate: 'CASE WHEN coalesce(s.learners, 0) = 0 THEN -1 ELSE (s.completed + s.passed) * 1.0 / s.learners END',
  nextSessionAt: `coalesce(${NEXT_SESSION_SQL}, '9999')`,
  lastActivityAt: "coalesce(s.last_activity_at, '')",
  inactive: 'coalesce(s.overdue, 0)',
  overdue: OVERDUE_SQL,
};
const LEARNER_SORT: Record<string, string> = {
  name: 'rb_fold(coalesce(l.name, p.learner_id))',
  email: "lower(coalesce(l.email, ''))",
  status: 'p.status',
  progressPct: 'coalesce(p.progress_pct, -1)',
  completedAt: "coalesce(p.completed_at, '')",
  lastActivityAt: "coalesce(p.last_activity_at, '')",
  dueAt: "coalesce(p.due_at, '9999')",
};

const SEARCH_CANDIDATES = 20;

/** How many sorted `values` are below `bound` (binary search). */
function countBelow(values: string[], bound: string): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (values[mid]! < bound) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Overdue depends on today, so course_stats (what a sync fixed) cannot hold it. Each course's unfinished due dates
 * are read once per generation (a generation's rows never change) and kept sorted, so counting them against today is
 * a binary search: a 100k-learner course on the first page of Courses costs one read, not one per keystroke.
 * Calendar days and instants are kept apart because they compare against different bounds (store/due-dates.ts).
 */
function overdueCounter(db: Db) {
  const dueDates = db
    .prepare<[string, number, string], string>(
      `SELECT due_at FROM progress WHERE account_id = ? AND generation = ? AND course_id = ?
         AND due_at IS NOT NULL AND status NOT IN ('completed', 'passed')`,
    )
    .pluck();
  const accountDueDates = db.prepare<[string, number], [string, string]>(
    `SELECT course_id, due_at FROM progress WHERE account_id = ? AND generation = ?
       AND due_at IS NOT NULL AND status NOT IN ('completed', 'passed')`,
  );
  type Dues = { days: string[]; instants: string[] };
  const cache = new Map<string, Dues>();
  const keyOf = (account: string, generation: number, course: string) => `${account}\u0000${generation}\u0000${course}`;
  const keep = (key: string, dates: Iterable<string>) => {
    if (cache.size >= 50_000) cache.clear();
    const dues: Dues = { days: [], instants: [] };
    for (const due of dates) (due.length === 10 ? dues.days : dues.instants).push(due);
    dues.days.sort();
    dues.instants.sort();
    cache.set(key, dues);
    return dues;
  };
  return {
    count(course: { account_id: string; generation: number; id: string }, now: string): number {
      const key = keyOf(course.account_id, course.generation, course.id);
      const dues = cache.get(key) ?? keep(key, dueDates.all(course.account_id, course.generation, course.id));
      return countBelow(dues.days, dueParams(now).today) + countBelow(dues.instants, now);
    },
    /** Reads the due dates of many courses of one account generation in one pass (sorting every course by them). */
    preload(account: string, generation: number, courses: string[]): void {
      const missing = courses.filter((course) => !cache.has(keyOf(account, generation, course)));
      if (missing.length < 50) return;
      const byCourse = new Map<string, string[]>(missing.map((course) => [course, []]));
      for (const [course, due] of accountDueDates.raw().iterate(account, generation)) byCourse.get(course)?.push(due);
      for (const [course, dates] of byCourse) keep(keyOf(account, generation, course), dates);
    },
  };
}

export type WorkspaceQueries = ReturnType<typeof createWorkspaceQueries>;

export function createWorkspaceQueries(db: Db) {
  // Names repeat across sorts and pages; folding (NFKD + regex) costs more than a map lookup.
  const folded = new Map<string, string>();
  db.function('rb_fold', { deterministic: true }, (value: unknown) => {
    if (typeof value !== 'string') return value;
    let key = folded.get(value);
    if (key === undefined) {
      if (folded.size >= 100_000) folded.clear();
      folded.set(value, (key = foldForSort(value)));
    }
    return key;
  });
  const overdue = overdueCounter(db);
  const overdueOf = overdue.count;
  const cache = new Map<string, ReturnType<Db['prepare']>>();
  const prepare = (sql: string) => {
    let statement = cache.get(sql);
    if (!statement) cache.set(sql, (statement = db.prepare(sql)));
    return statement;
  };

  /**
   * Paged tables (100k learners) scroll page by page. Sorting 100k rows by a folded name costs a few hundred ms, so
   * the sorted rowids of the last few (query, parameters) are kept and each page is a lookup of ≤ 1000 rowids.
   * Valid while no account's live generation changes: every sync commit and "clear cache" changes one, and rows are
   * never edited in place within a generation.
   */
  const generations = db.prepare<[], { sig: string | null }>(
    "SELECT group_concat(id || ':' || live_generation) AS sig FROM accounts",
  );
  const ordered = new Map<string, number[]>();
  function orderedRowids(sql: string, params: Record<string, unknown>): number[] {
    const key = JSON.stringify([generations.get()?.sig, sql, params]);
    let ids = ordered.get(key);
    if (ids) ordered.delete(key);
    else ids = (prepare(sql).raw(true).all(params) as [number][]).map((r) => r[0]);
    ordered.set(key, ids);
    if (ordered.size > 6) ordered.delete(ordered.keys().next().value!);
    return ids;
  }
  function rowsAt<T>(
    ids: number[],
    page: { offset: number; limit: number },
    sql: string,
    extra: Record<string, unknown> = {},
  ): T[] {
    const slice = ids.slice(page.offset, page.offset + page.limit);
    if (slice.length === 0) return [];
    const byId = new Map(
      (prepare(sql).all({ ...extra, ids: JSON.stringify(slice) }) as { _id: number }[]).map((r) => [r._id, r]),
    );
    return slice.map((id) => {
      const { _id: _, ...row } = byId.get(id)!;
      return row as T;
    });
  }

  interface CourseQuery {
    accountIds: Scope;
    search?: string;
    platforms?: Platform[];
    types?: string[];
    statuses?: ProgressStatus[];
    ids?: string[];
    sort: { column: string; direction: 'asc' | 'desc' };
    now: string;
  }

  /** WHERE, ORDER BY and parameters of a Courses-view question; shared by the full list and the paged one. */
  function courseQuery(input: CourseQuery): { where: string; order: string; params: Record<string, unknown> } {
    const where = [scopeSql('c.account_id')];
    const params: Record<string, unknown> = { ...scopeParams(input.accountIds), ...dueParams(input.now) };
    if (input.search) {
      const match = textMatch('course', 'c', input.search);
      where.push(match.sql);
      params.q = match.value;
    }
    if (input.platforms?.length) {
      where.push('a.platform IN (SELECT value FROM json_each(@platforms))');
      params.platforms = JSON.stringify(input.platforms);
    }
    if (input.types?.length) {
      where.push('c.type IN (SELECT value FROM json_each(@types))');
      params.types = JSON.stringify(input.types);
    }
    if (input.ids) {
      where.push('c.id IN (SELECT value FROM json_each(@courseIds))');
      params.courseIds = JSON.stringify(input.ids);
    }
    if (input.statuses?.length) {
      // Whitelisted column names: the status enum is the column list of course_stats.
      where.push(`(${input.statuses.map((s) => `coalesce(s.${s}, 0) > 0`).join(' OR ')})`);
    }
    // SQLite computes every ORDER BY term for every row up front, and rb_fold() is a call into JS: the name is folded
    // once (not again as a tie-breaker when it is the sort), and account labels break ties case-insensitively.
    const column = COURSE_SORT[input.sort.column] ? input.sort.column : 'name';
    const ties = column === 'name' ? 'a.label COLLATE NOCASE' : 'rb_fold(c.name), a.label COLLATE NOCASE';
    const order =
      `${COURSE_SORT[column]} ${input.sort.direction === 'desc' ? 'DESC' : 'ASC'}, ` + `${ties}, c.account_id, c.id`;
    return { where: where.join(' AND '), order, params };
  }

  function courses(input: CourseQuery): CourseRow[] {
    const { where, order, params } = courseQuery(input);
    return (prepare(`${COURSE_SELECT} WHERE ${where} ORDER BY ${order}`).all(params) as CourseDbRow[]).map((r) =>
      toCourseRow(r, overdueOf(r, input.now)),
    );
  }

  /**
   * The Courses view asks for the screenful it shows: 10k courses would be megabytes across IPC on every keystroke.
   * The sort runs over rowids only (no per-row "next session" lookup unless that is the sort), and the rows of the
   * page are read by rowid.
   */
  /**
   * Courses by overdue count: the counts come from the per-generation due dates (overdueCounter), not from counting
   * every progress row in SQL for each sort. Ties keep the SQL sort's order (name, account); kept like orderedRowids.
   */
  function overdueOrder(where: string, params: Record<string, unknown>, input: CourseQuery): number[] {
    const minute = `${input.now.slice(0, 16)}:00.000Z`;
    const key = JSON.stringify([generations.get()?.sig, 'overdue', where, params, input.sort.direction, minute]);
    let ids = ordered.get(key);
    if (ids) ordered.delete(key);
    else {
      const rows = prepare(
        `SELECT c.rowid, c.account_id, c.generation, c.id ${COURSE_FROM} WHERE ${where}
         ORDER BY rb_fold(c.name), a.label COLLATE NOCASE, c.account_id, c.id`,
      )
        .raw(true)
        .all(params) as [number, string, number, string][];
      const perAccount = new Map<string, { generation: number; courses: string[] }>();
      for (const [, account, generation, id] of rows) {
        const entry = perAccount.get(account) ?? { generation, courses: [] };
        entry.courses.push(id);
        perAccount.set(account, entry);
      }
      for (const [account, { generation, courses }] of perAccount) overdue.preload(account, generation, courses);
      const sign = input.sort.direction === 'desc' ? -1 : 1;
      ids = rows
        .map(([rowid, account_id, generation, id]) => [rowid, overdueOf({ account_id, generation, id }, minute)])
        // Array sort is stable: equal counts stay in name order.
        .sort((x, y) => sign * (x[1]! - y[1]!))
        .map(([rowid]) => rowid!);
    }
    ordered.set(key, ids);
    if (ordered.size > 6) ordered.delete(ordered.keys().next().value!);
    return ids;
  }

  function coursePage(input: CourseQuery & { offset: number; limit: number }): { total: number; rows: CourseRow[] } {
    const { where, order, params } = courseQuery(input);
    const sortSql = `SELECT c.rowid AS id ${COURSE_FROM} WHERE ${where} ORDER BY ${order}`;
    // `now` changes on every call. Unless the order depends on it, it is left out so the next page reuses the order;
    // when it does (next session, overdue), it counts in whole minutes, so the pages of one scroll agree on it.
    const { now: _, today: _t, ...timeless } = params;
    const ids =
      input.sort.column === 'overdue'
        ? overdueOrder(where, timeless, input)
        : orderedRowids(
            sortSql,
            sortSql.includes('@now') ? { ...params, now: `${input.now.slice(0, 16)}:00.000Z` } : timeless,
          );
    const rows = rowsAt<CourseDbRow>(
      ids,
      input,
      `SELECT c.rowid AS _id, ${COURSE_COLUMNS} ${COURSE_FROM} WHERE c.rowid IN (SELECT value FROM json_each(@ids))`,
      dueParams(input.now),
    );
    return { total: ids.length, rows: rows.map((r) => toCourseRow(r, overdueOf(r, input.now))) };
  }

  const courseOne = db.prepare(`${COURSE_SELECT} WHERE c.account_id = @accountId AND c.id = @courseId`);
  const courseExtra = db.prepare<
    [string, string],
    { description: string | null; url: string | null; sessions: number }
  >(
    `SELECT c.description, c.url, (SELECT count(*) FROM course_sessions cs WHERE cs.account_id = c.account_id
       AND cs.generation = c.generation AND cs.course_id = c.id) AS sessions
     FROM courses c ${liveJoin('c')} WHERE c.account_id = ? AND c.id = ?`,
  );

  function courseLearners(input: {
    accountId: string;
    courseId: string;
    search?: string;
    statuses?: ProgressStatus[];
    sort: { column: string; direction: 'asc' | 'desc' };
    offset: number;
    limit: number;
    now: string;
  }): { total: number; rows: CourseLearnerRow[] } {
    const where = ['p.account_id = @accountId', 'p.course_id = @courseId'];
    const params: Record<string, unknown> = { accountId: input.accountId, courseId: input.courseId };
    if (input.statuses?.length) {
      where.push('p.status IN (SELECT value FROM json_each(@statuses))');
      params.statuses = JSON.stringify(input.statuses);
    }
    if (input.search) {
      const match = textMatch('learner', 'l', input.search);
      where.push(match.sql);
      params.q = match.value;
    }
    const from = `FROM progress p ${liveJoin('p')}
      LEFT JOIN learners l ON l.account_id = p.account_id AND l.generation = p.generation AND l.id = p.learner_id
      WHERE ${where.join(' AND ')}`;
    const order =
      `${LEARNER_SORT[input.sort.column] ?? LEARNER_SORT.name} ` +
      `${input.sort.direction === 'desc' ? 'DESC' : 'ASC'}, p.learner_id`;
    const ids = orderedRowids(`SELECT p.rowid AS id ${from} ORDER BY ${order}`, params);
    const rows = rowsAt<CourseLearnerRow>(
      ids,
      input,
      `SELECT p.rowid AS _id, p.learner_id AS learnerId, coalesce(l.name, p.learner_id) AS name, l.email, p.status,
         p.raw_status AS rawStatus, p.progress_pct AS progressPct, p.started_at AS startedAt,
         p.completed_at AS completedAt, p.last_activity_at AS lastActivityAt, p.due_at AS dueAt,
         ${overdueSql('p')} AS overdue, l.status AS learnerStatus
       FROM progress p
       LEFT JOIN learners l ON l.account_id = p.account_id AND l.generation = p.generation AND l.id = p.learner_id
       WHERE p.rowid IN (SELECT value FROM json_each(@ids))`,
      dueParams(input.now),
    );
    return { total: ids.length, rows: rows.map((r) => ({ ...r, overdue: Boolean(r.overdue) })) };
  }

  const sessionsOf = db.prepare<
    [string, string],
    {
      id: string;
      name: string | null;
      starts_at: string;
      ends_at: string | null;
      status: string;
      venue: string | null;
      instructors_json: string;
      capacity: number | null;
      attending: number;
      time_zone: string | null;
    }
  >(
    `SELECT cs.id, cs.name, cs.starts_at, cs.ends_at, cs.status, cs.venue, cs.instructors_json, cs.capacity, cs.time_zone,
       (SELECT count(*) FROM attendance x WHERE x.account_id = cs.account_id AND x.generation = cs.generation
          AND x.session_id = cs.id AND x.status IN ('registered', 'attended')) AS attending
     FROM course_sessions cs ${liveJoin('cs')}
     WHERE cs.account_id = ? AND cs.course_id = ? ORDER BY cs.starts_at`,
  );
  const attendanceOf = db.prepare<
    [string, string],
    { session_id: string; learner_id: string; status: string; name: string }
  >(
    `SELECT x.session_id, x.learner_id, x.status, coalesce(l.name, x.learner_id) AS name
     FROM attendance x ${liveJoin('x')}
     LEFT JOIN learners l ON l.account_id = x.account_id AND l.generation = x.generation AND l.id = x.learner_id
     WHERE x.account_id = ? AND x.course_id = ?`,
  );

  function courseSessions(accountId: string, courseId: string) {
    const sessions: SessionRow[] = sessionsOf.all(accountId, courseId).map((s) => ({
      id: s.id,
      name: s.name,
      startsAt: s.starts_at,
      endsAt: s.ends_at,
      status: s.status,
      venue: s.venue,
      instructors: JSON.parse(s.instructors_json) as string[],
      capacity: s.capacity,
      attending: s.attending,
      timeZone: s.time_zone,
    }));
    const learners = new Map<string, string>();
    const cells: Record<string, Record<string, string>> = {};
    for (const row of attendanceOf.iterate(accountId, courseId)) {
      if (!learners.has(row.learner_id)) {
        if (learners.size >= 500) continue;
        learners.set(row.learner_id, row.name);
      }
      (cells[row.learner_id] ??= {})[row.session_id] = row.status;
    }
    return {
      sessions,
      learners: [...learners].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name)),
      cells,
    };
  }

  const overviewTotals = db.prepare(
    `SELECT count(*) AS courses, coalesce(sum(s.completed + s.passed), 0) AS completions,
       coalesce(sum(s.not_started), 0) AS not_started, coalesce(sum(s.in_progress), 0) AS in_progress,
       coalesce(sum(s.completed), 0) AS completed, coalesce(sum(s.passed), 0) AS passed,
       coalesce(sum(s.failed), 0) AS failed, coalesce(sum(s.incomplete), 0) AS incomplete
     FROM courses c ${liveJoin('c')}
     LEFT JOIN course_stats s ON s.account_id = c.account_id AND s.generation = c.generation AND s.course_id = c.id
     WHERE ${scopeSql('c.account_id')}`,
  );
  const overviewLearners = db.prepare(liveLearnerTotalSql(scopeSql('a.id')));
  const overviewUpcoming = db.prepare(
    `SELECT count(*) AS n FROM course_sessions cs ${liveJoin('cs')}
     WHERE ${scopeSql('cs.account_id')} AND cs.starts_at > @now AND cs.status <> 'cancelled'`,
  );
  const overviewCourses = (order: string, where = '1 = 1') =>
    db.prepare(
      `SELECT c.account_id AS accountId, c.id, c.name, s.learners, s.completed + s.passed AS done,
         s.overdue AS inactive
       FROM courses c ${liveJoin('c')}
       JOIN course_stats s ON s.account_id = c.account_id AND s.generation = c.generation AND s.course_id = c.id
       WHERE ${scopeSql('c.account_id')} AND ${where} ORDER BY ${order} LIMIT @limit`,
    );
  const byLearners = overviewCourses('s.learners DESC, c.name COLLATE NOCASE, c.account_id');
  const lowest = overviewCourses('(s.completed + s.passed) * 1.0 / s.learners ASC, s.learners DESC', 's.learners >= 5');
  const inactive = overviewCourses('s.overdue DESC, s.learners DESC', 's.overdue > 0');
  const recent = db.prepare(
    `SELECT p.account_id AS accountId, p.course_id AS courseId, coalesce(c.name, p.course_id) AS courseName,
       p.learner_id AS learnerId,
       coalesce(l.name, p.learner_id) AS learnerName, l.email, p.status, p.completed_at AS completedAt
     FROM progress p INDEXED BY progress_by_completion
     ${liveJoin('p')}
     LEFT JOIN courses c ON c.account_id = p.account_id AND c.generation = p.generation AND c.id = p.course_id
     LEFT JOIN learners l ON l.account_id = p.account_id AND l.generation = p.generation AND l.id = p.learner_id
     WHERE p.completed_at IS NOT NULL AND p.status IN ('completed', 'passed') AND ${scopeSql('p.account_id')}
     ORDER BY p.completed_at DESC LIMIT 10`,
  );

  function overview(accountIds: Scope, now: string): Omit<Overview, 'freshness'> & { accounts: number } {
    const scope = scopeParams(accountIds);
    const t = overviewTotals.get(scope) as Record<string, number>;
    const pick = (r: {
      accountId: string;
      id: string;
      name: string;
      learners: number;
      done: number;
      inactive: number;
    }) => ({
      accountId: r.accountId,
      id: r.id,
      name: r.name,
      learners: r.learners,
      completionRate: rate(r.done, r.learners),
      inactive: r.inactive,
    });
    type R = Parameters<typeof pick>[0];
    return {
      accounts: 0,
      totals: {
        accounts: 0,
        courses: t.courses ?? 0,
        learners: (overviewLearners.get(scope) as { n: number }).n,
        completions: t.completions ?? 0,
        upcomingSessions: (overviewUpcoming.get({ ...scope, now }) as { n: number }).n,
      },
      statusDistribution: counts(t as Partial<Record<ProgressStatus, number>>),
      completionByCourse: (byLearners.all({ ...scope, limit: 12 }) as R[]).map(pick).map(({ inactive: _i, ...r }) => r),
      lowestCompletion: (lowest.all({ ...scope, limit: 5 }) as R[]).map(pick).map(({ inactive: _i, ...r }) => r),
      mostInactive: (inactive.all({ ...scope, limit: 5 }) as R[]).map(pick).map(({ completionRate: _c, ...r }) => r),
      recentCompletions: recent.all(scope) as Overview['recentCompletions'],
    };
  }

  /** A learner profile's rows, one a course, whichever way the learner is found; name and email are the caller's. */
  const profileColumns = `p.account_id AS accountId, a.label AS accountLabel, a.platform, p.learner_id AS learnerId,
       p.course_id AS courseId,
       coalesce(c.name, p.course_id) AS courseName, p.status, p.raw_status AS rawStatus, p.progress_pct AS progressPct,
       p.started_at AS startedAt, p.completed_at AS completedAt, p.last_activity_at AS lastActivityAt,
       p.assigned_at AS assignedAt, p.due_at AS dueAt, ${overdueSql('p')} AS overdue,
       p.expires_at AS expiresAt, p.certificate_issued_at AS certificateIssuedAt,
       p.certificate_expires_at AS certificateExpiresAt, p.time_spent_s AS timeSpentS, p.score,
       p.passing_score AS passingScore, l.status AS learnerStatus, l.department, l.groups_json AS groupsJson`;
  const learnerByEmail = db.prepare(
    `SELECT ${profileColumns}, l.name, l.email
     FROM learners l ${liveJoin('l')}
     JOIN progress p ON p.account_id = l.account_id AND p.generation = l.generation AND p.learner_id = l.id
     LEFT JOIN courses c ON c.account_id = p.account_id AND c.generation = p.generation AND c.id = p.course_id
     WHERE lower(l.email) = lower(@email)
     ORDER BY coalesce(p.last_activity_at, '') DESC, courseName`,
  );
  const learnerById = db.prepare(
    `SELECT ${profileColumns}, coalesce(l.name, p.learner_id) AS name, l.email
     FROM progress p ${liveJoin('p')}
     LEFT JOIN learners l ON l.account_id = p.account_id AND l.generation = p.generation AND l.id = p.learner_id
     LEFT JOIN courses c ON c.account_id = p.account_id AND c.generation = p.generation AND c.id = p.course_id
     WHERE p.account_id = @accountId AND p.learner_id = @learnerId
     ORDER BY coalesce(p.last_activity_at, '') DESC, courseName`,
  );
  const learnerEmail = db.prepare(
    `SELECT l.name, l.email, l.status, l.department, l.groups_json FROM learners l ${liveJoin('l')}
     WHERE l.account_id = ? AND l.id = ?`,
  );

  /** One person: by e-mail across every account and platform (case-insensitive), else one account's learner. */
  function learner(ref: { email: string } | { accountId: string; learnerId: string }, now: string): LearnerProfile {
    let email = 'email' in ref ? ref.email : null;
    let fallback: {
      name: string;
      status: LearnerStatus | null;
      department: string | null;
      groups_json: string;
    } | null = null;
    if (!('email' in ref)) {
      const row = learnerEmail.get(ref.accountId, ref.learnerId) as
        | {
            name: string;
            email: string | null;
            status: LearnerStatus | null;
            department: string | null;
            groups_json: string;
          }
        | undefined;
      email = row?.email ?? null;
      fallback = { name: ref.learnerId, status: null, department: null, groups_json: '[]', ...row };
    }
    type Row = Omit<LearnerProfile['courses'][number], 'overdue'> & {
      overdue: number;
      name: string;
      email: string | null;
      learnerStatus: LearnerStatus | null;
      department: string | null;
      groupsJson: string | null;
    };
    const params = dueParams(now);
    const rows = (email ? learnerByEmail.all({ email, ...params }) : learnerById.all({ ...ref, ...params })) as Row[];
    const first = rows[0];
    return {
      name: first?.name ?? fallback?.name ?? email ?? '',
      email: first?.email ?? email,
      accounts: new Set(rows.map((r) => r.accountId)).size,
      status: first ? first.learnerStatus : (fallback?.status ?? null),
      department: first ? first.department : (fallback?.department ?? null),
      groups: JSON.parse((first ? first.groupsJson : fallback?.groups_json) ?? '[]') as string[],
      courses: rows.map(
        ({ name: _n, email: _e, learnerStatus: _s, department: _d, groupsJson: _g, overdue, ...course }) => ({
          ...course,
          overdue: Boolean(overdue),
        }),
      ),
    };
  }

  const facetTypes = db.prepare(
    `SELECT c.type AS value, count(*) AS count FROM courses c ${liveJoin('c')}
     WHERE ${scopeSql('c.account_id')} GROUP BY c.type ORDER BY c.type`,
  );
  const facetAccounts = db.prepare(
    `SELECT a.id AS value, a.label, a.platform, count(c.id) AS count FROM accounts a
     LEFT JOIN courses c ON c.account_id = a.id AND c.generation = a.live_generation
     WHERE ${scopeSql('a.id')} GROUP BY a.id ORDER BY a.platform, a.label COLLATE NOCASE`,
  );

  function facets(accountIds: Scope): CourseFacets {
    const scope = scopeParams(accountIds);
    const accounts = facetAccounts.all(scope) as CourseFacets['accounts'];
    const platforms = new Map<Platform, number>();
    for (const a of accounts) platforms.set(a.platform, (platforms.get(a.platform) ?? 0) + a.count);
    return {
      types: facetTypes.all(scope) as CourseFacets['types'],
      platforms: [...platforms].map(([value, count]) => ({ value, count })),
      accounts,
    };
  }

  const LEARNER_DIRECTORY_SORT: Record<string, string> = {
    name: 'rb_fold(l.name)',
    email: "lower(coalesce(l.email, ''))",
  };

  /**
   * The Learners directory. Per-learner aggregates come from correlated subqueries over the one page being shown
   * (≤ 1000 rows, each an index range scan on progress_by_learner), so a 100k-learner account pages in milliseconds.
   */
  function learners(input: {
    accountIds: Scope;
    search?: string;
    sort: { column: string; direction: 'asc' | 'desc' };
    includeLeavers?: boolean;
    offset: number;
    limit: number;
  }): { total: number; rows: LearnerRow[] } {
    const where = [scopeSql('l.account_id')];
    if (!input.includeLeavers) where.push(notLeaverSql('l'));
    const params: Record<string, unknown> = scopeParams(input.accountIds);
    if (input.search) {
      const match = textMatch('learner', 'l', input.search);
      where.push(match.sql);
      params.q = match.value;
    }
    const from = `FROM learners l ${liveJoin('l')} WHERE ${where.join(' AND ')}`;
    const order =
      `${LEARNER_DIRECTORY_SORT[input.sort.column] ?? LEARNER_DIRECTORY_SORT.name} ` +
      `${input.sort.direction === 'desc' ? 'DESC' : 'ASC'}, l.account_id, l.id`;
    const ids = orderedRowids(`SELECT l.rowid AS id ${from} ORDER BY ${order}`, params);
    const rows = rowsAt<LearnerRow>(
      ids,
      input,
      `SELECT l.rowid AS _id, l.account_id AS accountId, a.label AS accountLabel, a.platform, l.id AS learnerId,
         l.name, l.email, l.status, l.department,
         (SELECT count(*) FROM progress p
            WHERE p.account_id = l.account_id AND p.generation = l.generation AND p.learner_id = l.id) AS courses,
         (SELECT count(*) FROM progress p
            WHERE p.account_id = l.account_id AND p.generation = l.generation AND p.learner_id = l.id
            AND p.status IN ('completed', 'passed')) AS completed,
         (SELECT max(p.last_activity_at) FROM progress p
            WHERE p.account_id = l.account_id AND p.generation = l.generation
            AND p.learner_id = l.id) AS lastActivityAt
       FROM learners l JOIN accounts a ON a.id = l.account_id WHERE l.rowid IN (SELECT value FROM json_each(@ids))`,
    );
    return { total: ids.length, rows };
  }

  /**
   * Quick search: the first `limit × SEARCH_CANDIDATES` matches (read as the index finds them), sorted by name. Sorting
   * every match of a one-letter query costs hundreds of ms; the list sharpens as the user types instead.
   */
  function search(accountIds: Scope, query: string, limit: number) {
    const course = textSource('course', 'c', query);
    const learner = textSource('learner', 'l', query);
    const params = { ...scopeParams(accountIds), q: course.value, limit, candidates: limit * SEARCH_CANDIDATES };
    return {
      courses: prepare(
        `SELECT * FROM (SELECT c.account_id AS accountId, a.label AS accountLabel, a.platform, c.id, c.name
         FROM ${course.from}
         ${liveJoin('c')}
         WHERE ${course.where} AND ${scopeSql('c.account_id')} LIMIT @candidates) ORDER BY rb_fold(name) LIMIT @limit`,
      ).all(params) as { accountId: string; accountLabel: string; platform: Platform; id: string; name: string }[],
      learners: prepare(
        `SELECT * FROM (SELECT l.account_id AS accountId, l.id AS learnerId, l.name, l.email FROM ${learner.from}
         ${liveJoin('l')}
         WHERE ${learner.where} AND ${scopeSql('l.account_id')} LIMIT @candidates) ORDER BY rb_fold(name) LIMIT @limit`,
      ).all(params) as { accountId: string; learnerId: string; name: string; email: string | null }[],
    };
  }

  return {
    courses,
    coursePage,
    course: (accountId: string, courseId: string, now: string) => {
      const row = courseOne.get({ accountId, courseId, ...dueParams(now) }) as CourseDbRow | undefined;
      if (!row) return undefined;
      return { ...toCourseRow(row, overdueOf(row, now)), ...courseExtra.get(accountId, courseId)! };
    },
    courseLearners,
    courseSessions,
    overview,
    facets,
    learners,
    learner,
    search,
  };
}
