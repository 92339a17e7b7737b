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
  // Calls and answers cross as JSON text over a raw CDP binding, and each answer is handed to the page as a call
  // argument: Playwright's own exposeBinding delivers results through its utility script and costs the page's main
  // thread more than twice as much per answer, far more than Electron's IPC clone of the same payload, and that would
  // be charged to the app in the scroll and first-paint benchmarks.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Runtime.enable');
  await cdp.send('Runtime.addBinding', { name: '__rollbookInvoke' });
  const answer = async (channel: string, input: unknown): Promise<string> => {
    const overridden = options.override?.(channel, input);
    if (overridden) return JSON.stringify({ ok: true, value: await overridden });
    return JSON.stringify(await core.handle(channel, input));
  };
  cdp.on('Runtime.bindingCalled', (event) => {
    if (event.name !== '__rollbookInvoke') return;
    const { id, channel, input } = JSON.parse(event.payload) as { id: number; channel: string; input?: unknown };
    void answer(channel, input)
      .then((text) =>
        cdp.send('Runtime.callFunctionOn', {
          functionDeclaration: 'function (id, text) { window.__rollbookAnswer(id, text); }',
          executionContextId: event.executionContextId,
          arguments: [{ value: id }, { value: text }],
        }),
      )
      // The page navigated away before its answer arrived: nobody is waiting for it.
      .catch(() => undefined);
  });
  // Functions serialised into the page may carry esbuild's `__name` helper when the host runs under tsx (the
  // benchmarks); define a no-op so the script works however it was compiled.
  await page.addInitScript({ content: 'globalThis.__name ??= (fn) => fn;' });
  await page.addInitScript(() => {
    type Listener = (payload: unknown) => void;
    const listeners = new Map<string, Set<Listener>>();
    const pending = new Map<number, (text: string) => void>();
    let next = 0;
    const w = window as unknown as {
      __rollbookInvoke: (payload: string) => void;
      __rollbookAnswer: (id: number, text: string) => void;
      __rollbookEmit: (event: string, payload: unknown) => void;
      rollbook: unknown;
    };
    w.__rollbookAnswer = (id, text) => {
      pending.get(id)?.(text);
      pending.delete(id);
    };
    w.__rollbookEmit = (event, payload) => listeners.get(event)?.forEach((listener) => listener(payload));
    w.rollbook = Object.freeze({
      invoke: (channel: string, input: unknown) =>
        new Promise((resolve) => {
          const id = (next += 1);
          pending.set(id, (text) => resolve(JSON.parse(text) as unknown));
          w.__rollbookInvoke(JSON.stringify({ id, channel, input }));
        }),
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
      .evaluate(
        ([e, p]) => (window as unknown as { __rollbookEmit: (e: string, p: unknown) => void }).__rollbookEmit(e, p),
        [event, payload] as const,
      )
      .catch(() => undefined);
  });
}
