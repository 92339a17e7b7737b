/**
 * The report builder in the built renderer, against a real core holding two synced sample accounts: the preview
 * follows the filters (checked against the core's own answers), Save as… writes real CSV and PDF files (the native
 * dialog and "open file" are stubbed in the core's host), saved definitions survive a reload, transcripts need an
 * e-mail, and the view passes axe with visible keyboard focus.
 */
import { parse } from 'csv-parse/sync';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as XLSX from 'xlsx';
import type { ReportDefinitionInput } from '../../electron/core/contract/channels';
import { SaveGrants } from '../../electron/main/trusted-files';
import { tempDir } from '../support/tmp';
import { closeBrowser, openApp, type AppHarness } from './harness';
import { axeViolations, describeViolations, screenshot } from './helpers';
import { seedSampleAccounts } from './seed';

describe('reports view', () => {
  let app: AppHarness;
  let north = '';
  let south = '';
  const out = tempDir('rollbook-e2e-reports-');
  /** What the stubbed Save dialog answers next (null: the user cancelled). */
  let savePath: string | null = null;
  const dialogs: { suggestedName: string; format: string }[] = [];
  const opened: { path: string; reveal: boolean }[] = [];
  /** What the window sent to reports.export: main refuses a path or force from it (test/main). */
  const exportInputs: Record<string, unknown>[] = [];

  beforeAll(async () => {
    // The host's Save dialog answers with a one-time token the export presents, as the app's does (main/host.ts).
    const grants = new SaveGrants();
    app = await openApp({
      core: {
        host: {
          chooseSavePath: (suggestedName, format) => {
            dialogs.push({ suggestedName, format });
            return Promise.resolve(savePath === null ? null : { path: savePath, saveToken: grants.grant(savePath) });
          },
          claimSavePath: (token) => grants.claim(token),
          openPath: (path, reveal) => {
            opened.push({ path, reveal });
            return Promise.resolve();
          },
        },
      },
      bridge: {
        override: (channel, input) => {
          if (channel === 'reports.export') exportInputs.push(input as Record<string, unknown>);
          return undefined;
        },
      },
    });
    const ids = await seedSampleAccounts(app.core, [
      { label: 'North Campus', seed: 1 },
      { label: 'South Studio', seed: 2 },
    ]);
    north = ids[0]!;
    south = ids[1]!;
    await app.page.reload();
    await openReports();
  });
  afterAll(async () => {
    await app?.close();
    await closeBrowser();
    out.cleanup();
  });

  async function openReports() {
    await app.page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('button', { name: 'Reports', exact: true })
      .click();
    await app.page.getByTestId('reports-view').waitFor();
  }
  const count = () => app.page.getByTestId('preview-count');
  const total = async (definition: ReportDefinitionInput) =>
    (await app.core.call('reports.preview', { definition, limit: 1 })).total;
  /** "1,234 rows": the preview's count line, once it shows this total. */
  const expectCount = async (n: number) => {
    const text = `${n.toLocaleString('en-US')} ${n === 1 ? 'row' : 'rows'}`;
    await expect.poll(async () => (await count().innerText()).trim()).toMatch(new RegExp(`^${text}\\b`));
  };
  const headers = () => app.page.getByTestId('preview-table').locator('thead th').allTextContents();
  const checkbox = (name: string) => app.page.getByTestId('reports-view').getByRole('checkbox', { name, exact: true });

  it('the preview follows the report type and filters, row for row with the core', async () => {
    const { page, core } = app;
    await page.getByRole('radio', { name: /^Completions/ }).check();
    await expectCount(await total({ kind: 'completions' }));
    const first = await core.call('reports.preview', { definition: { kind: 'completions' }, limit: 5 });
    // The preview shows every column but the ids (those are in the CSV).
    const shown = first.columns.filter((c) => !c.key.endsWith('_id'));
    expect(await headers()).toEqual(shown.map((c) => c.label));
    const learnerColumn = shown.findIndex((c) => c.key === 'learner_name');
    const previewNames = await page
      .getByTestId('preview-table')
      .locator('tbody tr')
      .evaluateAll(
        (rows, column) => rows.slice(0, 5).map((r) => r.querySelectorAll('td')[column]?.textContent?.trim()),
        learnerColumn,
      );
    expect(previewNames).toEqual(first.rows.map((r) => r.learner_name));
    // The breakdown covers the whole report, not just the rows shown.
    const breakdown = page.getByTestId('preview-breakdown');
    for (const [status, n] of Object.entries(first.breakdown)) {
      if (status === 'completed')
        await expect.poll(() => breakdown.textContent()).toContain(`Completed ${n.toLocaleString('en-US')}`);
    }

    await checkbox('Completed').check();
    await checkbox('Passed').check();
    await expectCount(await total({ kind: 'completions', statuses: ['completed', 'passed'] }));
    await checkbox('North Campus').uncheck();
    await expectCount(await total({ kind: 'completions', statuses: ['completed', 'passed'], accountIds: [south] }));
    expect(await page.getByTestId('report-scope').textContent()).toBe('South Studio');

    await page.getByTestId('date-from').fill('2026-01-01');
    await page.getByTestId('date-to').fill('2025-01-01');
    await expect.poll(() => count().textContent()).toContain('Complete the filters');
    await expect.poll(() => page.getByTestId('export-csv').isDisabled()).toBe(true);
    await page.getByTestId('date-to').fill('2099-12-31');
    await expectCount(
      await total({
        kind: 'completions',
        statuses: ['completed', 'passed'],
        accountIds: [south],
        from: '2026-01-01',
        to: '2099-12-31',
      }),
    );

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expectCount(await total({ kind: 'completions' }));
    expect(await checkbox('North Campus').isChecked()).toBe(true);

    await page.getByRole('radio', { name: /^Attendance/ }).check();
    await expectCount(await total({ kind: 'attendance' }));
    await expect.poll(headers).toContain('Session start');
    // Statuses are learner statuses: the attendance report has none to filter.
    expect(await checkbox('Completed').count()).toBe(0);

    await page.getByRole('radio', { name: /^Course summary/ }).check();
    await expectCount(await total({ kind: 'courses' }));
    await page.getByTestId('course-find').fill('fire saf');
    await page.getByRole('list', { name: 'Matching courses' }).getByRole('button').first().click();
    const fire = (await core.call('workspace.courses', { accountIds: null, search: 'fire saf' }))[0]!;
    await expect.poll(() => page.getByRole('list', { name: 'Chosen courses' }).textContent()).toContain(fire.name);
    await expectCount(await total({ kind: 'courses', courseIds: [fire.id] }));
    await page.getByRole('button', { name: `Remove course ${fire.name}` }).click();
    await expectCount(await total({ kind: 'courses' }));
    expect(app.consoleErrors).toEqual([]);
  });

  it('Save as… writes the CSV and the PDF, shows progress and the result, and opens the file', async () => {
    const { page, core } = app;
    await page.getByRole('radio', { name: /^Completions/ }).check();
    await checkbox('In progress').check();
    const definition: ReportDefinitionInput = { kind: 'completions', statuses: ['in_progress'] };
    const n = await total(definition);
    await expectCount(n);

    savePath = join(out.path, 'in-progress.csv');
    await page.getByTestId('export-csv').click();
    const result = page.getByTestId('export-result');
    await expect
      .poll(() => result.innerText(), { timeout: 15_000 })
      .toContain(`Saved ${n.toLocaleString('en-US')} rows`);
    expect(dialogs.at(-1)).toEqual({
      suggestedName: expect.stringMatching(/^Completions \d{4}-\d{2}-\d{2}\.csv$/),
      format: 'csv',
    });
    const { definition: _sent, ...target } = exportInputs.at(-1)!;
    expect(target).toEqual({
      format: 'csv',
      saveToken: expect.any(String),
      options: { bom: true, localeDates: false },
    });
    const records = parse(readFileSync(savePath), { bom: true }) as string[][];
    expect(n).toBeGreaterThan(0);
    expect(records).toHaveLength(n + 1);
    expect(records.slice(1).every((r) => r[7] === 'in_progress')).toBe(true);
    const expectedFirst = (await core.call('reports.preview', { definition, limit: 1 })).rows[0]!;
    expect(records[1]![5]).toBe(expectedFirst.learner_name);

    await result.getByRole('button', { name: 'Open file' }).click();
    await result.getByRole('button', { name: 'Show in folder' }).click();
    await expect
      .poll(() => opened)
      .toEqual([
        { path: savePath, reveal: false },
        { path: savePath, reveal: true },
      ]);

    // The same rows as an Excel workbook, through the Save dialog's xlsx filter.
    savePath = join(out.path, 'in-progress.xlsx');
    await page.getByTestId('export-xlsx').click();
    await expect.poll(() => result.textContent(), { timeout: 15_000 }).toContain('in-progress.xlsx');
    expect(dialogs.at(-1)).toEqual({
      suggestedName: expect.stringMatching(/^Completions \d{4}-\d{2}-\d{2}\.xlsx$/),
      format: 'xlsx',
    });
    const book = XLSX.read(readFileSync(savePath), { type: 'buffer' });
    expect(book.SheetNames).toEqual(['Summary', 'Completions']);
    const sheetRows = XLSX.utils.sheet_to_json<unknown[]>(book.Sheets.Completions!, { header: 1 });
    expect(sheetRows.slice(1).map((r) => r[5])).toEqual(records.slice(1).map((r) => r[5]));

    // A title of one's own names the PDF and the suggested file.
    await page.getByLabel('Title on the PDF').fill('Who is still going');
    savePath = join(out.path, 'in-progress.pdf');
    await page.getByTestId('export-pdf').click();
    await expect.poll(() => result.textContent(), { timeout: 60_000 }).toContain('in-progress.pdf');
    expect(dialogs.at(-1)?.suggestedName).toMatch(/^Who is still going \d{4}-\d{2}-\d{2}\.pdf$/);
    expect(readFileSync(savePath).subarray(0, 5).toString()).toBe('%PDF-');

    // Cancelling the dialog writes nothing and says nothing.
    savePath = null;
    await page.getByTestId('export-csv').click();
    await expect.poll(() => dialogs.length).toBe(4);
    expect(await page.getByTestId('export-error').count()).toBe(0);

    // A folder that does not exist: the core's message, and no file.
    savePath = join(out.path, 'missing-folder', 'x.csv');
    await page.getByTestId('export-csv').click();
    await expect.poll(() => page.getByTestId('export-error').textContent()).toMatch(/does not exist/);
    expect(existsSync(savePath)).toBe(false);
    await page.getByLabel('Title on the PDF').fill('');
    await checkbox('In progress').uncheck();
    expect(app.consoleErrors).toEqual([]);
  });

  it('saves a definition, opens it again after a reload, and deletes it', async () => {
    const { page, core } = app;
    await page.getByRole('radio', { name: /^Completions/ }).check();
    await checkbox('Failed').check();
    await checkbox('North Campus').uncheck();
    // A chosen course: after a reload its chip must show the name again (looked up by id), not the id.
    const [course] = await core.call('workspace.courses', { accountIds: [south] });
    await page.getByTestId('course-find').fill(course!.name);
    await page.getByRole('list', { name: 'Matching courses' }).getByRole('button').first().click();
    await expect.poll(() => page.getByRole('list', { name: 'Chosen courses' }).textContent()).toContain(course!.name);
    await page.getByTestId('save-name').fill('Monthly compliance');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.getByTestId('saved-reports').textContent()).toContain('Monthly compliance');
    const [saved] = await core.call('reports.saved.list');
    expect(saved).toMatchObject({
      name: 'Monthly compliance',
      definition: { kind: 'completions', statuses: ['failed'], accountIds: [south], courseIds: [course!.id] },
    });

    await page.reload();
    await openReports();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('radio', { name: /^Attendance/ }).check();
    await page
      .getByTestId('saved-reports')
      .getByRole('button', { name: /^Monthly compliance/ })
      .click();
    await expect.poll(() => page.getByRole('radio', { name: /^Completions/ }).isChecked()).toBe(true);
    expect(await checkbox('Failed').isChecked()).toBe(true);
    expect(await checkbox('North Campus').isChecked()).toBe(false);
    await expect.poll(() => page.getByRole('list', { name: 'Chosen courses' }).textContent()).toContain(course!.name);
    await expectCount(
      await total({ kind: 'completions', statuses: ['failed'], accountIds: [south], courseIds: [course!.id] }),
    );
    expect(await page.getByRole('button', { name: 'Update' }).count()).toBe(1);

    await page.getByRole('button', { name: 'Delete saved report Monthly compliance' }).click();
    await expect.poll(async () => (await core.call('reports.saved.list')).length).toBe(0);
    await expect.poll(() => page.getByTestId('saved-reports').count()).toBe(0);
    await page.getByRole('button', { name: 'Clear filters' }).click();
  });

  it('a transcript needs an e-mail, then finds the person in every account', async () => {
    const { page, core } = app;
    await page.getByRole('radio', { name: /^Learner transcript/ }).check();
    await expect.poll(() => count().textContent()).toContain('Complete the filters');
    expect(await page.getByTestId('export-pdf').isDisabled()).toBe(true);
    const person = (await core.call('workspace.learners', { accountIds: null, limit: 50 })).rows.find((r) => r.email)!;
    await page.getByTestId('learner-email').fill(person.email!.toUpperCase());
    await expectCount(await total({ kind: 'learner', learnerEmail: person.email! }));
    const names = await page.getByTestId('preview-table').locator('tbody tr td:first-child').allTextContents();
    expect(new Set(names)).toEqual(new Set([person.name]));
  });

  it('a course page hands its course to the builder ("Report this course")', async () => {
    const { page, core } = app;
    const course = (await core.call('workspace.courses', { accountIds: [north] }))[0]!;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Courses', exact: true }).click();
    await page.getByTestId('course-search').fill(course.name);
    await page
      .getByTestId('courses-table')
      .getByRole('row', { name: /North Campus/ })
      .first()
      .click();
    await page.getByRole('button', { name: 'Report this course' }).click();
    await page.getByTestId('reports-view').waitFor();
    await expect.poll(() => page.getByRole('list', { name: 'Chosen courses' }).textContent()).toContain(course.name);
    expect(await page.getByLabel('Title on the PDF').inputValue()).toBe(course.name);
    expect(await page.getByTestId('report-scope').textContent()).toBe('North Campus');
  });

  it('is accessible: no serious axe violations, visible keyboard focus; screenshots light and dark', async () => {
    const { page } = app;
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('radio', { name: /^Completions/ }).check();
    await expectCount(await total({ kind: 'completions' }));
    const violations = await axeViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);

    await page.getByRole('radio', { name: /^Completions/ }).focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.getByRole('radio', { name: /^Attendance/ }).isChecked()).toBe(true);
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const style = getComputedStyle(el);
      return { tag: el.tagName, outline: style.outlineStyle, width: style.outlineWidth };
    });
    expect(outline.outline).not.toBe('none');
    expect(outline.width).not.toBe('0px');
    await page.getByRole('radio', { name: /^Completions/ }).check();
    await expectCount(await total({ kind: 'completions' }));
    await screenshot(page, 'reports-light');
    await page.getByLabel('Report definition').evaluate((panel) => panel.scrollTo(0, panel.scrollHeight));
    await screenshot(page, 'reports-filters-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'reports-dark');
    const dark = await axeViolations(page);
    expect(dark, describeViolations(dark)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
    expect(app.consoleErrors).toEqual([]);
  });
});
