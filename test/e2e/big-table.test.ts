/**
 * A course with 100,000 learners in the built renderer: the learners table pages through the cache while
 * scrolling, reaches the last learner, and keeps the DOM small (virtualised rows). A drag that jumps past the loaded
 * rows asks for rows once it rests, not on every frame (each frame's two pages made frames long).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/core/store/db';
import { tempDir } from '../support/tmp';
import { addAccount, course, learner, progress, writeLive } from '../workspace/fixture';
import { closeBrowser, openApp, type AppHarness } from './harness';
import { firstColumn, shownText } from './helpers';

const LEARNERS = 100_000;
const name = (i: number) => `Learner ${String(i).padStart(6, '0')}`;

describe('100k-learner course', () => {
  const dir = tempDir('rollbook-e2e-big-');
  let app: AppHarness;
  /** Offsets of the learner pages the window asked the core for. */
  const asked: number[] = [];

  beforeAll(async () => {
    const db = openDatabase(dir.path);
    addAccount(db, 'big', 'Big Academy', { platform: 'sample', seed: 1 });
    const learners = Array.from({ length: LEARNERS }, (_, i) => learner(`L${i}`, name(i), `l${i}@big.example`));
    writeLive(db, 'big', {
      courses: [course('MASS', 'Mass Onboarding'), course('SMALL', 'Small Workshop', 'class')],
      learners,
      progress: [
        ...learners.map((l, i) =>
          progress('MASS', l.id, i % 3 === 0 ? 'completed' : 'in_progress', { progressPct: i % 101 }),
        ),
        progress('SMALL', 'L1', 'completed'),
      ],
    });
    db.close();
    app = await openApp({
      dataDir: dir.path,
      bridge: {
        override: (channel, input) => {
          if (channel === 'workspace.courseLearners') asked.push((input as { offset: number }).offset);
          return undefined;
        },
      },
    });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await closeBrowser();
    dir.cleanup();
  });

  const domRows = () => app.page.evaluate(() => document.querySelectorAll('[role="row"]').length);

  it('scrolls to the last of 100,000 learners with under 200 rows in the DOM', async () => {
    const { page } = app;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Courses', exact: true }).click();
    await page
      .getByTestId('courses-table')
      .getByRole('row', { name: /Mass Onboarding/ })
      .click();
    await expect
      .poll(() => shownText(page.getByTestId('learner-count')), { timeout: 15_000 })
      .toContain('100,000 learners');
    expect(await firstColumn(page, 'learners-table')).toContain(name(0));
    expect(await domRows()).toBeLessThan(200);

    // Scroll like a user dragging the scrollbar to the bottom: the last page loads and renders.
    await page.getByTestId('learners-table').evaluate((grid) => grid.scrollTo({ top: grid.scrollHeight }));
    await expect
      .poll(async () => (await firstColumn(page, 'learners-table')).at(-1), { timeout: 15_000 })
      .toBe(name(LEARNERS - 1));
    expect(await domRows()).toBeLessThan(200);

    // Back to the top and down again by keyboard: Home, then End, then Enter opens the last learner.
    const grid = page.getByTestId('learners-table');
    await grid.focus();
    await page.keyboard.press('Home');
    await expect.poll(async () => (await firstColumn(page, 'learners-table'))[0]).toBe(name(0));
    await page.keyboard.press('End');
    await expect
      .poll(async () => (await firstColumn(page, 'learners-table')).at(-1), { timeout: 15_000 })
      .toBe(name(LEARNERS - 1));
    await page.keyboard.press('Enter');
    await expect.poll(() => shownText(page.locator('#view-title'))).toBe(name(LEARNERS - 1));
    expect(await domRows()).toBeLessThan(200);
    expect(app.consoleErrors).toEqual([]);
  });

  it('a fast drag asks for rows when it rests, and the rows then match their positions', async () => {
    const { page } = app;
    await page.keyboard.press('Escape');
    const grid = page.getByTestId('learners-table');
    await expect.poll(async () => (await firstColumn(page, 'learners-table')).length).toBeGreaterThan(0);
    asked.length = 0;
    // Thirty frames, each jumping ~3,000 rows: what dragging the scrollbar does. Returns how many frames came later
    // than the table's rest time (80 ms, DataTable's SETTLE_MS) after the one before: a paused machine's.
    const slowFrames = await grid.evaluate(async (el) => {
      const total = el.scrollHeight - el.clientHeight;
      let slow = 0;
      let previous = performance.now();
      for (let i = 1; i <= 30; i += 1) {
        el.scrollTop = (total * i) / 31;
        await new Promise((resolve) => requestAnimationFrame(resolve));
        const now = performance.now();
        if (now - previous >= 70) slow += 1;
        previous = now;
      }
      return slow;
    });
    const whileMoving = asked.length;
    // Asking on every frame was two pages a frame (60 here); a frame slower than the rest time may let a range (two
    // pages at most) through, so a slow machine's pauses are allowed for.
    expect(whileMoving).toBeLessThan(10 + 2 * slowFrames);
    await expect
      .poll(() => grid.evaluate((el) => el.querySelectorAll('.skeleton').length), { timeout: 15_000 })
      .toBe(0);
    expect(asked.length).toBeGreaterThan(whileMoving);
    const rows = await grid.evaluate((el) =>
      [...el.querySelectorAll<HTMLElement>('[role="row"][data-index]')].map((row) => [
        Number(row.dataset.index),
        row.querySelector('[role="gridcell"]')?.textContent?.trim() ?? '',
      ]),
    );
    expect(rows.length).toBeGreaterThan(5);
    for (const [index, text] of rows) expect(text).toContain(name(index as number));
  });

  it('fills the view whatever the window height, and renders only the rows in view', async () => {
    const { page } = app;
    const grid = page.getByTestId('learners-table');
    await grid.evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
    await expect
      .poll(() => grid.evaluate((el) => el.querySelectorAll('.skeleton').length), { timeout: 15_000 })
      .toBe(0);
    // Rows in the DOM, and whether they reach the bottom of the scroller (no blank band under the last row).
    const coverage = () =>
      grid.evaluate((el) => {
        const rows = [...el.querySelectorAll('[role="row"][data-index]')];
        const bottom = Math.max(...rows.map((row) => row.getBoundingClientRect().bottom));
        return { rows: rows.length, covered: bottom >= el.getBoundingClientRect().bottom - 1 };
      });
    const size = page.viewportSize()!;
    try {
      await page.setViewportSize({ width: size.width, height: 1600 });
      await expect.poll(coverage).toMatchObject({ covered: true });
      const tall = (await coverage()).rows;
      await page.setViewportSize({ width: size.width, height: 500 });
      await expect.poll(async () => (await coverage()).rows).toBeLessThan(tall - 20);
      expect((await coverage()).covered).toBe(true);
    } finally {
      await page.setViewportSize(size);
    }
  });

  it('filters and searches the 100k rows through the cache', async () => {
    const { page } = app;
    await page.getByRole('combobox', { name: 'Status' }).selectOption('completed');
    await expect.poll(() => shownText(page.getByTestId('learner-count'))).toContain('33,334 learners');
    await page.getByTestId('learner-search').fill('099999');
    await expect.poll(() => firstColumn(page, 'learners-table')).toEqual([name(99999)]);
    await page.getByTestId('learner-search').fill('099998');
    await expect.poll(() => shownText(page.getByTestId('learner-count'))).toContain('0 learners');
    await expect.poll(() => page.getByText('No matching learners').isVisible()).toBe(true);
  });
});
