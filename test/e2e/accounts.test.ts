/**
 * The Accounts UI in the built renderer: the Add-account wizard with the sample platform, then a real iSpring Learn
 * (loopback simulator): a wrong secret is refused with the precise reason and nothing is saved; the right one is
 * added (session-only, as the test host has no keychain) and synced; when the server goes away the window says it
 * is showing older data; reconnecting replaces the secret.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startIspringSimulator, type IspringSimulator } from '../simulators/ispring';
import { startTeamupSimulator } from '../simulators/teamup';
import { closeBrowser, openApp, type AppHarness } from './harness';
import { axeViolations, describeViolations, screenshot, shownText } from './helpers';

describe('accounts UI', () => {
  let app: AppHarness;
  let sim: IspringSimulator;

  beforeAll(async () => {
    sim = await startIspringSimulator({ courses: 6, learners: 20, results: 60 });
    // Fast retries: a refused connection is reported in milliseconds, not after the production back-off.
    app = await openApp({ core: { httpOptions: { retry: { retries: 1, baseDelayMs: 10, maxDelayMs: 20 } } } });
  });
  // A failed step must not leave a modal over the next test's window.
  afterEach(async () => {
    while (await app.page.locator('dialog[open]').count()) await app.page.keyboard.press('Escape');
  });
  afterAll(async () => {
    await app?.close();
    await sim?.close();
    await closeBrowser();
  });

  const dialog = () => app.page.getByTestId('add-account');
  const openWizard = async () => {
    await app.page.getByRole('button', { name: 'Add account', exact: true }).first().click();
    await dialog().waitFor();
  };

  it('adds a sample account through the wizard and syncs it', async () => {
    const { page, core } = app;
    await page.getByTestId('empty-state').waitFor();
    expect(describeViolations(await axeViolations(page))).toBe('');
    await page.getByRole('button', { name: 'Add an account' }).click();
    await dialog().getByText('Sample data', { exact: true }).click();
    await dialog().getByRole('button', { name: 'Continue' }).click();
    await dialog().getByLabel('Seed').fill('3');
    await dialog().getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => shownText(dialog().getByTestId('connection-ok'))).toContain('24 courses available');
    // An empty label is filled from what the connection reached; the user may change it.
    expect(await dialog().getByLabel('Label').inputValue()).toBe('Sample data seed 3');
    await dialog().getByLabel('Label').fill('Demo');
    expect(await axeViolations(page).then(describeViolations)).toBe('');
    await dialog().getByRole('button', { name: 'Add account' }).click();
    await dialog().waitFor({ state: 'detached' });

    expect((await core.call('accounts.list')).map((a) => [a.label, a.platform, a.secretLocation])).toEqual([
      ['Demo', 'sample', 'none'],
    ]);
    // The window's syncs run in the bundled sync worker, as in the app.
    expect((await core.call('app.info')).workers).toEqual({ sync: true, csvExport: true });
    await expect.poll(() => shownText(page.getByTestId('total-courses')), { timeout: 15_000 }).toBe('24');
    expect(
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('button', { name: 'Demo' })
        .getAttribute('aria-pressed'),
    ).toBe('true');
  });

  it('refuses a wrong iSpring secret with the precise reason and saves nothing; accepts the right one', async () => {
    const { page, core } = app;
    await openWizard();
    await dialog().getByText('iSpring Learn', { exact: true }).click();
    await dialog().getByRole('button', { name: 'Continue' }).click();
    await dialog().getByLabel('API address').fill(sim.url);
    await dialog().getByRole('textbox', { name: 'Client ID' }).fill(sim.options.clientId);
    const wrong = 'definitely-not-the-secret-42';
    await dialog().getByLabel('Client secret', { exact: true }).fill(wrong);
    // No keychain on the test host: the wizard says so and offers a session-only secret.
    expect(await shownText(dialog().getByTestId('keychain-unavailable'))).toContain('only be kept for this session');

    await dialog().getByRole('button', { name: 'Test connection' }).click();
    const error = dialog().getByTestId('connection-error');
    await expect.poll(() => shownText(error)).toContain('Wrong credentials');
    expect(await shownText(error)).toMatch(/rejected the client ID or (client )?secret/);
    expect(await shownText(error)).not.toContain(wrong);

    // Adding needs "this session only" here; with the wrong secret it fails the same way and saves nothing.
    expect(await dialog().getByRole('button', { name: 'Add account' }).isDisabled()).toBe(true);
    await dialog().getByTestId('session-only').check();
    await dialog().getByLabel('Label').fill('Acme iSpring');
    await dialog().getByRole('button', { name: 'Add account' }).click();
    await expect.poll(() => shownText(error)).toContain('Wrong credentials');
    expect((await core.call('accounts.list')).map((a) => a.label)).toEqual(['Demo']);

    // An address nothing answers at: a different, equally precise reason.
    await dialog().getByLabel('API address').fill('http://127.0.0.1:9');
    await dialog().getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => shownText(error), { timeout: 15_000 }).toContain('Cannot reach the server');

    await dialog().getByLabel('API address').fill(sim.url);
    await dialog().getByLabel('Client secret', { exact: true }).fill(sim.options.clientSecret);
    await dialog().getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => shownText(dialog().getByTestId('connection-ok'))).toContain('6 courses available');
    await screenshot(page, 'add-account-ispring-light');
    await dialog().getByRole('button', { name: 'Add account' }).click();
    await dialog().waitFor({ state: 'detached' });

    const saved = (await core.call('accounts.list')).find((a) => a.label === 'Acme iSpring');
    expect(saved).toMatchObject({
      platform: 'ispring',
      secretLocation: 'session',
      settings: { clientId: sim.options.clientId, baseUrl: sim.url },
    });
    expect(JSON.stringify(saved)).not.toContain(sim.options.clientSecret);
    await expect
      .poll(async () => (await core.call('sync.status')).find((s) => s.accountId === saved!.id)?.lastRun?.outcome, {
        timeout: 20_000,
      })
      .toBe('ok');
    await expect.poll(() => shownText(page.getByTestId('total-courses'))).toBe('6');

    // Both accounts are in the sidebar; switching between them changes the course list.
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('button', { name: 'Courses', exact: true }).click();
    await expect.poll(() => shownText(page.getByTestId('course-count'))).toMatch(/^\s*6 courses/);
    const ispringCourses = await page.getByTestId('courses-table').getByRole('row').nth(1).textContent();
    await nav.getByRole('button', { name: 'Demo' }).click();
    await expect.poll(() => shownText(page.getByTestId('course-count'))).toMatch(/^\s*24 courses/);
    expect(await shownText(page.getByTestId('courses-table').getByRole('row').nth(1))).not.toBe(ispringCourses);
    await nav.getByRole('button', { name: 'Acme iSpring' }).click();
    await expect.poll(() => shownText(page.getByTestId('course-count'))).toMatch(/^\s*6 courses/);
  });

  it('shows live progress while a sync runs, and cancels it', async () => {
    const { page, core } = app;
    const account = (await core.call('accounts.list')).find((a) => a.label === 'Acme iSpring')!;
    expect(account.lastSyncedAt).not.toBeNull();
    // Slow answers keep the run going long enough to watch it, and results held back past the test's end make sure
    // it can only end by the cancel.
    sim.addFault({ match: /users|contents/, fault: { kind: 'delay', ms: 300 } });
    sim.addFault({ match: /results/, fault: { kind: 'delay', ms: 300_000 } });
    try {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sync', exact: true }).click();
      const card = page.getByTestId('sync-card').filter({ hasText: 'Acme iSpring' });
      await card.getByRole('button', { name: 'Full sync of Acme iSpring' }).click();
      await card.getByRole('progressbar', { name: 'Sync progress of Acme iSpring' }).waitFor();
      await expect.poll(() => shownText(card)).toMatch(/Pulling (courses|learners|progress) · step \d of \d/);
      expect(
        await page.getByRole('navigation', { name: 'Main' }).getByRole('img', { name: 'Syncing' }).count(),
      ).toBeGreaterThan(0);
      await screenshot(page, 'sync-running-light');
      await card.getByRole('button', { name: 'Cancel sync of Acme iSpring' }).click();
      await expect.poll(() => shownText(card), { timeout: 15_000 }).toContain('Cancelled');
    } finally {
      sim.clearFaults();
    }
    // Cancelling kept the data of the last good run: its generation, and its time.
    expect((await core.call('sync.history', { accountId: account.id }))[0]).toMatchObject({ outcome: 'cancelled' });
    expect((await core.call('accounts.list')).find((a) => a.id === account.id)!.lastSyncedAt).toBe(
      account.lastSyncedAt,
    );
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Overview', exact: true }).click();
    await expect.poll(() => shownText(page.getByTestId('total-courses'))).toBe('6');
  });

  it('shows "Offline — showing data from …" when the server is gone, and the sync error in detail', async () => {
    const { page } = app;
    const port = new URL(sim.url).port;
    await sim.close();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sync', exact: true }).click();
    const card = page.getByTestId('sync-card').filter({ hasText: 'Acme iSpring' });
    await card.getByRole('button', { name: 'Sync Acme iSpring' }).click();
    await page.getByTestId('offline-banner').waitFor({ timeout: 20_000 });
    expect(await shownText(page.getByTestId('offline-banner'))).toMatch(/Offline — showing data from \d{1,2}:\d{2}/);
    expect(await shownText(card)).toContain('Failed');
    await card.getByText('Details').click();
    expect(await shownText(card)).toContain('network');
    expect(await shownText(card)).toContain(`127.0.0.1:${port}`);
    await screenshot(page, 'sync-offline-light');
    expect(await axeViolations(page).then(describeViolations)).toBe('');
  });

  it('removes an account but keeps its data, then reconnects it with a new secret', async () => {
    const { page, core } = app;
    sim = await startIspringSimulator({ courses: 6, learners: 20, results: 60 });
    await core.call('accounts.update', {
      account: 'Acme iSpring',
      settings: {
        platform: 'ispring',
        baseUrl: sim.url,
        authMode: 'token',
        clientId: sim.options.clientId,
        format: 'json',
      },
      // Another server than before: the secret has to come along.
      secret: sim.options.clientSecret,
    });
    await page.getByRole('button', { name: 'Settings' }).click();
    const list = page.getByTestId('settings-accounts');
    expect(await shownText(list)).toContain('Secret kept for this session only');
    await list.getByRole('button', { name: 'Remove Acme iSpring' }).click();
    const remove = page.getByTestId('remove-account');
    await remove.getByLabel(/Keep its cached data/).check();
    await remove.getByRole('button', { name: 'Disconnect' }).click();
    await expect.poll(() => shownText(list)).toContain('Needs reconnecting');
    const acme = (await core.call('accounts.list')).find((a) => a.label === 'Acme iSpring')!;
    expect(acme).toMatchObject({ needsReconnect: true, secretLocation: 'none' });
    // The data stays browsable.
    expect((await core.call('workspace.courses', { accountIds: [acme.id] })).length).toBe(6);

    await list.getByRole('button', { name: 'Reconnect of Acme iSpring' }).click();
    const replace = page.getByTestId('replace-secret');
    await replace.getByLabel('Client secret', { exact: true }).fill('still-wrong');
    await replace.getByLabel('Keep for this session only').check();
    await replace.getByRole('button', { name: 'Test and save' }).click();
    await expect.poll(() => shownText(replace.getByTestId('connection-error'))).toContain('Wrong credentials');
    await replace.getByLabel('Client secret', { exact: true }).fill(sim.options.clientSecret);
    await replace.getByRole('button', { name: 'Test and save' }).click();
    await replace.waitFor({ state: 'detached' });
    expect((await core.call('accounts.list')).find((a) => a.label === 'Acme iSpring')).toMatchObject({
      needsReconnect: false,
      secretLocation: 'session',
    });
    await expect.poll(() => shownText(list)).not.toContain('Needs reconnecting');
    expect(app.consoleErrors).toEqual([]);
  });

  it('TeamUp: a token that reaches several providers asks which one to sync', async () => {
    const { core } = app;
    const teamup = await startTeamupSimulator({ providers: 2 });
    try {
      await openWizard();
      await dialog().getByText('TeamUp', { exact: true }).click();
      await dialog().getByRole('button', { name: 'Continue' }).click();
      await dialog().getByLabel('API address').fill(`${teamup.url}/api/v2`);
      await dialog().getByLabel('API token', { exact: true }).fill(teamup.options.token);
      await dialog().getByTestId('session-only').check();
      await dialog().getByRole('button', { name: 'Test connection' }).click();
      const providers = dialog().getByRole('group', { name: 'Provider to sync' });
      await providers.waitFor();
      expect(await providers.getByRole('radio').count()).toBe(2);
      // Until one is picked, nothing can be added.
      expect(await dialog().getByRole('button', { name: 'Add account' }).isDisabled()).toBe(true);
      const second = teamup.options.providers[1]!;
      await providers.getByRole('radio', { name: new RegExp(String(second.id)) }).check();
      await dialog().getByLabel('Label').fill('Studio');
      await dialog().getByRole('button', { name: 'Add account' }).click();
      await dialog().waitFor({ state: 'detached' });
      const studio = (await core.call('accounts.list')).find((a) => a.label === 'Studio')!;
      expect(studio.settings).toMatchObject({ platform: 'teamup', providerId: String(second.id) });
      const outcome = async () =>
        (await core.call('sync.status')).find((s) => s.accountId === studio.id)?.lastRun?.outcome;
      await expect.poll(outcome, { timeout: 20_000 }).toMatch(/^(ok|partial)$/);
    } finally {
      await teamup.close();
    }
    expect(app.consoleErrors).toEqual([]);
  });
});
