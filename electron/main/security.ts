/**
 * Window hardening, as data so tests can read it without launching Electron.
 */
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

/** Only the app's own pages may be navigated to; anything else is refused. */
export function isAppUrl(url: string, devServerUrl?: string): boolean {
  const origin = originOf(url);
  return origin !== null && (origin === APP_ORIGIN || (devServerUrl !== undefined && origin === originOf(devServerUrl)));
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
