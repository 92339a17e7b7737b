/**
 * The Edit-account dialog in the built renderer: moving an account's address to another server asks for the secret
 * again (the saved one is never sent there); the secret is tested against the new server before anything is saved.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTeamupSimulator, type TeamupSimulator } from '../simulators/teamup';
import { closeBrowser, openApp, type AppHarness } from './harness';
import { axeViolations, describeViolations, screenshot, shownText } from './helpers';

describe('edit account: another server', () => {
  let app: AppHarness;
  let home: TeamupSimulator;
  let elsewhere: TeamupSimulator;

  beforeAll(async () => {
    home = await startTeamupSimulator({ token: 'home-token-123456' });
    elsewhere = await startTeamupSimulator({ token: 'elsewhere-token-654321' });
    app = await openApp({ core: { httpOptions: { retry: { retries: 0 } } } });
  });
  afterEach(async () => {
    while (await app.page.locator('dialog[open]').count()) await app.page.keyboard.press('Escape');
  });
  afterAll(async () => {
    await app?.close();
    await home?.close();
    await elsewhere?.close();
    await closeBrowser();
  });

  it('asks for the secret when the address moves, tests it there, then saves', async () => {
    const { page, core } = app;
    await core.call('accounts.add', {
      label: 'Studio',
      settings: { platform: 'teamup', baseUrl: `${home.url}/api/v2`, providerId: '123' },
      secret: home.options.token,
      storage: 'session',
    });
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByTestId('settings-accounts').getByRole('button', { name: 'Edit Studio' }).click();
    const dialog = page.getByTestId('edit-account');
    await dialog.waitFor();
    const address = dialog.getByLabel('API address');

    // Same server, another path: no secret asked.
    await address.fill(`${home.url}/api/v2/`);
    expect(await dialog.getByTestId('new-server').count()).toBe(0);

    await address.fill(`${elsewhere.url}/api/v2`);
    await dialog.getByTestId('new-server').waitFor();
    expect(await shownText(dialog.getByTestId('new-server'))).toMatch(/does not send the saved secret there/);
    expect(await axeViolations(page).then(describeViolations)).toBe('');
    await screenshot(page, 'edit-account-new-server');
    // Saving without the secret is refused in the form; nothing reaches either server.
    const heard = elsewhere.requests.length;
    await dialog.getByRole('button', { name: 'Test and save' }).click();
    await expect.poll(() => shownText(dialog)).toContain('enter its secret to save the new address');
    expect(elsewhere.requests.length).toBe(heard);

    // A wrong secret: refused by the new server, nothing saved.
    await dialog.getByLabel('API token', { exact: true }).fill('wrong-token-000000');
    await dialog.getByRole('button', { name: 'Test and save' }).click();
    await expect.poll(() => shownText(dialog)).toContain('Wrong credentials');
    expect((await core.call('accounts.list'))[0]!.settings).toMatchObject({ baseUrl: `${home.url}/api/v2` });

    await dialog.getByLabel('API token', { exact: true }).fill(elsewhere.options.token);
    await dialog.getByRole('button', { name: 'Test and save' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await core.call('accounts.list'))[0]).toMatchObject({
      settings: { baseUrl: `${elsewhere.url}/api/v2` },
      secretLocation: 'session',
      needsReconnect: false,
    });
    const tokens = elsewhere.requests.map((r) => r.headers.authorization ?? '').join('\n');
    expect(tokens).toContain(elsewhere.options.token);
    expect(tokens).not.toContain(home.options.token);
    expect(app.consoleErrors).toEqual([]);
  });
});
