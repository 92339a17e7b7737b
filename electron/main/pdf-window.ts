/**
 * The app's PDF renderer: the report HTML printed by a hidden, sandboxed BrowserWindow (same Chromium as the
 * window, no external browser needed). Node hosts use playwright-core instead (core/reports/pdf-renderer.ts).
 */
import { BrowserWindow } from 'electron';
import type { PdfRenderer } from '../core/reports/pdf-renderer';
import { WEB_PREFERENCES } from './security';

export function electronPdfRenderer(): PdfRenderer {
  return {
    async render(html, options) {
      const window = new BrowserWindow({
        show: false,
        webPreferences: { ...WEB_PREFERENCES, javascript: false },
      });
      try {
        await window.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(html)}`);
        return await window.webContents.printToPDF({
          pageSize: options.format,
          landscape: options.landscape,
          printBackground: true,
          displayHeaderFooter: true,
          headerTemplate: '<div></div>',
          footerTemplate: options.footerTemplate,
          margins: { top: 0.55, bottom: 0.63, left: 0.47, right: 0.47 },
        });
      } finally {
        window.destroy();
      }
    },
  };
}
