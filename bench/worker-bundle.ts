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

/** The CSV export worker, bundled as the app and the CLI ship it. */
export async function bundledCsvWorker(): Promise<WorkerEntry> {
  await bundle({ 'csv-worker': CSV_WORKER_SOURCE });
  return { url: pathToFileURL(join(BENCH_BUILD_DIR, 'csv-worker.js')) };
}

export async function bundledSyncWorker(): Promise<SyncWorkerEntry> {
  await bundle({ 'sync-worker': SYNC_WORKER_SOURCE });
  return { url: pathToFileURL(join(BENCH_BUILD_DIR, 'sync-worker.js')) };
}
