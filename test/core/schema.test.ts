import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SYNC_RESOURCES } from '../../electron/core/contract/channels/sync';
import { RESOURCE_TABLES } from '../../electron/core/store/columns';
import { openDatabase, type Db } from '../../electron/core/store/db';
import { MIGRATIONS } from '../../electron/core/store/migrations';
import { tempDir } from '../support/tmp';

interface TableInfo {
  name: string;
  type: string;
  notnull: 0 | 1;
  pk: number;
}

const byName = <T extends { name: string }>(columns: T[]): T[] =>
  [...columns].sort((a, b) => a.name.localeCompare(b.name));
const tableInfo = (db: Db, table: string): TableInfo[] =>
  db.prepare<[string], TableInfo>('SELECT name, type, "notnull", pk FROM pragma_table_info(?)').all(table);

describe('resource column declarations', () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));

  it('declare every column of the tables the migrations build: name, type and nullability', () => {
    const dir = tempDir();
    dirs.push(dir);
    const db = openDatabase(dir.path);
    for (const resource of SYNC_RESOURCES) {
      const { table, columns } = RESOURCE_TABLES[resource];
      const built = tableInfo(db, table);
      expect(built.length, `table ${table} exists`).toBeGreaterThan(0);
      const migrated = byName(built.map((c) => ({ name: c.name, type: c.type, notNull: c.notnull === 1 })));
      expect(migrated, `columns of ${table}`).toEqual(byName(columns.map((c) => ({ ...c }))));
    }
    db.close();
  });

  it('move staged rows in each table primary-key order', () => {
    const dir = tempDir();
    dirs.push(dir);
    const db = openDatabase(dir.path);
    for (const resource of SYNC_RESOURCES) {
      const { table, key } = RESOURCE_TABLES[resource];
      const built = tableInfo(db, table);
      const primaryKey = built.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
      expect(key, `key of ${table}`).toEqual(primaryKey);
    }
    db.close();
  });

  it('every migration file is in the migrations list, in file-name order', () => {
    const folder = join(import.meta.dirname, '../../electron/core/store/migrations');
    const files = readdirSync(folder)
      .filter((file) => /^\d+-.+\.ts$/.test(file))
      .map((file) => file.replace(/\.ts$/, ''))
      .sort();
    expect(MIGRATIONS.map((m) => m.name)).toEqual(files);
  });
});
