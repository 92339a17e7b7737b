/**
 * Electron hardening, checked without launching Electron: the window's web preferences, the CSP, navigation and
 * window-open policy, and the permission handler. The Electron smoke test checks the live window where a binary
 * exists.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  CONTENT_SECURITY_POLICY,
  denyAllPermissions,
  hardenWebContents,
  isAppUrl,
  WEB_PREFERENCES,
} from '../../electron/main/security';
import { REPORT_CSP } from '../../electron/core/reports/pdf-template';

const ROOT = resolve(import.meta.dirname, '../..');

describe('Electron hardening', () => {
  it('window web preferences: sandbox, context isolation, no node integration, web security', () => {
    expect(WEB_PREFERENCES).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
    });
    // The window really uses them (and a bundled CJS preload, which sandbox requires).
    const windowSource = readFileSync(resolve(ROOT, 'electron/main/window.ts'), 'utf8');
    expect(windowSource).toMatch(/webPreferences: \{ \.\.\.WEB_PREFERENCES, preload: join\(options\.preloadDir, 'index\.cjs'\) \}/);
  });

  it('the hidden PDF window: the same web preferences, no navigation or new windows, and a report page that may run and load nothing', () => {
    const pdfSource = readFileSync(resolve(ROOT, 'electron/main/pdf-window.ts'), 'utf8');
    expect(pdfSource).toMatch(/webPreferences: WEB_PREFERENCES,/);
    expect(pdfSource).toMatch(/setWindowOpenHandler\(\(\) => \(\{ action: 'deny' \}\)\)/);
    expect(pdfSource).toMatch(/on\('will-navigate', \(event\) => event\.preventDefault\(\)\)/);
    // Its page's own CSP (test/reports/pdf-pagination.test.ts shows it stopping a script and a request in Chromium).
    expect(REPORT_CSP.split('; ')).toEqual(["default-src 'none'", "style-src 'unsafe-inline'", 'img-src data:']);
  });

  it('CSP allows scripts only from the app itself', () => {
    const directives = Object.fromEntries(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d]));
    expect(directives['script-src']).toBe("script-src 'self'");
    expect(directives['default-src']).toBe("default-src 'self'");
    expect(directives['object-src']).toBe("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline|\*/);
    const protocolSource = readFileSync(resolve(ROOT, 'electron/main/protocol.ts'), 'utf8');
    expect(protocolSource).toContain("headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY)");
  });

  it('denies navigation away from the app and every new window; only http(s) links go to the OS browser', () => {
    const listeners = new Map<string, (event: { preventDefault: () => void }, url: string) => void>();
    let openHandler: ((details: { url: string }) => { action: string }) | undefined;
    const opened: string[] = [];
    const contents = {
      on: (name: string, fn: (event: { preventDefault: () => void }, url: string) => void) => listeners.set(name, fn),
      setWindowOpenHandler: (fn: (details: { url: string }) => { action: string }) => (openHandler = fn),
    };
    hardenWebContents(contents as never, { openExternal: (url) => opened.push(url) });

    const navigate = (url: string) => {
      let prevented = false;
      listeners.get('will-navigate')!({ preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    expect(navigate(`${APP_ORIGIN}/index.html`)).toBe(false);
    expect(navigate('https://evil.example/')).toBe(true);
    expect(navigate('file:///etc/passwd')).toBe(true);
    expect(navigate('app://other/')).toBe(true);

    for (const url of ['https://ispring.example/course/1', 'http://example.com', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share']) {
      expect(openHandler!({ url })).toEqual({ action: 'deny' });
    }
    expect(opened).toEqual(['https://ispring.example/course/1', 'http://example.com']);

    let webviewPrevented = false;
    listeners.get('will-attach-webview')!({ preventDefault: () => (webviewPrevented = true) }, '');
    expect(webviewPrevented).toBe(true);
  });

  it('accepts the dev server only when one is configured', () => {
    expect(isAppUrl('http://localhost:5173/')).toBe(false);
    expect(isAppUrl('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
  });

  it('denies every permission request and check', () => {
    let request: ((c: unknown, p: string, cb: (granted: boolean) => void) => void) | undefined;
    let check: (() => boolean) | undefined;
    denyAllPermissions({
      setPermissionRequestHandler: (fn: never) => (request = fn),
      setPermissionCheckHandler: (fn: never) => (check = fn),
    } as never);
    const answers: boolean[] = [];
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read']) request!({}, permission, (g) => answers.push(g));
    expect(answers).toEqual([false, false, false, false]);
    expect(check!()).toBe(false);
    const mainSource = readFileSync(resolve(ROOT, 'electron/main/index.ts'), 'utf8');
    expect(mainSource).toContain('denyAllPermissions(session.defaultSession)');
    expect(mainSource).toContain('requestSingleInstanceLock');
  });
});
