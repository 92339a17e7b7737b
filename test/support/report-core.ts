/** A core whose one account, "Acme, Inc.", is synced from a scripted dataset before a report suite runs. */
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import type { z } from 'zod';
import type { exportOptionsSchema, ReportDefinitionInput } from '../../electron/core/contract/channels/reports';
import type { Core, CoreOptions } from '../../electron/core/core';
import { testCore } from './core';
import { scriptedConnector, type Dataset } from './scripted-connector';
import { tempDir } from './tmp';

export function syncedReportCore(data: () => Dataset, outPrefix: string, options: Partial<CoreOptions> = {}) {
  const t = testCore({ inlineSync: true, createConnector: () => scriptedConnector({ data: data() }), ...options });
  const out = tempDir(outPrefix);
  beforeAll(async () => {
    await t.core.call('accounts.add', { label: 'Acme, Inc.', settings: { platform: 'sample', seed: 1 } });
    await t.core.call('sync.run', {});
  });
  afterAll(() => {
    t.cleanup();
    out.cleanup();
  });
  return { t, out };
}

/**
 * Exports a report as CSV to `path` and reads the file back: the export's result, the text as written (a BOM stays at
 * its start), the rows with the header first, and the records keyed by header.
 */
export async function exportCsv(
  core: Core,
  path: string,
  definition: ReportDefinitionInput,
  options?: z.input<typeof exportOptionsSchema>,
) {
  const result = await core.call('reports.export', { definition, format: 'csv', path, options });
  const text = readFileSync(path, 'utf8');
  return {
    result,
    text,
    rows: parse(text, { bom: true }) as string[][],
    records: parse(text, { bom: true, columns: true }) as Record<string, string>[],
  };
}
