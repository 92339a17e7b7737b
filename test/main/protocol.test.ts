/**
 * The app:// protocol handler (electron/main/protocol.ts) under a fake `electron`: it serves the built renderer's
 * files with their MIME types and the app's CSP, and nothing outside the renderer folder, however the path is
 * spelled.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../support/tmp';

vi.mock('electron', () => import('./fake-electron'));

const { state } = await import('./fake-electron');
const { registerAppScheme, serveRenderer } = await import('../../electron/main/protocol');
const { CONTENT_SECURITY_POLICY } = await import('../../electron/main/security');

describe('the app:// protocol', () => {
  const dir = tempDir('rollbook-protocol-');
  const root = join(dir.path, 'renderer');
  const SECRET = 'the user database must never be served';
  let serve: (request: Request) => Promise<Response>;

  beforeAll(() => {
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Rollbook</title>');
    writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
    writeFileSync(join(root, 'assets', 'index-abc.css'), 'body{}');
    writeFileSync(join(root, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(root, 'notes.bin'), 'x');
    // Beside the root: one folder up, and a sibling whose name starts like the root's.
    writeFileSync(join(dir.path, 'rollbook.db'), SECRET);
    mkdirSync(join(dir.path, 'renderer-private'));
    writeFileSync(join(dir.path, 'renderer-private', 'secret.txt'), SECRET);
    registerAppScheme();
    serveRenderer(root);
    serve = state.protocolHandlers.get('app')!;
  });
  afterAll(() => dir.cleanup());

  const get = (url: string) => serve(new Request(url));

  it('registers app: as a standard, secure scheme before the app is ready', () => {
    const privileges = expect.objectContaining({ standard: true, secure: true });
    expect(state.privilegedSchemes).toEqual([{ scheme: 'app', privileges }]);
    expect(serve).toBeTypeOf('function');
  });

  it('serves the renderer with its MIME types, the CSP header and nosniff', async () => {
    const cases = [
      ['app://rollbook/', 'text/html; charset=utf-8', '<!doctype html><title>Rollbook</title>'],
      ['app://rollbook/index.html', 'text/html; charset=utf-8', '<!doctype html><title>Rollbook</title>'],
      ['app://rollbook/assets/index-abc.js', 'text/javascript; charset=utf-8', 'console.log(1)'],
      ['app://rollbook/assets/index-abc.css', 'text/css; charset=utf-8', 'body{}'],
      ['app://rollbook/icon.svg', 'image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"/>'],
      ['app://rollbook/notes.bin', 'application/octet-stream', 'x'],
    ] as const;
    for (const [url, type, body] of cases) {
      const response = await get(url);
      expect(response.status, url).toBe(200);
      expect(response.headers.get('content-type'), url).toBe(type);
      expect(response.headers.get('content-security-policy'), url).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers.get('x-content-type-options'), url).toBe('nosniff');
      expect(await response.text(), url).toBe(body);
    }
  });

  it('refuses every spelling of a path outside the renderer folder', async () => {
    const attempts = [
      'app://rollbook/..%2frollbook.db',
      'app://rollbook/assets/..%2f..%2frollbook.db',
      'app://rollbook/%2e%2e%2frollbook.db',
      'app://rollbook/..%2frenderer-private%2fsecret.txt',
      'app://rollbook/..%5crollbook.db',
      `app://rollbook/${encodeURIComponent(join(dir.path, 'rollbook.db'))}`,
      'app://rollbook/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
    ];
    for (const url of attempts) {
      const response = await get(url);
      const body = await response.text();
      expect(response.status, url).not.toBe(200);
      expect(body, url).not.toContain(SECRET);
      expect(body, url).not.toContain('root:');
    }
    // The URL parser itself folds plain and dot-encoded ../ back into the root: those stay inside it.
    expect((await get('app://rollbook/../../rollbook.db')).status).toBe(404);
    expect((await get('app://rollbook/%2e%2e/%2e%2e/rollbook.db')).status).toBe(404);
  });

  it('answers other hosts, missing files and broken escapes without throwing', async () => {
    expect((await get('app://elsewhere/index.html')).status).toBe(404);
    expect((await get('app://rollbook/missing.js')).status).toBe(404);
    expect((await get('app://rollbook/%E0%A4%A')).status).toBe(400);
  });
});
