/**
 * The add-account form's "Sign in with SelfCommunity": what it asks the core for, that the finished sign-in (not a
 * secret) is what the account is added with, and that a sign-in still waiting for the browser can be cancelled.
 */
import { describe, expect, it } from 'vitest';
import { AccountDraft } from '../../renderer/src/lib/account-draft.svelte';
import { installBridge } from './fake-bridge';

const REPORT = { accountName: 'Coordinator on community.example.com', courseCount: 3, providers: [], notes: [] };

describe('AccountDraft: Sign in with SelfCommunity', () => {
  function draft() {
    const d = new AccountDraft();
    d.setPlatform('selfcommunity');
    d.baseUrl = 'https://community.example.com';
    d.scAuth = 'oauth';
    return d;
  }

  it('needs a client ID, no secret; signs in through the core and keeps only the flow id', async () => {
    const bridge = installBridge()
      .answer('accounts.oauthStart', () => ({ flow: 'f-1', authorizeUrl: 'https://x/oauth/authorize/', opened: true }))
      .answer('accounts.oauthFinish', ({ flow }) => ({ flow: flow!, connection: REPORT }));
    const d = draft();
    expect(d.needsSecret).toBe(false);
    expect(d.signsIn).toBe(true);
    expect(await d.signInWithBrowser()).toBe(false);
    expect(d.problems.oauthClientId).toMatch(/client ID is required/);
    expect(bridge.calls.map((c) => c.channel)).not.toContain('accounts.oauthStart');

    d.oauthClientId = ' app-1 ';
    expect(await d.signInWithBrowser()).toBe(true);
    expect(bridge.calls.filter((c) => c.channel.startsWith('accounts.oauth'))).toEqual([
      {
        channel: 'accounts.oauthStart',
        input: { baseUrl: 'https://community.example.com', clientId: 'app-1', clientSecret: undefined },
      },
      { channel: 'accounts.oauthFinish', input: { flow: 'f-1' } },
    ]);
    expect(d.oauthFlow).toBe('f-1');
    expect(d.report).toEqual(REPORT);
    expect(d.label).toBe('Coordinator on community.example.com');
    expect(d.settings()).toEqual({
      platform: 'selfcommunity',
      baseUrl: 'https://community.example.com',
      authMode: 'oauth',
      jwtUserId: null,
      oauthClientId: 'app-1',
    });
  });

  it('shows the address when the browser could not be opened, and cancels a waiting sign-in', async () => {
    let reject!: (error: Error) => void;
    const waiting = new Promise<never>((_, r) => (reject = r));
    const bridge = installBridge()
      .answer('accounts.oauthStart', () => ({
        flow: 'f-2',
        authorizeUrl: 'https://x/oauth/authorize/?a',
        opened: false,
      }))
      .answer('accounts.oauthFinish', () => waiting)
      .answer('accounts.oauthCancel', () => {
        reject(new Error('The sign-in was cancelled.'));
        return { cancelled: true };
      });
    const d = draft();
    d.oauthClientId = 'app-1';
    const signing = d.signInWithBrowser();
    await expect.poll(() => d.signIn.authorizeUrl).toBe('https://x/oauth/authorize/?a');
    expect(d.signIn.running).toBe(true);
    d.signIn.cancel();
    expect(await signing).toBe(false);
    expect(d.signIn.running).toBe(false);
    expect(d.oauthFlow).toBeNull();
    expect(d.failure?.message).toMatch(/cancelled/);
    expect(bridge.calls.at(-1)).toEqual({ channel: 'accounts.oauthCancel', input: { flow: 'f-2' } });
  });
});
