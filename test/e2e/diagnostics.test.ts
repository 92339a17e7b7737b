/**
 * Nothing fails silently in the window: About shows the log folder, opens it through the core's own channel and
 * copies the diagnostics; an internal error in a sync shows "Something went wrong" with its cause, and "Copy details"
 * copies the cause and where it happened, without the learner data the error named.
 */
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { DB_FILE_NAME } from '../../electron/core/store/db';
import { closeBrowser, openApp } from './harness';
import { axeViolations, describeViolations, screenshot, shownText } from './helpers';
import { seedSampleAccounts } from './seed';

const clipboard = (page: Page) => page.evaluate(() => navigator.clipboard.readText());

describe('logs, diagnostics and internal errors in the window', () => {
  afterAll(closeBrowser);

  it('About shows the log folder, opens it and copies the diagnostics', async () => {
    const opened: string[] = [];
    const app = await openApp({ core: { host: { openLogFolder: async (dir) => void opened.push(dir) } } });
    try {
      const { page } = app;
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
      await seedSampleAccounts(app.core, [{ label: 'Harbour School', seed: 3 }]);
      await page.getByRole('button', { name: 'About' }).click();
      expect(await shownText(page.getByTestId('about-log-dir'))).toBe(app.core.logDir);

      await page.getByTestId('about-open-logs').click();
      await expect.poll(() => opened).toEqual([app.core.logDir]);

      await page.getByTestId('about-copy-diagnostics').click();
      await page.getByTestId('about-log-status').filter({ hasText: 'Diagnostics copied' }).waitFor();
      const text = await clipboard(page);
      expect(text).toMatch(/^Rollbook diagnostics/);
      expect(text).toMatch(/ sample: 24 courses/);
      expect(text).toMatch(/#1 \S+ incremental .* ok/);
      expect(text).not.toContain('Harbour School');
      await screenshot(page, 'about-logs');
      const violations = await axeViolations(page);
      expect(violations, describeViolations(violations)).toEqual([]);
      expect(app.consoleErrors).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('a sync that fails on a bug shows "Something went wrong" with its cause, and copies the details', async () => {
    const app = await openApp();
    try {
      const { page } = app;
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
      const [id] = await seedSampleAccounts(app.core, [{ label: 'Harbour School', seed: 3 }]);
      // A bug deep in a sync, in the worker as the app runs it: the cache refuses the progress rows with a message
      // that names a learner, as a careless error message from a dependency might.
      const db = new Database(join(app.dataDir, DB_FILE_NAME));
      db.exec(
        'CREATE TRIGGER refuse_progress BEFORE INSERT ON progress BEGIN ' +
          `SELECT RAISE(ABORT, 'cannot read "score" of undefined (learner ann.lee@harbour.example)'); END;`,
      );
      db.close();
      const [run] = await app.core.call('sync.run', {});
      expect(run).toMatchObject({ outcome: 'failed', errorCode: 'internal' });

      const panel = page.getByTestId('problem');
      await panel.waitFor();
      expect(await shownText(panel.getByRole('heading'))).toBe('Something went wrong');
      const cause = await page.getByTestId('problem-cause').textContent();
      expect(cause).toContain('SqliteError: cannot read "score" of undefined (learner [email])');

      await screenshot(page, 'something-went-wrong');
      const violations = await axeViolations(page);
      expect(violations, describeViolations(violations)).toEqual([]);

      await page.getByTestId('problem-copy').click();
      await panel.getByRole('button', { name: 'Copied' }).waitFor();
      const details = await clipboard(page);
      expect(details).toContain(`Where: Sync of account ${id} (run #${run!.id})`);
      expect(details).toContain(`Cause: ${cause}`);
      expect(details).not.toContain('harbour.example');

      await panel.getByRole('button', { name: 'Dismiss' }).click();
      await panel.waitFor({ state: 'detached' });
    } finally {
      await app.close();
    }
  });
});
