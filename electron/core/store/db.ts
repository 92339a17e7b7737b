import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RollbookError } from '../contract/errors';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';

export type Db = Database.Database;

export const DB_FILE_NAME = 'rollbook.sqlite';

/** Bytes per database page for caches created by this version. */
export const PAGE_SIZE = 16_384;

/**
 * Opens (creating if needed) the cache in `dataDir` and brings its schema up to date.
 * WAL lets the window read while a sync writes; the busy timeout covers the CLI and the app touching the same file.
 */
/**
 * `busyTimeoutMs`: how long a write waits for another connection's (the CLI's, another sync worker's) write lock
 * before failing; default 5 s.
 */
export function openDatabase(dataDir: string, options: { migrateTo?: number; busyTimeoutMs?: number } = {}): Db {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, DB_FILE_NAME));
  // 16 KB pages for a new cache (an existing file keeps the size it was made with: changing it takes a VACUUM outside
  // WAL mode). A sync's key-ordered move is faster than with the 4 KB default (fewer, fuller pages per B-tree and
  // per WAL commit); the page cache is set in bytes below, so its memory is the same.
  db.pragma(`page_size = ${PAGE_SIZE}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  // INSERT OR REPLACE must fire DELETE triggers too, or the full-text indexes keep entries for replaced rows.
  db.pragma('recursive_triggers = ON');
  // 16 MB of page cache. Syncs move staged rows in key order (mostly appends), and reads of a 1M-row cache are
  // served from the OS's file cache just as fast: a larger cache adds to a sync's peak memory without making the
  // sync or the views faster.
  db.pragma('cache_size = -16384');
  // Sync staging tables (TEMP) are written once and read once in order: 8 MB of cache is plenty (the line above sets
  // the main schema only; the temp schema keeps the build's default of 16 MB unless told otherwise).
  db.pragma('temp.cache_size = -8192');
  migrate(db, options.migrateTo ?? SCHEMA_VERSION);
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: Db, target: number): void {
  const current = schemaVersion(db);
  if (current > SCHEMA_VERSION) {
    throw new RollbookError(
      'internal',
      `This cache was written by a newer Rollbook (schema ${current}, this version knows ${SCHEMA_VERSION}). Update Rollbook, or choose another data folder.`,
    );
  }
  for (let version = current; version < target; version += 1) {
    const migration = MIGRATIONS[version]!;
    // Each migration and its version bump commit together: a crash mid-migration leaves the previous version.
    db.transaction(() => {
      db.exec(migration.up);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
