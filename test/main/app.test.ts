/**
 * Electron main as it starts (electron/main/index.ts), under a fake `electron` (./fake-electron.ts) and a real core
 * on a temp folder: the single-instance lock, the window's options and page, the IPC registration and its sender
 * check, events forwarded to the window, the dev server honoured only in development, navigation and link policy,
 * and denied permissions.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { IPC_EVENT } from '../../electron/core/contract/bridge';
import { startTeamupSimulator, type TeamupSimulator } from '../simulators/teamup';
import { APP_PAGE, launch, stopApp, topFrame, type Frame } from './launch';

vi.mock('electron', () => import('./fake-electron'));

afterEach(stopApp);

const REFUSED = { ok: false, error: { code: 'forbidden_sender', message: expect.any(String) } };

describe('Electron main, started under a fake electron', () => {
  let teamup: TeamupSimulator;
  beforeAll(async () => {
    teamup = await startTeamupSimulator({ courses: 1, customers: 2 });
  });
  afterAll(async () => {
    await teamup.close();
  });

  it('a second instance quits at once and starts nothing', async () => {
    const { fake } = await launch({ lock: false });
    await new Promise(setImmediate);
    expect(fake.state.quitCalls).toBe(1);
    expect(fake.state.windows).toEqual([]);
    expect(fake.state.ipcHandlers.size).toBe(0);
    expect(fake.state.privilegedSchemes).toEqual([]);
  });

  it('the first instance brings its window back when a second one starts', async () => {
    const { fake, window } = await launch();
    window.minimized = true;
    fake.app.emit('second-instance');
    expect(window.restoreCalls).toBe(1);
    expect(window.focusCalls).toBe(1);
    fake.app.emit('second-instance');
    expect(window.restoreCalls).toBe(1);
    expect(window.focusCalls).toBe(2);
  });

  it('the window: sandboxed, isolated, no Node, the bundled CJS preload, and the app:// page', async () => {
    const { window } = await launch();
    const prefs = window.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(prefs.preload).toBe(join(import.meta.dirname, '../../electron/preload/index.cjs'));
    expect(window.loads).toEqual([{ url: 'app://rollbook/index.html' }]);
    expect(window.options.show).toBe(false);
    window.emit('ready-to-show');
    expect(window.shown).toBe(true);
  });

  it("answers only the app page's top frame over IPC", async () => {
    const { invoke } = await launch();
    const ok = await invoke('app.info', undefined, APP_PAGE);
    expect(ok).toMatchObject({ ok: true, value: { version: expect.any(String) } });

    const foreign: (Frame | null)[] = [
      null,
      { url: 'app://rollbook/index.html', parent: APP_PAGE },
      topFrame('https://evil.example/'),
      topFrame('app://other/index.html'),
      topFrame('file:///home/user/page.html'),
      topFrame('http://localhost:5173/'),
      topFrame('data:text/html,<script>1</script>'),
      topFrame('not a url'),
    ];
    for (const frame of foreign) {
      const answer = await invoke('app.info', undefined, frame);
      expect(answer, JSON.stringify(frame)).toEqual(REFUSED);
    }
  });

  it('forwards core events to the window, and stops once the window is gone', async () => {
    const { invoke, window } = await launch();
    const before = window.webContents.sent.length;
    expect(await invoke('settings.update', { theme: 'dark' })).toMatchObject({ ok: true });
    const sent = window.webContents.sent.slice(before);
    expect(sent).toEqual([[IPC_EVENT, 'settings.changed', expect.objectContaining({ theme: 'dark' })]]);

    window.destroy();
    expect(await invoke('settings.update', { theme: 'dark' })).toMatchObject({ ok: true });
    expect(window.webContents.sent.length).toBe(before + 1);
  });

  it('a packaged app ignores ELECTRON_RENDERER_URL: it loads app:// and trusts no dev server over IPC', async () => {
    const { invoke, window } = await launch({ isPackaged: true, devUrl: 'http://localhost:5173' });
    expect(window.loads).toEqual([{ url: 'app://rollbook/index.html' }]);
    expect(await invoke('app.info', undefined, topFrame('http://localhost:5173/'))).toEqual(REFUSED);
    expect(await invoke('app.info', undefined, APP_PAGE)).toMatchObject({ ok: true });
  });

  it('in development it loads the dev server and trusts that origin too', async () => {
    const { invoke, window } = await launch({ isPackaged: false, devUrl: 'http://localhost:5173' });
    expect(window.loads).toEqual([{ url: 'http://localhost:5173' }]);
    expect(await invoke('app.info', undefined, topFrame('http://localhost:5173/'))).toMatchObject({ ok: true });
    expect(await invoke('app.info', undefined, topFrame('http://localhost:5174/'))).toMatchObject({ ok: false });
  });

  it('even in development, a dev server URL off this machine is ignored', async () => {
    const { invoke, window } = await launch({ isPackaged: false, devUrl: 'https://evil.example' });
    expect(window.loads).toEqual([{ url: 'app://rollbook/index.html' }]);
    expect(await invoke('app.info', undefined, topFrame('https://evil.example/'))).toEqual(REFUSED);
  });

  it('denies every permission', async () => {
    const { fake } = await launch();
    const answers: boolean[] = [];
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read']) {
      fake.state.permissionRequestHandler!({}, permission, (granted: boolean) => answers.push(granted));
    }
    expect(answers).toEqual([false, false, false, false]);
    expect(fake.state.permissionCheckHandler!()).toBe(false);
  });

  it("keeps the window on the app, and opens only accounts' platform sites without asking", async () => {
    const { fake, invoke, window } = await launch();
    const contents = window.webContents;
    const navigate = (url: string) => {
      let prevented = false;
      contents.emit('will-navigate', { preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    expect(navigate('app://rollbook/index.html')).toBe(false);
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'app://other/', 'http://localhost:5173/']) {
      expect(navigate(url), url).toBe(true);
    }
    let webviewPrevented = false;
    contents.emit('will-attach-webview', { preventDefault: () => (webviewPrevented = true) });
    expect(webviewPrevented).toBe(true);

    const added = await invoke('accounts.add', {
      label: 'TeamUp',
      settings: { platform: 'teamup', baseUrl: `${teamup.url}/api/v2` },
      secret: teamup.options.token,
      storage: 'session',
    });
    expect(added).toMatchObject({ ok: true });
    // The handler denies at once and opens (or asks) afterwards, once it has read the accounts: each check waits for
    // the effect it expects rather than for a fixed time a busy machine may overrun.
    const click = (url: string) => {
      const before = { asked: fake.state.messageBoxCalls.length, opened: fake.state.shellCalls.length };
      expect(contents.windowOpenHandler!({ url })).toEqual({ action: 'deny' });
      return { asked: () => fake.state.messageBoxCalls.length > before.asked, opened: before.opened };
    };

    const platformPage = `${teamup.url}/courses/1`;
    const platform = click(platformPage);
    await expect.poll(() => fake.state.shellCalls.length).toBe(platform.opened + 1);
    expect(platform.asked()).toBe(false);
    fake.state.messageBoxAnswer = 1; // Cancel
    const evil = click('https://evil.example/phish');
    await expect.poll(evil.asked).toBe(true);
    expect(fake.state.messageBoxCalls.at(-1)?.detail).toContain('https://evil.example/phish');
    fake.state.messageBoxAnswer = 0; // Open in browser
    const help = click('https://help.example/guide');
    await expect.poll(() => fake.state.shellCalls.length).toBe(help.opened + 1);
    expect(help.asked()).toBe(true);
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'smb://host/share', '\\\\host\\share\\x.exe']) {
      const refused = click(url);
      // Refused without reading anything; a moment for an opener that would (wrongly) ask or open later.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(refused.asked(), url).toBe(false);
    }

    expect(fake.state.shellCalls).toEqual([
      { method: 'openExternal', target: platformPage },
      { method: 'openExternal', target: 'https://help.example/guide' },
    ]);
  });
});
