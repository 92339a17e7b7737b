/**
 * Two renderers, one interface: the app prints with a hidden BrowserWindow (electron/main/pdf-window.ts); Node
 * hosts (CLI, tests) print with playwright-core driving a system Chromium.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { RollbookError } from '../contract/errors';
import { forgetLeftover, PROFILE_PREFIX, trackLeftover } from './leftovers';
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

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
];

export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.ROLLBOOK_CHROMIUM;
  if (configured) {
    if (existsSync(configured)) return configured;
    throw new RollbookError(
      'chromium_missing',
      `ROLLBOOK_CHROMIUM points to ${configured}, which does not exist. Install Chromium or Chrome, or fix the path.`,
    );
  }
  const found = CANDIDATES.find((path) => existsSync(path));
  if (!found) {
    throw new RollbookError(
      'chromium_missing',
      'PDF export needs Chromium or Google Chrome, and none was found. Install one (e.g. ' +
        '"apt install chromium") or set ROLLBOOK_CHROMIUM to its path.',
    );
  }
  return found;
}

/** A warmed browser that no render() claims within this long is closed (the export failed or was cancelled). */
const WARM_IDLE_MS = 30_000;

interface Printer {
  page: Page;
  /** Closes Chromium and removes its profile. */
  close: () => Promise<void>;
}

/**
 * Chromium's launch and first page take seconds on a slow machine: warm() overlaps them with the query.
 * The profile is this app's own, named so that a start can sweep one a killed process left (reports/leftovers.ts),
 * and signals are left to the host, which closes Chromium before removing it.
 */
async function openPrinter(): Promise<Printer> {
  const executablePath = findChromium();
  const { chromium } = await import('playwright-core');
  const profile = join(tmpdir(), `${PROFILE_PREFIX}${randomBytes(6).toString('hex')}`);
  const launching = fs.mkdir(profile).then(() =>
    chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    }),
  );
  let closing: Promise<void> | undefined;
  // Also while Chromium is still starting: it would write into a profile removed under it.
  const close = () =>
    (closing ??= launching
      .then(
        (context) => context.close(),
        () => undefined,
      )
      .catch(() => undefined)
      .then(() => fs.rm(profile, { recursive: true, force: true }))
      .then(() => forgetLeftover(profile)));
  trackLeftover(profile, close);
  try {
    const context = await launching;
    const page = context.pages()[0] ?? (await context.newPage());
    // Reports never load anything from the network.
    await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
    return { page, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export function chromiumPdfRenderer(
  options: { warmIdleMs?: number; /** After an unclaimed warm browser is closed. */ onIdleClosed?: () => void } = {},
): PdfRenderer {
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
        void printer
          .then(
            ({ close }) => close(),
            () => undefined,
          )
          .then(() => options.onIdleClosed?.());
      }, options.warmIdleMs ?? WARM_IDLE_MS);
      idle.unref();
    },
    async render(html, pdfOptions) {
      const { page, close } = await claim();
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
              margin: {
                top: `${MARGIN_MM.top}mm`,
                bottom: `${MARGIN_MM.bottom}mm`,
                left: `${MARGIN_MM.left}mm`,
                right: `${MARGIN_MM.right}mm`,
              },
            }),
          (script) => page.evaluate(script),
        );
      } finally {
        // The PDF is in hand: the caller writes it while Chromium shuts down, not after.
        void close();
      }
    },
  };
}
