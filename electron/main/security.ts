/**
 * Window hardening, as data and functions over Electron's types only, so tests can check it without launching
 * Electron (and the smoke test checks the live window where a binary exists).
 */
import type { Session, WebContents } from 'electron';
export const APP_SCHEME = 'app';
export const APP_HOST = 'rollbook';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Strict CSP: scripts only from the app itself; no remote anything. Svelte needs inline style attributes. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  spellcheck: false,
} as const;

/**
 * `scheme://host[:port]` of a URL, or null. (URL#origin is "null" for custom schemes like app:, so build it.)
 */
export function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.host ? `${parsed.protocol}//${parsed.host}` : null;
  } catch {
    return null;
  }
}

/**
 * The dev server electron-vite starts (`npm run dev` sets ELECTRON_RENDERER_URL), honoured only in an unpackaged
 * app and only on this machine: a packaged build always loads app:// and trusts no other origin for IPC, whatever
 * the environment says.
 */
export function devServerUrl(isPackaged: boolean, env: NodeJS.ProcessEnv): string | undefined {
  const url = env.ELECTRON_RENDERER_URL;
  if (isPackaged || !url) return undefined;
  try {
    const { protocol, hostname } = new URL(url);
    const loopback = hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
    return (protocol === 'http:' || protocol === 'https:') && loopback ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Only the app's own pages may be navigated to; anything else is refused. */
export function isAppUrl(url: string, devServerUrl?: string): boolean {
  const origin = originOf(url);
  return (
    origin !== null && (origin === APP_ORIGIN || (devServerUrl !== undefined && origin === originOf(devServerUrl)))
  );
}

/** Links the app renders to the outside world open in the OS browser, and only if they are http(s). */
export function isExternalLink(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/** Applied to every web contents the app creates (the main window, hidden PDF windows). */
export function hardenWebContents(
  contents: Pick<WebContents, 'on' | 'setWindowOpenHandler'>,
  options: { devServerUrl?: string; openExternal: (url: string) => void },
): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, options.devServerUrl)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalLink(url)) options.openExternal(url);
    return { action: 'deny' };
  });
}

/** The renderer never needs a camera, notifications, geolocation…: refuse every permission. */
export function denyAllPermissions(
  session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>,
): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
