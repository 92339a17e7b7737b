/**
 * `rollbook accounts add selfcommunity --oauth-client-id ID`: the CLI prints the address to open and waits on the
 * loopback port while the test follows it like a browser; with `--username` it uses the password grant and keeps
 * only the tokens. The CLI keeps secrets in the OS keychain only, so these run where one answers.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSelfcommunitySimulator, type SelfcommunitySimulator } from '../simulators/selfcommunity';
import { cli } from '../support/cli';
import { realKeychainAvailable, secretToolLookup } from '../support/keychain';
import { tempDir } from '../support/tmp';

const ROOT = resolve(import.meta.dirname, '../..');

/** The CLI as a child whose output the test reads while it runs. */
function start(args: string[], env: Record<string, string>, input = '') {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'electron/core/cli/main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  child.stdin.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number>((done) => child.on('close', (code) => done(code ?? -1)));
  return {
    output: () => ({ stdout, stderr }),
    exited,
    async waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
      for (let i = 0; i < 300; i += 1) {
        const match = pattern.exec(stdout);
        if (match) return match;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`never printed ${pattern}: ${stdout}\n${stderr}`);
    },
  };
}

describe('rollbook accounts add selfcommunity --oauth-client-id', () => {
  const dir = tempDir();
  let sim: SelfcommunitySimulator;
  let keychain = false;
  const run = (args: string[], env: Record<string, string> = {}) => cli([...args, '--data-dir', dir.path], env);
  beforeAll(async () => {
    keychain = await realKeychainAvailable();
    sim = await startSelfcommunitySimulator({ courses: 2, users: 6, membersPerCourse: 3 });
  });
  afterAll(async () => {
    for (const label of ['Browser', 'Password']) await run(['accounts', 'remove', label, '--yes']);
    await sim.close();
    dir.cleanup();
  });

  it('prints the address to open, waits for the browser on the loopback port and keeps the tokens', async (ctx) => {
    if (!keychain) return ctx.skip();
    const child = start(
      [
        'accounts',
        'add',
        'selfcommunity',
        '--label',
        'Browser',
        '--base-url',
        sim.url,
        '--oauth-client-id',
        sim.options.oauthClientId,
        '--data-dir',
        dir.path,
      ],
      { ROLLBOOK_SECRET: '' },
    );
    const [url] = await child.waitFor(/http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\/\?\S+/);
    const redirect = new URL(new URL(url).searchParams.get('redirect_uri')!);
    expect(redirect.hostname).toBe('127.0.0.1');
    // The browser, signed in to the community: it is sent back to the CLI's loopback port.
    const approved = await fetch(url, { redirect: 'manual' });
    const back = await fetch(approved.headers.get('location')!);
    expect(back.status).toBe(200);
    expect(await child.exited, child.output().stderr).toBe(0);
    expect(child.output().stdout).toMatch(/Connected: Coordinator Ćwik on 127\.0\.0\.1:\d+ — 2 courses/);

    const list = JSON.parse((await run(['accounts', 'list', '--json'])).stdout) as { id: string; settings: unknown }[];
    expect(list[0]!.settings).toMatchObject({ authMode: 'oauth', oauthClientId: sim.options.oauthClientId });
    const stored = JSON.parse(secretToolLookup(list[0]!.id)!) as { refreshToken: string };
    expect(sim.oauth.refresh.has(stored.refreshToken)).toBe(true);
    expect((await run(['sync', 'Browser'])).code).toBe(0);
  });

  it('--username: the password grant, the password from ROLLBOOK_SECRET, never kept', async (ctx) => {
    if (!keychain) return ctx.skip();
    const password = sim.options.passwords.coordinator!;
    const base = ['accounts', 'add', 'selfcommunity', '--label', 'Password', '--base-url', sim.url];
    const oauth = ['--oauth-client-id', sim.options.oauthClientId, '--username', 'coordinator'];
    const wrong = await run([...base, ...oauth], { ROLLBOOK_SECRET: 'not-the-password' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/refused the sign-in \(invalid_grant.*user name or password/);

    const added = await run([...base, ...oauth], { ROLLBOOK_SECRET: password });
    expect(added.code, added.stderr).toBe(0);
    expect(sim.oauth.grants.filter((g) => g === 'password')).toHaveLength(2);
    const list = JSON.parse((await run(['accounts', 'list', '--json'])).stdout) as { id: string; label: string }[];
    const id = list.find((a) => a.label === 'Password')!.id;
    const stored = secretToolLookup(id)!;
    expect(stored).not.toContain(password);
    expect(JSON.parse(stored)).toMatchObject({ kind: 'selfcommunity-oauth', refreshToken: expect.any(String) });

    // Revoked on the server: the sync fails saying so, the list shows why, and signing in again reconnects.
    sim.oauth.refresh.clear();
    sim.oauth.access.clear();
    const sync = await run(['sync', 'Password']);
    expect(sync.code).toBe(1);
    expect(sync.stderr).toMatch(/no longer accepts this account's sign-in \(invalid_grant/);
    const listed = await run(['accounts', 'list']);
    expect(listed.stdout).toMatch(/Password\tSelfCommunity\t.*NEEDS RECONNECTING/);
    expect(listed.stdout).toMatch(/ {2}why: .*invalid_grant/);
    const again = await run(['accounts', 'edit', 'Password', '--replace-secret', '--username', 'coordinator'], {
      ROLLBOOK_SECRET: password,
    });
    expect(again.code, again.stderr).toBe(0);
    expect((await run(['sync', 'Password'])).code).toBe(0);
  });

  it('refuses --username without --oauth-client-id, and a JWT user with an OAuth client', async () => {
    const base = ['accounts', 'add', 'selfcommunity', '--label', 'X', '--base-url', sim.url];
    const lone = await run([...base, '--username', 'coordinator'], { ROLLBOOK_SECRET: 'x' });
    expect(lone.code).toBe(2);
    expect(lone.stderr).toMatch(/--username signs in with OAuth: give --oauth-client-id/);
    const both = await run([...base, '--jwt-user-id', '7', '--oauth-client-id', 'c'], { ROLLBOOK_SECRET: 'x' });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/either --jwt-user-id .* or --oauth-client-id/);
  });
});
