import Database from 'better-sqlite3';
import { join } from 'node:path';
import { DB_FILE_NAME } from '../../electron/core/store/db';

/** Opens the data folder's cache read-only for `read`, and closes it whatever `read` does. */
export function readDataDb<T>(dataDir: string, read: (db: Database.Database) => T): T {
  const db = new Database(join(dataDir, DB_FILE_NAME), { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** Rows of `table` in each account's live generation, as the sync left them. */
export const liveCount = (dataDir: string, table: string): number =>
  readDataDb(
    dataDir,
    (db) =>
      db
        .prepare(
          `SELECT count(*) FROM ${table} t JOIN accounts a ON a.id = t.account_id AND t.generation = a.live_generation`,
        )
        .pluck()
        .get() as number,
  );

/** The live generation of the one account in the data folder. */
export const liveGeneration = (dataDir: string): number =>
  readDataDb(dataDir, (db) => db.prepare('SELECT live_generation FROM accounts').pluck().get() as number);
