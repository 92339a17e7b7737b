/**
 * "Sign in with SelfCommunity" through Electron main (under the fake `electron`): the window asks the core to start
 * the sign-in, main opens the authorize page in the system browser (shell.openExternal, web addresses only), and
 * what comes back over IPC carries no token. The host's refusal of other schemes: host.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSelfcommunitySimulator, type SelfcommunitySimulator } from '../simulators/selfcommunity';
import { launch, stopApp } from './launch';

vi.mock('electron', () => import('./fake-electron'));

afterEach(stopApp);

describe('sign-in from the window', () => {
  let sim: SelfcommunitySimulator;
  beforeAll(async () => {
    sim = await startSelfcommunitySimulator({ courses: 2, users: 6, membersPerCourse: 3 });
  });
  afterAll(() => sim.close());

  it('main opens the authorize page in the system browser; the window sees the report, never a token', async () => {
    const { fake, invoke } = await launch();
    const started = await invoke('accounts.oauthStart', { baseUrl: sim.url, clientId: sim.options.oauthClientId });
    expect(started).toMatchObject({ ok: true, value: { opened: true } });
    const { flow, authorizeUrl } = (started as { value: { flow: string; authorizeUrl: string } }).value;
    expect(fake.state.shellCalls).toEqual([{ method: 'openExternal', target: authorizeUrl }]);
    expect(authorizeUrl.startsWith(`${sim.url}/oauth/authorize/?`)).toBe(true);

    // The system browser, signed in to the community, follows the page back to the core's loopback port.
    const approved = await fetch(authorizeUrl, { redirect: 'manual' });
    expect((await fetch(approved.headers.get('location')!)).status).toBe(200);
    const finished = await invoke('accounts.oauthFinish', { flow });
    expect(finished).toMatchObject({ ok: true, value: { connection: { courseCount: 2 } } });
    const wire = JSON.stringify(finished);
    for (const token of [...sim.oauth.access.keys(), ...sim.oauth.refresh.keys()]) expect(wire).not.toContain(token);
  });
});
