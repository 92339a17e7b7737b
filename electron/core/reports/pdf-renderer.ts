/**
 * Two renderers, one interface: the app prints with a hidden BrowserWindow (electron/main/pdf-window.ts); Node
 * hosts (CLI, tests) print with playwright-core driving a system Chromium.
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { RollbookError } from '../contract/errors';
import { contentBox, MARGIN_MM, type PaperFormat } from './page-geometry';
import { PAGINATE_TABLE, printShown } from './paginate-table';

export interface PdfOptions {
  format: PaperFormat;
  landscape: boolean;
  footerTemplate: string;
}

export interface PdfRenderer {
  render(html: string, options: PdfOptions): Promise<Buffer>;
  /**
   * Starts what printing needs while the report is still being read, so the two overlap; the next render() uses it.
   * Optional: a renderer without a slow start-up need not have it.
   */
  warm?(): void;
}

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe'];

export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.ROLLBOOK_CHROMIUM;
  if (configured) {
    if (existsSync(configured)) return configured;
    throw new RollbookError('chromium_missing', `ROLLBOOK_CHROMIUM points to ${configured}, which does not exist. Install Chromium or Chrome, or fix the path.`);
  }
  const found = CANDIDATES.find((path) => existsSync(path));
  if (!found) {
    throw new RollbookError('chromium_missing', 'PDF export needs Chromium or Google Chrome, and none was found. Install one (e.g. "apt install chromium") or set ROLLBOOK_CHROMIUM to its path.');
  }
  return found;
}

/** A warmed browser that no render() claims within this long is closed (the export failed or was cancelled). */
const WARM_IDLE_MS = 30_000;

interface Printer {
  browser: Browser;
  page: Page;
}

/** Chromium's launch and first page take seconds on a slow machine: warm() overlaps them with the query. */
async function openPrinter(): Promise<Printer> {
  const executablePath = findChromium();
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    // Reports never load anything from the network.
    await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
    return { browser, page };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

export function chromiumPdfRenderer(options: { warmIdleMs?: number; /** After an unclaimed warm browser is closed. */ onIdleClosed?: () => void } = {}): PdfRenderer {
  let warmed: Promise<Printer> | null = null;
  let idle: NodeJS.Timeout | undefined;
  const claim = (): Promise<Printer> => {
    clearTimeout(idle);
    const printer = warmed ?? openPrinter();
    warmed = null;
    return printer;
  };
  return {
    warm() {
      if (warmed) return;
      const printer = openPrinter();
      // A failed launch is reported by the render() that claims it; nobody may be waiting yet.
      printer.catch(() => undefined);
      warmed = printer;
      idle = setTimeout(() => {
        if (warmed !== printer) return;
        warmed = null;
        void printer.then(({ browser }) => browser.close(), () => undefined).then(() => options.onIdleClosed?.());
      }, options.warmIdleMs ?? WARM_IDLE_MS);
      idle.unref();
    },
    async render(html, pdfOptions) {
      const { browser, page } = await claim();
      try {
        // Lay the page out once as it will print (print media, page width) so the table can be cut into pages.
        const box = contentBox(pdfOptions.format, pdfOptions.landscape);
        await page.emulateMedia({ media: 'print' });
        await page.setViewportSize({ width: Math.round(box.width), height: Math.round(box.height) });
        await page.setContent(html, { waitUntil: 'load' });
        await page.evaluate(`(${PAGINATE_TABLE})(${box.height})`);
        return await printShown(
          () =>
            page.pdf({
              format: pdfOptions.format,
              landscape: pdfOptions.landscape,
              printBackground: true,
              displayHeaderFooter: true,
              headerTemplate: '<div></div>',
              footerTemplate: pdfOptions.footerTemplate,
              margin: { top: `${MARGIN_MM.top}mm`, bottom: `${MARGIN_MM.bottom}mm`, left: `${MARGIN_MM.left}mm`, right: `${MARGIN_MM.right}mm` },
            }),
          (script) => page.evaluate(script),
        );
      } finally {
        // The PDF is in hand: the caller writes it while Chromium shuts down, not after.
        void browser.close().catch(() => undefined);
      }
    },
  };
}
