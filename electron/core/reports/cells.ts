/** How report values become spreadsheet cells. */
import type { ReportColumn } from '../contract/channels/reports';
import type { ReportValue } from '../store/report-queries';
import { dateTimeFormat } from './intl-cache';
import { isoInZone } from './zoned';

const FORMULA_START = /^[=+\-@\t\r\0]/;
/**
 * RFC 4180 quoting: a quote, a comma or any line break. A bare LF or CR must be quoted too: Excel, Numbers and
 * LibreOffice all end a row at one, so an unquoted "Line⏎Break" name would split the row in two. (csv-stringify,
 * which wrote these files before, quoted only CRLF with a CRLF record delimiter.)
 */
const NEEDS_QUOTES = /[",\r\n]/;
/** A cell needs the slow path when it could start a formula or needs quotes. */
const NEEDS_CARE = new RegExp(`${FORMULA_START.source}|${NEEDS_QUOTES.source}`);

/**
 * Formula-injection guard (OWASP "CSV injection"): a text cell starting with = + - @ tab CR or NUL is prefixed with
 * a single quote so spreadsheets show it as text instead of running it. Numbers are never touched.
 */
export function neutralise(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** RFC 4180 field: quoted (quotes doubled) only when NEEDS_QUOTES says so. */
export function csvField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A calendar date without a time (`2026-06-30`: due and expiry dates), not an instant. */
export const isCalendarDay = (value: string): boolean => value.length === 10 && /^\d{4}-\d{2}-\d{2}$/.test(value);

export function formatDate(iso: string, locale: string | null, zone: string | null = null): string {
  const day = isCalendarDay(iso);
  if (!locale) return zone && !day ? isoInZone(iso, zone) : iso;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  // A calendar date is read as UTC midnight: shown in UTC it stays the same day west of Greenwich too.
  if (day) return dateTimeFormat(locale, CSV_DAY).format(date);
  return dateTimeFormat(locale, zone ? { ...CSV_DATE, timeZone: zone } : CSV_DATE).format(date);
}

const CSV_DATE: Intl.DateTimeFormatOptions = { dateStyle: 'short', timeStyle: 'short' };
const CSV_DAY: Intl.DateTimeFormatOptions = { dateStyle: 'short', timeZone: 'UTC' };

/**
 * One value as CSV text: numbers as they are, dates in the locale if asked, text through the formula guard, then
 * RFC 4180 quoting. Most cells need neither, and one regular
 * expression test tells, so the common case allocates nothing.
 */
export function csvCell(
  value: ReportValue | undefined,
  column: ReportColumn,
  locale: string | null,
  /** A session's own zone: its times written on that zone's clocks (ISO with the zone's offset, or localised). */
  zone: string | null = null,
): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = column.type === 'date' && (locale || zone) ? formatDate(value, locale, zone) : value;
  return NEEDS_CARE.test(text) ? csvField(neutralise(text)) : text;
}
