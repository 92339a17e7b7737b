/**
 * Writes a sync run's data as a new *generation* of an account, beside the live one, and flips it live at the end.
 *
 * Why generations: readers (the window, reports, the CLI) always see one complete sync. A failure, a cancel or a
 * killed process leaves the staging rows orphaned and invisible; they are swept at the next run. Each page is one
 * transaction (no per-row commits), which is also what makes bulk inserts fast.
 */
import type { SyncResource } from '../contract/channels/sync';
import type { Page } from '../providers/types';
import { RESOURCE_TABLES, type ResourceTable, type SqlValue } from './columns';
import { createChangeLog } from './change-log';
import { tempTransaction, writeTransaction, type Db } from './db';

const RESOURCES = Object.keys(RESOURCE_TABLES) as SyncResource[];
const TABLES = RESOURCES.map((resource) => RESOURCE_TABLES[resource].table);

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
  db.prepare<Omit<CourseStatsParams, 'before'>>(GENERATION_STATS_SQL).run({
    account: params.account,
    generation: params.generation,
  });
}

/**
 * Pages land first in per-connection TEMP staging tables without indexes (cheap appends), and each resource is
 * moved into its real table once, sorted by primary key. Inserting provider UUIDs in arrival order into indexed
 * tables is several times slower (random B-tree inserts); a crash simply loses the TEMP tables, never live data.
 */
function ensureStaging(db: Db): void {
  for (const { table, columns } of Object.values(RESOURCE_TABLES)) {
    // Types only, no key or NOT NULL: constraints are checked once, when the rows move into the real table.
    const definitions = columns.map((column) => `${column.name} ${column.type}`).join(', ');
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS stage_${table} (${definitions})`);
  }
}

const stage = (table: string) => `temp.stage_${table}`;
const names = (resource: SyncResource) => RESOURCE_TABLES[resource].columns.map((column) => column.name);

type RowWriter<T> = (account: string, gen: number, item: T, raw: string) => void;

/**
 * The staging insert of one resource and the function that binds a connector row to it. Parameters are positional
 * but generated from the same column list as the values, so they cannot drift apart; this is the sync's hottest loop,
 * where binding by name (a property lookup per column) is markedly slower. The values array is reused, and spreading
 * it binds them as plain arguments.
 */
function rowWriter<T>(db: Db, resource: ResourceTable<T>): RowWriter<T> {
  const { table, columns, reads } = resource;
  const insert = db.prepare<SqlValue[]>(
    `INSERT OR REPLACE INTO ${stage(table)} (${columns.map((column) => column.name).join(', ')})
     VALUES (${columns.map(() => '?').join(', ')})`,
  );
  const values: SqlValue[] = new Array<SqlValue>(columns.length).fill(null);
  const last = columns.length - 1;
  return (account, gen, item, raw) => {
    values[0] = account;
    values[1] = gen;
    for (let i = 0; i < reads.length; i += 1) values[i + 2] = reads[i]!(item);
    values[last] = raw;
    insert.run(...values);
  };
}

export function createCacheWriter(db: Db, options: { changeLog?: boolean } = {}) {
  ensureStaging(db);
  // Off only for the bench's side-by-side measure of what the change log costs a sync.
  const changeLog = options.changeLog === false ? null : createChangeLog(db);
  const rowWriters = Object.fromEntries(
    RESOURCES.map((resource) => [resource, rowWriter(db, RESOURCE_TABLES[resource] as ResourceTable<unknown>)]),
  ) as Record<SyncResource, RowWriter<unknown>>;

  const liveGeneration = db.prepare<[string], { live_generation: number }>(
    'SELECT live_generation FROM accounts WHERE id = ?',
  );
  const maxRunGeneration = db.prepare<[string], { g: number | null }>(
    'SELECT max(generation) AS g FROM sync_runs WHERE account_id = ?',
  );
  const flip = db.prepare('UPDATE accounts SET live_generation = ?, last_synced_at = ? WHERE id = ?');
  const lastSyncedAt = db.prepare<[string], string | null>('SELECT last_synced_at FROM accounts WHERE id = ?').pluck();
  const runOf = db
    .prepare<[string, number], number>(
      'SELECT id FROM sync_runs WHERE account_id = ? AND generation = ? ORDER BY id DESC LIMIT 1',
    )
    .pluck();
  const upsertCursor = db.prepare(
    'INSERT INTO sync_cursors (account_id, resource, cursor) VALUES (?, ?, ?) ' +
      'ON CONFLICT (account_id, resource) DO UPDATE SET cursor = excluded.cursor',
  );
  const deleteCursors = db.prepare('DELETE FROM sync_cursors WHERE account_id = ?');
  const cursors = db.prepare<[string], { resource: string; cursor: string }>(
    'SELECT resource, cursor FROM sync_cursors WHERE account_id = ?',
  );
  const sweepStatements = [...TABLES, 'course_stats', 'generation_stats'].map((table) =>
    db.prepare(`DELETE FROM ${table} WHERE account_id = ? AND generation <> ?`),
  );
  const copy = (sql: string) => db.prepare<{ to: number; account: string; from: number }>(sql);
  // INSERT OR IGNORE: a row the run already wrote in the new generation (read whole) wins over the copy.
  const copyForward = Object.fromEntries(
    RESOURCES.map((resource) => {
      const { table } = RESOURCE_TABLES[resource];
      const columns = names(resource);
      const selected = columns.map((name) => (name === 'generation' ? '@to' : name));
      return [
        resource,
        copy(
          `INSERT OR IGNORE INTO ${table} (${columns.join(', ')})
         SELECT ${selected.join(', ')} FROM ${table} WHERE account_id = @account AND generation = @from`,
        ),
      ];
    }),
  ) as Record<SyncResource, ReturnType<typeof copy>>;

  const moveStaged = Object.fromEntries(
    RESOURCES.map((resource) => {
      const { table, key } = RESOURCE_TABLES[resource];
      const columns = names(resource).join(', ');
      const move = `INSERT OR REPLACE INTO main.${table} (${columns})
        SELECT ${columns} FROM ${stage(table)} ORDER BY ${key.join(', ')}`;
      return [
        resource,
        writeTransaction(db, () => {
          db.prepare(move).run();
          db.prepare(`DELETE FROM ${stage(table)}`).run();
        }),
      ];
    }),
  ) as unknown as Record<SyncResource, () => void>;
  const clearStaging = () => {
    for (const table of TABLES) db.prepare(`DELETE FROM ${stage(table)}`).run();
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
    copyLive: writeTransaction(db, (accountId: string, generation: number, resources: readonly SyncResource[]) => {
      const from = live(accountId);
      for (const resource of resources) copyForward[resource].run({ to: generation, account: accountId, from });
    }),

    /** Moves a finished resource's staged pages into its table (one transaction, primary-key order). */
    flush: (resource: SyncResource) => moveStaged[resource](),

    /** One page, one transaction (into the staging table, TEMP: it waits for no other connection). */
    writePage: tempTransaction(
      db,
      (resource: SyncResource, accountId: string, generation: number, page: Page<unknown>) => {
        const write = rowWriters[resource];
        for (let i = 0; i < page.items.length; i += 1) {
          write(accountId, generation, page.items[i]!, JSON.stringify(page.raw[i] ?? null));
        }
      },
    ),

    /**
     * Makes `generation` the account's visible data, saving the cursors it covers and recording what changed since
     * the previous generation (change-log.ts) in the same transaction, then sweeps the superseded rows (invisible
     * already; a crash before the sweep only delays it to the next run).
     */
    commit(accountId: string, generation: number, at: string, newCursors: Record<string, string> | null): void {
      const overdueBefore = new Date(Date.parse(at) - 30 * 86_400_000).toISOString();
      // Anything still staged (callers that did not flush per resource) lands before the aggregates and the flip.
      for (const resource of RESOURCES) moveStaged[resource]();
      writeTransaction(db, () => {
        computeStats(db, { account: accountId, generation, before: overdueBefore });
        changeLog?.record({
          account: accountId,
          from: live(accountId),
          to: generation,
          at,
          prevAt: lastSyncedAt.get(accountId) ?? null,
          runId: runOf.get(accountId, generation) ?? null,
        });
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
    const tables = [...TABLES, 'course_stats', 'generation_stats', 'sync_cursors', 'sync_runs'];
    // The change log and trends go too: the next sync of each account starts again from a baseline.
    for (const table of [...tables, 'changes', 'change_syncs', 'course_history']) {
      removed += db.prepare(`DELETE FROM ${table}`).run().changes;
    }
    db.prepare('UPDATE accounts SET live_generation = 0, last_synced_at = NULL').run();
    return removed;
  })();
}
