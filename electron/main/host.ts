/** Native abilities the core may ask the app for: the Save dialog and opening exported files. */
import { BrowserWindow, dialog, shell } from 'electron';
import { app } from 'electron';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostAbilities } from '../core/api/context';

export function electronHost(): HostAbilities {
  return {
    async chooseSavePath(suggestedName, format) {
      const parent = BrowserWindow.getFocusedWindow() ?? undefined;
      const options = {
        defaultPath: join(app.getPath('documents'), suggestedName),
        // The renderer then exports with force: the user already agreed to replace an existing file here
        // (macOS and Windows always ask; Linux only with this flag).
        properties: ['showOverwriteConfirmation' as const, 'createDirectory' as const],
        filters: format === 'csv' ? [{ name: 'CSV (comma-separated)', extensions: ['csv'] }] : [{ name: 'PDF document', extensions: ['pdf'] }],
      };
      const result = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
      return result.canceled || !result.filePath ? null : result.filePath;
    },
    async openPath(path, reveal) {
      if (reveal) shell.showItemInFolder(path);
      else await shell.openPath(path);
    },
    async openLogFolder(dir) {
      // The core passes its own log folder; it may not exist yet if nothing could be logged.
      await mkdir(dir, { recursive: true });
      const problem = await shell.openPath(dir);
      if (problem) throw new Error(`Could not open the log folder: ${problem}`);
    },
  };
}
