import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DB_FILE_NAME } from '../../electron/core/store/db';

/** A hash of every row of every table: equal snapshots mean nothing was written. */
export function dbSnapshot(dataDir: string, exclude: string[] = []): string {
  const db = new Database(join(dataDir, DB_FILE_NAME), { readonly: true });
  try {
    const hash = createHash('sha256');
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' " +
          "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%' ORDER BY name",
      )
      .all() as { name: string }[];
    for (const { name } of tables.filter((t) => !exclude.includes(t.name))) {
      hash.update(name);
      // Ordered by every column, not rowid: some tables are WITHOUT ROWID.
      const columns = db
        .prepare<[string], string>('SELECT name FROM pragma_table_info(?)')
        .pluck()
        .all(name)
        .map((c) => `"${c}"`);
      for (const row of db.prepare(`SELECT * FROM "${name}" ORDER BY ${columns.join(', ')}`).all())
        hash.update(JSON.stringify(row));
    }
    return hash.digest('hex');
  } finally {
    db.close();
  }
}
