/**
 * Electron hardening policies as data and functions: the CSPs, which origins count as the app, the dev server
 * rule and course links (the link policy: test/main/links.test.ts). How main applies them (the live window's
 * options, the protocol's headers, navigation, IPC senders, the PDF window) is tested by running electron/main
 * under a fake electron in test/main/.
 */
import { describe, expect, it } from 'vitest';
import { webLink } from '../../electron/core/api/workspace';
import { testCore } from '../support/core';
import { reportDataset } from '../support/report-fixture';
import { scriptedConnector } from '../support/scripted-connector';
import { REPORT_CSP } from '../../electron/core/reports/pdf-template';
import { CONTENT_SECURITY_POLICY, devServerUrl, isAppUrl } from '../../electron/main/security';

describe('Electron hardening policies', () => {
  it("the app's CSP allows scripts only from the app itself; a report page may run and load nothing", () => {
    const directives = Object.fromEntries(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d]));
    expect(directives['script-src']).toBe("script-src 'self'");
    expect(directives['default-src']).toBe("default-src 'self'");
    expect(directives['object-src']).toBe("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline|\*/);
    // test/reports/pdf-pagination.test.ts shows this CSP stopping a script and a request in Chromium.
    expect(REPORT_CSP.split('; ')).toEqual(["default-src 'none'", "style-src 'unsafe-inline'", 'img-src data:']);
  });

  it('accepts the dev server only when one is configured, and honours one only unpackaged and on loopback', () => {
    expect(isAppUrl('app://rollbook/index.html')).toBe(true);
    expect(isAppUrl('http://localhost:5173/')).toBe(false);
    expect(isAppUrl('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
    const env = (url: string) => ({ ELECTRON_RENDERER_URL: url });
    expect(devServerUrl(false, env('http://localhost:5173'))).toBe('http://localhost:5173');
    expect(devServerUrl(false, env('http://127.0.0.1:5173/'))).toBe('http://127.0.0.1:5173/');
    expect(devServerUrl(true, env('http://localhost:5173'))).toBeUndefined();
    expect(devServerUrl(false, {})).toBeUndefined();
    for (const url of ['https://evil.example', 'file:///x.html', 'http://localhost.evil.example', 'about:blank']) {
      expect(devServerUrl(false, env(url)), url).toBeUndefined();
    }
  });

  it("a course's address becomes a link only if it is a well-formed http(s) URL", () => {
    expect(webLink('https://acme.ispringlearn.com/courses/42')).toBe('https://acme.ispringlearn.com/courses/42');
    expect(webLink(' http://example.com/x ')).toBe('http://example.com/x');
    const refused = [null, '', 'javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'file:///etc/passwd', '\\\\host\\x.exe'];
    refused.push('data:text/html,x', 'https://user:pw@example.com/', '/relative/path', 'not a url', 'https://');
    for (const url of refused) {
      expect(webLink(url), String(url)).toBeNull();
    }
  });

  it("the window gets a course's address from the cache only as a web link", async () => {
    const data = reportDataset();
    data.courses[0]!.url = 'javascript:alert(document.domain)';
    data.courses[1]!.url = 'https://acme.example/courses/2';
    const t = testCore({ inlineSync: true, createConnector: () => scriptedConnector({ data }) });
    try {
      const { account } = await t.core.call('accounts.add', {
        label: 'Acme',
        settings: { platform: 'sample', seed: 1 },
      });
      await t.core.call('sync.run', {});
      const course = (courseId: string) => t.core.call('workspace.course', { accountId: account.id, courseId });
      expect((await course('C1')).url).toBeNull();
      expect((await course('C2')).url).toBe('https://acme.example/courses/2');
    } finally {
      t.cleanup();
    }
  });
});
