/**
 * The app's PDF renderer: the report HTML printed by a hidden, sandboxed BrowserWindow (same Chromium as the
 * window, no external browser needed). Node hosts use playwright-core instead (core/reports/pdf-renderer.ts).
 *
 * Like the Node renderer, it cuts the table into one table per page before printing (paginate-table.ts): Chromium
 * lays out one long table in superlinear time, so a 5,000-row report printed as a single table took about twice as
 * long, and pages cut this way look the same in the app and the CLI. The page itself may not run scripts (the
 * report's CSP, core/reports/pdf-template.ts); the pagination is injected from here, which that CSP does not govern.
 */
import { BrowserWindow } from 'electron';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentBox, MARGIN_MM } from '../core/reports/page-geometry';
import { PAGINATE_TABLE, printShown } from '../core/reports/paginate-table';
import type { PdfRenderer } from '../core/reports/pdf-renderer';
import { WEB_PREFERENCES } from './security';

/** Pagination is an optimisation: if it has not finished by then, the report prints as one table. */
const PAGINATE_TIMEOUT_MS = 30_000;

/** Loads `html` from a private temp file (readable by this user only), removed once the page has loaded. */
export async function loadHtml(window: Pick<BrowserWindow, 'loadFile'>, html: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rollbook-pdf-'));
  try {
    const file = join(dir, 'report.html');
    await writeFile(file, html, { encoding: 'utf8', mode: 0o600 });
    await window.loadFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function electronPdfRenderer(onError?: (error: unknown) => void): PdfRenderer {
  return {
    async render(html, options) {
      // The table is measured at the printed width: the window's content area is the page's printable box.
      const box = contentBox(options.format, options.landscape);
      const window = new BrowserWindow({
        show: false,
        width: Math.round(box.width),
        height: Math.round(box.height),
        useContentSize: true,
        webPreferences: WEB_PREFERENCES,
      });
      // Nothing in a report navigates or opens windows; if anything tried, it would go nowhere.
      window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
      window.webContents.on('will-navigate', (event) => event.preventDefault());
      try {
        // From a file, not a data: URL: Chromium refuses URLs over 2 MB, and a 10,000-row report is several.
        await loadHtml(window, html);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          window.webContents.executeJavaScript(`(${PAGINATE_TABLE})(${box.height})`),
          new Promise(
            (_, reject) =>
              (timer = setTimeout(() => reject(new Error('Paginating the report timed out.')), PAGINATE_TIMEOUT_MS)),
          ),
        ])
          .catch((error: unknown) => onError?.(error))
          .finally(() => clearTimeout(timer));
        // The cut report hides until 'beforeprint'; printShown prints again if that event was ever skipped.
        return await printShown(
          () =>
            window.webContents.printToPDF({
              pageSize: options.format,
              landscape: options.landscape,
              printBackground: true,
              displayHeaderFooter: true,
              headerTemplate: '<div></div>',
              footerTemplate: options.footerTemplate,
              // printToPDF takes inches.
              margins: {
                top: MARGIN_MM.top / 25.4,
                bottom: MARGIN_MM.bottom / 25.4,
                left: MARGIN_MM.left / 25.4,
                right: MARGIN_MM.right / 25.4,
              },
            }),
          (script) => window.webContents.executeJavaScript(script),
        );
      } finally {
        window.destroy();
      }
    },
  };
}
