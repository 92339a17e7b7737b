/**
 * Writes a sync run's data as a new *generation* of an account, beside the live one, and flips it live at the end.
 *
 * Why generations: readers (the window, reports, the CLI) always see one complete sync. A failure, a cancel or a
 * killed process leaves the staging rows orphaned and invisible; they are swept at the next run. Each page is one
 * transaction (no per-row commits), which is also what makes bulk inserts fast.
 */
import type { Attendance, Course, CourseSession, Learner, Progress } from '../contract/domain';
import type { Page } from '../providers/types';
import { tempTransaction, writeTransaction, type Db } from './db';

export type Resource = 'courses' | 'sessions' | 'learners' | 'attendance' | 'progress';

const TABLES: Record<Resource, string> = {
  courses: 'courses',
  sessions: 'course_sessions',
  learners: 'learners',
  attendance: 'attendance',
  progress: 'progress',
};

/** Primary-key order of each table: staged rows are moved in this order, so B-tree inserts are appends. */
const KEY_ORDER: Record<Resource, string> = {
  courses: 'account_id, generation, id',
  sessions: 'account_id, generation, id',
  learners: 'account_id, generation, id',
  attendance: 'account_id, generation, session_id, learner_id',
  progress: 'account_id, generation, course_id, learner_id',
};

export type CacheWriter = ReturnType<typeof createCacheWriter>;

type CourseStatsParams = { account: string; generation: number; before: string };

/**
 * A generation's per-course aggregates, computed at commit (the Courses and Overview views read these instead of
 * grouping progress rows; export progress bars total them). `before`: activity older than this is overdue.
 */
const COURSE_STATS_SQL = `
    INSERT OR REPLACE INTO course_stats
    SELECT account_id, generation, course_id, count(*),
      sum(status = 'not_started'), sum(status = 'in_progress'), sum(status = 'completed'), sum(status = 'passed'),
      sum(status = 'failed'), sum(status = 'incomplete'),
      min(coalesce(started_at, last_activity_at)), max(last_activity_at),
      sum(status IN ('in_progress', 'not_started', 'incomplete') AND started_at IS NOT NULL
          AND coalesce(last_activity_at, started_at) < @before)
    FROM progress WHERE account_id = @account AND generation = @generation
    GROUP BY course_id`;

/** A generation's totals (the Overview's learner count reads these instead of counting learner rows). */
const GENERATION_STATS_SQL = `
    INSERT OR REPLACE INTO generation_stats
    SELECT @account, @generation, count(*) FROM learners WHERE account_id = @account AND generation = @generation`;

/** The aggregates a commit computes; fixtures that write rows directly call it too. */
export function computeStats(db: Db, params: CourseStatsParams): void {
  db.prepare<CourseStatsParams>(COURSE_STATS_SQL).run(params);
  db.prepare<Omit<CourseStatsParams, 'before'>>(GENERATION_STATS_SQL).run({ account: params.account, generation: params.generation });
}

/**
 * Pages land first in per-connection TEMP staging tables without indexes (cheap appends), and each resource is
 * moved into its real table once, sorted by primary key. Inserting provider UUIDs in arrival order into indexed
 * tables is several times slower (random B-tree inserts); a crash simply loses the TEMP tables, never live data.
 */
function ensureStaging(db: Db): void {
  for (const table of Object.values(TABLES)) {
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS stage_${table} AS SELECT * FROM main.${table} WHERE 0`);
  }
}

export function createCacheWriter(db: Db) {
  ensureStaging(db);
  const stage = (table: string) => `temp.stage_${table}`;
  const insert = {
    courses: db.prepare(
      `INSERT OR REPLACE INTO ${stage('courses')} (account_id, generation, id, name, type, description, created_at, updated_at, url, raw_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    sessions: db.prepare(
      `INSERT OR REPLACE INTO ${stage('course_sessions')} (account_id, generation, id, course_id, name, starts_at, ends_at, status, raw_status,
         venue, instructors_json, capacity, attending_count, raw_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    learners: db.prepare(
      `INSERT OR REPLACE INTO ${stage('learners')} (account_id, generation, id, name, email, first_name, last_name, raw_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    attendance: db.prepare(
      `INSERT OR REPLACE INTO ${stage('attendance')} (account_id, generation, session_id, learner_id, course_id, status, raw_status, raw_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    progress: db.prepare(
      `INSERT OR REPLACE INTO ${stage('progress')} (account_id, generation, course_id, learner_id, status, raw_status, progress_pct, score,
         started_at, completed_at, last_activity_at, raw_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
  };

  const rowWriters: { [R in Resource]: (account: string, gen: number, item: never, raw: string) => void } = {
    courses: (a, g, c: Course, raw) =>
      insert.courses.run(a, g, c.id, c.name, c.type, c.description, c.createdAt, c.updatedAt, c.url, raw),
    sessions: (a, g, s: CourseSession, raw) =>
      insert.sessions.run(a, g, s.id, s.courseId, s.name, s.startsAt, s.endsAt, s.status, s.rawStatus, s.venue,
        JSON.stringify(s.instructors), s.capacity, s.attendingCount, raw),
    learners: (a, g, l: Learner, raw) =>
      insert.learners.run(a, g, l.id, l.name, l.email, l.firstName, l.lastName, raw),
    attendance: (a, g, x: Attendance, raw) =>
      insert.attendance.run(a, g, x.sessionId, x.learnerId, x.courseId, x.status, x.rawStatus, raw),
    progress: (a, g, p: Progress, raw) =>
      insert.progress.run(a, g, p.courseId, p.learnerId, p.status, p.rawStatus, p.progressPct, p.score, p.startedAt,
        p.completedAt, p.lastActivityAt, raw),
  };

  const liveGeneration = db.prepare<[string], { live_generation: number }>('SELECT live_generation FROM accounts WHERE id = ?');
  const maxRunGeneration = db.prepare<[string], { g: number | null }>('SELECT max(generation) AS g FROM sync_runs WHERE account_id = ?');
  const flip = db.prepare('UPDATE accounts SET live_generation = ?, last_synced_at = ? WHERE id = ?');
  const upsertCursor = db.prepare(
    'INSERT INTO sync_cursors (account_id, resource, cursor) VALUES (?, ?, ?) ON CONFLICT (account_id, resource) DO UPDATE SET cursor = excluded.cursor',
  );
  const deleteCursors = db.prepare('DELETE FROM sync_cursors WHERE account_id = ?');
  const cursors = db.prepare<[string], { resource: string; cursor: string }>('SELECT resource, cursor FROM sync_cursors WHERE account_id = ?');
  const sweepStatements = [...Object.values(TABLES), 'course_stats', 'generation_stats'].map((table) =>
    db.prepare(`DELETE FROM ${table} WHERE account_id = ? AND generation <> ?`),
  );
  const copy = (sql: string) => db.prepare<[number, string, number]>(sql);
  const copyForward = {
    courses: copy(`INSERT OR IGNORE INTO courses SELECT account_id, ?, id, name, type, description, created_at, updated_at, url, raw_json FROM courses WHERE account_id = ? AND generation = ?`),
    sessions: copy(`INSERT OR IGNORE INTO course_sessions SELECT account_id, ?, id, course_id, name, starts_at, ends_at, status, raw_status, venue, instructors_json, capacity, attending_count, raw_json FROM course_sessions WHERE account_id = ? AND generation = ?`),
    learners: copy(`INSERT OR IGNORE INTO learners SELECT account_id, ?, id, name, email, first_name, last_name, raw_json FROM learners WHERE account_id = ? AND generation = ?`),
    attendance: copy(`INSERT OR IGNORE INTO attendance SELECT account_id, ?, session_id, learner_id, course_id, status, raw_status, raw_json FROM attendance WHERE account_id = ? AND generation = ?`),
    progress: copy(`INSERT OR IGNORE INTO progress SELECT account_id, ?, course_id, learner_id, status, raw_status, progress_pct, score, started_at, completed_at, last_activity_at, raw_json FROM progress WHERE account_id = ? AND generation = ?`),
  } satisfies Record<Resource, unknown>;

  const moveStaged = Object.fromEntries(
    (Object.keys(TABLES) as Resource[]).map((resource) => {
      const table = TABLES[resource];
      return [resource, writeTransaction(db, () => {
        db.prepare(`INSERT OR REPLACE INTO main.${table} SELECT * FROM ${stage(table)} ORDER BY ${KEY_ORDER[resource]}`).run();
        db.prepare(`DELETE FROM ${stage(table)}`).run();
      })];
    }),
  ) as unknown as Record<Resource, () => void>;
  const clearStaging = () => {
    for (const table of Object.values(TABLES)) db.prepare(`DELETE FROM ${stage(table)}`).run();
  };

  const live = (accountId: string) => liveGeneration.get(accountId)?.live_generation ?? 0;

  /** Removes every row of the account that is not the live generation (abandoned or superseded runs). */
  const sweep = writeTransaction(db, (accountId: string) => {
    const keep = live(accountId);
    for (const statement of sweepStatements) statement.run(accountId, keep);
  });

  return {
    liveGeneration: live,

    /** Picks a generation number no earlier run used, after sweeping what a crashed run may have left behind. */
    begin(accountId: string): number {
      clearStaging();
      sweep(accountId);
      return Math.max(live(accountId), maxRunGeneration.get(accountId)?.g ?? 0) + 1;
    },

    /**
     * Copies the live rows of `resources` into `generation`, keeping any row the run already wrote there: incremental
     * runs start from this copy of what they only partly re-fetch, and a listing not read whole fills in from it.
     */
    copyLive: writeTransaction(db, (accountId: string, generation: number, resources: readonly Resource[]) => {
      const from = live(accountId);
      for (const resource of resources) copyForward[resource].run(generation, accountId, from);
    }),

    /** Moves a finished resource's staged pages into its table (one transaction, primary-key order). */
    flush: (resource: Resource) => moveStaged[resource](),

    /** One page, one transaction (into the staging table, TEMP: it waits for no other connection). */
    writePage: tempTransaction(db, (resource: Resource, accountId: string, generation: number, page: Page<unknown>) => {
      const write = rowWriters[resource] as (a: string, g: number, item: unknown, raw: string) => void;
      for (let i = 0; i < page.items.length; i += 1) {
        write(accountId, generation, page.items[i]!, JSON.stringify(page.raw[i] ?? null));
      }
    }),

    /**
     * Makes `generation` the account's visible data, saving the cursors it covers in the same transaction, then
     * sweeps the superseded rows (invisible already; a crash before the sweep only delays it to the next run).
     */
    commit(accountId: string, generation: number, at: string, newCursors: Record<string, string> | null): void {
      const overdueBefore = new Date(Date.parse(at) - 30 * 86_400_000).toISOString();
      // Anything still staged (callers that did not flush per resource) lands before the aggregates and the flip.
      for (const resource of Object.keys(TABLES) as Resource[]) moveStaged[resource]();
      writeTransaction(db, () => {
        computeStats(db, { account: accountId, generation, before: overdueBefore });
        flip.run(generation, at, accountId);
        if (newCursors === null) deleteCursors.run(accountId);
        else for (const [resource, cursor] of Object.entries(newCursors)) upsertCursor.run(accountId, resource, cursor);
      })();
      sweep(accountId);
    },

    /** Drops a failed or cancelled run's staging rows. */
    discard: (accountId: string) => {
      clearStaging();
      sweep(accountId);
    },

    cursors: (accountId: string): Record<string, string> =>
      Object.fromEntries(cursors.all(accountId).map((row) => [row.resource, row.cursor])),
  };
}

/** "Clear cache": every data row and sync history, in one transaction; accounts (and their secrets) stay. */
export function clearCache(db: Db): number {
  return writeTransaction(db, () => {
    let removed = 0;
    for (const table of [...Object.values(TABLES), 'course_stats', 'generation_stats', 'sync_cursors', 'sync_runs']) {
      removed += db.prepare(`DELETE FROM ${table}`).run().changes;
    }
    db.prepare('UPDATE accounts SET live_generation = 0, last_synced_at = NULL').run();
    return removed;
  })();
}
