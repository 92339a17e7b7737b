/**
 * Large workbooks are written by a worker thread (reports/xlsx-in-worker.ts) that reads the cache through its own
 * connection: its workbook must be the one the calling thread writes, cell for cell and style for style, with the same
 * Summary; a worker that fails fails the export without leaving a file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as XLSX from 'xlsx';
import { reportDefinitionSchema, type ReportDefinitionInput } from '../../electron/core/contract/channels/reports';
import { findCsvWorkers, type CsvWorkers } from '../../electron/core/reports/csv-in-workers';
import { exportReport, type ExportDeps } from '../../electron/core/reports/export';
import { xlsxInWorker } from '../../electron/core/reports/xlsx-in-worker';
import { openDatabase, type Db } from '../../electron/core/store/db';
import { createReportQueries, type ReportQueries } from '../../electron/core/store/report-queries';
import { REPORT_NOW, sessionsDataset } from '../support/report-fixture';
import { syncedReportCore } from '../support/report-core';

const workers: CsvWorkers = { ...findCsvWorkers()!, xlsxMinRows: 0 };
const options = { bom: true, localeDates: false, force: false };

/** Every cell of every sheet as SheetJS reads it: value, type, number format and fill. */
function cellsOf(file: string) {
  const book = XLSX.read(readFileSync(file), { type: 'buffer', cellNF: true, cellStyles: true });
  return book.SheetNames.map((name) => {
    const sheet = book.Sheets[name]!;
    const cells = Object.entries(sheet)
      .filter(([ref]) => !ref.startsWith('!'))
      .map(([ref, cell]) => {
        const c = cell as XLSX.CellObject & { s?: { fgColor?: { rgb?: string } } };
        return [ref, c.t, c.v, c.z, c.s?.fgColor?.rgb];
      });
    return { name, ref: sheet['!ref'], filter: sheet['!autofilter'], cols: sheet['!cols'], cells };
  });
}

describe('XLSX exports in a worker thread', () => {
  const { t, out } = syncedReportCore(sessionsDataset, 'rollbook-xlsx-worker-');
  let db: Db;
  beforeAll(() => {
    db = openDatabase(t.dataDir, { readOnly: true });
  });
  afterAll(() => db.close());

  const deps = (queries: ReportQueries, log: ExportDeps['log'], csvWorkers?: CsvWorkers): ExportDeps => ({
    queries,
    pdf: { render: () => Promise.reject(new Error('no PDFs here')) },
    now: () => new Date(REPORT_NOW),
    accountLabels: () => 'All accounts',
    csvWorkers,
    log,
  });
  const logged = () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({}, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    return { lines, log };
  };

  const definitions: ReportDefinitionInput[] = [
    { kind: 'completions', statuses: ['completed', 'failed', 'in_progress'] },
    { kind: 'attendance' },
    { kind: 'courses' },
    { kind: 'learner', learnerEmail: 'zoe@example.com' },
  ];

  it.each(definitions)('a $kind workbook from the worker is the one the calling thread writes', async (input) => {
    const definition = reportDefinitionSchema.parse(input);
    const queries = createReportQueries(db);
    const name = `${definition.kind}-${definition.statuses?.length ?? 0}`;
    const here = join(out.path, `${name}-here.xlsx`);
    const there = join(out.path, `${name}-worker.xlsx`);
    const { lines, log } = logged();
    const progress: number[] = [];
    const local = await exportReport(deps(queries, log), { definition, format: 'xlsx', path: here, options });
    const viaWorker = await exportReport(
      { ...deps(queries, log, workers), onProgress: (rows, _total, done) => done && progress.push(rows) },
      { definition, format: 'xlsx', path: there, options },
    );
    expect(lines.map((l) => l.xlsxWorker)).toEqual([false, true]);
    expect(viaWorker.rows).toBe(local.rows);
    expect(viaWorker.rows).toBeGreaterThan(0);
    expect(progress).toEqual([viaWorker.rows]);
    expect(cellsOf(there)).toEqual(cellsOf(here));
  });

  it('a worker that fails fails the export with its reason and leaves no file', async () => {
    const queries = createReportQueries(db);
    const path = join(out.path, 'failed.xlsx');
    const { lines, log } = logged();
    const error = await exportReport(
      deps({ ...queries, databasePath: join(out.path, 'missing', 'rollbook.sqlite') }, log, workers),
      { definition: reportDefinitionSchema.parse({ kind: 'completions' }), format: 'xlsx', path, options },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'export_failed',
      message: expect.stringMatching(/XLSX worker failed: .*Nothing was written/s),
    });
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(out.path).filter((n) => n.includes('failed'))).toEqual([]);
    expect(lines).toMatchObject([{ level: 50, msg: 'export failed', format: 'xlsx' }]);
  });

  it('small workbooks stay on the calling thread; the app and the CLI find the worker beside the CSV one', () => {
    const found = findCsvWorkers()!;
    expect(found.xlsx?.url.pathname).toMatch(/reports\/xlsx-worker\.ts$/);
    expect(xlsxInWorker(found, '/cache.sqlite', 9_999)).toBeNull();
    expect(xlsxInWorker(found, '/cache.sqlite', 10_000)).toEqual({ entry: found.xlsx, databasePath: '/cache.sqlite' });
    // An in-memory cache (a damaged one read from a copy) has no file a worker could open.
    expect(xlsxInWorker(found, null, 1_000_000)).toBeNull();
    expect(xlsxInWorker({ entry: found.entry }, '/cache.sqlite', 1_000_000)).toBeNull();
  });
});
