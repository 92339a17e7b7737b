/**
 * What the window may ask the main process to open or write. The renderer is treated as untrusted: it can only
 * name files this run of the app wrote itself (TrustedFiles) and write only where the main process's own Save
 * dialog pointed (SaveGrants). Both live in main-process memory and end with the process.
 */
import { randomUUID } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { extname, resolve } from 'node:path';

/** Files this run wrote (exports, diagnostics, logs): the only ones "Open" and "Show in folder" may touch. */
export class TrustedFiles {
  readonly #paths = new Set<string>();

  add(path: string): void {
    this.#paths.add(resolve(path));
  }

  has(path: string): boolean {
    return this.#paths.has(resolve(path));
  }
}

/**
 * What "Open" may hand to the OS: the kinds of file Rollbook exports. The OS picks the program that opens a file by
 * its type (its name's extension), not by its mode bits, so a known document extension is what keeps a program or
 * script from being launched. Mode bits are not checked: on exFAT, NTFS and some FAT mounts (USB drives, shared
 * folders) every file shows as executable, and refusing those would refuse every export saved there.
 */
const OPENABLE_EXTENSIONS = new Set(['.csv', '.pdf']);

/**
 * Why `path` may not be opened, or null if it may: it must be a file this run wrote, named as an export, and still a
 * plain file (not a symlink, folder or device put in its place).
 */
export function openRefusal(trusted: TrustedFiles, path: string): string | null {
  if (!trusted.has(path)) return 'Rollbook only opens files it wrote itself in this session (exports, diagnostics).';
  if (!OPENABLE_EXTENSIONS.has(extname(path).toLowerCase())) {
    return (
      'Rollbook only opens the CSV and PDF files it exported (never programs or scripts); ' +
      'open this one from its folder.'
    );
  }
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return 'The file is no longer there; it may have been moved or deleted. Export it again.';
  }
  if (!stat.isFile()) return 'The file was replaced by something that is not a plain file; Rollbook will not open it.';
  return null;
}

/**
 * Save-dialog answers, as one-time tokens. The window never names a path to write: it presents the token the dialog
 * gave it, and the export writes to the path behind it. The folder picker for scheduled reports issues its own
 * tokens the same way (a separate instance: a file's token never stands for a folder).
 */
export class SaveGrants {
  readonly #grants = new Map<string, string>();

  grant(path: string): string {
    const token = randomUUID();
    this.#grants.set(token, resolve(path));
    return token;
  }

  /** The path behind a token, once; null for a token this process never issued (or already used). */
  claim(token: string): string | null {
    const path = this.#grants.get(token);
    this.#grants.delete(token);
    return path ?? null;
  }
}
