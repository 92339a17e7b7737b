/**
 * Where a worker thread's code is. The core runs heavy work (syncs, large CSV exports) in worker threads; their entries
 * are bundled beside the app's and the CLI's (electron.vite.config.ts), or run from source under tsx in development
 * and tests.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface WorkerEntry {
  url: URL;
  /** For the TypeScript sources (development, tests): a loader. */
  execArgv?: string[];
}

/**
 * `name`.js beside the running core (the module asking may sit in a shared chunk one folder below the entries), or
 * `source` (a TypeScript path relative to the asking module) when the core itself runs from source. Undefined when
 * neither exists: the work then runs on the calling thread.
 */
export function findWorker(name: string, source: string, from: string): WorkerEntry | undefined {
  if (from.endsWith('.ts')) return { url: new URL(source, from), execArgv: ['--import', 'tsx'] };
  for (const candidate of [`./${name}.js`, `../${name}.js`]) {
    const url = new URL(candidate, from);
    if (existsSync(fileURLToPath(url))) return { url };
  }
  return undefined;
}
