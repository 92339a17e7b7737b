/**
 * Compliance in the built renderer against a real core with two synced sample accounts and a requirement whose
 * course exists in both (people matched by e-mail across them): the summary cards, the action list and the training
 * matrix show what the core computes, agree with one another, and the matrix works by keyboard alone.
 */
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as XLSX from 'xlsx';
import type { ComplianceStatus } from '../../electron/core/contract/channels/compliance';
import { SaveGrants } from '../../electron/main/trusted-files';
import { tempDir } from '../support/tmp';
import { closeBrowser, openApp, type AppHarness } from './harness';
import { axeViolations, describeViolations, screenshot, shownText, tableRows } from './helpers';
import { seedSampleAccounts } from './seed';

describe('compliance view (two sample accounts, one shared requirement)', () => {
  let app: AppHarness;
  const out = tempDir('rollbook-e2e-compliance-');
  /** What the stubbed Save dialog answers next. */
  let savePath = '';

  beforeAll(async () => {
    // The host's Save dialog answers with a one-time token the export presents, as the app's does (main/host.ts).
    const grants = new SaveGrants();
    app = await openApp({
      core: {
        host: {
          chooseSavePath: () => Promise.resolve({ path: savePath, saveToken: grants.grant(savePath) }),
          claimSavePath: (token) => grants.claim(token),
          openPath: () => Promise.resolve(),
        },
      },
    });
    const [north, south] = await seedSampleAccounts(app.core, [
      { label: 'North Campus', seed: 1 },
      { label: 'South Studio', seed: 2 },
    ]);
    const courseIn = async (accountId: string) =>
      (await app.core.call('workspace.courses', { accountIds: [accountId], search: 'fire saf' }))[0]!.id;
    await app.core.call('requirements.add', {
      name: 'Fire safety, both sites',
      courses: [
        { account: north!, courseId: await courseIn(north!) },
        { account: south!, courseId: await courseIn(south!) },
      ],
      renewMonths: 12,
      dueDays: 60,
    });
    await app.page.reload();
    await app.page.getByTestId('total-courses').waitFor();
  });
  afterAll(async () => {
    await app?.close();
    await closeBrowser();
  });

  /** Opens Compliance on its summary tab (the section remembers the tab last shown). */
  const findCard = (name: string) => app.page.getByTestId('requirement-card').filter({ hasText: name });
  const open = async () => {
    await app.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Compliance' }).click();
    await app.page.getByRole('tab', { name: 'Summary and actions' }).click();
    await app.page.getByTestId('requirement-card').first().waitFor();
  };

  it('summary and action list show the core’s counts, and agree', async () => {
    const { page, core } = app;
    await open();
    const summary = await core.call('compliance.summary', { filters: {} });
    const fire = summary.requirements.find((r) => r.name === 'Fire safety, both sites');
    expect(fire!.people).toBeGreaterThan(0);
    const card = findCard('Fire safety, both sites');
    for (const [status, count] of Object.entries(fire!.counts) as [ComplianceStatus, number][]) {
      const shown = card.locator(`[data-status="${status}"]`);
      if (count === 0) expect(await shown.count()).toBe(0);
      else expect(await shownText(shown)).toBe(count.toLocaleString('en-US'));
    }
    const actions = await core.call('compliance.actions', { filters: {}, limit: 5 });
    const needing = summary.totals.overdue + summary.totals.expired + summary.totals.due + summary.totals.expiring;
    expect(actions.total).toBe(needing);
    if (needing > 0) {
      await page.getByTestId('compliance-actions').locator('[role="row"][data-index="0"]').waitFor();
      const [first] = await tableRows(page, 'compliance-actions');
      expect(first![0]).toContain(actions.rows[0]!.name);
      // The list has a screen's height of its own and draws only the rows in it, however many need action: a
      // layout that let it grow to its content drew every row (30k at 20,000 people, a frozen window).
      expect(needing, 'enough people need action to fill more than a screen').toBeGreaterThan(30);
      const drawn = await page.getByTestId('compliance-actions').locator('[role="row"][data-index]').count();
      const screenful = await page.evaluate(() => Math.ceil(window.innerHeight / 36) + 8);
      expect(drawn).toBeLessThanOrEqual(Math.min(needing, screenful));
      const cards = await page.getByTestId('compliance-summary').evaluate((el) => el.getBoundingClientRect().height);
      expect(cards).toBeLessThan(await page.evaluate(() => window.innerHeight / 2));
    }
    expect(describeViolations(await axeViolations(page))).toBe('');
    await screenshot(page, 'compliance-summary');
  });

  it('the section tabs move by keyboard (arrows wrap, Home/End) and name their panel', async () => {
    const { page } = app;
    await open();
    const summaryTab = page.getByRole('tab', { name: 'Summary and actions' });
    const matrixTab = page.getByRole('tab', { name: 'Training matrix' });
    const selectedAndFocused = async () =>
      page.evaluate(() => {
        const focused = document.activeElement;
        const selected = document.querySelector('[role="tab"][aria-selected="true"]');
        return focused === selected ? selected?.textContent?.trim() : `focus on ${focused?.textContent?.trim()}`;
      });
    await summaryTab.focus();
    await page.keyboard.press('End');
    await expect.poll(selectedAndFocused).toBe('Training matrix');
    await page.getByTestId('training-matrix').waitFor();
    await page.keyboard.press('Home');
    await expect.poll(selectedAndFocused).toBe('Summary and actions');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(selectedAndFocused).toBe('Training matrix');
    await page.keyboard.press('ArrowRight');
    await expect.poll(selectedAndFocused).toBe('Summary and actions');
    const panel = page.getByRole('tabpanel');
    expect(await summaryTab.getAttribute('aria-controls')).toBe(await panel.getAttribute('id'));
    expect(await panel.getAttribute('aria-labelledby')).toBe(await summaryTab.getAttribute('id'));
    expect(await matrixTab.getAttribute('tabindex')).toBe('-1');
  });

  it('the matrix shows each person’s cell as the core computes it, and opens a person by keyboard', async () => {
    const { page, core } = app;
    await open();
    await page.getByRole('tab', { name: 'Training matrix' }).click();
    const grid = page.getByTestId('training-matrix');
    await grid.locator('[data-row="0"][data-col="0"]').waitFor();
    const matrix = await core.call('compliance.matrix', { filters: {}, limit: 10 });
    const summary = await core.call('compliance.summary', { filters: {} });
    expect(matrix.total).toBe(summary.people);
    for (let row = 0; row < 3; row += 1) {
      for (let col = 0; col < matrix.requirements.length; col += 1) {
        const cell = grid.locator(`[data-row="${row}"][data-col="${col}"]`);
        expect(await cell.getAttribute('data-status')).toBe(matrix.rows[row]!.cells[col]?.status ?? null);
      }
    }
    // Only the rows in view are in the DOM.
    expect(await grid.locator('[role="row"]').count()).toBeLessThan(Math.min(matrix.total, 80));
    await screenshot(page, 'compliance-matrix');

    await grid.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const second = matrix.rows[1]!;
    await page.waitForFunction((name) => document.querySelector('#view-title')?.textContent === name, second.name);
    const standing = page.getByTestId('person-requirements');
    await standing.waitFor();
    const shown = await standing
      .locator('li')
      .evaluateAll((items) => items.map((li) => li.getAttribute('data-status')));
    expect(shown).toEqual(second.cells.filter((c) => c !== null).map((c) => c.status));
    await page.keyboard.press('Escape');
    await grid.waitFor();
  });

  it('filters narrow all three answers alike', async () => {
    const { page, core } = app;
    await open();
    const status = (await core.call('compliance.summary', { filters: {} })).requirements[0]!.counts.in_progress
      ? 'in_progress'
      : 'not_started';
    await page.getByRole('combobox', { name: 'Status' }).selectOption(status);
    const expected = await core.call('compliance.summary', { filters: { statuses: [status] } });
    await page.waitForFunction(
      (people) => document.querySelector('[data-testid="compliance-people"]')?.textContent?.startsWith(`${people} `),
      expected.people.toLocaleString('en-US'),
    );
    await page.getByRole('tab', { name: 'Training matrix' }).click();
    const grid = page.getByTestId('training-matrix');
    await grid.locator('[data-row="0"][data-col="0"]').waitFor();
    expect(Number(await grid.getAttribute('aria-rowcount'))).toBe(expected.people + 1);
    await page.getByRole('button', { name: 'Clear filters' }).click();
  });

  it('exports the action list as CSV and the matrix as XLSX, with the filters shown', async () => {
    const { page, core } = app;
    await open();
    savePath = join(out.path, 'actions.csv');
    await page.getByTestId('compliance-export-csv').click();
    await page.getByTestId('compliance-exported').waitFor();
    const actions = await core.call('compliance.actions', { filters: {}, limit: 1 });
    const records = parse(readFileSync(savePath), { bom: true }) as string[][];
    expect(records[0]).toEqual(['Requirement', 'Learner', 'Email', 'Status', 'Date', 'Days']);
    expect(records.length - 1).toBe(actions.total);

    await page.getByRole('tab', { name: 'Training matrix' }).click();
    savePath = join(out.path, 'matrix.xlsx');
    await page.getByTestId('compliance-export-xlsx').click();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="compliance-exported"]')?.textContent?.includes('matrix.xlsx'),
    );
    const summary = await core.call('compliance.summary', { filters: {} });
    const book = XLSX.read(readFileSync(savePath), { type: 'buffer' });
    const data = book.Sheets[book.SheetNames.find((n) => n !== 'Summary')!]!;
    const rows = XLSX.utils.sheet_to_json<string[]>(data, { header: 1 });
    expect(rows[0]!.slice(0, 2)).toEqual(['Learner', 'Email']);
    for (const r of summary.requirements) expect(rows[0]).toContain(r.name);
    expect(rows.length - 1).toBe(summary.people);
  });

  it('the Overview’s "Needs attention" counts the training that needs action', async () => {
    const { page, core } = app;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Overview' }).click();
    await page.getByTestId('total-courses').waitFor();
    const attention = await core.call('compliance.attention', { accountIds: null });
    const total = Object.values(attention.counts).reduce((a, b) => a + b, 0);
    const list = page.getByTestId('attention-training');
    if (total === 0) return expect(await list.count()).toBe(0);
    await list.waitFor();
    for (const [status, count] of Object.entries(attention.counts)) {
      if (count > 0)
        expect(await shownText(list.locator(`[data-status="${status}"]`))).toBe(count.toLocaleString('en-US'));
    }
  });
});
