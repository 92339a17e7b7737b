import { BrowserWindow, shell, type WebContents } from 'electron';
import { join } from 'node:path';
import { APP_ORIGIN, isAppUrl, isExternalLink, WEB_PREFERENCES } from './security';

export function createMainWindow(options: { preloadDir: string; devServerUrl?: string }): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Rollbook',
    autoHideMenuBar: true,
    webPreferences: { ...WEB_PREFERENCES, preload: join(options.preloadDir, 'index.cjs') },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(options.devServerUrl ?? `${APP_ORIGIN}/index.html`);
  return window;
}

/** Applied to every web contents the app creates (the main window, hidden PDF windows). */
export function hardenWebContents(contents: WebContents, devServerUrl?: string): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, devServerUrl)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalLink(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}
