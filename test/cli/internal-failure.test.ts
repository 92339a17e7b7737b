/**
 * Nothing fails silently: a sync that fails on an unexpected error says why on one line and where the log is;
 * --verbose adds the stack; the log file holds the stack; `rollbook diagnostics` summarises it without the account's
 * label. The failure is real: the cache refuses the rows the sync writes (a trigger stands in for a broken disk).
 */
import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DB_FILE_NAME } from '../../electron/core/store/db';
import { cli } from '../support/cli';
import { tempDir } from '../support/tmp';

describe('CLI on an internal failure', () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());
  const run = (...args: string[]) => cli([...args, '--data-dir', dir.path]);
  const logDir = join(dir.path, 'logs');

  it('prints the cause and the log folder, the stack with --verbose, and logs the stack', async () => {
    expect((await run('accounts', 'add', 'sample', '--label', 'Glasshouse')).code).toBe(0);
    const db = new Database(join(dir.path, DB_FILE_NAME));
    db.exec(
      "CREATE TRIGGER refuse_courses BEFORE INSERT ON courses BEGIN SELECT RAISE(ABORT, 'the disk said no'); END;",
    );
    db.close();

    const sync = await run('sync', '--full');
    expect(sync.code).toBe(1);
    expect(sync.stderr).toMatch(
      /^Glasshouse: FAILED — The sync stopped on an unexpected error \(SqliteError: the disk said no\)/m,
    );
    expect(sync.stderr).toContain(`The details are in the log: ${logDir}.`);
    expect(sync.stderr).toMatch(/--verbose prints the stack/);
    expect(sync.stderr).not.toMatch(/^\s+at /m);

    const verbose = await run('--verbose', 'sync', '--full');
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/^SqliteError: the disk said no\n\s+at /m);

    const records = readdirSync(logDir)
      .flatMap((name) => readFileSync(join(logDir, name), 'utf8').split('\n'))
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { msg: string; err?: { type: string; message: string; stack: string } });
    const internal = records.filter((r) => r.msg === 'internal error');
    expect(internal).toHaveLength(2);
    expect(internal[0]!.err).toMatchObject({ type: 'SqliteError', message: 'the disk said no' });
    expect(internal[0]!.err!.stack).toMatch(/\n\s+at /);
    expect(records.filter((r) => r.msg === 'sync finished')).toHaveLength(2);

    const diagnostics = await run('diagnostics');
    expect(diagnostics.code).toBe(0);
    expect(diagnostics.stdout).toMatch(/^Rollbook diagnostics/);
    expect(diagnostics.stdout).toMatch(/^Schema version: +\d+$/m);
    expect(diagnostics.stdout).toMatch(/^ {2}\S+ sample: 0 courses/m);
    const failedRun = diagnostics.stdout.split('\n').find((line) => line.startsWith('  #2 '));
    expect(failedRun).toMatch(/^ {2}#2 \S+ full .* failed .*— internal: /);
    expect(failedRun).toContain('The sync stopped on an unexpected error (SqliteError: the disk said no)');
    expect(diagnostics.stdout).toMatch(/internal error — SqliteError: the disk said no$/m);
    expect(diagnostics.stdout).not.toContain('Glasshouse');
  });
});
