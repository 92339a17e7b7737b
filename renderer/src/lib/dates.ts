/** Date helpers without reactivity (plain values in, strings out). */

/** A calendar date without a time (`2026-06-30`: due and expiry dates), not an instant. */
export const isCalendarDay = (value: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(value);

/** "2026-06-01 12:00:05 UTC": the exact stored value, for a title on hover (a calendar date as it is). */
export function utcTitle(iso: string | null | undefined): string | undefined {
  if (!iso) return undefined;
  if (isCalendarDay(iso)) return iso;
  const at = Date.parse(iso);
  return Number.isNaN(at) ? iso : `${new Date(at).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function sameLocalDay(a: number, b: number): boolean {
  return new Date(a).toDateString() === new Date(b).toDateString();
}
