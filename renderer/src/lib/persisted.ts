/**
 * Small view preferences (column widths, sort) that belong to this window rather than the account data: kept in
 * localStorage, read defensively (an old or hand-edited value falls back to the default).
 */
export function loadPref<T>(key: string, fallback: T, valid: (value: unknown) => value is T): T {
  try {
    const raw = localStorage.getItem(`rollbook.${key}`);
    if (raw === null) return fallback;
    const value: unknown = JSON.parse(raw);
    return valid(value) ? value : fallback;
  } catch {
    return fallback;
  }
}

export function savePref(key: string, value: unknown): void {
  try {
    localStorage.setItem(`rollbook.${key}`, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the preference simply does not survive a restart.
  }
}

export const isWidths = (value: unknown): value is Record<string, number> =>
  typeof value === 'object' &&
  value !== null &&
  Object.values(value).every((v) => typeof v === 'number' && v >= 40 && v <= 1200);
