/**
 * Managing requirements in the built renderer against a real core with two synced sample accounts: a requirement
 * defined through the dialog (a cached course from each account, a department as audience) shows the counts the core
 * computes; it is edited, a person is exempted from the learner view and shows as exempt, and it is removed. The
 * requirements file goes out and back in through the host's file dialogs (as the main process answers them: one-time
 * tokens for the chosen file).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SaveGrants } from '../../electron/main/trusted-files';
import type { HostAbilities } from '../../electron/core/api/context';
import type { ComplianceStatus, RequirementSummary } from '../../electron/core/contract/channels/compliance';
import { closeBrowser, openApp, type AppHarness } from './harness';
import { axeViolations, describeViolations, screenshot, shownText } from './helpers';
import { seedSampleAccounts } from './seed';
import { tempDir } from '../support/tmp';

const NAME = 'First aid';

describe('requirements management (two sample accounts)', () => {
  let app: AppHarness;
  /** Console errors from before Compliance opened (other views) are not this test's. */
  let errorsBefore = 0;
  const files = tempDir('rollbook-requirements-');
  /** What the next Save or Open dialog answers (null: cancelled). */
  let dialogAnswer: string | null = null;
  const saves = new SaveGrants();
  const opens = new SaveGrants();
  const host: HostAbilities = {
    chooseRequirementsFile: async (mode) => {
      if (dialogAnswer === null) return null;
      return { path: dialogAnswer, token: (mode === 'save' ? saves : opens).grant(dialogAnswer) };
    },
    claimSavePath: (token) => saves.claim(token),
    claimOpenPath: (token) => opens.claim(token),
  };

  beforeAll(async () => {
    app = await openApp({ core: { host } });
    await seedSampleAccounts(app.core, [
      { label: 'North Campus', seed: 1 },
      { label: 'South Studio', seed: 2 },
    ]);
    await app.page.reload();
    await app.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Compliance' }).click();
    await app.page.getByTestId('requirement-card').first().waitFor();
    errorsBefore = app.consoleErrors.length;
  });
  afterAll(async () => {
    await app?.close();
    await closeBrowser();
    files.cleanup();
  });

  const card = () =>
    app.page.getByTestId('requirement-card').filter({ has: app.page.getByRole('heading', { name: NAME }) });

  /** The card shows exactly the core's counts for the requirement (a status with none is not listed). */
  async function expectCardCounts(): Promise<RequirementSummary> {
    const summary = await app.core.call('compliance.summary', { filters: {} });
    const shown = summary.requirements.find((r) => r.name === NAME)!;
    expect(shown.people).toBeGreaterThan(0);
    for (const [status, count] of Object.entries(shown.counts) as [ComplianceStatus, number][]) {
      const cell = card().locator(`[data-status="${status}"]`);
      if (count === 0) expect(await cell.count()).toBe(0);
      else expect(await shownText(cell)).toBe(count.toLocaleString('en-US'));
    }
    return shown;
  }

  it('creates a requirement through the dialog, with the core’s refusals beside their fields', async () => {
    const { page, core } = app;
    await page.getByRole('button', { name: 'New requirement' }).click();
    const dialog = page.getByTestId('requirement-dialog');
    await dialog.waitFor();

    // Saved empty, with a bad e-mail: each refusal stands by its field.
    await dialog.getByLabel('E-mail addresses').fill('not-an-address');
    await dialog.getByRole('button', { name: 'Add requirement' }).click();
    const name = dialog.getByLabel('Name');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="requirement-dialog"] input[aria-invalid="true"]'),
    );
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    const nameError = await name.getAttribute('aria-describedby');
    expect(await shownText(page.locator(`[id="${nameError}"]`))).toBe('A requirement needs a name');
    const emails = dialog.getByLabel('E-mail addresses');
    expect(await shownText(page.locator(`[id="${await emails.getAttribute('aria-describedby')}"]`))).toBe(
      '"not-an-address" is not an e-mail address',
    );
    expect(await shownText(dialog.getByRole('alert').filter({ hasText: 'at least one course' }))).toContain(
      'A requirement needs at least one course',
    );
    expect(describeViolations(await axeViolations(page))).toBe('');

    await name.fill(NAME);
    await emails.fill('');
    await dialog.getByLabel('Search courses to add').fill('first aid at work');
    const results = dialog.getByTestId('requirement-course-results');
    await results.locator('li').nth(1).waitFor();
    const found = await core.call('workspace.courses', { search: 'first aid at work' });
    expect(await results.locator('li').count()).toBe(found.length);
    for (const course of found) {
      await results.getByRole('button', { name: `Add ${course.name} (${course.accountLabel})` }).click();
    }
    expect(await dialog.getByTestId('requirement-courses').locator('li').count()).toBe(found.length);
    await dialog.getByRole('group', { name: 'Departments' }).getByLabel('Operations').check();
    await dialog.getByLabel('Renew every (months)').fill('12');
    await dialog.getByLabel('Due after (days)').fill('45');
    await screenshot(page, 'requirement-dialog');
    await dialog.getByRole('button', { name: 'Add requirement' }).click();
    await dialog.waitFor({ state: 'detached' });

    const saved = (await core.call('requirements.list')).find((r) => r.name === NAME)!;
    expect(saved.courses.map((c) => [c.accountId, c.courseId]).sort()).toEqual(
      found.map((c) => [c.accountId, c.id]).sort(),
    );
    expect(saved.audience.departments).toEqual(['Operations']);
    expect([saved.dueDays, saved.renewMonths, saved.windowDays]).toEqual([45, 12, 30]);
    await card().waitFor();
    await expectCardCounts();
    expect(describeViolations(await axeViolations(page))).toBe('');
  });

  it('edits it: the dialog starts from what is saved, a course not in the cache included', async () => {
    const { page, core } = app;
    // A course another computer's file named, say: kept, and shown as such.
    const before = (await core.call('requirements.list')).find((r) => r.name === NAME)!;
    const courses = [
      ...before.courses.map((c) => ({ account: c.accountId, courseId: c.courseId })),
      { account: 'North Campus', courseId: 'NOT-CACHED-9' },
    ];
    await core.call('requirements.update', { requirement: NAME, changes: { courses } });
    await page.getByRole('button', { name: `Edit ${NAME}` }).click();
    const dialog = page.getByTestId('requirement-dialog');
    await dialog.waitFor();
    const missing = dialog.getByTestId('requirement-courses').locator('li').filter({ hasText: 'NOT-CACHED-9' });
    expect(await shownText(missing)).toContain('not in the cache');
    expect(await dialog.getByLabel('Name').inputValue()).toBe(NAME);
    expect(await dialog.getByRole('group', { name: 'Departments' }).getByLabel('Operations').isChecked()).toBe(true);
    expect(await dialog.getByLabel('Renew every (months)').inputValue()).toBe('12');
    await dialog.getByLabel('Renew every (months)').fill('24');
    await dialog.getByLabel('Due-soon window (days)').fill('60');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    const saved = (await core.call('requirements.list')).find((r) => r.name === NAME)!;
    expect([saved.renewMonths, saved.windowDays, saved.dueDays]).toEqual([24, 60, 45]);
    expect(saved.courses.map((c) => c.courseId)).toEqual(courses.map((c) => c.courseId));
    expect(saved.courses.find((c) => c.courseId === 'NOT-CACHED-9')).toMatchObject({ inCache: false });
    await expectCardCounts();
    await card().getByText('1 course is not in the cache', { exact: false }).waitFor();
  });

  it('exempts a person from the learner view, and removes the exemption', async () => {
    const { page, core } = app;
    const requirementId = (await core.call('requirements.list')).find((r) => r.name === NAME)!.id;
    const matrix = await core.call('compliance.matrix', { filters: { requirementIds: [requirementId] }, limit: 50 });
    const person = matrix.rows.find((r) => r.email && r.cells[0] && r.cells[0].status !== 'exempt')!;
    const before = person.cells[0]!.status;
    await page.getByRole('tab', { name: 'Training matrix' }).click();
    await page.getByRole('combobox', { name: 'Requirement' }).selectOption(String(requirementId));
    await page.getByTestId('compliance-search').fill(person.email!);
    const grid = page.getByTestId('training-matrix');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="training-matrix"]')?.getAttribute('aria-rowcount') === '2',
    );
    await grid.locator('[data-row="0"][data-col="0"]').waitFor();
    await grid.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction((name) => document.querySelector('#view-title')?.textContent === name, person.name);

    const row = page.getByTestId('person-requirements').locator('li').filter({ hasText: NAME });
    expect(await row.getAttribute('data-status')).toBe(before);
    await row.getByRole('button', { name: `Exempt from ${NAME}…` }).click();
    const dialog = page.getByTestId('exemption-dialog');
    await dialog.getByRole('button', { name: 'Exempt' }).click();
    await dialog.getByRole('alert').waitFor();
    expect(await dialog.getByLabel('Reason').getAttribute('aria-invalid')).toBe('true');
    expect(describeViolations(await axeViolations(page))).toBe('');
    await dialog.getByLabel('Reason').fill('Qualified paramedic');
    await dialog.getByLabel('Note').fill('Certificate seen by HR');
    await dialog.getByLabel('Last day it applies').fill('2099-12-31');
    await dialog.getByRole('button', { name: 'Exempt' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.waitForFunction(
      (name) =>
        [...document.querySelectorAll('[data-testid="person-requirements"] li')].some(
          (li) => li.textContent?.includes(name) && li.getAttribute('data-status') === 'exempt',
        ),
      NAME,
    );
    const standing = await core.call('compliance.person', { key: person.email! });
    const exempted = standing.requirements.find((r) => r.requirement === NAME)!;
    expect(exempted.status).toBe('exempt');
    expect(exempted.exemption).toMatchObject({ reason: 'Qualified paramedic', note: 'Certificate seen by HR' });
    expect(exempted.date).toBe('2099-12-31');
    await screenshot(page, 'person-exempt');

    // The Compliance card counts the exemption too.
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('tab', { name: 'Summary and actions' }).click();
    await page.waitForFunction(
      (name) =>
        [...document.querySelectorAll('[data-testid="requirement-card"]')].some(
          (c) => c.querySelector('h2')?.textContent === name && c.querySelector('[data-status="exempt"]'),
        ),
      NAME,
    );
    expect((await expectCardCounts()).counts.exempt).toBe(1);

    await page.getByRole('tab', { name: 'Training matrix' }).click();
    await grid.waitFor();
    await page.getByTestId('compliance-search').fill(person.email!);
    await page.waitForFunction(
      () => document.querySelector('[data-testid="training-matrix"]')?.getAttribute('aria-rowcount') === '2',
    );
    await grid.locator('[data-row="0"][data-col="0"]').waitFor();
    await grid.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction((name) => document.querySelector('#view-title')?.textContent === name, person.name);
    await row.getByRole('button', { name: `Remove exemption from ${NAME}` }).click();
    await page.waitForFunction(
      ([name, status]) =>
        [...document.querySelectorAll('[data-testid="person-requirements"] li')].some(
          (li) => li.textContent?.includes(name!) && li.getAttribute('data-status') === status,
        ),
      [NAME, before],
    );
    expect(await core.call('exemptions.list', { requirement: NAME })).toEqual([]);
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Clear filters' }).click();
  });

  it('removes it after asking', async () => {
    const { page, core } = app;
    await page.getByRole('tab', { name: 'Summary and actions' }).click();
    await card().waitFor();
    await page.getByRole('button', { name: `Remove ${NAME}` }).click();
    const confirm = page.getByTestId('remove-requirement');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect((await core.call('requirements.list')).some((r) => r.name === NAME)).toBe(true);

    await page.getByRole('button', { name: `Remove ${NAME}` }).click();
    expect(describeViolations(await axeViolations(page))).toBe('');
    await confirm.getByRole('button', { name: 'Remove requirement' }).click();
    await confirm.waitFor({ state: 'detached' });
    await card().waitFor({ state: 'detached' });
    expect((await core.call('requirements.list')).some((r) => r.name === NAME)).toBe(false);
    expect(app.consoleErrors.slice(errorsBefore)).toEqual([]);
  });

  it('exports the requirements file where the Save dialog points, and imports it back', async () => {
    const { page, core } = app;
    const file = join(files.path, 'requirements.json');
    dialogAnswer = file;
    await page.getByRole('button', { name: 'Export…' }).click();
    await page.getByText(/^Exported 2 requirements/).waitFor();
    const written = JSON.parse(readFileSync(file, 'utf8')) as { exportedAt: string };
    expect({ ...written, exportedAt: undefined }).toEqual({
      ...(await core.call('requirements.export')),
      exportedAt: undefined,
    });

    // Remove one, then import the file: it comes back, the other is replaced by its copy.
    const [gone, kept] = (await core.call('requirements.list')).map((r) => r.name);
    await core.call('requirements.remove', { requirement: gone! });
    await page.getByRole('button', { name: 'Import…' }).click();
    const dialog = page.getByTestId('import-requirements');
    expect(describeViolations(await axeViolations(page))).toBe('');

    // A file that is not JSON changes nothing, and says why.
    const broken = join(files.path, 'broken.json');
    writeFileSync(broken, '{ "format": "rollbook-requirements", ');
    dialogAnswer = broken;
    await dialog.getByRole('button', { name: 'Choose file…' }).click();
    expect(await shownText(dialog.getByRole('alert'))).toMatch(
      /broken\.json is not a JSON file .*nothing was imported/,
    );
    expect((await core.call('requirements.list')).map((r) => r.name)).toEqual([kept]);

    dialogAnswer = file;
    await dialog.getByRole('button', { name: 'Choose file…' }).click();
    expect(await shownText(dialog.getByRole('status'))).toBe('Imported: 1 added, 1 replaced.');
    expect((await core.call('requirements.list')).map((r) => r.name).sort()).toEqual([gone, kept].sort());
    await dialog.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('heading', { name: gone! }).waitFor();
  });
});
