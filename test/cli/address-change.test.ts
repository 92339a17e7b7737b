/**
 * `rollbook accounts edit --base-url` to another server asks for the secret again (ROLLBOOK_SECRET or stdin), the
 * way --replace-secret does: the saved one is never sent to the new address. The CLI keeps secrets only in the OS
 * keychain, so these tests skip without one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTeamupSimulator, type TeamupSimulator } from '../simulators/teamup';
import { cli } from '../support/cli';
import { realKeychainAvailable } from '../support/keychain';
import { tempDir } from '../support/tmp';

describe('rollbook accounts edit --base-url', () => {
  const dir = tempDir();
  const run = (args: string[], env: Record<string, string> = {}, input?: string) =>
    cli([...args, '--data-dir', dir.path], { ROLLBOOK_SECRET: '', ...env }, input);
  let home: TeamupSimulator;
  let elsewhere: TeamupSimulator;
  let keychain = false;
  let added = false;
  beforeAll(async () => {
    keychain = await realKeychainAvailable();
    home = await startTeamupSimulator({ token: 'home-token-123456' });
    elsewhere = await startTeamupSimulator({ token: 'elsewhere-token-654321' });
  });
  afterAll(async () => {
    if (added) await run(['accounts', 'remove', 'TU', '--yes']);
    await home.close();
    await elsewhere.close();
    dir.cleanup();
  });

  const baseUrl = async () =>
    (JSON.parse((await run(['accounts', 'list', '--json'])).stdout) as { settings: { baseUrl: string } }[])[0]!.settings
      .baseUrl;
  const tokensSeenBy = (sim: TeamupSimulator) => sim.requests.map((r) => r.headers.authorization ?? '').join('\n');

  it('asks for the secret again when the address moves to another server', async (ctx) => {
    if (!keychain) return ctx.skip();
    const add = await run(
      ['accounts', 'add', 'teamup', '--label', 'TU', '--base-url', `${home.url}/api/v2`, '--provider-id', '123'],
      { ROLLBOOK_SECRET: home.options.token },
    );
    expect(add.code, add.stderr).toBe(0);
    added = true;

    // No secret given: refused before anything is sent to the new server.
    const refused = await run(['accounts', 'edit', 'TU', '--base-url', `${elsewhere.url}/api/v2`], {}, '');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/another server; Rollbook does not send the saved secret there/);
    expect(refused.stderr).toMatch(/ROLLBOOK_SECRET/);
    expect(await baseUrl()).toBe(`${home.url}/api/v2`);
    expect((await run(['accounts', 'test', 'TU'])).code).toBe(0);
    expect(elsewhere.requests).toEqual([]);

    // The new server's secret, from ROLLBOOK_SECRET: tested there, then saved with the new address.
    const moved = await run(['accounts', 'edit', 'TU', '--base-url', `${elsewhere.url}/api/v2`], {
      ROLLBOOK_SECRET: elsewhere.options.token,
    });
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toMatch(/Connected and updated "TU"; secret: system keychain/);
    expect(await baseUrl()).toBe(`${elsewhere.url}/api/v2`);
    const homeHeard = home.requests.length;
    expect((await run(['accounts', 'test', 'TU'])).code).toBe(0);
    expect(home.requests.length).toBe(homeHeard);
    expect(tokensSeenBy(elsewhere)).toContain(elsewhere.options.token);
    expect(tokensSeenBy(elsewhere)).not.toContain(home.options.token);

    // Back home, the secret on standard input; a wrong one saves nothing.
    const wrong = await run(['accounts', 'edit', 'TU', '--base-url', `${home.url}/api/v2`], {}, 'wrong-token-000000\n');
    expect(wrong.code).toBe(1);
    expect(await baseUrl()).toBe(`${elsewhere.url}/api/v2`);
    const back = await run(
      ['accounts', 'edit', 'TU', '--base-url', `${home.url}/api/v2`],
      {},
      `${home.options.token}\n`,
    );
    expect(back.code, back.stderr).toBe(0);
    expect(await baseUrl()).toBe(`${home.url}/api/v2`);
    expect(tokensSeenBy(home)).not.toContain(elsewhere.options.token);

    // The same server under another path needs no secret.
    const samePlace = await run(['accounts', 'edit', 'TU', '--base-url', `${home.url}/api/v2/`, '--label', 'TU']);
    expect(samePlace.code, samePlace.stderr).toBe(0);
    expect(samePlace.stdout).toBe('Updated "TU".\n');
  });
});
