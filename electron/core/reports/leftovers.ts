/**
 * What an export has on disk while it runs: a `.partial` file beside the target and, for a PDF, a Chromium profile in
 * the temp folder. A finished or failed export removes its own. These are for the ones cut short: a host exiting on a
 * signal removes the live ones (abandonExports), and every start sweeps stale ones that a kill or a crash left
 * (sweepLeftovers). Both are named so that nothing else is ever taken for one.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** Older than this, a leftover belongs to no running export: a PDF or CSV takes minutes at most. */
export const STALE_MS = 60 * 60 * 1000;
export const PROFILE_PREFIX = 'rollbook-pdf-profile-';
const PARTIAL = /^\..+\.rollbook-[0-9a-f]{8}\.partial$/;
/** In the data folder: the folders exports went to lately, the only places the sweep looks for partial files. */
const FOLDERS_FILE = 'export-folders.json';
const FOLDERS_KEPT = 20;

/** The temp file an export of `target` writes before renaming it into place. */
export function partialPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.rollbook-${randomBytes(4).toString('hex')}.partial`);
}

/** Paths of running exports' leftovers, with what must stop before a path can go (a Chromium using its profile). */
const live = new Map<string, (() => Promise<void>) | undefined>();

export function trackLeftover(path: string, stop?: () => Promise<void>): void {
  live.set(path, stop);
}

export function forgetLeftover(path: string): void {
  live.delete(path);
}

/**
 * For a host about to exit on a signal: stops what uses the running exports' files (a few seconds at most) and
 * removes them.
 */
export async function abandonExports(waitMs = 5_000): Promise<void> {
  const stops = [...live.values()].filter((stop) => stop !== undefined).map((stop) => stop().catch(() => undefined));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(stops), new Promise((done) => (timer = setTimeout(done, waitMs)))]);
  clearTimeout(timer);
  for (const path of live.keys()) rmSync(path, { recursive: true, force: true });
  live.clear();
}

function exportFolders(dataDir: string): string[] {
  try {
    const folders: unknown = JSON.parse(readFileSync(join(dataDir, FOLDERS_FILE), 'utf8'));
    return Array.isArray(folders) ? folders.filter((f): f is string => typeof f === 'string') : [];
  } catch {
    return [];
  }
}

/** Best effort: a read-only data folder keeps no record, and exports still work. */
export function rememberExportFolder(dataDir: string, folder: string): void {
  const folders = [folder, ...exportFolders(dataDir).filter((f) => f !== folder)].slice(0, FOLDERS_KEPT);
  try {
    writeFileSync(join(dataDir, FOLDERS_FILE), JSON.stringify(folders));
  } catch {
    // Nothing to sweep there later; the export itself does not depend on it.
  }
}

/**
 * Removes stale leftovers: partial files of this app's naming in the folders exports went to, and Chromium profiles
 * with this app's prefix in the temp folder. Returns what it removed.
 */
export function sweepLeftovers(
  dataDir: string,
  options: { now?: number; staleMs?: number; tempDir?: string } = {},
): string[] {
  const cutoff = (options.now ?? Date.now()) - (options.staleMs ?? STALE_MS);
  const removed: string[] = [];
  const sweep = (folder: string, matches: (name: string) => boolean) => {
    let names: string[];
    try {
      names = readdirSync(folder).filter(matches);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(folder, name);
      try {
        if (statSync(path).mtimeMs >= cutoff) continue;
        rmSync(path, { recursive: true, force: true });
        removed.push(path);
      } catch {
        // Gone meanwhile, or not ours to remove: either way nothing to do.
      }
    }
  };
  for (const folder of exportFolders(dataDir)) sweep(folder, (name) => PARTIAL.test(name));
  sweep(options.tempDir ?? tmpdir(), (name) => name.startsWith(PROFILE_PREFIX));
  return removed;
}
