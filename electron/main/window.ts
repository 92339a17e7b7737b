import { BrowserWindow } from 'electron';
import { join } from 'node:path';
import { APP_ORIGIN, WEB_PREFERENCES } from './security';

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
