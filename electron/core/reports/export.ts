/**
 * Runs a report definition into a file of one format, written to a temp file and renamed into place
 * (atomic-file.ts): the format's writer (export-csv.ts, export-pdf.ts, export-xlsx.ts) fills the temp file.
 */
import { dirname } from 'node:path';
import { REPORT_TITLES, type ExportFormat, type ReportDefinition } from '../contract/channels/reports';
import { RollbookError } from '../contract/errors';
import type { ReportQueries } from '../store/report-queries';
import { commitTarget, discard, prepareTarget } from './atomic-file';
import type { CsvWorkers } from './csv-in-workers';
import { writeCsvExport } from './export-csv';
import { writePdfExport } from './export-pdf';
import { writeXlsxExport } from './export-xlsx';
import type { Logger } from '../log/log';
import type { PdfRenderer } from './pdf-renderer';

export interface ExportDeps {
  queries: ReportQueries;
  pdf: PdfRenderer;
  now: () => Date;
  accountLabels: (ids: string[] | null) => string;
  onProgress?: (rows: number, total: number | null, done: boolean) => void;
  /** Large completions CSVs are written by worker threads when the host has their code (csv-in-workers.ts). */
  csvWorkers?: CsvWorkers;
  /** Each export's kind, format, size, timing and CSV threads; a failure with its stack. Never a path or a row. */
  log?: Logger;
}

export interface ExportOptions {
  bom: boolean;
  localeDates: boolean;
  locale?: string;
  force: boolean;
}

/**
 * One format's writer: fills `temp`; `read` is how many rows it read (the final progress), `rows` how many it wrote;
 * `logFields`, how it wrote them, for the log.
 */
export type FormatWriter = (
  deps: ExportDeps,
  job: { definition: ReportDefinition; options: ExportOptions; now: string; temp: string },
) => Promise<{ rows: number; read: number; truncated: boolean; logFields?: Record<string, unknown> }>;

/**
 * A write that the folder refused, in words: from the error's code, or from its message when it crossed from a worker
 * thread (which keeps only the message, "ENOSPC: no space left on device, write").
 */
function diskProblem(error: unknown, dir: string): { problem: string; remedy: string } | null {
  const code =
    (error as NodeJS.ErrnoException).code ?? /\b(ENOSPC|EDQUOT|EROFS|EACCES|EPERM)\b/.exec(String(error))?.[1];
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return {
        problem: `the disk that holds ${dir} is full`,
        remedy: 'Free some space there, or choose another folder.',
      };
    case 'EROFS':
      return { problem: `${dir} is on a read-only drive`, remedy: 'Choose a folder you can write to.' };
    case 'EACCES':
    case 'EPERM':
      return { problem: `writing in ${dir} was not permitted`, remedy: 'Choose a folder you can write to.' };
    default:
      return null;
  }
}

const WRITERS: Record<ExportFormat, FormatWriter> = { csv: writeCsvExport, pdf: writePdfExport, xlsx: writeXlsxExport };

export async function exportReport(
  deps: ExportDeps,
  input: { definition: ReportDefinition; format: ExportFormat; path: string; options: ExportOptions },
): Promise<{ path: string; rows: number; bytes: number; truncated: boolean }> {
  const { definition, format, path, options } = input;
  const now = deps.now().toISOString();
  const started = performance.now();
  const log = deps.log?.child({ kind: definition.kind, format });
  const temp = await prepareTarget(path, options.force);
  try {
    const { rows, read, truncated, logFields } = await WRITERS[format](deps, { definition, options, now, temp });
    const bytes = await commitTarget(temp, path);
    deps.onProgress?.(read, read, true);
    log?.info({ rows, bytes, ms: Math.round(performance.now() - started), ...logFields }, 'export written');
    return { path, rows, bytes, truncated };
  } catch (error) {
    await discard(temp);
    if (error instanceof RollbookError) throw error;
    // Reported as export_failed, which the core does not log as a bug: the cause (a CSV worker's crash, a disk
    // error) and its stack are logged here.
    log?.error({ err: error, ms: Math.round(performance.now() - started) }, 'export failed');
    const disk = diskProblem(error, dirname(path));
    throw new RollbookError(
      'export_failed',
      `The ${REPORT_TITLES[definition.kind]} export failed: ` +
        (disk
          ? `${disk.problem} (${(error as Error).message}). Nothing was written to ${path}. ${disk.remedy}`
          : `${(error as Error).message}. Nothing was written to ${path}.`),
      { cause: error },
    );
  }
}
