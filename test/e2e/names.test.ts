import { afterAll, describe, expect, it } from 'vitest';
import { testCore } from '../support/core';
import { tempDir } from '../support/tmp';
import { closeBrowser, openApp } from './harness';
import { screenshot } from './helpers';
import { seedSampleAccounts } from './seed';

const SPOOF = 'Invoice \u202eexe.fdp\u202c';
const SHOWN = 'Invoice ⟪RLO⟫exe.fdp⟪PDF⟫';

describe('names with bidi controls', () => {
  const dir = tempDir('rollbook-e2e-');
  afterAll(async () => {
    await closeBrowser();
    dir.cleanup();
  });

  it('the sidebar, the overview and the sync view show the controls as markers, not reordered text', async () => {
    const seed = testCore({ dataDir: dir.path });
    await seedSampleAccounts(seed.core, [{ label: SPOOF, seed: 3 }]);
    seed.cleanup();
    const app = await openApp({ dataDir: dir.path });
    try {
      const { page } = app;
      /** Lines of the page's text with a bidi control left in them. */
      const spoofable = () =>
        page.evaluate(() =>
          document.body.innerText.split('\n').filter((line) => /[\u202a-\u202e\u2066-\u2069]/.test(line)),
        );
      const item = page.getByRole('button', { name: /^Invoice/ }).first();
      await item.waitFor();
      expect(await item.getAttribute('title')).toBe(SHOWN);
      await item.click();
      await page.getByTestId('scope-label').filter({ hasText: SHOWN }).first().waitFor();
      expect(await spoofable()).toEqual([]);
      await page.getByRole('button', { name: 'Sync', exact: true }).first().click();
      await page.getByRole('heading', { name: SHOWN }).waitFor();
      expect(await spoofable()).toEqual([]);
      await screenshot(page, 'bidi-names-sync-light');
      expect(app.consoleErrors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
