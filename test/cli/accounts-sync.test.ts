import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/tmp';
import { cli } from '../support/cli';

describe('rollbook accounts / sync (sample platform, no network)', () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());
  const run = (...args: string[]) => cli([...args, '--data-dir', dir.path]);

  it('adds, lists (stable JSON), syncs, reports status and removes an account', async () => {
    const add = await run('accounts', 'add', 'sample', '--label', 'Demo', '--seed', '4');
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/Connected: Sample data \(seed 4\) — 24 courses/);
    expect(add.stdout).toMatch(/Saved Sample data account "Demo"/);

    const list = await run('accounts', 'list', '--json');
    expect(list.code).toBe(0);
    const accounts = JSON.parse(list.stdout) as Record<string, unknown>[];
    expect(accounts).toHaveLength(1);
    expect(Object.keys(accounts[0]!)).toEqual([
      'id',
      'label',
      'platform',
      'settings',
      'secretLocation',
      'needsReconnect',
      'reconnectReason',
      'lastSyncedAt',
      'createdAt',
    ]);
    expect(accounts[0]).toMatchObject({
      label: 'Demo',
      platform: 'sample',
      settings: { platform: 'sample', seed: 4 },
      secretLocation: 'none',
    });

    const sync = await run('sync');
    expect(sync.code).toBe(0);
    // Plain lines when stderr is not a TTY: one per finished step, with the rows it brought, then the summary.
    expect(sync.stderr).toMatch(/^Demo: courses \(1\/5\) 24 rows, [\d.]+ s$/m);
    expect(sync.stderr).toMatch(/^Demo: learners \(3\/5\) 500 rows, [\d.]+ s$/m);
    expect(sync.stderr.match(/^Demo: \w+ \(\d\/5\) /gm)).toHaveLength(5);
    expect(sync.stderr).not.toMatch(/ 0 rows/);
    expect(sync.stderr).toMatch(
      /Demo: synced \(24 courses, \d+ sessions, 500 learners, \d+ attendance, \d+ progress\)/,
    );

    const info = await run('info', '--json');
    expect(JSON.parse(info.stdout).counts).toMatchObject({ accounts: 1, courses: 24, learners: 500 });
    const status = await run('sync', '--status');
    expect(status.stdout).toMatch(/^Demo\tok at .+\tdata as of /);

    const refuse = await run('accounts', 'remove', 'Demo');
    expect(refuse.code).toBe(2);
    expect(refuse.stderr).toMatch(/--yes/);
    const remove = await run('accounts', 'remove', 'Demo', '--yes');
    expect(remove.code).toBe(0);
    expect(JSON.parse((await run('info', '--json')).stdout).counts).toMatchObject({ accounts: 0, courses: 0 });
  });

  it('refuses secrets on argv and says how to pass one', async () => {
    for (const flag of ['--secret=abc', '--password', '--token=xyz', '--client-secret']) {
      const result = await run('accounts', 'add', 'teamup', '--label', 'T', flag, 'abc');
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/not accepted/);
      expect(result.stderr).toMatch(/ROLLBOOK_SECRET/);
      expect(result.stderr).not.toMatch(/abc|xyz/);
    }
  });

  it('rejects bad settings with exit 2 before touching the network', async () => {
    const http = await cli(
      [
        'accounts',
        'add',
        'ispring',
        '--label',
        'X',
        '--base-url',
        'http://acme.example.com',
        '--client-id',
        'c',
        '--data-dir',
        dir.path,
      ],
      { ROLLBOOK_SECRET: 'x' },
    );
    expect(http.code).toBe(2);
    expect(http.stderr).toMatch(/plain http/);
    const both = await run(
      'accounts',
      'add',
      'ispring',
      '--label',
      'X',
      '--base-url',
      'https://a.example',
      '--client-id',
      'c',
      '--login',
      'l',
    );
    expect(both.code).toBe(2);
    const unknown = await run('accounts', 'add', 'moodle', '--label', 'X');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Allowed choices are ispring, teamup, selfcommunity, sample/);
  });

  it('exits 1 with a reason when an account cannot sync', async () => {
    const result = await run('sync', 'Nope');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/No account "Nope"/);
  });
});
