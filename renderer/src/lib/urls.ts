/** Base-URL checks for the account forms (plain module: no reactivity here). */
const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];
/** The core validates too; this catches the common slips before a round trip, in the same words. */
export function urlProblem(value: string): string | null {
  const text = value.trim();
  if (!text) return 'An address is required.';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a URL. Use the full address, e.g. https://example.com`;
  }
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && LOOPBACK.includes(url.hostname)) return null;
  return url.protocol === 'http:'
    ? 'Rollbook only sends credentials over https (http is allowed for localhost).'
    : `Unsupported scheme "${url.protocol}"; use an https:// address.`;
}

/** The origin (scheme, host, port) of an address, or null while it is not a URL yet. */
export function originOf(value: string): string | null {
  try {
    return new URL(value.trim()).origin;
  } catch {
    return null;
  }
}
