/**
 * Session times in their venue's time zone. A report column with `zoneKey` holds UTC instants that are shown on the
 * clocks of the IANA zone in that row's `zoneKey` column; a row without a zone (or with one this runtime does not
 * know) keeps the report's UTC.
 */
import type { ReportColumn } from '../contract/channels/reports';
import type { ReportValue } from '../store/report-queries';
import { dateTimeFormat } from './intl-cache';

/** Per column, the index of the column holding its zone (-1: none). */
export function zoneIndexes(columns: readonly ReportColumn[]): number[] {
  return columns.map((c) => (c.zoneKey ? columns.findIndex((z) => z.key === c.zoneKey) : -1));
}

/** The zone a cell is shown in, or null for UTC. */
export function zoneAt(row: readonly ReportValue[], index: number): string | null {
  const zone = index >= 0 ? row[index] : null;
  return typeof zone === 'string' && zone !== '' && knownZone(zone) ? zone : null;
}

const known = new Map<string, boolean>();
function knownZone(zone: string): boolean {
  let ok = known.get(zone);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      ok = true;
    } catch {
      ok = false;
    }
    known.set(zone, ok);
  }
  return ok;
}

const WALL: Intl.DateTimeFormatOptions = {
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
};

/** The instant's wall-clock fields in `zone`, as the UTC fields of a millisecond value. */
function wallMs(ms: number, zone: string): number {
  const parts: Record<string, string> = {};
  for (const p of dateTimeFormat('en-US', { ...WALL, timeZone: zone }).formatToParts(ms)) parts[p.type] = p.value;
  return Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
}

/** `2026-05-20T09:00:00-04:00`: the same instant, written on the zone's clocks (ISO 8601 with its offset). */
export function isoInZone(iso: string, zone: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const wall = wallMs(ms, zone) + (ms % 1000);
  const offset = Math.round((wall - ms) / 60_000);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  // Whole seconds as TeamUp sends them; a fraction only when there is one.
  const clock = new Date(wall).toISOString().slice(0, ms % 1000 === 0 ? 19 : 23);
  return `${clock}${sign}${hh}:${mm}`;
}

/** A Date whose UTC fields are the zone's wall clock: what a zone-less spreadsheet date cell should show. */
export function wallClockDate(iso: string, zone: string): Date {
  return new Date(wallMs(Date.parse(iso), zone));
}
