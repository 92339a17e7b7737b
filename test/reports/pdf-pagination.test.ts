/**
 * Both PDF renderers cut the report's table into one table per page with the same injected function
 * (paginate-table.ts): Playwright in Node hosts after emulating print media, the app's hidden window (Electron, not
 * runnable here) in screen media at the page's width. These tests run the report page in Chromium the way each host
 * does and check they agree, and that the report's own CSP keeps anything that slipped into the HTML from running
 * while the embedder's pagination still runs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportRow } from '../../electron/core/store/report-queries';
import { printedColumns } from '../../electron/core/reports/export-pdf';
import { contentBox } from '../../electron/core/reports/page-geometry';
import { PAGINATE_TABLE, printShown, SHOW_IF_STILL_HIDDEN } from '../../electron/core/reports/paginate-table';
import { renderReportHtml } from '../../electron/core/reports/pdf-template';
import { launchChromium } from '../support/chromium';
import { pdfPages, pdfText } from '../support/pdf-read';
import { tempDir } from '../support/tmp';

const page = { format: 'A4' as const, landscape: true };
const box = contentBox(page.format, page.landscape);

function reportHtml(rows: number): string {
  const data: ReportRow[] = Array.from({ length: rows }, (_, i) => ({
    account: 'Acme Training',
    platform: 'ispring',
    course_id: `c${i % 40}`,
    course_name:
      i % 97 === 0
        ? `A course with a long name that needs more than one line in its column ${i}`
        : `Fire Safety ${i % 40}`,
    learner_id: `l${i}`,
    learner_name: `Zoë Ångström ${i}`,
    learner_email: `learner${i}@example.com`,
    status: 'completed',
    raw_status: 'complete',
    progress_pct: 100,
    completed_at: '2026-03-10T10:00:00.000Z',
    last_activity_at: '2026-03-10T10:00:00.000Z',
  }));
  return renderReportHtml({
    definition: { kind: 'completions', accountIds: null },
    columns: printedColumns('completions', data),
    rows: data,
    total: rows,
    truncatedAt: null,
    selection: 'All accounts',
    filters: [],
    freshness: [{ label: 'Acme Training', dataAsOf: '2026-03-11T00:00:00.000Z' }],
    generatedAt: new Date('2026-03-12T00:00:00.000Z'),
    locale: 'en-GB',
    statusCounts: { completed: rows },
    bars: [{ label: 'Fire Safety 1', value: 100 }],
    page,
  });
}

/** Runs the pagination as a host does; returns the first row's text of every page's table. */
async function paginate(target: Page, html: string): Promise<string[]> {
  await target.setContent(html, { waitUntil: 'load' });
  await target.evaluate(`(${PAGINATE_TABLE})(${box.height})`);
  return target
    .locator('table')
    .evaluateAll((tables) => tables.map((t) => (t as HTMLTableElement).tBodies[0]?.rows[0]?.textContent ?? ''));
}

/** Prints as both hosts do after paginating, and returns the PDF's text and page count. */
async function printed(target: Page, name: string): Promise<{ text: string; pages: number }> {
  const file = join(out.path, `${name}.pdf`);
  writeFileSync(
    file,
    await target.pdf({
      format: page.format,
      landscape: page.landscape,
      margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' },
    }),
  );
  return { text: pdfText(file), pages: pdfPages(file) };
}

const emailsIn = (text: string) => new Set(text.match(/learner\d+@example\.com/g) ?? []).size;
const out = tempDir('rollbook-pagination-');

describe('PDF pagination in both hosts', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser.close();
    out.cleanup();
  });

  /** A page laid out as the Node renderer lays it out before cutting: print media, the page's width. */
  const printPage = async () => {
    const target = await (
      await browser.newContext({ viewport: { width: Math.round(box.width), height: Math.round(box.height) } })
    ).newPage();
    await target.emulateMedia({ media: 'print' });
    return target;
  };

  it(
    'cuts the same rows into the same pages in print media (Node ' +
      'renderer) and in a window sized to the page (app)',
    async () => {
      const html = reportHtml(1500);
      const node = await (
        await browser.newContext({ viewport: { width: Math.round(box.width), height: Math.round(box.height) } })
      ).newPage();
      await node.emulateMedia({ media: 'print' });
      const app = await (
        await browser.newContext({ viewport: { width: Math.round(box.width), height: Math.round(box.height) } })
      ).newPage();
      const [printed, windowed] = [await paginate(node, html), await paginate(app, html)];
      expect(printed.length).toBeGreaterThan(30);
      expect(windowed).toEqual(printed);
      await node.context().close();
      await app.context().close();
    },
  );

  it("runs no script of the report's own (CSP), while the host's injected pagination still runs", async () => {
    // As if an escaping bug let markup through: the page's CSP must stop it.
    const hostile = reportHtml(200).replace(
      '</body>',
      '<script>document.title = "ran"</script><img src="https://example.invalid/x.png"></body>',
    );
    const target = await (
      await browser.newContext({ viewport: { width: Math.round(box.width), height: Math.round(box.height) } })
    ).newPage();
    const requests: string[] = [];
    await target.route('**/*', (route) => {
      requests.push(route.request().url());
      return route.abort();
    });
    const pages = await paginate(target, hostile);
    expect(await target.title()).not.toBe('ran');
    expect(requests.filter((url) => url.startsWith('http'))).toEqual([]);
    expect(pages.length).toBeGreaterThan(3);
    await target.context().close();
  });

  it(
    "keeps the cut report hidden until 'beforeprint' (no screen layout " + 'of it), and the PDF then holds every row',
    async () => {
      const target = await printPage();
      const cut = await paginate(target, reportHtml(600));
      expect(cut.length).toBeGreaterThan(10);
      expect(await target.evaluate('document.body.style.display')).toBe('none');
      const pdf = await printed(target, 'shown');
      expect(await target.evaluate(`(${SHOW_IF_STILL_HIDDEN})()`)).toBe(false);
      expect(emailsIn(pdf.text)).toBe(600);
      expect(pdf.pages).toBe(cut.length);
      await target.context().close();
    },
  );

  it(
    "a printer that skips 'beforeprint' makes a blank PDF: " +
      "the hosts' check shows the report and the reprint holds every row",
    async () => {
      const target = await printPage();
      await paginate(target, reportHtml(300));
      // Runs after the pagination's own listener and hides the report again, as if the event had never come.
      await target.evaluate(
        `window.addEventListener('beforeprint', () => { document.body.style.display = 'none'; }, { once: true })`,
      );
      expect(emailsIn((await printed(target, 'blank')).text)).toBe(0);
      expect(await target.evaluate(`(${SHOW_IF_STILL_HIDDEN})()`)).toBe(true);
      const reprint = await printed(target, 'reprint');
      expect(emailsIn(reprint.text)).toBe(300);
      expect(await target.evaluate(`(${SHOW_IF_STILL_HIDDEN})()`)).toBe(false);
      await target.context().close();
    },
  );

  it(
    "both hosts print through printShown: a skipped 'beforeprint' costs a " +
      'second print, and that PDF holds every row',
    async () => {
      const target = await printPage();
      await paginate(target, reportHtml(300));
      await target.evaluate(
        `window.addEventListener('beforeprint', () => { document.body.style.display = 'none'; }, { once: true })`,
      );
      let prints = 0;
      const pdf = await printShown(
        () => ((prints += 1), printed(target, `shown-${prints}`)),
        (script) => target.evaluate(script),
      );
      expect(prints).toBe(2);
      expect(emailsIn(pdf.text)).toBe(300);
      // A printer that fires the event prints once.
      const again = await printPage();
      await paginate(again, reportHtml(300));
      prints = 0;
      const once = await printShown(
        () => ((prints += 1), printed(again, 'once')),
        (script) => again.evaluate(script),
      );
      expect(prints).toBe(1);
      expect(emailsIn(once.text)).toBe(300);
      await target.context().close();
      await again.context().close();
    },
  );

  it('a page that grows in print beyond its page is sliced across two pages, with no row lost', async () => {
    const target = await printPage();
    const cut = await paginate(target, reportHtml(600));
    // One row on a middle page gets far taller than the screen measured it.
    await target.evaluate(`(() => {
      const table = document.querySelectorAll('table')[5];
      table.tBodies[0].rows[3].cells[0].style.height = '200px';
    })()`);
    const pdf = await printed(target, 'grown');
    expect(emailsIn(pdf.text)).toBe(600);
    expect(pdf.pages).toBe(cut.length + 1);
    await target.context().close();
  });
});
