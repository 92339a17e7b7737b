import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore } from '../../electron/core/core';
import { noKeychain } from '../../electron/core/secrets/keychain';
import { createSecretStore } from '../../electron/core/secrets/secret-store';
import {
  DB_FILE_NAME,
  DEFAULT_BUSY_TIMEOUT_MS,
  openDatabase,
  PAGE_SIZE,
  schemaVersion,
} from '../../electron/core/store/db';
import { SCHEMA_VERSION } from '../../electron/core/store/migrations';
import { tempDirsPerTest } from '../support/temp-dirs';

describe('cache migrations', () => {
  const tempDir = tempDirsPerTest();

  it('opens with WAL, foreign keys and a busy timeout', () => {
    const dir = tempDir();
    const db = openDatabase(dir.path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(DEFAULT_BUSY_TIMEOUT_MS);
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('makes new caches with large pages and opens a cache made with 4 KB pages as it is, data and all', () => {
    const fresh = tempDir();
    const older = tempDir();
    const db = openDatabase(fresh.path);
    expect(db.pragma('page_size', { simple: true })).toBe(PAGE_SIZE);
    db.close();
    // A cache from before the change: SQLite's default page size, WAL, schema and a row.
    const file = new Database(join(older.path, DB_FILE_NAME));
    file.pragma('page_size = 4096');
    file.pragma('journal_mode = WAL');
    file.close();
    const first = openDatabase(older.path);
    first
      .prepare(
        'INSERT INTO accounts (id, platform, label, settings_json, created_at, ' +
          `updated_at) VALUES ('a1', 'sample', 'Kept', '{}', '', '')`,
      )
      .run();
    first.close();
    const again = openDatabase(older.path);
    expect(again.pragma('page_size', { simple: true })).toBe(4096);
    expect(again.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(again.prepare('SELECT label FROM accounts').pluck().all()).toEqual(['Kept']);
    again.close();
  });

  it('migrates a database written by the first migration only, keeping its data', async () => {
    const dir = tempDir();
    // Fixture: a cache as version 1 of the schema left it, with an account and a course.
    const old = openDatabase(dir.path, { migrateTo: 1 });
    expect(schemaVersion(old)).toBe(1);
    old
      .prepare(
        `INSERT INTO accounts (id, platform, label, settings_json, created_at, updated_at, live_generation)
       VALUES ('a1', 'sample', 'Old sample', '{"platform":"sample","seed":7}', '2026-01-01T00:00:00Z',
         '2026-01-01T00:00:00Z', 1)`,
      )
      .run();
    old
      .prepare(
        'INSERT INTO courses (account_id, generation, id, name, type, raw_json) ' +
          `VALUES ('a1', 1, 'c1', 'Fire safety', 'course', '{}')`,
      )
      .run();
    old
      .prepare(
        'INSERT INTO progress (account_id, generation, course_id, learner_id, status, ' +
          `raw_json) VALUES ('a1', 1, 'c1', 'l1', 'completed', '{}')`,
      )
      .run();
    old
      .prepare(
        'INSERT INTO learners (account_id, generation, id, name, raw_json) ' +
          `VALUES ('a1', 1, 'l1', 'Ada', '{}'), ('a1', 2, 'l2', 'Unsynced', '{}')`,
      )
      .run();
    expect(old.prepare("SELECT name FROM sqlite_master WHERE name = 'settings'").get()).toBeUndefined();
    old.close();

    const core = createCore({ dataDir: dir.path, secrets: createSecretStore(noKeychain()) });
    const info = await core.call('app.info');
    expect(info.schemaVersion).toBe(SCHEMA_VERSION);
    // Migration 5 stored the live generation's learner total the counts read (not the unfinished generation's).
    expect(info.counts).toMatchObject({ accounts: 1, courses: 1, learners: 1 });
    expect((await core.call('accounts.list')).map((a) => a.label)).toEqual(['Old sample']);
    // Version 2 features work on migrated data: settings persist and the course is searchable.
    await core.call('settings.update', { theme: 'dark' });
    core.close();

    const db = new Database(join(dir.path, DB_FILE_NAME));
    expect(db.prepare("SELECT count(*) AS n FROM courses_fts WHERE courses_fts MATCH 'safety'").get()).toEqual({
      n: 1,
    });
    // Migration 3 computed the aggregates the views read for data cached before it existed.
    expect(db.prepare('SELECT course_id, learners, completed FROM course_stats').all()).toEqual([
      { course_id: 'c1', learners: 1, completed: 1 },
    ]);
    db.close();
  });

  it('refuses a cache from a newer Rollbook instead of damaging it', () => {
    const dir = tempDir();
    openDatabase(dir.path).close();
    const db = new Database(join(dir.path, DB_FILE_NAME));
    db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    db.close();
    expect(() => openDatabase(dir.path)).toThrow(/newer Rollbook/);
  });
});
