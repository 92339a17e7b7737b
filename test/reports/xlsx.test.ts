/**
 * XLSX exports, read back with SheetJS (a different library than the exceljs that writes them) and compared cell by
 * cell with the CSV of the same report.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as XLSX from 'xlsx';
import { reportDefinitionSchema, type ReportDefinitionInput } from '../../electron/core/contract/channels/reports';
import { PROGRESS_STATUSES } from '../../electron/core/contract/domain';
import { openDatabase } from '../../electron/core/store/db';
import { createReportQueries, REPORT_COLUMNS } from '../../electron/core/store/report-queries';
import { exportReport } from '../../electron/core/reports/export';
import { writeXlsx } from '../../electron/core/reports/xlsx';
import { REPORT_NOW, sessionsDataset } from '../support/report-fixture';
import { exportCsv, syncedReportCore } from '../support/report-core';
import type { Dataset } from '../support/scripted-connector';

/** The sessions dataset plus learners whose ids a spreadsheet would mangle as numbers. */
function dataset(): Dataset {
  const data = sessionsDataset();
  const ids = ['0042', '12345678901234567890', '1E5'];
  ids.forEach((id, i) => {
    data.learners.push({ id, name: `Numeric ${i}`, email: `n${i}@example.com`, firstName: null, lastName: null });
    data.progress.push({
      courseId: 'C2',
      learnerId: id,
      status: 'in_progress',
      rawStatus: 'in_progress',
      progressPct: 12.5,
      score: null,
      startedAt: null,
      completedAt: null,
      lastActivityAt: '2026-03-05T14:45:30.000Z',
    });
  });
  return data;
}

type Styled = XLSX.CellObject & { s?: { fgColor?: { rgb?: string }; patternType?: string } };

const emptySummary = (total: number) => ({
  selection: 'All accounts',
  filters: [],
  freshness: [],
  generatedAt: new Date(REPORT_NOW),
  total,
  statusCounts: {},
  bars: [],
});

const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
const serialToMs = (serial: number) => Math.round(EXCEL_EPOCH_MS + serial * 86_400_000);

function readBook(file: string) {
  return XLSX.read(readFileSync(file), { type: 'buffer', cellNF: true, cellStyles: true, bookFiles: true });
}

/** The raw XML of a zip entry, for what SheetJS does not model (frozen panes, bold fonts). */
function entry(book: XLSX.WorkBook, name: string): string {
  type Entry = { content?: Uint8Array; asNodeBuffer?: () => Buffer };
  const files = (book as unknown as { files: Record<string, Entry> }).files;
  const file = files[name] ?? files[`/${name}`];
  if (!file) throw new Error(`no ${name} in the workbook: ${Object.keys(files).join(', ')}`);
  return Buffer.from(file.content ?? file.asNodeBuffer!()).toString('utf8');
}

describe('XLSX reports', () => {
  const { t, out } = syncedReportCore(dataset, 'rollbook-xlsx-', { now: () => new Date(REPORT_NOW) });

  const definitions: ReportDefinitionInput[] = [
    { kind: 'completions' },
    { kind: 'attendance' },
    { kind: 'courses' },
    { kind: 'learner', learnerEmail: 'zoe@example.com' },
  ];

  it.each(definitions)("a $kind workbook has the CSV's cells, with real types", async (definition) => {
    const csvFile = join(out.path, `${definition.kind}.csv`);
    const xlsxFile = join(out.path, `${definition.kind}.xlsx`);
    const { rows: records } = await exportCsv(t.core, csvFile, definition, { bom: false });
    const result = await t.core.call('reports.export', { definition, format: 'xlsx', path: xlsxFile });
    expect(result.rows).toBe(records.length - 1);
    expect(result.rows).toBeGreaterThan(0);
    expect(result.truncated).toBe(false);

    const book = readBook(xlsxFile);
    expect(book.SheetNames[0]).toBe('Summary');
    expect(book.SheetNames).toHaveLength(2);
    const sheet = book.Sheets[book.SheetNames[1]!]!;
    const range = XLSX.utils.decode_range(sheet['!ref']!);
    expect(range.e.r + 1).toBe(records.length);
    const columns = REPORT_COLUMNS[definition.kind];
    expect(range.e.c + 1).toBe(columns.length);
    let dates = 0;
    let numbers = 0;
    for (let r = 0; r < records.length; r += 1) {
      for (let c = 0; c < columns.length; c += 1) {
        const column = columns[c]!;
        const text = records[r]![c]!;
        const cell = sheet[XLSX.utils.encode_cell({ r, c })] as XLSX.CellObject | undefined;
        const where = `${definition.kind} row ${r + 1}, ${column.label}`;
        if (text === '') {
          expect(cell?.v ?? '', where).toBe('');
          continue;
        }
        expect(cell, where).toBeDefined();
        // Never a formula, whatever the text starts with.
        expect(cell!.f, where).toBeUndefined();
        if (r === 0 || column.type === 'text') {
          expect({ t: cell!.t, v: cell!.v }, where).toEqual({ t: 's', v: text });
        } else if (column.type === 'date') {
          dates += 1;
          expect(cell!.t, where).toBe('n');
          expect(cell!.z, where).toMatch(/yyyy-mm-dd hh:mm.*UTC/);
          expect(new Date(serialToMs(cell!.v as number)).toISOString(), where).toBe(text);
        } else {
          numbers += 1;
          expect(cell!.t, where).toBe('n');
          if (column.percent) {
            expect(cell!.z, where).toContain('%');
            expect((cell!.v as number) * 100, where).toBeCloseTo(Number(text), 9);
          } else {
            expect(cell!.v, where).toBe(Number(text));
          }
        }
      }
    }
    expect(dates).toBeGreaterThan(0);
    if (definition.kind !== 'attendance') expect(numbers).toBeGreaterThan(0);

    // The header is bold, frozen and filtered; columns are sized; the filter covers every row.
    expect(sheet['!autofilter']?.ref).toBe(`A1:${XLSX.utils.encode_col(columns.length - 1)}${records.length}`);
    const xml = entry(book, `xl/worksheets/${sheetFile(book, 1)}`);
    expect(xml).toMatch(/<pane [^>]*ySplit="1"[^>]*state="frozen"/);
    const cols = sheet['!cols']!;
    expect(cols).toHaveLength(columns.length);
    for (const [c, column] of columns.entries()) {
      expect(cols[c]!.wch ?? cols[c]!.width, column.label).toBeGreaterThanOrEqual(6);
    }
    const styles = entry(book, 'xl/styles.xml');
    expect(styles).toMatch(/<b\/>/);
  });

  it('ids stay text (leading zeros, every digit) and formula-looking names are text, as in the CSV', async () => {
    const file = join(out.path, 'ids.xlsx');
    await t.core.call('reports.export', { definition: { kind: 'completions' }, format: 'xlsx', path: file });
    const sheet = readBook(file).Sheets.Completions!;
    const rows = XLSX.utils.sheet_to_json<unknown[]>(sheet, { header: 1, raw: true });
    const learnerIds = rows.slice(1).map((r) => r[4]);
    expect(learnerIds).toEqual(expect.arrayContaining(['0042', '12345678901234567890', '1E5']));
    for (const id of learnerIds) expect(typeof id).toBe('string');
    const texts = rows.flat().filter((v): v is string => typeof v === 'string');
    expect(texts).toContain('\'=HYPERLINK("http://evil.example","click")');
    expect(texts).toContain("'+evil@example.com");
    expect(texts).toContain("'@SUM(A1:A9)");
    expect(texts).toContain("'-minus@example.com");
    expect(texts).toContain('Line\nBreak Łukasz');
    expect(texts.filter((v) => /^[=+\-@]/.test(v))).toEqual([]);
  });

  it('status cells are coloured by status, like the app', async () => {
    const file = join(out.path, 'colours.xlsx');
    await t.core.call('reports.export', { definition: { kind: 'completions' }, format: 'xlsx', path: file });
    const sheet = readBook(file).Sheets.Completions!;
    const status = REPORT_COLUMNS.completions.findIndex((c) => c.key === 'status');
    const fills = new Map<string, string>();
    const range = XLSX.utils.decode_range(sheet['!ref']!);
    for (let r = 1; r <= range.e.r; r += 1) {
      const cell = sheet[XLSX.utils.encode_cell({ r, c: status })] as Styled;
      const rgb = cell.s?.fgColor?.rgb;
      expect(rgb, `row ${r + 1}`).toMatch(/^[0-9A-F]{6}$/i);
      if (fills.has(String(cell.v))) expect(rgb).toBe(fills.get(String(cell.v)));
      fills.set(String(cell.v), rgb!);
    }
    expect(fills.get('completed')).not.toBe(fills.get('failed'));
    // The learner column next to it has no fill.
    const name = sheet[XLSX.utils.encode_cell({ r: 1, c: status - 2 })] as Styled;
    expect(name.s?.patternType ?? 'none').toBe('none');
  });

  it('the first sheet summarises the selection, filters, data age per account and status counts', async () => {
    const file = join(out.path, 'summary.xlsx');
    const definition: ReportDefinitionInput = { kind: 'completions', statuses: ['completed', 'in_progress', 'failed'] };
    const result = await t.core.call('reports.export', { definition, format: 'xlsx', path: file });
    const book = readBook(file);
    const rows = XLSX.utils.sheet_to_json<unknown[]>(book.Sheets.Summary!, { header: 1, raw: true });
    const find = (label: string) => rows.find((r) => r[0] === label);
    expect(find('Selection')?.[1]).toBe('All accounts');
    expect(find('Filters')?.[1]).toBe('statuses: completed, in_progress, failed');
    expect(find('Rows')?.[1]).toBe(result.rows);
    expect(String(find('Time zone')?.[1])).toMatch(/UTC/);
    const asOf = rows[rows.findIndex((r) => r[0] === 'Data as of (per account)') + 1]!;
    expect(asOf[0]).toBe('Acme, Inc.');
    expect(typeof asOf[1]).toBe('number');
    const generated = find('Generated')?.[1] as number;
    expect(new Date(serialToMs(generated)).toISOString()).toBe(REPORT_NOW);

    // Status counts match the data sheet's status column.
    const data = XLSX.utils.sheet_to_json<Record<string, string>>(book.Sheets.Completions!);
    const counted = new Map<string, number>();
    for (const row of data) counted.set(row.Status!, (counted.get(row.Status!) ?? 0) + 1);
    const start = rows.findIndex((r) => r[0] === 'Status');
    const listed = new Map<string, number>();
    for (const row of rows.slice(start + 1)) {
      if (!PROGRESS_STATUSES.includes(row[0] as never)) break;
      listed.set(row[0] as string, row[1] as number);
    }
    expect(listed).toEqual(counted);
    expect([...listed.keys()].sort()).toEqual(['completed', 'failed', 'in_progress']);
  });

  it("past a sheet's last row the data continues on the next sheet, each with its header", async () => {
    const file = join(out.path, 'split.xlsx');
    const columns = REPORT_COLUMNS.courses.slice(0, 3);
    const values = Array.from({ length: 7 }, (_, i) => [`Account ${i}`, 'sample', `00${i}`]);
    const written = await writeXlsx(file, columns, values, {
      sheetName: 'Course summary',
      title: 'Course summary',
      maxRows: 4,
      summary: () => emptySummary(7),
    });
    expect(written).toBe(7);
    const book = readBook(file);
    expect(book.SheetNames).toEqual(['Summary', 'Course summary', 'Course summary (2)', 'Course summary (3)']);
    const sheets = book.SheetNames.slice(1).map((name) =>
      XLSX.utils.sheet_to_json<unknown[]>(book.Sheets[name]!, { header: 1 }),
    );
    for (const rows of sheets) expect(rows[0]).toEqual(columns.map((c) => c.label));
    expect(sheets.flatMap((rows) => rows.slice(1))).toEqual(values);
    expect(sheets.map((rows) => rows.length)).toEqual([4, 4, 2]);
  });

  it('text keeps what XML must escape and its outer spaces; characters XML cannot hold are dropped', async () => {
    const file = join(out.path, 'escapes.xlsx');
    const columns = [REPORT_COLUMNS.completions[5]!, REPORT_COLUMNS.completions[9]!];
    const texts = [
      'a < b & c > d "quoted" \'single\'',
      '  padded  ',
      'Tabbed\tcell\nlines\n',
      'bell\u0007 and escape\u001b gone\uFFFF',
      'Ångström 王芳 𝒜 😀',
      '</t></is></c><c><v>1</v></c>',
    ];
    await writeXlsx(
      file,
      columns,
      texts.map((text, i) => [text, i + 0.5]),
      { sheetName: 'Completions', title: 'Completions', summary: () => emptySummary(texts.length) },
    );
    const rows = XLSX.utils.sheet_to_json<unknown[]>(readBook(file).Sheets.Completions!, { header: 1, raw: true });
    expect(rows.slice(1)).toEqual([
      [texts[0], 0.005],
      [texts[1], 0.015],
      [texts[2], 0.025],
      ['bell and escape gone', 0.035],
      [texts[4], 0.045],
      [texts[5], 0.055],
    ]);
  });

  it('days Excel cannot show stay text; text past its cell limit is cut there', async () => {
    const file = join(out.path, 'limits.xlsx');
    const columns = [REPORT_COLUMNS.completions[5]!, REPORT_COLUMNS.completions[10]!];
    const long = 'x'.repeat(40_000);
    await writeXlsx(
      file,
      columns,
      [
        [long, '1900-02-28T00:00:00.000Z'],
        ['short', '1900-03-01T00:00:00.000Z'],
      ],
      {
        sheetName: 'Completions',
        title: 'Completions',
        summary: () => emptySummary(2),
      },
    );
    const sheet = readBook(file).Sheets.Completions!;
    expect(sheet.A2).toMatchObject({ t: 's', v: `${long.slice(0, 32_766)}…` });
    expect(sheet.B2).toMatchObject({ t: 's', v: '1900-02-28T00:00:00.000Z' });
    expect(sheet.B3!.t).toBe('n');
    expect(new Date(serialToMs(sheet.B3!.v as number)).toISOString()).toBe('1900-03-01T00:00:00.000Z');
  });

  it('writes through a temp file: an existing file is kept without force, a failed export leaves nothing', async () => {
    const file = join(out.path, 'kept.xlsx');
    await t.core.call('reports.export', { definition: { kind: 'courses' }, format: 'xlsx', path: file });
    const before = readFileSync(file);
    const again = t.core.call('reports.export', { definition: { kind: 'courses' }, format: 'xlsx', path: file });
    await expect(again).rejects.toMatchObject({ code: 'conflict' });
    expect(readFileSync(file).equals(before)).toBe(true);

    // Rows that fail part way (a disk error, a closed database): the export fails and leaves no file behind.
    const db = openDatabase(t.dataDir, { readOnly: true });
    const queries = createReportQueries(db);
    const broken = join(out.path, 'broken.xlsx');
    const error = await exportReport(
      {
        queries: {
          ...queries,
          *iterateValues(def, now) {
            let n = 0;
            for (const row of queries.iterateValues(def, now)) {
              if ((n += 1) > 3) throw new Error('the disk went away');
              yield row;
            }
          },
        },
        pdf: { render: () => Promise.reject(new Error('no PDFs here')) },
        now: () => new Date(REPORT_NOW),
        accountLabels: () => 'All accounts',
      },
      {
        definition: reportDefinitionSchema.parse({ kind: 'completions' }),
        format: 'xlsx',
        path: broken,
        options: { bom: true, localeDates: false, force: false },
      },
    ).catch((e: unknown) => e);
    db.close();
    expect(error).toMatchObject({
      code: 'export_failed',
      message: expect.stringMatching(/the disk went away.*Nothing was written/s),
    });
    expect(existsSync(broken)).toBe(false);
    expect(readdirSync(out.path).filter((name) => name.includes('broken') || name.endsWith('.partial'))).toEqual([]);
    expect(existsSync(file)).toBe(true);
  });
});

/** The zip entry of the `index`th sheet in workbook order. */
function sheetFile(book: XLSX.WorkBook, index: number): string {
  const workbook = entry(book, 'xl/workbook.xml');
  const rels = entry(book, 'xl/_rels/workbook.xml.rels');
  const sheets = [...workbook.matchAll(/<sheet [^>]*r:id="([^"]+)"/g)].map((m) => m[1]);
  const relationship = `<Relationship [^>]*Id="${sheets[index]}"[^>]*Target="(?:/xl/)?(?:worksheets/)?([^"]+)"`;
  const target = new RegExp(relationship).exec(rels);
  return target![1]!.replace(/^.*\//, '');
}
