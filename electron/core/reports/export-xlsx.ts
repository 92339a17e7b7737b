/** A report as an Excel workbook: a Summary sheet, then every row, streamed on this thread (xlsx.ts). */
import { REPORT_TITLES } from '../contract/channels/reports';
import { REPORT_COLUMNS, type ReportValue } from '../store/report-queries';
import type { FormatWriter } from './export';
import { createStatusTally, valuesReader } from './summary';
import { writeXlsx } from './xlsx';

export const writeXlsxExport: FormatWriter = async (deps, { definition, now, temp }) => {
  const columns = REPORT_COLUMNS[definition.kind];
  const expected = deps.queries.count(definition, now);
  deps.onProgress?.(0, expected, false);
  const tally = createStatusTally(definition);
  const read = valuesReader(columns);
  const counted = function* (rows: Iterable<ReportValue[]>) {
    for (const row of rows) {
      tally.add(read(row));
      yield row;
    }
  };
  // Cells, not the sort, are what a workbook costs: the learner map would only add its heap to this thread's.
  const source = deps.queries.iterateValues(definition, now, { learnerMap: false });
  const rows = await writeXlsx(temp, columns, counted(source), {
    sheetName: REPORT_TITLES[definition.kind],
    title: definition.title ?? REPORT_TITLES[definition.kind],
    onRows: (n) => deps.onProgress?.(n, Math.max(n, expected), false),
    summary: () => tally.summary(deps),
  });
  return { rows, read: rows, truncated: false };
};
