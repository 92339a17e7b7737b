/**
 * TEST-ONLY stand-in for the Electron preload: installs `window.rollbook` in a Playwright page before any app
 * script runs, and forwards every call to a real core in the test process. Same contract, same envelopes, same
 * JSON-only payloads as IPC. Lives under test/ and is never part of a production bundle.
 */
import type { Page } from 'playwright-core';
import type { Core } from '../../electron/core/core';

export interface BridgeOptions {
  /** Intercepts a channel before it reaches the core (e.g. to stub a native dialog). */
  override?: (channel: string, input: unknown) => Promise<unknown> | undefined;
}

export async function installBridge(page: Page, core: Core, options: BridgeOptions = {}): Promise<() => void> {
  // Envelopes cross as JSON text: Playwright's structured serialisation of a 10k-row answer takes seconds, a
  // string takes milliseconds (Electron's IPC clone is fast too, so this keeps the page's timing realistic).
  await page.exposeBinding('__rollbookInvoke', async (_source, channel: unknown, input: unknown) => {
    const overridden = options.override?.(String(channel), input);
    if (overridden) return JSON.stringify({ ok: true, value: await overridden });
    return JSON.stringify(await core.handle(channel, input));
  });
  // Functions serialised into the page may carry esbuild's `__name` helper when the host runs under tsx (the
  // benchmarks); define a no-op so the script works however it was compiled.
  await page.addInitScript({ content: 'globalThis.__name ??= (fn) => fn;' });
  await page.addInitScript(() => {
    type Listener = (payload: unknown) => void;
    const listeners = new Map<string, Set<Listener>>();
    const w = window as unknown as {
      __rollbookInvoke: (channel: string, input: unknown) => Promise<string>;
      __rollbookEmit: (event: string, payload: unknown) => void;
      rollbook: unknown;
    };
    w.__rollbookEmit = (event, payload) => listeners.get(event)?.forEach((listener) => listener(payload));
    w.rollbook = Object.freeze({
      invoke: async (channel: string, input: unknown) => JSON.parse(await w.__rollbookInvoke(channel, input)) as unknown,
      on: (event: string, listener: Listener) => {
        let set = listeners.get(event);
        if (!set) listeners.set(event, (set = new Set()));
        set.add(listener);
        return () => set.delete(listener);
      },
    });
  });
  return core.onAny((event, payload) => {
    page
      .evaluate(([e, p]) => (window as unknown as { __rollbookEmit: (e: string, p: unknown) => void }).__rollbookEmit(e, p), [event, payload] as const)
      .catch(() => undefined);
  });
}
