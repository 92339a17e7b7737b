/**
 * Starts Electron main (electron/main/index.ts) under the fake `electron` (./fake-electron.ts): the test file must
 * call `vi.mock('electron', () => import('./fake-electron'))`. Main's module body is the app's start, so each launch
 * imports it afresh; the real core it builds lives in temp folders (app.getPath) removed by stopApp.
 */
import { rmSync } from 'node:fs';
import { expect, vi } from 'vitest';
import { IPC_INVOKE, type Envelope } from '../../electron/core/contract/bridge';
import type * as FakeElectron from './fake-electron';

export type Fake = typeof FakeElectron;

export interface Frame {
  url: string;
  parent: Frame | null;
}
export const topFrame = (url: string): Frame => ({ url, parent: null });
export const APP_PAGE = topFrame('app://rollbook/index.html');

export interface Launched {
  fake: Fake;
  /** A call as the preload makes it, from `frame` (the app page's top frame unless given). */
  invoke: (channel: string, input?: unknown, frame?: Frame | null) => Promise<Envelope<unknown>>;
  window: InstanceType<Fake['BrowserWindow']>;
}

let launched: Fake | undefined;

export async function launch(
  options: { lock?: boolean; isPackaged?: boolean; devUrl?: string } = {},
): Promise<Launched> {
  vi.resetModules();
  // The instance main sees: vitest keeps a mocked module across resetModules, so it is reset rather than reloaded.
  const fake = (await import('electron')) as unknown as Fake;
  fake.resetFake();
  launched = fake;
  fake.state.singleInstanceLock = options.lock ?? true;
  fake.app.isPackaged = options.isPackaged ?? true;
  if (options.devUrl === undefined) delete process.env.ELECTRON_RENDERER_URL;
  else process.env.ELECTRON_RENDERER_URL = options.devUrl;
  await import('../../electron/main/index');
  fake.app.ready();
  if (options.lock === false) {
    return { fake, invoke: () => Promise.reject(new Error('no IPC')), window: undefined as never };
  }
  await vi.waitFor(() => expect(fake.state.windows.length).toBe(1), { timeout: 10_000 });
  const handler = fake.state.ipcHandlers.get(IPC_INVOKE)!;
  const invoke = (channel: string, input?: unknown, frame: Frame | null = APP_PAGE) =>
    handler({ senderFrame: frame }, channel, input) as Promise<Envelope<unknown>>;
  return { fake, invoke, window: fake.state.windows[0]! };
}

/** Closes the window (main then closes the core and quits) and removes the app's temp folders. */
export function stopApp(): void {
  if (!launched) return;
  launched.app.emit('window-all-closed');
  for (const dir of launched.state.paths.values()) rmSync(dir, { recursive: true, force: true });
  launched = undefined;
  delete process.env.ELECTRON_RENDERER_URL;
}
