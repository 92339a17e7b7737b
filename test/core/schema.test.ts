import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SYNC_RESOURCES, type SyncResource } from '../../electron/core/contract/channels/sync';
import { RESOURCE_TABLES } from '../../electron/core/store/columns';
import { openDatabase, type Db } from '../../electron/core/store/db';
import { MIGRATIONS } from '../../electron/core/store/migrations';
import { tempDirsPerTest } from '../support/temp-dirs';

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
  const tempDir = tempDirsPerTest();

  /** Calls `check` with each resource table's declaration and the columns the migrations built for it. */
  function eachTable(check: (declared: (typeof RESOURCE_TABLES)[SyncResource], built: TableInfo[]) => void) {
    const db = openDatabase(tempDir().path);
    for (const resource of SYNC_RESOURCES) {
      const declared = RESOURCE_TABLES[resource];
      check(declared, tableInfo(db, declared.table));
    }
    db.close();
  }

  it('declare every column of the tables the migrations build: name, type and nullability', () => {
    eachTable(({ table, columns }, built) => {
      expect(built.length, `table ${table} exists`).toBeGreaterThan(0);
      const migrated = byName(built.map((c) => ({ name: c.name, type: c.type, notNull: c.notnull === 1 })));
      expect(migrated, `columns of ${table}`).toEqual(byName(columns.map((c) => ({ ...c }))));
    });
  });

  it('move staged rows in each table primary-key order', () => {
    eachTable(({ table, key }, built) => {
      const primaryKey = built
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name);
      expect(key, `key of ${table}`).toEqual(primaryKey);
    });
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
