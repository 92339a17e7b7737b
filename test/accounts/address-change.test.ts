/**
 * A saved secret stays with the server it was given for. An edit that moves an account's address to another origin
 * must be given the secret again; without it the edit is refused and the new server hears nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RollbookError } from '../../electron/core/contract/errors';
import type { Core } from '../../electron/core/core';
import { startTeamupSimulator, type TeamupSimulator } from '../simulators/teamup';
import { testCore } from '../support/core';
import { rejectionOf } from '../support/rejection';

let home: TeamupSimulator;
let elsewhere: TeamupSimulator;
beforeAll(async () => {
  home = await startTeamupSimulator({ token: 'home-token-123456' });
  elsewhere = await startTeamupSimulator({ token: 'elsewhere-token-654321' });
});
afterAll(async () => {
  await home.close();
  await elsewhere.close();
});

const rejection = (promise: Promise<unknown>) => rejectionOf(RollbookError, promise);

const settingsAt = (sim: TeamupSimulator, path = '/api/v2') => ({
  platform: 'teamup' as const,
  baseUrl: `${sim.url}${path}`,
  providerId: '123',
});

/** A core of its own with one account, "TU", on `home` with its secret kept for the session. */
async function withHomeAccount(use: (core: Core, accountId: string) => Promise<void>): Promise<void> {
  const t = testCore();
  try {
    const { account } = await t.core.call('accounts.add', {
      label: 'TU',
      settings: settingsAt(home),
      secret: home.options.token,
      storage: 'session',
    });
    await use(t.core, account.id);
  } finally {
    t.cleanup();
  }
}

describe('changing an account address', () => {
  it('refuses to move the saved secret to another server; the new server hears nothing', async () => {
    await withHomeAccount(async (core, accountId) => {
      const heardElsewhere = elsewhere.requests.length;

      const error = await rejection(core.call('accounts.update', { account: 'TU', settings: settingsAt(elsewhere) }));
      expect(error.code).toBe('secret_required');
      expect(error.message).toContain(`The new address (${elsewhere.url}) is another server than before (${home.url})`);
      expect(error.message).toMatch(/enter the secret again/);
      expect(error.message).not.toContain(home.options.token);
      // Nothing changed: the account still points home, and a test still goes there only.
      expect((await core.call('accounts.list'))[0]!.settings).toMatchObject({ baseUrl: `${home.url}/api/v2` });
      await core.call('accounts.test', { account: 'TU' });
      expect(elsewhere.requests.length).toBe(heardElsewhere);
      expect(JSON.stringify(elsewhere.requests.map((r) => r.headers))).not.toContain(home.options.token);

      // Another port on the same host is another server too.
      const otherPort = new URL(home.url);
      otherPort.port = String(Number(otherPort.port) + 1);
      expect(
        (
          await rejection(
            core.call('accounts.update', {
              account: accountId,
              settings: { ...settingsAt(home), baseUrl: `${otherPort.origin}/api/v2` },
            }),
          )
        ).code,
      ).toBe('secret_required');

      // The same server under another path, or a new label, needs no secret.
      const relabelled = await core.call('accounts.update', {
        account: 'TU',
        label: 'Studio',
        settings: settingsAt(home, '/api/v2/'),
      });
      expect(relabelled).toMatchObject({ label: 'Studio', secretLocation: 'session', needsReconnect: false });
    });
  });

  it('moves with the secret given again: tested against the new server first, saved only if it works', async () => {
    await withHomeAccount(async (core) => {
      // The wrong secret for the new server: refused there, nothing saved.
      const wrong = await rejection(
        core.call('accounts.update', { account: 'TU', settings: settingsAt(elsewhere), secret: 'not-the-token-000' }),
      );
      expect(wrong.code).toBe('auth_failed');
      expect((await core.call('accounts.list'))[0]!.settings).toMatchObject({ baseUrl: `${home.url}/api/v2` });
      const homeBefore = home.requests.length;
      await core.call('accounts.test', { account: 'TU' });
      expect(home.requests.length).toBeGreaterThan(homeBefore);

      const moved = await core.call('accounts.update', {
        account: 'TU',
        settings: settingsAt(elsewhere),
        secret: elsewhere.options.token,
      });
      expect(moved).toMatchObject({
        settings: { baseUrl: `${elsewhere.url}/api/v2` },
        secretLocation: 'session',
        needsReconnect: false,
      });
      const sent = elsewhere.requests.map((r) => r.headers.authorization).filter(Boolean);
      expect(sent.length).toBeGreaterThan(0);
      expect(sent.some((h) => h!.includes(home.options.token))).toBe(false);
      // From now on the account and its new secret go to the new server only.
      const homeAfter = home.requests.length;
      await core.call('accounts.test', { account: 'TU' });
      expect(home.requests.length).toBe(homeAfter);
      expect(elsewhere.requests.at(-1)!.headers.authorization).toContain(elsewhere.options.token);
    });
  });

  it('lets an account without a saved secret move (there is nothing to send)', async () => {
    await withHomeAccount(async (core) => {
      await core.call('accounts.remove', { account: 'TU', keepData: true });
      const moved = await core.call('accounts.update', { account: 'TU', settings: settingsAt(elsewhere) });
      expect(moved).toMatchObject({
        secretLocation: 'none',
        needsReconnect: true,
        settings: { baseUrl: `${elsewhere.url}/api/v2` },
      });
    });
  });
});
