/**
 * What a new user of the sample data sees of the dates coordinators act on (issue #22), in the built renderer against
 * a real core: Overdue beside Inactive in Courses and the course view, the learner view's due, expiry, certificate and
 * time columns (calendar dates shown as that day west of UTC too), leavers hidden from Learners until asked for, and
 * the completions preview with its Overdue filter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowser, openApp, type AppHarness } from './harness';
import { goTo, showSeeded, shownText, tableRows } from './helpers';
import { seedSampleAccounts } from './seed';

/** West of UTC: a calendar date read as a UTC instant would show the day before here. */
const ZONE = 'America/Los_Angeles';

describe('coordinator columns with sample data', () => {
  let app: AppHarness;
  let account = '';

  beforeAll(async () => {
    app = await openApp();
    account = (await seedSampleAccounts(app.core, [{ label: 'Demo', seed: 1 }]))[0]!;
    const cdp = await app.page.context().newCDPSession(app.page);
    await cdp.send('Emulation.setTimezoneOverride', { timezoneId: ZONE });
    await showSeeded(app.page);
  });
  afterAll(async () => {
    await app?.close();
    await closeBrowser();
  });

  const heading = () => app.page.locator('#view-title');
  const go = (section: string) => goTo(app.page, section);
  const headers = (testid: string) =>
    app.page
      .getByTestId(testid)
      .getByRole('columnheader')
      .allTextContents()
      .then((all) => all.map((h) => h.trim()));
  /** How the window writes a calendar date (en-US, the test browser's locale). */
  const calendarDay = (day: string) =>
    new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(day));

  it('Courses and the course view show Overdue beside Inactive', async () => {
    const { page, core } = app;
    expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe(ZONE);
    await go('Courses');
    const columns = await headers('courses-table');
    expect(columns).toEqual(expect.arrayContaining(['Overdue', 'Inactive']));
    expect(columns.join(' ')).not.toMatch(/no activity/i);
    await page.getByTestId('course-search').fill('Fire Safety');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="course-count"]')?.textContent?.trim() === '1 course',
    );
    const fire = (await core.call('workspace.courses', { accountIds: [account], search: 'Fire Safety' }))[0]!;
    expect(fire.overdue).toBeGreaterThan(0);
    const [row] = await tableRows(page, 'courses-table');
    expect(row![columns.indexOf('Overdue')]).toBe(fire.overdue.toLocaleString('en-US'));
    expect(row![columns.indexOf('Inactive')]).toBe(fire.inactive.toLocaleString('en-US'));

    await page
      .getByTestId('courses-table')
      .getByRole('row', { name: /Fire Safety/ })
      .click();
    await expect.poll(() => shownText(heading())).toBe('Fire Safety Essentials');
    expect(await shownText(page.getByTestId('course-overdue'))).toBe(fire.overdue.toLocaleString('en-US'));
    expect(await shownText(page.getByTestId('course-inactive'))).toBe(fire.inactive.toLocaleString('en-US'));
    expect(await headers('learners-table')).toContain('Due');
  });

  it('the learner view shows assigned, due, completed, expiry, certificate and time spent', async () => {
    const { page, core } = app;
    // Someone with an overdue course and a certificate that expires: the sample data has such people.
    const fire = (await core.call('workspace.courses', { accountIds: [account], search: 'Fire Safety' }))[0]!;
    const rows = (
      await core.call('workspace.courseLearners', { accountId: account, courseId: fire.id, limit: 1000 })
    ).rows.filter((r) => r.email);
    let chosen: { email: string; profile: Awaited<ReturnType<typeof core.call<'workspace.learner'>>> } | null = null;
    for (const r of rows) {
      const profile = await core.call('workspace.learner', { email: r.email! });
      if (profile.courses.some((c) => c.overdue) && profile.courses.some((c) => c.certificateExpiresAt)) {
        chosen = { email: r.email!, profile };
        break;
      }
    }
    expect(chosen).not.toBeNull();
    const { profile } = chosen!;
    await page.keyboard.press('Control+k');
    await page.getByTestId('palette').waitFor();
    await page.keyboard.type(chosen!.email);
    await page
      .getByTestId('palette')
      .getByRole('option', { name: new RegExp(profile.name) })
      .first()
      .click();
    await expect.poll(() => shownText(heading())).toBe(profile.name);

    const columns = await headers('learner-courses');
    for (const label of ['Assigned', 'Due', 'Completed', 'Expires', 'Certificate expires', 'Time spent']) {
      expect(columns).toContain(label);
    }
    const overdue = profile.courses.filter((c) => c.overdue).length;
    expect(await shownText(page.getByTestId('learner-overdue'))).toBe(`${overdue} overdue`);
    if (profile.department) expect(await shownText(page.getByTestId('learner-department'))).toBe(profile.department);

    const shown = await tableRows(page, 'learner-courses');
    const byCourse = new Map(shown.map((cells) => [cells[columns.indexOf('Course')], cells]));
    const certified = profile.courses.find((c) => c.certificateExpiresAt)!;
    const certCells = byCourse.get(certified.courseName)!;
    // A calendar date is that day here too, not the evening before.
    expect(certCells[columns.indexOf('Certificate expires')]).toBe(calendarDay(certified.certificateExpiresAt!));
    const late = profile.courses.find((c) => c.overdue)!;
    const lateCells = byCourse.get(late.courseName)!;
    expect(lateCells[columns.indexOf('Due')]).toBe(`${calendarDay(late.dueAt!)}overdue`);
    if (late.timeSpentS) expect(lateCells[columns.indexOf('Time spent')]).toMatch(/\d+ (min|h)/);
  });

  it('Learners shows status and department and hides leavers until asked', async () => {
    const { page, core } = app;
    await go('Learners');
    const columns = await headers('directory-table');
    expect(columns).toEqual(expect.arrayContaining(['Status', 'Department']));
    const active = await core.call('workspace.learners', { accountIds: null, limit: 1 });
    const everyone = await core.call('workspace.learners', { accountIds: null, limit: 1, includeLeavers: true });
    expect(everyone.total).toBeGreaterThan(active.total);
    await expect.poll(() => shownText(page.getByTestId('directory-count'))).toBe(`${active.total} learners`);
    await page.getByTestId('show-leavers').check();
    await expect.poll(() => shownText(page.getByTestId('directory-count'))).toBe(`${everyone.total} learners`);
    await page.getByTestId('directory-search').fill('');
    const leavers = await core.call('workspace.learners', {
      accountIds: null,
      includeLeavers: true,
      sort: { column: 'name', direction: 'asc' },
      limit: 1000,
    });
    const blocked = leavers.rows.find((r) => r.status === 'blocked')!;
    await page.getByTestId('directory-search').fill(blocked.email ?? blocked.name);
    await expect
      .poll(async () => (await tableRows(page, 'directory-table')).some((cells) => cells.includes('Blocked')))
      .toBe(true);
    await page.getByTestId('show-leavers').uncheck();
    await expect
      .poll(async () => (await tableRows(page, 'directory-table')).some((cells) => cells.includes('Blocked')))
      .toBe(false);
  });

  it('the completions preview has the new columns and filters on Overdue', async () => {
    const { page, core } = app;
    await go('Reports');
    await page.getByRole('radio', { name: /^Completions/ }).check();
    const previewHeaders = () => page.getByTestId('preview-table').locator('thead th').allTextContents();
    await expect.poll(previewHeaders).toEqual(expect.arrayContaining(['Due', 'Overdue', 'Certificate expires']));
    await page.getByTestId('filter-overdue').check();
    const total = (await core.call('reports.preview', { definition: { kind: 'completions', overdue: true }, limit: 1 }))
      .total;
    expect(total).toBeGreaterThan(0);
    await expect
      .poll(() => shownText(page.getByTestId('preview-count')))
      .toMatch(new RegExp(`^${total.toLocaleString('en-US')} rows\\b`));
    const labels = await previewHeaders();
    const overdueColumn = labels.indexOf('Overdue');
    const cells = await page
      .getByTestId('preview-table')
      .locator('tbody tr')
      .evaluateAll((trs, i) => trs.map((tr) => tr.querySelectorAll('td')[i]?.textContent?.trim()), overdueColumn);
    expect(cells.length).toBeGreaterThan(0);
    expect(new Set(cells)).toEqual(new Set(['yes']));
    expect(app.consoleErrors).toEqual([]);
  });
});
