/**
 * CSV export: RFC 4180 via csv-stringify, streamed row by row from SQLite to a temp file with back-pressure.
 */
import { stringify } from 'csv-stringify';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReportColumn } from '../contract/channels/reports';
import type { ReportRow } from '../store/report-queries';
import { cell } from './cells';

export interface CsvOptions {
  bom: boolean;
  /** null = ISO-8601 dates. */
  locale: string | null;
  onRows?: (rows: number) => void;
  signal?: AbortSignal;
}

export async function writeCsv(file: string, columns: ReportColumn[], rows: Iterable<ReportRow>, options: CsvOptions): Promise<number> {
  let count = 0;
  function* records() {
    for (const row of rows) {
      options.signal?.throwIfAborted();
      count += 1;
      if (count % 10_000 === 0) options.onRows?.(count);
      yield columns.map((c) => cell(row[c.key] ?? null, c, options.locale));
    }
  }
  await pipeline(
    Readable.from(records(), { objectMode: true, highWaterMark: 256 }),
    stringify({ bom: options.bom, header: true, columns: columns.map((c) => c.label), record_delimiter: 'windows', cast: { number: (n) => String(n) } }),
    createWriteStream(file, { flags: 'wx' }),
    { signal: options.signal },
  );
  options.onRows?.(count);
  return count;
}
