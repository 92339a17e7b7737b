import Database from 'better-sqlite3';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
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
export function openDatabase(
  dataDir: string,
  options: { migrateTo?: number; busyTimeoutMs?: number; readOnly?: boolean } = {},
): Db {
  const path = join(dataDir, DB_FILE_NAME);
  if (options.readOnly || !writable(dataDir, path)) return openReadOnly(dataDir, path, options);
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(path);
  try {
    configure(db, options);
  } catch (error) {
    db.close();
    // The check above passed but SQLite could not write (it silently opens a file it may not write read-only).
    if (isReadOnlyError(error)) return openReadOnly(dataDir, path, options);
    throw error;
  }
  return db;
}

/**
 * Whether this process may write the cache: tried, not inferred from mode bits, which root ignores while a read-only
 * mount or an immutable or append-only file still refuses it. WAL also creates files beside the cache.
 */
function writable(dataDir: string, path: string): boolean {
  try {
    if (existsSync(path)) closeSync(openSync(path, 'r+'));
    if (existsSync(dataDir)) accessSync(dataDir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

const isReadOnlyError = (error: unknown) =>
  /^SQLITE_(READONLY|CANTOPEN)/.test(String((error as { code?: unknown }).code));

/**
 * Reading needs no write access. A WAL cache is read through its -shm index, which a read-only folder cannot hold
 * once the app has closed the cache cleanly (the index is deleted then): that cache is read from a copy in memory.
 */
function openReadOnly(dataDir: string, path: string, options: { migrateTo?: number; busyTimeoutMs?: number }): Db {
  if (!existsSync(path)) {
    throw new RollbookError(
      'internal',
      `There is no Rollbook cache in ${dataDir}, and the folder is read-only, so none can be made there. ` +
        'Choose another data folder.',
    );
  }
  let db: Db;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    schemaVersion(db);
  } catch (error) {
    if (!isReadOnlyError(error)) throw error;
    const image = readFileSync(path);
    // Header bytes 18 and 19 say WAL (2); an in-memory database has no WAL, so it reads the copy as a legacy file.
    image[18] = 1;
    image[19] = 1;
    db = new Database(image, { readonly: true });
  }
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  db.pragma('cache_size = -16384');
  const current = schemaVersion(db);
  checkNotNewer(current);
  if (current < (options.migrateTo ?? SCHEMA_VERSION)) {
    db.close();
    throw new RollbookError(
      'internal',
      `The cache in ${dataDir} was made by an older Rollbook and needs updating, but the folder is read-only. ` +
        'Open it once with write access.',
    );
  }
  return db;
}

function configure(db: Db, options: { migrateTo?: number; busyTimeoutMs?: number }): void {
  // 16 KB pages for a new cache (an existing file keeps the size it was made with: changing it takes a VACUUM outside
  // WAL mode). A sync's key-ordered move of 100k progress rows took ~0.80–0.85 s against ~1.04–1.08 s with the 4 KB
  // default (fewer, fuller pages per B-tree and per WAL commit); the page cache is set in bytes below, so its memory
  // is the same.
  db.pragma(`page_size = ${PAGE_SIZE}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  // INSERT OR REPLACE must fire DELETE triggers too, or the full-text indexes keep entries for replaced rows.
  db.pragma('recursive_triggers = ON');
  // 16 MB of page cache. Syncs move staged rows in key order (mostly appends), and reads of a 1M-row cache are
  // served from the OS's file cache just as fast: measured against 64 MB, a 1M-row sync took the same time
  // (98.6 s vs 95.7 s) with 108 MB less peak memory (330 vs 438 MB), and the view queries' p95 did not move.
  db.pragma('cache_size = -16384');
  // Sync staging tables (TEMP) are written once and read once in order: 8 MB of cache is plenty (the line above sets
  // the main schema only; the temp schema keeps the build's default of 16 MB unless told otherwise).
  db.pragma('temp.cache_size = -8192');
  migrate(db, options.migrateTo ?? SCHEMA_VERSION);
  // SQLite opens what it may not write (a read-only -shm, say) read-only without a word; the first write would fail.
  // Find out now, while a read-only connection can still be opened instead. Nothing is written.
  db.exec('BEGIN IMMEDIATE');
  db.exec('ROLLBACK');
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function checkNotNewer(current: number): void {
  if (current > SCHEMA_VERSION) {
    throw new RollbookError(
      'internal',
      `This cache was written by a newer Rollbook (schema ${current}, this version knows ${SCHEMA_VERSION}). Update Rollbook, or choose another data folder.`,
    );
  }
}

function migrate(db: Db, target: number): void {
  const current = schemaVersion(db);
  checkNotNewer(current);
  for (let version = current; version < target; version += 1) {
    const migration = MIGRATIONS[version]!;
    // Each migration and its version bump commit together: a crash mid-migration leaves the previous version.
    db.transaction(() => {
      db.exec(migration.up);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
