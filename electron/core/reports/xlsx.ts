/**
 * XLSX export, streamed with exceljs's WorkbookWriter: rows go to the zip as they are read, so a 1M-row workbook
 * never holds its rows. Cells keep their types (dates as Excel dates, numbers as numbers, percentages with a %
 * format, ids as text), text goes through the CSV's formula guard, and a Summary sheet comes first.
 *
 * exceljs writes the workbook: the zip, the styles, each sheet's columns, frozen pane, header row and autofilter, and
 * the Summary. The data rows' `<row>` elements are the one part rendered here (`rowXml`), into the sheet's own stream
 * between exceljs's header row and its end of the sheet: through exceljs's Row and Cell objects a row cost about
 * 20 µs, most of a 1M-row export's time, and the rows are nothing but values with a shared style each.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { ReportColumn } from '../contract/channels/reports';
import type { AttendanceStatus, ProgressStatus } from '../contract/domain';
import { PROGRESS_STATUSES } from '../contract/domain';
import type { ReportValue } from '../store/report-queries';
import { isCalendarDay, neutralise } from './cells';
import { wallClockDate, zoneAt, zoneIndexes } from './zoned';
import type { ReportSummary } from './summary';

/** Excel's last row: past it the data continues on another sheet. */
export const EXCEL_MAX_ROWS = 1_048_576;
/** Rows whose widths size the columns: the header row is written before the rest is read. */
const SAMPLE_ROWS = 1_000;
/** Columns wider than this many characters wrap their text instead of growing. */
const MAX_WIDTH = 60;
const MIN_WIDTH = 6;
/** Rows rendered into one write to the sheet; between two, a turn of the event loop or a wait for the zip. */
const BATCH_ROWS = 200;
/** Bytes of rows one write holds at most: 200 rows of long texts. */
const CHUNK_BYTES = 256 * 1024;
const PROGRESS_EVERY = 20_000;

/** Excel's limits: characters in a cell, and the days it shows as dates. */
const MAX_CELL_CHARS = 32_767;
/** Excel counts a 29 February 1900 that never was: its serials for earlier days show the wrong day. */
const FIRST_EXCEL_DAY = Date.UTC(1900, 2, 1);
const AFTER_LAST_EXCEL_DAY = Date.UTC(10_000, 0, 1);

/** Excel's day 0 (its serials count days from here; FIRST_EXCEL_DAY is past its 1900 leap-year slip). */
const EXCEL_EPOCH = Date.UTC(1899, 11, 30);
const DAY_MS = 86_400_000;
/** Every date in a report is a UTC timestamp; the format says so in each cell. */
const DATE_FORMAT = 'yyyy-mm-dd hh:mm "UTC"';
/** …except calendar dates (due, expiry), which have no time to show. */
const DAY_FORMAT = 'yyyy-mm-dd';
const DATE_CHARS = 20;
const PERCENT_FORMAT = '0.0%';

/** The light theme's status tones (renderer/src/app.css .tone-*): background, then text. */
const TONES = {
  neutral: ['FFECECEC', 'FF5C5D63'],
  info: ['FFE6EFFF', 'FF1F4FB3'],
  ok: ['FFE3F4EA', 'FF13653F'],
  teal: ['FFDEF3F1', 'FF0D5F59'],
  warn: ['FFFDF0D8', 'FF7A4600'],
  danger: ['FFFDE7E5', 'FFA0241A'],
} as const;
type Tone = keyof typeof TONES;
const STATUS_TONES: Record<ProgressStatus | AttendanceStatus, Tone> = {
  not_started: 'neutral',
  in_progress: 'info',
  completed: 'ok',
  passed: 'teal',
  failed: 'danger',
  incomplete: 'warn',
  attended: 'ok',
  no_show: 'danger',
  registered: 'info',
  waitlisted: 'neutral',
  late_cancelled: 'warn',
  cancelled: 'neutral',
};
/** The columns whose cells are coloured by their status, as in the app. */
const STATUS_KEYS = new Set(['status', 'attendance_status']);

function toneStyle(status: string): Partial<ExcelJS.Style> | null {
  const tone = STATUS_TONES[status as ProgressStatus | AttendanceStatus];
  if (!tone) return null;
  const [bg, fg] = TONES[tone];
  return { fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: bg } }, font: { color: { argb: fg } } };
}
const TONE_STYLES = new Map(Object.keys(STATUS_TONES).map((s) => [s, toneStyle(s)!]));

export interface XlsxOptions {
  /** The data sheet's name; later sheets add " (2)", " (3)"… */
  sheetName: string;
  /** Rows a sheet holds, its header included (tests use fewer than Excel's limit). */
  maxRows?: number;
  onRows?: (rows: number) => void;
  /** Read once every row is written: the Summary sheet describes the rows the export read. */
  summary: () => ReportSummary;
  title: string;
}

/** A date column's cell is its Excel serial (a number, shown by the column's date format). */
/** A calendar date's serial (a whole day): written with the day format, not the date-time one. */
class DaySerial {
  constructor(readonly serial: number) {}
}
type Cell = string | number | DaySerial | null;

/** One value as a typed cell: what csvCell writes as text, with its type kept. */
function xlsxCell(value: ReportValue | undefined, column: ReportColumn, zone: string | null = null): Cell {
  if (value === null || value === undefined) return null;
  if (column.type === 'number' && typeof value === 'number' && Number.isFinite(value)) {
    return column.percent ? value / 100 : value;
  }
  if (column.type === 'date' && typeof value === 'string') {
    const day = isCalendarDay(value);
    // Spreadsheet dates carry no zone: a session's is written as its venue's wall clock (the row names the zone).
    const time = !day && zone ? wallClockDate(value, zone).getTime() : Date.parse(value);
    // Outside the days Excel shows right, a value stays as its text.
    if (time >= FIRST_EXCEL_DAY && time < AFTER_LAST_EXCEL_DAY) {
      const serial = (time - EXCEL_EPOCH) / DAY_MS;
      return day ? new DaySerial(serial) : serial;
    }
  }
  // Text columns stay text even when SQLite hands back a number: ids keep their leading zeros and every digit.
  const text = neutralise(String(value));
  // Excel refuses a workbook with a longer cell (it offers to "repair" it, dropping the sheet's rows).
  return text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS - 1)}…` : text;
}

function cellChars(cell: Cell, column: ReportColumn): number {
  if (cell === null) return 0;
  if (cell instanceof DaySerial) return DAY_FORMAT.length;
  if (typeof cell === 'number') return column.type === 'date' ? DATE_CHARS : String(cell).length + 1;
  let longest = 0;
  for (const line of cell.split('\n')) longest = Math.max(longest, line.length);
  return longest;
}

function columnStyle(column: ReportColumn, wrap: boolean): Partial<ExcelJS.Style> {
  const style: Partial<ExcelJS.Style> = {};
  if (column.type === 'date') style.numFmt = DATE_FORMAT;
  else if (column.percent) style.numFmt = PERCENT_FORMAT;
  else if (column.type === 'text') style.numFmt = '@';
  if (wrap) style.alignment = { wrapText: true, vertical: 'top' };
  return style;
}

/**
 * Writes `rows` (value arrays in `columns` order) to `file`; returns how many data rows it wrote. The file is
 * created new (`wx`): the caller owns the temp name and renames it into place.
 */
export async function writeXlsx(
  file: string,
  columns: ReportColumn[],
  rows: Iterable<ReportValue[]>,
  options: XlsxOptions,
): Promise<number> {
  const maxRows = options.maxRows ?? EXCEL_MAX_ROWS;
  const out = createWriteStream(file, { flags: 'wx' });
  const opened = once(out, 'open');
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    // Inline strings keep memory flat (shared strings would hold every distinct text until the end).
    useSharedStrings: false,
    // Sheet XML is verbose and compresses well at any level: the default level costs markedly more CPU than the
    // fastest for a file only somewhat smaller.
    zip: { zlib: { level: 1 } },
  });
  workbook.creator = 'Rollbook';
  // A write that fails (a full disk) stops the zip, and with it the drain the writer may be waiting for.
  const broken = new AbortController();
  out.once('error', (error) => broken.abort(error));
  (workbook as unknown as { zip?: NodeJS.EventEmitter }).zip?.once('error', (error: unknown) => broken.abort(error));
  const iterator = rows[Symbol.iterator]();
  let count = 0;
  try {
    await opened;
    // The first rows size the columns: exceljs writes the widths before the first row.
    const zones = zoneIndexes(columns);
    const sample: Cell[][] = [];
    while (sample.length < SAMPLE_ROWS) {
      const next = iterator.next();
      if (next.done) break;
      sample.push(columns.map((c, i) => xlsxCell(next.value[i], c, zoneAt(next.value, zones[i]!))));
    }
    const widths = columns.map((c, i) =>
      Math.max(MIN_WIDTH, c.label.length + 3, ...sample.map((r) => cellChars(r[i]!, c))),
    );
    const layout = columns.map((c, i) => ({
      width: Math.min(MAX_WIDTH, widths[i]!) + 2,
      style: columnStyle(c, widths[i]! > MAX_WIDTH),
    }));
    // One style per column (and per status in a status column), shared by every cell: its id in styles.xml.
    const styles = (workbook as unknown as { styles: StyleRegistry }).styles;
    const styleIds = columns.map((c, i) => styles.addStyleModel(layout[i]!.style, valueType(c)));
    const toneIds = columns.map((c, i) =>
      STATUS_KEYS.has(c.key)
        ? new Map(
            [...TONE_STYLES].map(([status, tone]) => [
              status,
              styles.addStyleModel({ ...layout[i]!.style, ...tone }, valueType(c)),
            ]),
          )
        : null,
    );
    const dayStyleIds = columns.map((c, i) =>
      c.type === 'date'
        ? styles.addStyleModel({ ...layout[i]!.style, numFmt: DAY_FORMAT }, valueType(c))
        : styleIds[i]!,
    );
    const letters = columns.map((_, i) => columnLetters(i));
    // Rows are encoded one by one into a chunk: one string of many rows cost more to encode than everything else.
    let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let used = 0;
    const sheets: string[] = [];
    let sheet: ExcelJS.Worksheet | null = null;
    let inSheet = 0;
    const sheetStream = () => (sheet as unknown as { stream: Writable }).stream;
    const flush = () => {
      if (used === 0) return;
      sheetStream().write(chunk.subarray(0, used));
      chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      used = 0;
    };
    const finishSheet = () => {
      if (!sheet) return;
      flush();
      sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: inSheet, column: columns.length } };
      sheet.commit();
    };
    const startSheet = () => {
      finishSheet();
      const name = sheets.length === 0 ? options.sheetName : `${options.sheetName} (${sheets.length + 1})`;
      sheets.push(name);
      sheet = workbook.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1, xSplit: 0 }] });
      sheet.columns = layout;
      const header = sheet.addRow(columns.map((c) => c.label));
      header.font = { bold: true };
      header.alignment = { vertical: 'top', wrapText: true };
      header.commit();
      inSheet = 1;
    };
    const write = async (cells: Cell[]) => {
      if (!sheet || inSheet === maxRows) startSheet();
      inSheet += 1;
      const xml = rowXml(cells, inSheet, letters, styleIds, dayStyleIds, toneIds);
      // Three bytes at most per UTF-16 unit: a row that might not fit goes after the chunk (or alone, if larger).
      if (used + xml.length * 3 > CHUNK_BYTES) flush();
      if (xml.length * 3 > CHUNK_BYTES) sheetStream().write(Buffer.from(xml));
      else used += chunk.write(xml, used);
      count += 1;
      if (count % BATCH_ROWS === 0) {
        flush();
        broken.signal.throwIfAborted();
        const pending = zipBacklog(sheet!);
        await (pending ? once(pending, 'drain', { signal: broken.signal }) : new Promise(setImmediate));
      }
      if (count % PROGRESS_EVERY === 0) options.onRows?.(count);
    };
    for (const cells of sample) await write(cells);
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      await write(columns.map((c, i) => xlsxCell(next.value[i], c, zoneAt(next.value, zones[i]!))));
    }
    if (!sheet) startSheet();
    finishSheet();
    writeSummary(workbook, options.title, options.summary(), sheets, columns);
    await workbook.commit();
  } catch (error) {
    // The write's own error, when it broke first: closing the file below may make the zip fail too.
    const cause: unknown = broken.signal.aborted ? broken.signal.reason : error;
    iterator.return?.();
    await abandon(out);
    throw cause;
  }
  options.onRows?.(count);
  return count;
}

/** The part of exceljs's style registry (styles.xml) the data rows use: a style's id, the same for the same object. */
interface StyleRegistry {
  addStyleModel(style: Partial<ExcelJS.Style>, type: ExcelJS.ValueType): number;
}

function valueType(column: ReportColumn): ExcelJS.ValueType {
  return column.type === 'text' ? ExcelJS.ValueType.String : ExcelJS.ValueType.Number;
}

/** A (0) … Z, AA …: a column's letters in cell references. */
function columnLetters(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

/**
 * The characters text content must escape, and those XML cannot hold at all (exceljs drops them too, and Excel would
 * refuse the file). Quotes need no escape outside attributes.
 */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const XML_UNSAFE = /[&<>\x00-\x08\x0B\x0C\x0E-\x1F\x7F\uFFFE\uFFFF]/g;
const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

function xmlText(text: string): string {
  XML_UNSAFE.lastIndex = 0;
  return XML_UNSAFE.test(text) ? text.replace(XML_UNSAFE, (c) => XML_ESCAPES[c] ?? '') : text;
}

/** Leading or trailing spaces, tabs or line breaks: kept only where the text says xml:space="preserve". */
function padded(text: string): boolean {
  return text.length > 0 && (text.charCodeAt(0) <= 32 || text.charCodeAt(text.length - 1) <= 32);
}

/**
 * One data row as SpreadsheetML (ECMA-376 Part 1, §18.3.1.73 row, §18.3.1.4 c): numbers and date serials as `<v>`,
 * text as an inline string (what exceljs writes with shared strings off, under the proper type), no element for an
 * empty cell; each with its column's style id, or its status's in a status column.
 */
function rowXml(
  cells: Cell[],
  row: number,
  letters: string[],
  styleIds: number[],
  dayStyleIds: number[],
  toneIds: (Map<string, number> | null)[],
): string {
  let xml = `<row r="${row}">`;
  for (let i = 0; i < cells.length; i += 1) {
    const cell = cells[i]!;
    if (cell === null) continue;
    if (cell instanceof DaySerial) {
      xml += `<c r="${letters[i]}${row}" s="${dayStyleIds[i]}"><v>${cell.serial}</v></c>`;
      continue;
    }
    if (typeof cell === 'number') {
      xml += `<c r="${letters[i]}${row}" s="${styleIds[i]}"><v>${cell}</v></c>`;
      continue;
    }
    const style = toneIds[i]?.get(cell) ?? styleIds[i];
    const space = padded(cell) ? ' xml:space="preserve"' : '';
    xml += `<c r="${letters[i]}${row}" s="${style}" t="inlineStr"><is><t${space}>${xmlText(cell)}</t></is></c>`;
  }
  return `${xml}</row>`;
}

/**
 * The zip's intake for a sheet when it holds more than it wants: exceljs pipes each sheet's stream into a stream of
 * archiver's that buffers whatever it is given (exceljs ignores write()'s answer), so without this wait a producer
 * faster than deflate would queue most of the sheet in memory. Null when the zip keeps up (or exceljs changed).
 */
function zipBacklog(sheet: ExcelJS.Worksheet): Writable | null {
  // archiver's streams are readable-stream 2, older than Writable's public writableNeedDrain.
  type Intake = Writable & { _writableState?: { needDrain?: boolean } };
  const pipes = (sheet as unknown as { stream?: { pipes?: Intake[] } }).stream?.pipes;
  return pipes?.find((pipe) => pipe.writableNeedDrain ?? pipe._writableState?.needDrain) ?? null;
}

async function abandon(out: WriteStream): Promise<void> {
  if (out.closed) return;
  const closed = once(out, 'close').catch(() => undefined);
  out.destroy();
  await closed;
}

/** What the workbook's dates mean: UTC, or for session times the zone their row names. */
function zoneNote(columns: ReportColumn[]): string {
  const zoned = columns.filter((c) => c.zoneKey);
  if (zoned.length === 0) return 'UTC: every date and time in this workbook is in UTC';
  const zoneColumn = columns.find((c) => c.key === zoned[0]!.zoneKey)?.label ?? 'time zone';
  return (
    `UTC, except ${zoned.map((c) => c.label).join(' and ')}: on the clocks of the zone in each row's ` +
    `"${zoneColumn}" column (UTC where it is empty)`
  );
}

function writeSummary(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  title: string,
  summary: ReportSummary,
  sheets: string[],
  columns: ReportColumn[],
) {
  const sheet = workbook.addWorksheet('Summary');
  const wrap: Partial<ExcelJS.Style> = { alignment: { wrapText: true, vertical: 'top' } };
  sheet.columns = [{ width: 32, style: wrap }, { width: 60, style: wrap }, { width: 12 }];
  const heading = sheet.addRow([title]);
  heading.font = { bold: true, size: 14 };
  heading.commit();
  const label = (name: string, value: string | number | Date | null, numFmt?: string) => {
    const row = sheet.addRow([name, value]);
    row.getCell(1).font = { bold: true };
    if (numFmt) row.getCell(2).numFmt = numFmt;
    row.commit();
  };
  label('Selection', neutralise(summary.selection));
  label('Filters', neutralise(summary.filters.length ? summary.filters.join(' · ') : 'none'));
  label('Generated', summary.generatedAt, DATE_FORMAT);
  label('Time zone', zoneNote(columns));
  label('Rows', summary.total, '#,##0');
  label('Data sheets', sheets.join(', '));
  sheet.addRow([]).commit();
  const section = (...names: string[]) => {
    const row = sheet.addRow(names);
    row.font = { bold: true };
    row.commit();
  };
  section('Data as of (per account)');
  if (summary.freshness.length === 0) sheet.addRow(['no accounts']).commit();
  for (const f of summary.freshness) {
    const row = sheet.addRow([neutralise(f.label), f.dataAsOf ? new Date(f.dataAsOf) : 'never synced']);
    if (f.dataAsOf) row.getCell(2).numFmt = DATE_FORMAT;
    row.getCell(2).alignment = { horizontal: 'left' };
    row.commit();
  }
  sheet.addRow([]).commit();
  section('Status', 'Count', 'Share');
  const counted = PROGRESS_STATUSES.map((s) => [s, summary.statusCounts[s] ?? 0] as const).filter(([, n]) => n > 0);
  const all = counted.reduce((sum, [, n]) => sum + n, 0);
  if (counted.length === 0) sheet.addRow(['No learner statuses in this report.']).commit();
  for (const [status, n] of counted) {
    const row = sheet.addRow([status, n, n / all]);
    const tone = TONE_STYLES.get(status)!;
    row.getCell(1).fill = tone.fill!;
    row.getCell(1).font = tone.font!;
    row.getCell(2).alignment = { horizontal: 'left' };
    row.getCell(3).numFmt = PERCENT_FORMAT;
    row.commit();
  }
  if (summary.bars.length) {
    sheet.addRow([]).commit();
    section('Completion rate by course', 'Completed or passed');
    for (const bar of summary.bars) {
      const row = sheet.addRow([neutralise(bar.label), bar.value / 100]);
      row.getCell(2).numFmt = PERCENT_FORMAT;
      row.getCell(2).alignment = { horizontal: 'left' };
      row.commit();
    }
  }
  sheet.commit();
  firstSheet(workbook, sheet);
}

/**
 * Puts the Summary first. exceljs opens a sheet's zip entry when the sheet is added, and the zip is written one
 * entry after another: a Summary added before the data would hold every data row in memory until its own end. So
 * it is added last, then moved to the front of the workbook's sheet list (the order workbook.xml lists sheets in).
 */
function firstSheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, sheet: ExcelJS.Worksheet) {
  const writer = workbook as unknown as { _worksheets: (ExcelJS.Worksheet | undefined)[] };
  const others = writer._worksheets.filter((s): s is ExcelJS.Worksheet => s !== undefined && s !== sheet);
  writer._worksheets = [sheet, ...others];
}
