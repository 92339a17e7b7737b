/**
 * Shared steps of the workspace E2E tests: reloading onto a seeded cache, moving between the main sections, reading
 * virtualised table rows, accessibility checks with axe-core, screenshots.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');
let axeSource: string | undefined;
/**
 * An element's text as a person reads it: runs of white space (line breaks and indentation in the markup) read as one
 * space.
 */
export async function shownText(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/** Reloads the window onto a cache seeded after it opened, and waits until the overview shows its totals. */
export async function showSeeded(page: Page): Promise<void> {
  await page.reload();
  await page.getByTestId('total-courses').waitFor();
}

/** Opens a main section from the navigation and waits until the view's title names it. */
export async function goTo(page: Page, section: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: section, exact: true }).click();
  await page.waitForFunction((title) => document.querySelector('#view-title')?.textContent === title, section);
}

export const SCREENSHOT_DIR = join(import.meta.dirname, '../../test-results/screenshots');

/**
 * The rendered rows of a DataTable (only those in view exist), in order, as arrays of cell texts — the text a
 * screen reader gets (decorative, aria-hidden marks left out).
 */
export async function tableRows(page: Page, testid: string): Promise<string[][]> {
  return page.getByTestId(testid).evaluate((grid) => {
    const text = (cell: Element) => {
      const copy = cell.cloneNode(true) as Element;
      copy.querySelectorAll('[aria-hidden="true"]').forEach((hidden) => hidden.remove());
      return (copy.textContent ?? '').replace(/\s+/g, ' ').trim();
    };
    return [...grid.querySelectorAll<HTMLElement>('[role="row"][data-index]')]
      .sort((a, b) => Number(a.dataset.index) - Number(b.dataset.index))
      .map((row) => [...row.querySelectorAll('[role="gridcell"]')].map(text));
  });
}

/** The first cell of each rendered row. */
export async function firstColumn(page: Page, testid: string): Promise<string[]> {
  return (await tableRows(page, testid)).map((cells) => cells[0] ?? '');
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Serious and critical axe-core violations on the page as it is now. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // The app's CSP (script-src 'self') refuses an injected <script> tag, so axe is evaluated directly instead.
  if (!(await page.evaluate(() => 'axe' in window)))
    await page.evaluate((axeSource ??= readFileSync(AXE_PATH, 'utf8')));
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map((v) => {
      const nodes = v.nodes.map((n) => `  ${n.target.join(' ')} — ${n.failureSummary ?? ''}`).join('\n');
      return `${v.id} (${v.impact}): ${v.help}\n${nodes}`;
    })
    .join('\n');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
}
