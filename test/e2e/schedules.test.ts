/**
 * Settings → Schedules in the built renderer against a real core: a schedule is added with the folder the host's
 * folder dialog chose (a token, as main/host.ts issues), and its row follows the delivery history (last run, result,
 * file, next run) when a run is delivered.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SaveGrants } from '../../electron/main/trusted-files';
import { tempDir } from '../support/tmp';
import { closeBrowser, openApp } from './harness';
import { axeViolations, describeViolations } from './helpers';

describe('settings: scheduled reports', () => {
  const share = tempDir('rollbook-e2e-share-');
  afterAll(async () => {
    await closeBrowser();
    share.cleanup();
  });

  it('adds a schedule into the chosen folder and shows its deliveries', async () => {
    const folders = new SaveGrants();
    let clock = new Date(2026, 2, 2, 6, 0).getTime();
    const app = await openApp({
      core: {
        now: () => new Date(clock),
        host: {
          chooseFolder: () => Promise.resolve({ path: share.path, folderToken: folders.grant(share.path) }),
          claimFolder: (token) => folders.claim(token),
        },
      },
    });
    try {
      const { page, core } = app;
      await core.call('accounts.add', { label: 'Demo', settings: { platform: 'sample', seed: 1 } });
      await core.call('reports.saved.save', { name: 'Completions', definition: { kind: 'completions' } });
      await page.getByRole('button', { name: 'Settings' }).click();
      await page.getByRole('button', { name: 'Add schedule' }).click();
      const form = page.getByRole('form', { name: 'New schedule' });
      await form.getByLabel('Every', { exact: true }).selectOption('daily');
      await form.getByLabel('At', { exact: true }).fill('07:00');
      await form.getByLabel('Format').selectOption('csv');
      // Without a folder, nothing is added.
      await form.getByRole('button', { name: 'Add schedule' }).click();
      await form.getByRole('alert').waitFor();
      expect(await core.call('schedules.list')).toEqual([]);
      await form.getByRole('button', { name: 'Choose folder…' }).click();
      await form.getByText(share.path).waitFor();
      await form.getByRole('button', { name: 'Add schedule' }).click();

      const row = page.getByTestId('settings-schedules').getByRole('listitem');
      await row.getByText('Not run yet').waitFor();
      expect(await core.call('schedules.list')).toMatchObject([
        { reportName: 'Completions', frequency: 'daily', format: 'csv', folder: share.path },
      ]);
      expect(await row.textContent()).toContain('Completions {yyyy-MM-dd}.csv');
      const violations = await axeViolations(page);
      expect(violations, describeViolations(violations)).toEqual([]);

      clock = new Date(2026, 2, 2, 7, 1).getTime();
      const [delivery] = await core.call('schedules.runDue');
      expect(delivery).toMatchObject({ outcome: 'ok', file: join(share.path, 'Completions 2026-03-02.csv') });
      expect(existsSync(delivery!.file!)).toBe(true);
      await row.getByText('Delivered').waitFor();
      expect(await row.textContent()).toContain(delivery!.file!);

      await row.getByRole('button', { name: /Remove/ }).click();
      await page.getByText('No schedules yet.').waitFor();
      expect(await core.call('schedules.list')).toEqual([]);
      expect(app.consoleErrors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
