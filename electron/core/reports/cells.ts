/** How report values become spreadsheet cells. */
import type { ReportColumn } from '../contract/channels/reports';

/**
 * Formula-injection guard (OWASP "CSV injection"): a text cell starting with = + - @ tab CR or NUL is prefixed with
 * a single quote so spreadsheets show it as text instead of running it. Numbers are never touched.
 */
export function neutralise(value: string): string {
  return /^[=+\-@\t\r\0]/.test(value) ? `'${value}` : value;
}

export function formatDate(iso: string, locale: string | null): string {
  if (!locale) return iso;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' }).format(date);
}

export function cell(value: string | number | null, column: ReportColumn, locale: string | null): string | number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  if (column.type === 'date') return neutralise(formatDate(value, locale));
  return neutralise(value);
}
