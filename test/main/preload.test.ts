/**
 * The BUILT preload (out/preload/index.cjs from `npm run build`, as the sandboxed window loads it) run in a Node vm
 * context shaped like a sandboxed preload's: `require` answers only 'electron', with a fake contextBridge and
 * ipcRenderer. It must expose exactly `invoke` and `on` as `window.rollbook`, forward calls on the one invoke
 * channel, and deliver only the subscribed event's payloads until unsubscribed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { IPC_EVENT, IPC_INVOKE } from '../../electron/core/contract/bridge';

const BUILT_PRELOAD = resolve(import.meta.dirname, '../../out/preload/index.cjs');

type Listener = (event: unknown, ...args: unknown[]) => void;

function loadPreload() {
  const exposed: { key: string; api: Record<string, (...args: never[]) => unknown> }[] = [];
  const invoked: unknown[][] = [];
  const listeners = new Map<string, Set<Listener>>();
  const required: string[] = [];
  const ipcRenderer = {
    invoke: (...args: unknown[]) => {
      invoked.push(args);
      return Promise.resolve({ ok: true, value: { echoed: args } });
    },
    on: (channel: string, listener: Listener) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(listener);
    },
    removeListener: (channel: string, listener: Listener) => listeners.get(channel)?.delete(listener),
  };
  const contextBridge = {
    exposeInMainWorld: (key: string, api: Record<string, (...args: never[]) => unknown>) => exposed.push({ key, api }),
  };
  const module = { exports: {} };
  runInNewContext(readFileSync(BUILT_PRELOAD, 'utf8'), {
    module,
    exports: module.exports,
    require: (name: string) => {
      required.push(name);
      if (name !== 'electron') throw new Error(`a sandboxed preload cannot require "${name}"`);
      return { contextBridge, ipcRenderer };
    },
  });
  const emit = (...args: unknown[]) => {
    for (const listener of [...(listeners.get(IPC_EVENT) ?? [])]) listener({ sender: 'ipc' }, ...args);
  };
  return { exposed, invoked, listeners, required, emit };
}

describe('the built preload', () => {
  let preload: ReturnType<typeof loadPreload>;
  beforeAll(() => {
    expect(existsSync(BUILT_PRELOAD), `${BUILT_PRELOAD} is missing: run npm run build first`).toBe(true);
    preload = loadPreload();
  });

  it('is one file that needs only electron, and exposes exactly invoke and on as window.rollbook', () => {
    expect([...new Set(preload.required)]).toEqual(['electron']);
    expect(preload.exposed.map((e) => e.key)).toEqual(['rollbook']);
    expect(Object.keys(preload.exposed[0]!.api).sort()).toEqual(['invoke', 'on']);
    for (const fn of Object.values(preload.exposed[0]!.api)) expect(typeof fn).toBe('function');
  });

  it('invoke forwards the channel and input on the one invoke channel and returns the envelope', async () => {
    const { invoke } = preload.exposed[0]!.api as unknown as { invoke: (c: string, i?: unknown) => Promise<unknown> };
    const input = { definition: { kind: 'completions' }, limit: 5 };
    const echoed = [IPC_INVOKE, 'reports.preview', input];
    await expect(invoke('reports.preview', input)).resolves.toEqual({ ok: true, value: { echoed } });
    await invoke('app.info');
    expect(preload.invoked).toEqual([
      [IPC_INVOKE, 'reports.preview', input],
      [IPC_INVOKE, 'app.info', undefined],
    ]);
  });

  it("on delivers only its event's payloads, without the IPC event object, until unsubscribed", () => {
    const { on } = preload.exposed[0]!.api as unknown as { on: (e: string, l: (p: unknown) => void) => () => void };
    const progress: unknown[] = [];
    const changed: unknown[] = [];
    const offProgress = on('sync.progress', (p) => progress.push(p));
    const offChanged = on('accounts.changed', (p) => changed.push(p));
    expect(preload.listeners.get(IPC_EVENT)?.size).toBe(2);

    preload.emit('sync.progress', { accountId: 'a', rows: 1 });
    preload.emit('accounts.changed', { accounts: [] });
    preload.emit('sync.progress', { accountId: 'a', rows: 2 });
    expect(progress).toEqual([
      { accountId: 'a', rows: 1 },
      { accountId: 'a', rows: 2 },
    ]);
    expect(changed).toEqual([{ accounts: [] }]);

    offProgress();
    preload.emit('sync.progress', { accountId: 'a', rows: 3 });
    expect(progress).toHaveLength(2);
    expect(preload.listeners.get(IPC_EVENT)?.size).toBe(1);
    offChanged();
    expect(preload.listeners.get(IPC_EVENT)?.size).toBe(0);
  });
});
