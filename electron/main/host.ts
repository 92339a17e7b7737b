/**
 * Native abilities the core may ask the app for: the Save dialog, the folder picker and opening exported files. This
 * is where the main process decides what the window may touch: writes go only where these dialogs pointed (one-time
 * tokens), and only files this run wrote (TrustedFiles) are opened or shown.
 */
import { BrowserWindow, dialog, shell } from 'electron';
import { app } from 'electron';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { HostAbilities } from '../core/api/context';
import { RollbookError } from '../core/contract/errors';
import { isExternalLink } from './security';
import { openRefusal, SaveGrants, type TrustedFiles } from './trusted-files';
import type { ExportFormat } from '../core/contract/channels/reports';

const SAVE_FILTERS: Record<ExportFormat, { name: string; extensions: string[] }> = {
  csv: { name: 'CSV (comma-separated)', extensions: ['csv'] },
  pdf: { name: 'PDF document', extensions: ['pdf'] },
  xlsx: { name: 'Excel workbook', extensions: ['xlsx'] },
};

const REQUIREMENTS_FILTER = { name: 'Rollbook requirements (JSON)', extensions: ['json'] };

export function electronHost(
  trusted: TrustedFiles,
  grants = new SaveGrants(),
  folderGrants = new SaveGrants(),
  openGrants = new SaveGrants(),
): HostAbilities {
  return {
    async chooseSavePath(suggestedName, format) {
      const parent = BrowserWindow.getFocusedWindow() ?? undefined;
      const options = {
        defaultPath: join(app.getPath('documents'), suggestedName),
        // The export then replaces the file: the user already agreed to replace an existing file here
        // (macOS and Windows always ask; Linux only with this flag).
        properties: ['showOverwriteConfirmation' as const, 'createDirectory' as const],
        filters: [SAVE_FILTERS[format]],
      };
      const result = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
      if (result.canceled || !result.filePath) return null;
      return { path: result.filePath, saveToken: grants.grant(result.filePath) };
    },
    claimSavePath: (saveToken) => grants.claim(saveToken),
    // A scheduled report's destination: its files are written there later, by the schedule, never by the window.
    async chooseFolder() {
      const parent = BrowserWindow.getFocusedWindow() ?? undefined;
      const options = {
        title: 'Folder for the scheduled report',
        defaultPath: app.getPath('documents'),
        properties: ['openDirectory' as const, 'createDirectory' as const],
      };
      const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
      const folder = result.filePaths[0];
      if (result.canceled || !folder) return null;
      return { path: folder, folderToken: folderGrants.grant(folder) };
    },
    claimFolder: (folderToken) => folderGrants.claim(folderToken),
    // The requirements file: saved where the user says (a save token, as for exports), or read from the file the
    // user opened (an open token, so the window can never have another file read).
    async chooseRequirementsFile(mode) {
      const parent = BrowserWindow.getFocusedWindow() ?? undefined;
      if (mode === 'save') {
        const options = {
          defaultPath: join(app.getPath('documents'), 'requirements.json'),
          properties: ['showOverwriteConfirmation' as const, 'createDirectory' as const],
          filters: [REQUIREMENTS_FILTER],
        };
        const result = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
        if (result.canceled || !result.filePath) return null;
        return { path: result.filePath, token: grants.grant(result.filePath) };
      }
      const options = {
        title: 'Import requirements',
        defaultPath: app.getPath('documents'),
        properties: ['openFile' as const],
        filters: [REQUIREMENTS_FILTER],
      };
      const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
      const file = result.filePaths[0];
      if (result.canceled || !file) return null;
      return { path: file, token: openGrants.grant(file) };
    },
    claimOpenPath: (openToken) => openGrants.claim(openToken),
    fileWritten: (path) => trusted.add(path),
    async openPath(path, reveal) {
      const file = resolve(path);
      const refusal = openRefusal(trusted, file);
      if (refusal) throw new RollbookError('forbidden_path', refusal);
      if (reveal) {
        shell.showItemInFolder(file);
        return;
      }
      // shell.openPath reports failure as a message, not an exception.
      const failure = await shell.openPath(file);
      if (failure) throw new RollbookError('export_failed', `The file could not be opened: ${failure}`);
    },
    // The core's sign-in page (SelfCommunity's authorize URL for a loopback redirect): the system browser, where the
    // user's session and password manager are, never a window of ours. Only web addresses are handed to the OS.
    async openSignInPage(url) {
      if (!isExternalLink(url))
        throw new RollbookError('forbidden_path', 'Rollbook opens only web (http or https) addresses for a sign-in.');
      await shell.openExternal(url);
    },
    async openLogFolder(dir) {
      // The core passes its own log folder; it may not exist yet if nothing could be logged.
      await mkdir(dir, { recursive: true });
      const problem = await shell.openPath(dir);
      if (problem) throw new Error(`Could not open the log folder: ${problem}`);
    },
  };
}
