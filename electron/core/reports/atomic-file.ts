/**
 * Exports are written to a temp file beside the target and renamed into place, so a failed or cancelled export
 * never leaves a half file under the chosen name.
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RollbookError } from '../contract/errors';

export async function prepareTarget(path: string, force: boolean): Promise<string> {
  if (!force) {
    const exists = await fs.access(path, constants.F_OK).then(() => true, () => false);
    if (exists) throw new RollbookError('conflict', `${path} already exists. Choose another name, or overwrite it (--force).`);
  }
  const dir = dirname(path);
  await fs.access(dir, constants.W_OK).catch((error: unknown) => {
    throw new RollbookError('export_failed', `Cannot write to the folder ${dir}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : 'permission denied'}. Choose another folder.`, { cause: error });
  });
  // A writable file passes the check above; the temp file beside the target could then not even be removed.
  if (!(await fs.stat(dir)).isDirectory()) {
    throw new RollbookError('export_failed', `Cannot write to ${dir}: it is a file, not a folder. Choose another folder.`);
  }
  return join(dir, `.${basename(path)}.${randomBytes(4).toString('hex')}.partial`);
}

export async function commitTarget(temp: string, path: string): Promise<number> {
  await fs.rename(temp, path);
  return (await fs.stat(path)).size;
}

export async function discard(temp: string): Promise<void> {
  await fs.rm(temp, { force: true });
}
