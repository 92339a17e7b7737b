import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli';
import { tempDir } from '../support/tmp';

describe('rollbook schedules', () => {
  const dir = tempDir();
  const out = tempDir('rollbook-cli-schedules-');
  const run = (...args: string[]) => cli([...args, '--data-dir', dir.path]);
  beforeAll(async () => {
    expect((await run('accounts', 'add', 'sample', '--label', 'Demo')).code).toBe(0);
    const saved = await run('report', 'courses', '--out', join(out.path, 'first.csv'), '--save-as', 'Courses');
    expect(saved.code).toBe(0);
  });
  afterAll(() => {
    dir.cleanup();
    out.cleanup();
  });

  it('adds, lists, delivers what is due and removes a schedule', async () => {
    const usage = await run('schedules', 'add', 'Courses', '--every', 'weekly', '--folder', out.path);
    expect(usage).toMatchObject({ code: 2, stderr: expect.stringContaining('weekday') });
    expect((await run('schedules', 'add', 'Nope', '--every', 'daily', '--folder', out.path)).code).toBe(2);

    const added = await run(
      'schedules',
      'add',
      'Courses',
      '--every',
      'weekly',
      '--on',
      'mon',
      '--at',
      '06:30',
      '--format',
      'csv',
      '--folder',
      out.path,
      '--name',
      'Courses {yyyy-MM-dd}.csv',
    );
    expect(added).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^Added schedule #1: Courses mondays at 06:30/),
    });
    const list = await run('schedules', 'list', '--json');
    expect(JSON.parse(list.stdout)).toMatchObject([
      { id: 1, reportName: 'Courses', frequency: 'weekly', weekday: 1, folder: out.path, lastDelivery: null },
    ]);
    // Added just now: its first run is in the future.
    expect(await run('schedules', 'run-due')).toMatchObject({ code: 0, stdout: 'Nothing due.\n' });
    expect(existsSync(join(out.path, 'first.csv'))).toBe(true);

    expect(await run('schedules', 'remove', '1')).toMatchObject({ code: 0, stdout: 'Removed schedule #1.\n' });
    expect((await run('schedules', 'remove', '1')).code).toBe(2);
    expect(await run('schedules', 'list')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^No schedules/) });
  });
});
