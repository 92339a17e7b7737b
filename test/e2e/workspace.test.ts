/**
 * The coordinator's workspace in the built renderer, against a real core holding two synced sample accounts:
 * navigation by mouse and by keyboard only, filters and sort (asserted on row contents against the core's own
 * answers), the account selection, accessibility (axe) and screenshots of every main view in light and dark.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowser, openApp, type AppHarness } from './harness';
import {
  axeViolations,
  describeViolations,
  firstColumn,
  goTo,
  screenshot,
  showSeeded,
  tableRows,
  shownText,
} from './helpers';
import { seedSampleAccounts } from './seed';

describe('workspace (two sample accounts)', () => {
  let app: AppHarness;
  let north = '';
  let south = '';

  beforeAll(async () => {
    app = await openApp();
    const ids = await seedSampleAccounts(app.core, [
      { label: 'North Campus', seed: 1 },
      { label: 'South Studio', seed: 2 },
    ]);
    north = ids[0]!;
    south = ids[1]!;
    await showSeeded(app.page);
  });
  afterAll(async () => {
    await app?.close();
    await closeBrowser();
  });

  const heading = () => app.page.locator('#view-title');
  const go = (section: string) => goTo(app.page, section);
  const courseRows = () => tableRows(app.page, 'courses-table');

  it('by mouse: Overview → Courses → search → course → learner → back', async () => {
    const { page, core } = app;
    expect(await shownText(page.getByTestId('total-courses'))).toBe('48');
    expect(await shownText(page.getByTestId('total-learners'))).toBe('1,000');
    // Times show in local time; the exact UTC value is on hover.
    const time = page.locator('time').first();
    expect(await time.getAttribute('title')).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
    expect(Date.parse((await time.getAttribute('datetime'))!)).not.toBeNaN();

    await go('Courses');
    await page.getByTestId('course-search').fill('fire saf');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="course-count"]')?.textContent?.trim() === '2 courses',
    );
    expect((await courseRows()).map((r) => [r[0], r[1]])).toEqual([
      ['Fire Safety Essentials', 'North Campus'],
      ['Fire Safety Essentials', 'South Studio'],
    ]);

    await page
      .getByTestId('courses-table')
      .getByRole('row', { name: /South Studio/ })
      .click();
    await expect.poll(() => shownText(heading())).toBe('Fire Safety Essentials');
    const fire = (await core.call('workspace.courses', { accountIds: [south], search: 'Fire Safety' }))[0]!;
    const learners = await core.call('workspace.courseLearners', { accountId: south, courseId: fire.id, limit: 5 });
    await expect.poll(() => shownText(page.getByTestId('learner-count'))).toContain(`${learners.total} learners`);
    expect(await shownText(page.getByTestId('course-learners'))).toBe(String(fire.learners));
    expect((await firstColumn(page, 'learners-table')).slice(0, 5)).toEqual(learners.rows.map((r) => r.name));

    const index = learners.rows.findIndex((r, i) => i > 0 && r.email);
    const person = learners.rows[index]!;
    await page.getByTestId('learners-table').locator(`[role="row"][data-index="${index}"]`).click();
    await expect.poll(() => shownText(heading())).toBe(person.name);
    const profile = await core.call('workspace.learner', { email: person.email! });
    expect(await shownText(page.getByTestId('learner-email'))).toBe(person.email);
    expect((await firstColumn(page, 'learner-courses')).length).toBe(profile.courses.length);

    // "Report this course" opens Reports for exactly this course.
    await page.getByRole('button', { name: 'Back to Course' }).click();
    await expect.poll(() => shownText(heading())).toBe('Fire Safety Essentials');
    await page.getByRole('button', { name: 'Report this course' }).click();
    await expect
      .poll(() =>
        page
          .getByRole('navigation', { name: 'Main' })
          .getByRole('button', { name: 'Reports' })
          .getAttribute('aria-current'),
      )
      .toBe('page');
    await go('Courses');
    await page
      .getByTestId('courses-table')
      .getByRole('row', { name: /South Studio/ })
      .click();
    await expect.poll(() => shownText(heading())).toBe('Fire Safety Essentials');
    await page.keyboard.press('Escape');
    await expect.poll(() => shownText(heading())).toBe('Courses');
    // The list is as it was left: same search, same rows.
    expect(await page.getByTestId('course-search').inputValue()).toBe('fire saf');
    expect((await courseRows()).length).toBe(2);
    await page.getByTestId('course-search').fill('');
    expect(app.consoleErrors).toEqual([]);
  });

  it('by keyboard only: palette, search, arrows, Enter, End, Esc, account shortcuts', async () => {
    const { page, core } = app;
    await page.keyboard.press('Control+k');
    await page.getByTestId('palette').waitFor();
    await page.keyboard.type('overview');
    await page.keyboard.press('Enter');
    await expect.poll(() => shownText(heading())).toBe('Overview');

    await page.keyboard.press('Control+k');
    await page.keyboard.type('cours');
    await page.keyboard.press('Enter');
    await expect.poll(() => shownText(heading())).toBe('Courses');
    // The list has focus: "/" jumps to its search, ↓ goes back to the rows.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('grid');
    await page.keyboard.press('/');
    await page.keyboard.type('gdpr');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="course-count"]')?.textContent?.trim() === '2 courses',
    );
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => shownText(heading())).toBe('Data Protection & GDPR');
    expect(await shownText(page.locator('header .meta'))).toContain('South Studio');

    // Learners table: End reaches the last learner, Enter opens them.
    const gdpr = (await core.call('workspace.courses', { accountIds: [south], search: 'gdpr' }))[0]!;
    const all = await core.call('workspace.courseLearners', { accountId: south, courseId: gdpr.id, limit: 1000 });
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.closest('[data-testid]')?.getAttribute('data-testid')))
      .toBe('learners-table');
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await expect.poll(() => shownText(heading())).toBe(all.rows.at(-1)!.name);

    await page.keyboard.press('Escape');
    await expect.poll(() => shownText(heading())).toBe('Data Protection & GDPR');
    await page.keyboard.press('Escape');
    await expect.poll(() => shownText(heading())).toBe('Courses');
    // Focus is back in the list, on the row that was opened.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('grid');
    const activeRow = await page.evaluate(
      () => document.getElementById(document.activeElement!.getAttribute('aria-activedescendant')!)!.innerText,
    );
    expect(activeRow).toContain('South Studio');

    // Ctrl+2 selects the first account in the sidebar, Ctrl+1 all of them.
    await page.keyboard.press('Control+2');
    await expect.poll(() => shownText(page.getByTestId('scope-label'))).toBe('North Campus');
    await expect.poll(async () => (await courseRows()).map((r) => r[0])).toEqual(['Data Protection & GDPR']);
    expect((await core.call('settings.get')).selection).toBe(north);
    await page.keyboard.press('Control+1');
    await expect.poll(() => shownText(page.getByTestId('scope-label'))).toBe('All accounts');
    await page.keyboard.press('/');
    await page.keyboard.press('Escape');
    expect(await page.getByTestId('course-search').inputValue()).toBe('');
    expect(app.consoleErrors).toEqual([]);
  });

  it('filters and sort change the rows exactly as the core orders them', async () => {
    const { page, core } = app;
    await go('Courses');
    await page.getByTestId('course-search').fill('');
    const expectRows = async (input: Parameters<typeof core.call<'workspace.courses'>>[1], count = 8) => {
      const expected = (await core.call('workspace.courses', input))
        .slice(0, count)
        .map((c) => [c.name, c.accountLabel]);
      await expect.poll(async () => (await courseRows()).slice(0, count).map((r) => [r[0], r[1]])).toEqual(expected);
    };

    await page.getByRole('combobox', { name: 'Type' }).selectOption('class');
    await expect.poll(() => shownText(page.getByTestId('course-count'))).toContain('16 courses');
    await expectRows({ accountIds: null, types: ['class'] });
    const classRows = await courseRows();
    expect(classRows.length).toBeGreaterThan(0);
    expect(classRows.every((r) => r[2] === 'Class')).toBe(true);

    await page.getByRole('columnheader', { name: 'Learners' }).getByRole('button').click();
    await expectRows({ accountIds: null, types: ['class'], sort: { column: 'learners', direction: 'desc' } });
    expect(await page.getByRole('columnheader', { name: 'Learners' }).getAttribute('aria-sort')).toBe('descending');
    await page.getByRole('columnheader', { name: 'Learners' }).getByRole('button').click();
    await expectRows({ accountIds: null, types: ['class'], sort: { column: 'learners', direction: 'asc' } });

    await page.getByRole('combobox', { name: 'Type' }).selectOption('');
    await page.getByRole('combobox', { name: 'Learner status' }).selectOption('failed');
    const failed = await core.call('workspace.courses', { accountIds: null, statuses: ['failed'] });
    await expect.poll(() => shownText(page.getByTestId('course-count'))).toContain(`${failed.length} courses`);
    await expectRows({ accountIds: null, statuses: ['failed'], sort: { column: 'learners', direction: 'asc' } });

    await page.getByRole('combobox', { name: 'Account' }).selectOption({ label: 'South Studio (24)' });
    await expectRows({ accountIds: [south], statuses: ['failed'], sort: { column: 'learners', direction: 'asc' } });
    const southRows = await courseRows();
    expect(southRows.length).toBeGreaterThan(0);
    expect(southRows.every((r) => r[1] === 'South Studio')).toBe(true);

    await page.getByRole('columnheader', { name: 'Completion' }).getByRole('button').click();
    await expectRows({
      accountIds: [south],
      statuses: ['failed'],
      sort: { column: 'completionRate', direction: 'desc' },
    });

    // Widen the name column from the keyboard (Alt+→ on its header).
    const cols = () =>
      page.getByTestId('courses-table').evaluate((grid) => getComputedStyle(grid).getPropertyValue('--cols'));
    const before = Number(/minmax\((\d+)px/.exec(await cols())![1]);
    await page.getByRole('columnheader', { name: 'Course' }).getByRole('button').focus();
    await page.keyboard.press('Alt+ArrowRight');
    await page.keyboard.press('Alt+ArrowRight');
    await expect.poll(cols).toContain(`minmax(${before + 32}px`);

    // Sort and widths survive a restart of the window; filters are per session.
    await page.reload();
    await go('Courses');
    expect(await page.getByRole('columnheader', { name: 'Completion' }).getAttribute('aria-sort')).toBe('descending');
    expect(await cols()).toContain(`minmax(${before + 32}px`);
    await expectRows({ accountIds: null, sort: { column: 'completionRate', direction: 'desc' } });
    await page.getByRole('columnheader', { name: 'Course' }).getByRole('button').click();
    expect(app.consoleErrors).toEqual([]);
  });

  it('every main view is axe-clean and photographed in light and dark', async () => {
    const { page, core } = app;
    const klass = (await core.call('workspace.courses', { accountIds: [north], types: ['class'] }))[0]!;
    const someone = (await core.call('workspace.courseLearners', { accountId: north, courseId: klass.id, limit: 1 }))
      .rows[0]!;
    const views: [string, () => Promise<void>][] = [
      ['overview', () => go('Overview')],
      ['courses', () => go('Courses')],
      [
        'course-learners',
        async () => {
          await page.getByTestId('course-search').fill(klass.name);
          const count = (await core.call('workspace.courses', { accountIds: null, search: klass.name })).length;
          await expect.poll(() => shownText(page.getByTestId('course-count'))).toContain(`${count} course`);
          await page
            .getByTestId('courses-table')
            .getByRole('row', { name: /North Campus/ })
            .click();
          await page.getByTestId('learners-table').waitFor();
        },
      ],
      [
        'course-sessions',
        () =>
          page
            .getByRole('tab', { name: 'Sessions' })
            .click()
            .then(() => page.getByTestId('sessions-table').waitFor()),
      ],
      [
        'course-attendance',
        () =>
          page
            .getByRole('tab', { name: 'Attendance' })
            .click()
            .then(() => page.getByTestId('attendance-matrix').waitFor()),
      ],
      [
        'learner',
        async () => {
          await page.getByRole('button', { name: someone.name }).first().click();
          await page.getByTestId('learner-courses').waitFor();
        },
      ],
      [
        'learners',
        () => go('Learners').then(() => page.getByTestId('directory-table').getByRole('row').nth(1).waitFor()),
      ],
      ['sync', () => go('Sync').then(() => page.getByTestId('sync-history').waitFor())],
      ['settings', () => go('Settings')],
      [
        'add-account',
        async () => {
          await page.getByRole('button', { name: 'Add account', exact: true }).first().click();
          await page.getByTestId('add-account').waitFor();
        },
      ],
      [
        'palette',
        async () => {
          await page.keyboard.press('Escape');
          await page.getByTestId('add-account').waitFor({ state: 'detached' });
          await page.keyboard.press('Control+k');
          await page.keyboard.type('fire');
          await page
            .getByRole('option', { name: /Fire Safety Essentials/ })
            .first()
            .waitFor();
        },
      ],
    ];
    const problems: string[] = [];
    for (const [name, open] of views) {
      await open();
      await page.waitForTimeout(150); // let the virtualiser settle before the picture
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await screenshot(page, `${name}-${scheme}`);
        const violations = await axeViolations(page);
        if (violations.length) problems.push(`${name} (${scheme}):\n${describeViolations(violations)}`);
      }
      await page.emulateMedia({ colorScheme: 'light' });
    }
    await page.keyboard.press('Escape');
    expect(problems.join('\n\n')).toBe('');
    expect(app.consoleErrors).toEqual([]);
  });

  it('settings: formats follow the chosen locale; clearing the cache empties every view', async () => {
    const { page, core } = app;
    await go('Settings');
    await page.getByRole('combobox', { name: 'Format' }).selectOption('de-DE');
    await expect.poll(async () => (await core.call('settings.get')).locale).toBe('de-DE');
    await go('Overview');
    await expect.poll(() => shownText(page.getByTestId('total-learners'))).toBe('1.000');
    await go('Settings');
    await page.getByRole('combobox', { name: 'Format' }).selectOption('');
    await page.getByRole('checkbox', { name: /when Rollbook starts/ }).check();
    await page.getByRole('combobox', { name: 'Sync in the background' }).selectOption('30');
    await expect
      .poll(async () => (await core.call('settings.get')).autoSync)
      .toEqual({ onStart: true, everyMinutes: 30 });
    expect(await shownText(page.getByTestId('settings-data-dir'))).toBe(app.dataDir);

    await page.getByRole('button', { name: 'Clear cache…' }).click();
    await page.getByTestId('clear-cache').getByRole('button', { name: 'Clear cache' }).click();
    await page.getByTestId('clear-cache').waitFor({ state: 'detached' });
    expect((await core.call('app.info')).counts.courses).toBe(0);
    await go('Courses');
    await page.getByTestId('course-search').fill('');
    await expect.poll(() => page.getByText('No courses cached').isVisible()).toBe(true);
    await go('Overview');
    await expect.poll(() => page.getByText('Nothing synced yet').isVisible()).toBe(true);
    expect(app.consoleErrors).toEqual([]);
  });
});
