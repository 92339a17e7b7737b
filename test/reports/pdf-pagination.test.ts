/**
 * Both PDF renderers cut the report's table into one table per page with the same injected function
 * (paginate-table.ts): Playwright in Node hosts after emulating print media, the app's hidden window (Electron, not
 * runnable here) in screen media at the page's width. These tests run the report page in Chromium the way each host
 * does and check they agree, and that the report's own CSP keeps anything that slipped into the HTML from running
 * while the embedder's pagination still runs.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_COLUMNS, type ReportRow } from '../../electron/core/store/report-queries';
import { contentBox } from '../../electron/core/reports/page-geometry';
import { PAGINATE_TABLE } from '../../electron/core/reports/paginate-table';
import { renderReportHtml } from '../../electron/core/reports/pdf-template';
import { launchChromium } from '../support/chromium';

const page = { format: 'A4' as const, landscape: true };
const box = contentBox(page.format, page.landscape);

function reportHtml(rows: number): string {
  const data: ReportRow[] = Array.from({ length: rows }, (_, i) => ({
    account: 'Acme Training',
    platform: 'ispring',
    course_id: `c${i % 40}`,
    course_name: i % 97 === 0 ? `A course with a long name that needs more than one line in its column ${i}` : `Fire Safety ${i % 40}`,
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
    columns: REPORT_COLUMNS.completions.filter((c) => !c.key.endsWith('_id')),
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
  return target.locator('table').evaluateAll((tables) => tables.map((t) => (t as HTMLTableElement).tBodies[0]?.rows[0]?.textContent ?? ''));
}

describe('PDF pagination in both hosts', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser.close();
  });

  it('cuts the same rows into the same pages in print media (Node renderer) and in a window sized to the page (app)', async () => {
    const html = reportHtml(1500);
    const node = await (await browser.newContext({ viewport: { width: Math.round(box.width), height: Math.round(box.height) } })).newPage();
    await node.emulateMedia({ media: 'print' });
    const app = await (await browser.newContext({ viewport: { width: Math.round(box.width), height: Math.round(box.height) } })).newPage();
    const [printed, windowed] = [await paginate(node, html), await paginate(app, html)];
    expect(printed.length).toBeGreaterThan(30);
    expect(windowed).toEqual(printed);
    await node.context().close();
    await app.context().close();
  });

  it("runs no script of the report's own (CSP), while the host's injected pagination still runs", async () => {
    // As if an escaping bug let markup through: the page's CSP must stop it.
    const hostile = reportHtml(200).replace('</body>', '<script>document.title = "ran"</script><img src="https://example.invalid/x.png"></body>');
    const target = await (await browser.newContext({ viewport: { width: Math.round(box.width), height: Math.round(box.height) } })).newPage();
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
});
