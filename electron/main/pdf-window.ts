/**
 * The app's PDF renderer: the report HTML printed by a hidden, sandboxed BrowserWindow (same Chromium as the
 * window, no external browser needed). Node hosts use playwright-core instead (core/reports/pdf-renderer.ts).
 */
import { BrowserWindow } from 'electron';
import { MARGIN_MM } from '../core/reports/page-geometry';
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
          // printToPDF takes inches.
          margins: { top: MARGIN_MM.top / 25.4, bottom: MARGIN_MM.bottom / 25.4, left: MARGIN_MM.left / 25.4, right: MARGIN_MM.right / 25.4 },
        });
      } finally {
        window.destroy();
      }
    },
  };
}
