/**
 * The CSV line builder against csv-stringify, which wrote report files before it: the same bytes for hostile cells
 * (formula starts, quotes, commas, line breaks), numbers, dates and empty values. One deliberate difference: a lone
 * CR or LF is quoted too (csv-stringify quoted only CRLF), so spreadsheets keep such a cell in its row.
 */
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import type { ReportColumn } from '../../electron/core/contract/channels/reports';
import { csvCell, formatDate, neutralise } from '../../electron/core/reports/cells';

const text: ReportColumn = { key: 't', label: 'T', type: 'text' };
const number: ReportColumn = { key: 'n', label: 'N', type: 'number' };
const date: ReportColumn = { key: 'd', label: 'D', type: 'date' };

/** What the previous writer produced for one cell: the guard, then csv-stringify with a CRLF record delimiter. */
function previous(value: string | number | null, column: ReportColumn, locale: string | null): string {
  const guarded =
    value === null
      ? null
      : typeof value === 'number'
        ? value
        : neutralise(column.type === 'date' ? formatDate(value, locale) : value);
  return stringify([[guarded, 'x']], {
    record_delimiter: 'windows',
    quoted_match: /[\r\n]/,
    cast: { number: (n: number) => String(n) },
  }).slice(0, -'x\r\n'.length - 1);
}

const HOSTILE = [
  '',
  'plain',
  'Zoë Ångström',
  '王芳',
  '=1+1',
  '+evil@example.com',
  '-minus',
  '@SUM(A1:A9)',
  '\tTAB',
  '\rCR',
  '\0NUL',
  '=HYPERLINK("http://evil.example","click")',
  'O\'Brien, Siobhán "Shiv"',
  'Line\nBreak',
  'CRLF\r\ninside',
  'trailing CR\r',
  'CR\rinside',
  '"',
  ',',
  '""',
  '=a,b',
  '-"q"',
  ' leading space',
  'emoji 👩‍🏫',
  'ﬀ ligature',
];

describe('CSV cells', () => {
  it('text cells match csv-stringify byte for byte, guard included', () => {
    for (const value of HOSTILE)
      expect([value, csvCell(value, text, null)]).toEqual([value, previous(value, text, null)]);
  });

  it('any line break inside a cell is quoted, so a spreadsheet keeps the row whole', () => {
    expect(csvCell('Line\nBreak', text, null)).toBe('"Line\nBreak"');
    expect(csvCell('CR\rinside', text, null)).toBe('"CR\rinside"');
    expect(csvCell('\rCR', text, null)).toBe('"\'\rCR"');
  });

  it('numbers are written as JavaScript prints them and never guarded; null is empty', () => {
    for (const value of [0, -5, 100, 45.5, 33.333333333333336, 1e-7, 1e21, -0])
      expect(csvCell(value, number, null)).toBe(previous(value, number, null));
    expect(csvCell(-5, number, null)).toBe('-5');
    expect(csvCell(null, text, null)).toBe('');
    expect(csvCell('-5', number, null)).toBe("'-5");
  });

  it('dates: ISO as stored, or in the locale, and still guarded', () => {
    for (const locale of [null, 'de-DE', 'en-US']) {
      for (const value of ['2026-03-10T10:00:00.000Z', 'not a date', '=cmd'])
        expect(csvCell(value, date, locale)).toBe(previous(value, date, locale));
    }
    expect(csvCell('2026-03-10T10:00:00.000Z', date, 'de-DE')).toMatch(/^"10\.03\.26, \d{2}:\d{2}"$/);
  });
});
