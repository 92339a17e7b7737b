import Database from 'better-sqlite3';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RollbookError } from '../contract/errors';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';

export type Db = Database.Database;
type TransactionBody = Parameters<Db['transaction']>[0];

export const DB_FILE_NAME = 'rollbook.sqlite';

/** Bytes per database page for caches created by this version. */
export const PAGE_SIZE = 16_384;

/** How long a write waits by default for another connection's (a sync worker's, the CLI's) write lock. */
export const DEFAULT_BUSY_TIMEOUT_MS = 60_000;

/**
 * Opens (creating if needed) the cache in `dataDir` and brings its schema up to date.
 * WAL lets the window read while a sync writes; the busy timeout covers the CLI and the app touching the same file.
 * `busyTimeoutMs`: how long a write waits for another connection's write lock before failing. It only applies to
 * writes that take the lock first: see `writeTransaction`.
 */
export function openDatabase(
  dataDir: string,
  options: { migrateTo?: number; busyTimeoutMs?: number; readOnly?: boolean } = {},
): Db {
  const path = join(dataDir, DB_FILE_NAME);
  if (options.readOnly || !writable(dataDir, path)) return openReadOnly(dataDir, path, options);
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(path, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
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
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS}`);
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
  // WAL mode). A sync's key-ordered move is faster than with the 4 KB default (fewer, fuller pages per B-tree and
  // per WAL commit); the page cache is set in bytes below, so its memory is the same.
  db.pragma(`page_size = ${PAGE_SIZE}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
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
  // SQLite opens what it may not write (a read-only -shm, say) read-only without a word; the first write would fail.
  // Find out now, while a read-only connection can still be opened instead. Nothing is written, and the probe does not
  // wait: another connection holding the write lock (busy) proves the file writable, and a start (every CLI
  // command) must not queue behind another process's long write.
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    // eslint-disable-next-line no-restricted-syntax -- a probe: rolled back at once, nothing written
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
  } catch (error) {
    if (!/^SQLITE_BUSY/.test(String((error as { code?: unknown }).code))) throw error;
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
}

/**
 * Wraps `fn` in a transaction that takes the write lock as it begins (BEGIN IMMEDIATE). Every transaction that writes
 * the cache goes through here (eslint.config.js forbids `db.transaction(` elsewhere in the core). Why: in WAL mode a
 * plain (deferred) transaction starts as a read and upgrades to a write at its first write statement; if another
 * connection committed in between, SQLite refuses the upgrade at once with "database is locked", whatever the busy
 * timeout. A transaction that asks for the write lock first waits for it instead (as does a single write statement
 * outside a transaction: it takes the lock before it reads). Nested calls become savepoints.
 */
export function writeTransaction<F extends TransactionBody>(db: Db, fn: F): Database.Transaction<F>['immediate'] {
  // eslint-disable-next-line no-restricted-syntax -- the one place a transaction is made
  return db.transaction(fn).immediate;
}

/**
 * A transaction that writes only this connection's TEMP tables (sync staging): it never needs the cache's write
 * lock, so it must not wait for other connections' writes as `writeTransaction` would.
 */
export function tempTransaction<F extends TransactionBody>(db: Db, fn: F): Database.Transaction<F>['deferred'] {
  // eslint-disable-next-line no-restricted-syntax -- TEMP tables only: no lock on the cache to take
  return db.transaction(fn).deferred;
}

/**
 * Starts the read transaction of a read-only connection (exports): one snapshot for everything read through it. Only
 * read-only connections may hold a deferred transaction open: they never need to upgrade it.
 */
export function beginReadSnapshot(db: Db): void {
  if (!db.readonly) throw new Error('beginReadSnapshot is for read-only connections: writers use writeTransaction.');
  // eslint-disable-next-line no-restricted-syntax -- a read-only connection's snapshot
  db.exec('BEGIN');
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function checkNotNewer(current: number): void {
  if (current > SCHEMA_VERSION) {
    throw new RollbookError(
      'internal',
      `This cache was written by a newer Rollbook (schema ${current}, ` +
        `this version knows ${SCHEMA_VERSION}). Update Rollbook, or choose another data folder.`,
    );
  }
}

function migrate(db: Db, target: number): void {
  const current = schemaVersion(db);
  checkNotNewer(current);
  for (let version = current; version < target; version += 1) {
    const migration = MIGRATIONS[version]!;
    // Each migration and its version bump commit together: a crash mid-migration leaves the previous version. The
    // version is read again under the write lock: another process opening the same cache may have just applied it.
    writeTransaction(db, () => {
      if (schemaVersion(db) !== version) return;
      db.exec(migration.up);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
