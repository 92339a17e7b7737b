/**
 * CSV export: RFC 4180 with CRLF records, streamed from SQLite to a temp file a chunk at a time.
 * A hand-written line builder replaced csv-stringify here: the library's per-row generality cost several times what
 * this loop spends, and cells.ts keeps the same quoting rules and the formula guard (test/reports/csv-cells).
 */
import type { ReportColumn } from '../contract/channels/reports';
import type { ReportValue } from '../store/report-queries';
import { csvCell, csvField } from './cells';
import { zoneAt, zoneIndexes } from './zoned';
import { createChunkedFile } from './chunked-file';

const PROGRESS_EVERY = 20_000;

export interface CsvOptions {
  bom: boolean;
  /** null = ISO-8601 dates. */
  locale: string | null;
  onRows?: (rows: number) => void;
  signal?: AbortSignal;
}

/** The header record, with the byte-order mark Excel needs to read UTF-8 when asked. */
export function csvHeader(columns: ReportColumn[], bom: boolean): string {
  return `${bom ? '\ufeff' : ''}${columns.map((c) => csvField(c.label)).join(',')}\r\n`;
}

/** Turns a value array in `columns` order into one CSV record, CRLF included. */
export function csvRecord(columns: ReportColumn[], locale: string | null): (row: ReportValue[]) => string {
  const width = columns.length;
  const zones = zoneIndexes(columns);
  const cell = (row: ReportValue[], i: number) => csvCell(row[i], columns[i]!, locale, zoneAt(row, zones[i]!));
  return (row) => {
    let line = cell(row, 0);
    for (let i = 1; i < width; i += 1) line += `,${cell(row, i)}`;
    return `${line}\r\n`;
  };
}

/** `rows` are value arrays in `columns` order (ReportQueries.iterateValues). */
export async function writeCsv(
  file: string,
  columns: ReportColumn[],
  rows: Iterable<ReportValue[]>,
  options: CsvOptions,
): Promise<number> {
  const out = await createChunkedFile(file);
  const record = csvRecord(columns, options.locale);
  let count = 0;
  try {
    out.append(csvHeader(columns, options.bom));
    for (const row of rows) {
      count += 1;
      if (out.append(record(row))) {
        options.signal?.throwIfAborted();
        await out.flush();
      }
      if (count % PROGRESS_EVERY === 0) options.onRows?.(count);
    }
    await out.close();
  } catch (error) {
    await out.abandon();
    throw error;
  }
  options.onRows?.(count);
  return count;
}
