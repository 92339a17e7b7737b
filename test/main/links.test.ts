/**
 * The link policy (electron/main/links.ts): the OS browser opens the configured accounts' platform sites without
 * asking, asks the user for any other web address, and never opens anything that is not http(s).
 */
import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron'));

const { accountOrigins, confirmLink, createLinkOpener } = await import('../../electron/main/links');
const { state } = await import('./fake-electron');

describe('links to the outside world', () => {
  it("opens accounts' platform sites without asking, asks for other web links, opens nothing else", async () => {
    const origins = accountOrigins([
      {
        settings: {
          platform: 'ispring',
          baseUrl: 'https://api-learn.ispringlearn.com',
          authMode: 'legacy',
          accountUrl: 'https://acme.ispringlearn.com',
          login: 'x',
          format: 'json',
        },
      },
      {
        settings: {
          platform: 'teamup',
          baseUrl: 'https://goteamup.com/api/v2',
          authScheme: 'bearer',
          providerId: null,
          completionThreshold: null,
        },
      },
      { settings: { platform: 'sample', seed: 1 } },
    ]);
    expect(origins.sort()).toEqual([
      'https://acme.ispringlearn.com',
      'https://api-learn.ispringlearn.com',
      'https://goteamup.com',
    ]);

    const asked: string[] = [];
    const opened: string[] = [];
    let answer = false;
    const openLink = createLinkOpener({
      trustedOrigins: () => origins,
      confirm: (url) => (asked.push(url), Promise.resolve(answer)),
      open: (url) => (opened.push(url), Promise.resolve()),
    });
    expect(await openLink('https://acme.ispringlearn.com/app/courses/42')).toBe(true);
    expect(await openLink('https://goteamup.com/p/123/c/9')).toBe(true);
    expect(asked).toEqual([]);
    expect(await openLink('https://goteamup.com.evil.example/')).toBe(false);
    expect(await openLink('https://acme.ispringlearn.com@evil.example/')).toBe(false);
    expect(await openLink('http://acme.ispringlearn.com/')).toBe(false);
    answer = true;
    expect(await openLink('https://help.example/guide')).toBe(true);
    expect(asked).toEqual([
      'https://goteamup.com.evil.example/',
      'https://acme.ispringlearn.com@evil.example/',
      'http://acme.ispringlearn.com/',
      'https://help.example/guide',
    ]);
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'smb://host/x', '\\\\host\\x', 'data:,']) {
      expect(await openLink(url), url).toBe(false);
    }
    expect(opened).toEqual([
      'https://acme.ispringlearn.com/app/courses/42',
      'https://goteamup.com/p/123/c/9',
      'https://help.example/guide',
    ]);
  });

  it('asks with a native message box naming the address, Cancel by default', async () => {
    state.messageBoxAnswer = 1;
    expect(await confirmLink('https://help.example/guide')).toBe(false);
    state.messageBoxAnswer = 0;
    expect(await confirmLink('https://help.example/guide')).toBe(true);
    expect(state.messageBoxCalls.at(-1)).toMatchObject({ cancelId: 1, defaultId: 1 });
    expect(state.messageBoxCalls.at(-1)?.detail).toContain('https://help.example/guide');
  });
});
