/**
 * The built program (`npm run build`; `npm test` builds before it runs the tests): the CLI and the worker bundles
 * beside it, which the app and the CLI run syncs and large exports in.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findCsvWorkers, type CsvWorkers } from '../../electron/core/reports/csv-in-workers';
import { findSyncWorker, type SyncWorkerEntry } from '../../electron/core/sync/worker-sync';

export const BUILT_MAIN = resolve(import.meta.dirname, '../../out/main');
export const BUILT_CLI = resolve(BUILT_MAIN, 'cli.js');

/**
 * The bundled sync and CSV workers, found as the built entries find them. Missing ones fail the test that asked:
 * running inline instead would test something the app does not do.
 */
export function builtWorkers(): { syncWorker: SyncWorkerEntry; csvWorkers: CsvWorkers } {
  const entry = pathToFileURL(resolve(BUILT_MAIN, 'index.js')).href;
  const syncWorker = findSyncWorker(entry);
  const csvWorkers = findCsvWorkers(entry);
  if (!existsSync(BUILT_CLI) || !syncWorker || !csvWorkers) {
    throw new Error(
      `The built program is incomplete in ${BUILT_MAIN} (cli.js, ` +
        'sync-worker.js, csv-worker.js): run "npm run build" first.',
    );
  }
  return { syncWorker, csvWorkers };
}
