/** Date helpers without reactivity (plain values in, strings out). */

/** "2026-06-01 12:00:05 UTC": the exact stored value, for a title on hover. */
export function utcTitle(iso: string | null | undefined): string | undefined {
  if (!iso) return undefined;
  const at = Date.parse(iso);
  return Number.isNaN(at) ? iso : `${new Date(at).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function sameLocalDay(a: number, b: number): boolean {
  return new Date(a).toDateString() === new Date(b).toDateString();
}
