/**
 * What changed, in the built renderer: a sample account synced twice (the sample's second sync is its "next day",
 * with completions, failures, no-shows and leavers). The Overview's "Since last sync", the Changes view, a course's
 * History tab and a learner's history show what the core recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowser, openApp, type AppHarness } from './harness';
import { axeViolations, describeViolations, screenshot, showSeeded, shownText, tableRows } from './helpers';
import { seedSampleAccounts } from './seed';

describe('changes (a sample account synced twice)', () => {
  let app: AppHarness;
  let account = '';

  beforeAll(async () => {
    app = await openApp();
    account = (await seedSampleAccounts(app.core, [{ label: 'North Campus', seed: 1 }]))[0]!;
    const [second] = await app.core.call('sync.run', { accountIds: [account] });
    expect(second!.outcome).toBe('ok');
    await showSeeded(app.page);
  });
  afterAll(async () => {
    await app?.close();
    await closeBrowser();
  });

  it('Overview: "Since last sync" counts what the core recorded', async () => {
    const { page, core } = app;
    const summary = await core.call('changes.summary', { accountIds: null });
    expect(summary.completions + summary.failures + summary.noShows).toBeGreaterThan(0);
    const headline = await shownText(page.getByTestId('since-headline'));
    expect(headline).toContain(`${summary.completions.toLocaleString('en-US')} completions`);
    expect(headline).toContain(`${summary.failures.toLocaleString('en-US')} failed`);
    expect(headline).toContain(`${summary.noShows.toLocaleString('en-US')} no-shows`);
    expect(await page.getByTestId('since-last-sync').locator('li').count()).toBe(summary.top.length);
    await screenshot(page, 'overview-since-last-sync');
  });

  it('the Changes view lists every change, newest first, and filters by kind', async () => {
    const { page, core } = app;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Changes' }).click();
    const all = await core.call('changes.list', { filter: { accountIds: null }, limit: 5 });
    await page.waitForFunction(
      (text) => document.querySelector('[data-testid="change-count"]')?.textContent?.trim() === text,
      `${all.total.toLocaleString('en-US')} changes`,
    );
    await page.getByTestId('changes-table').locator('[role="row"][data-index="0"]').waitFor();
    const [first] = await tableRows(page, 'changes-table');
    expect(first![2]).toBe(all.rows[0]!.courseName ?? '—');
    // Two syncs: the baseline and the one with changes.
    expect(await page.getByTestId('change-sync').count()).toBe(2);
    expect(describeViolations(await axeViolations(page))).toBe('');
    await screenshot(page, 'changes');

    await page.getByRole('combobox', { name: 'Kind' }).selectOption('attendance_marked');
    const marked = await core.call('changes.list', { filter: { accountIds: null, kinds: ['attendance_marked'] } });
    await page.waitForFunction(
      (text) => document.querySelector('[data-testid="change-count"]')?.textContent?.trim() === text,
      `${marked.total.toLocaleString('en-US')} ${marked.total === 1 ? 'change' : 'changes'}`,
    );
    await page.getByRole('button', { name: 'Clear filters' }).click();
  });

  it('a course’s History tab and a learner’s history show their changes', async () => {
    const { page, core } = app;
    const [change] = (
      await core.call('changes.list', { filter: { accountIds: null, kinds: ['status_changed'] }, limit: 1 })
    ).rows;
    await page.evaluate(() => window.scrollTo(0, 0));
    const trend = await core.call('changes.courseTrend', { accountId: account, courseId: change!.courseId! });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Courses' }).click();
    await page.getByTestId('course-search').fill(change!.courseName!);
    await page.getByTestId('courses-table').locator('[role="row"][data-index="0"]').click();
    await page.getByRole('tab', { name: 'History' }).click();
    const chart = page.getByTestId('course-history').locator('svg');
    await chart.waitFor();
    expect(Number(await chart.getAttribute('data-points'))).toBe(trend.points.length);
    expect(await page.getByTestId('course-recent-changes').locator('li').count()).toBe(trend.recent.length);
    await screenshot(page, 'course-history');

    const history = await core.call('changes.learnerHistory', {
      learner: change!.learnerEmail
        ? { email: change!.learnerEmail }
        : { accountId: account, learnerId: change!.learnerId! },
    });
    await page.getByTestId('course-recent-changes').waitFor();
    await page.getByRole('tab', { name: 'Learners' }).click();
    await page.getByTestId('learner-search').fill(change!.learnerEmail ?? change!.learnerName!);
    await page.getByTestId('learners-table').locator('[role="row"][data-index="0"]').click();
    await page.getByTestId('learner-history').waitFor();
    await screenshot(page, 'learner-history');
    expect(await page.getByTestId('learner-history').locator('li').count()).toBe(Math.min(8, history.total));

    await page.keyboard.press('Escape');
    await page.getByRole('tab', { name: 'History' }).click();
    // "All changes of this course" opens the Changes view filtered to it.
    const ofCourse = await core.call('changes.list', {
      filter: { accountIds: null, course: { accountId: account, courseId: change!.courseId! } },
    });
    await page.getByRole('button', { name: 'All changes of this course' }).click();
    await page.waitForFunction(
      (text) => document.querySelector('[data-testid="change-count"]')?.textContent?.trim() === text,
      `${ofCourse.total.toLocaleString('en-US')} ${ofCourse.total === 1 ? 'change' : 'changes'}`,
    );
  });
});
