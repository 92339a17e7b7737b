import { shownText } from './helpers';
import { afterAll, describe, expect, it } from 'vitest';
import { closeBrowser, openApp } from './harness';

describe('app shell (built renderer, real core through the bridge)', () => {
  afterAll(closeBrowser);

  it('shows the empty state, then About with the real data dir and schema version', async () => {
    const app = await openApp();
    try {
      const { page } = app;
      await page.getByTestId('empty-state').waitFor();
      expect(await page.getByRole('heading', { name: 'No accounts yet' }).isVisible()).toBe(true);

      await page.getByRole('button', { name: 'About' }).click();
      await page.getByTestId('about').waitFor();
      expect(await shownText(page.getByTestId('about-data-dir'))).toBe(app.dataDir);
      const info = await app.core.call('app.info');
      expect(await shownText(page.getByTestId('about-schema-version'))).toBe(String(info.schemaVersion));
      expect(info.schemaVersion).toBeGreaterThanOrEqual(2);
      // As in the app, syncs and large exports run in the bundled workers.
      expect(info.workers).toEqual({ sync: true, csvExport: true });
      expect(await shownText(page.getByTestId('about-workers'))).toMatch(
        /Syncs and large CSV exports run in worker threads\./,
      );
      // The page itself cannot reach Node or Electron.
      expect(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
      expect(app.consoleErrors).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('About warns when the worker bundles are missing, and says how to fix it', async () => {
    const app = await openApp({ withoutWorkers: true });
    try {
      const { page } = app;
      await page.getByRole('button', { name: 'About' }).click();
      expect((await app.core.call('app.info')).workers).toEqual({ sync: false, csvExport: false });
      await expect
        .poll(() => shownText(page.getByTestId('about-workers')))
        .toMatch(/Syncs run on the main thread; CSV exports on the main thread\. Reinstalling/);
    } finally {
      await app.close();
    }
  });

  it('follows the theme setting through the contract', async () => {
    const app = await openApp({ colorScheme: 'dark' });
    try {
      const { page } = app;
      await page.getByRole('button', { name: 'Settings' }).click();
      await page.getByRole('radio', { name: 'Light' }).check();
      await page.waitForFunction(() => document.documentElement.dataset.theme === 'light');
      expect((await app.core.call('settings.get')).theme).toBe('light');
    } finally {
      await app.close();
    }
  });
});
