/**
 * The sync worker as the app and the CLI ship it: bundled JavaScript (electron-vite builds it beside their entries).
 * Benchmarks use this instead of the TypeScript source, which would spend the first second of every sync compiling.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SyncWorkerEntry } from '../electron/core/sync/worker-sync';
import type { WorkerEntry } from '../electron/core/worker-entry';

/** Inside the project tree, so the bundles' package imports resolve to node_modules. */
export const BENCH_BUILD_DIR = join(import.meta.dirname, '..', 'node_modules', '.cache', 'rollbook-bench');

/** Bundles `entries` (name → source) into BENCH_BUILD_DIR as `<name>.js` (ESM: the project's package.json says so). */
export async function bundle(entries: Record<string, string>): Promise<void> {
  await build({
    entryPoints: entries,
    outdir: BENCH_BUILD_DIR,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'error',
  });
}

export const SYNC_WORKER_SOURCE = join(import.meta.dirname, '..', 'electron', 'core', 'sync', 'sync-worker.ts');

export const CSV_WORKER_SOURCE = join(import.meta.dirname, '..', 'electron', 'core', 'reports', 'csv-worker.ts');

export const XLSX_WORKER_SOURCE = join(import.meta.dirname, '..', 'electron', 'core', 'reports', 'xlsx-worker.ts');

/** The CSV and XLSX export workers, bundled as the app and the CLI ship them (and as findCsvWorkers finds them). */
export async function bundledExportWorkers(): Promise<{ entry: WorkerEntry; xlsx: WorkerEntry }> {
  await bundle({ 'csv-worker': CSV_WORKER_SOURCE, 'xlsx-worker': XLSX_WORKER_SOURCE });
  const url = (name: string) => pathToFileURL(join(BENCH_BUILD_DIR, `${name}.js`));
  return { entry: { url: url('csv-worker') }, xlsx: { url: url('xlsx-worker') } };
}

export async function bundledSyncWorker(): Promise<SyncWorkerEntry> {
  await bundle({ 'sync-worker': SYNC_WORKER_SOURCE });
  return { url: pathToFileURL(join(BENCH_BUILD_DIR, 'sync-worker.js')) };
}
