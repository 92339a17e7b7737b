/**
 * A stand-in for `window.rollbook` (the preload's bridge) for the renderer's state classes: answers the channels a
 * test gives it, records every call, and pushes events as the core would.
 */
import type { Envelope, RollbookBridge } from '../../electron/core/contract/bridge';
import type {
  Account,
  ChannelName,
  EventMap,
  EventName,
  InputOf,
  OutputOf,
} from '../../electron/core/contract/channels';
import type { Platform } from '../../electron/core/contract/domain';
import { appSettingsSchema } from '../../electron/core/contract/settings';
import { vi } from 'vitest';

type Handler<C extends ChannelName> = (input: InputOf<C>) => OutputOf<C> | Promise<OutputOf<C>>;
type Handlers = { [C in ChannelName]?: Handler<C> };

export class FakeBridge implements RollbookBridge {
  readonly calls: { channel: ChannelName; input: unknown }[] = [];
  readonly #handlers: Handlers = {
    'accounts.list': () => [],
    'settings.get': () => appSettingsSchema.parse({}),
    'sync.status': () => [],
    'sync.history': () => [],
    'reports.saved.list': () => [],
  };
  readonly #listeners = new Map<EventName, Set<(payload: never) => void>>();

  answer<C extends ChannelName>(channel: C, handler: Handler<C>): this {
    (this.#handlers as Record<string, unknown>)[channel] = handler;
    return this;
  }

  async invoke<C extends ChannelName>(channel: C, input?: InputOf<C>): Promise<Envelope<OutputOf<C>>> {
    this.calls.push({ channel, input });
    const handler = this.#handlers[channel] as Handler<C> | undefined;
    if (!handler)
      return { ok: false, error: { code: 'unknown_channel', message: `The fake bridge does not answer ${channel}.` } };
    try {
      return { ok: true, value: await handler(input as InputOf<C>) };
    } catch (error) {
      return {
        ok: false,
        error: { code: 'conflict', message: error instanceof Error ? error.message : String(error) },
      };
    }
  }

  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void {
    const listeners = this.#listeners.get(event) ?? new Set();
    this.#listeners.set(event, listeners);
    listeners.add(listener as (payload: never) => void);
    return () => listeners.delete(listener as (payload: never) => void);
  }

  emit<E extends EventName>(event: E, payload: EventMap[E]): void {
    for (const listener of this.#listeners.get(event) ?? []) (listener as (payload: EventMap[E]) => void)(payload);
  }

  listening(event: EventName): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  /** The inputs of every call to one channel, oldest first. */
  inputs<C extends ChannelName>(channel: C): InputOf<C>[] {
    return this.calls.filter((c) => c.channel === channel).map((c) => c.input as InputOf<C>);
  }
}

/**
 * Installs a fresh fake as `window.rollbook` (the renderer's client reads it on every call); undo with
 * vi.unstubAllGlobals.
 */
export function installBridge(): FakeBridge {
  const bridge = new FakeBridge();
  vi.stubGlobal('window', { rollbook: bridge });
  return bridge;
}

export function account(id: string, platform: Platform, label: string): Account {
  return {
    id,
    platform,
    label,
    settings: { platform: 'sample', seed: 1 },
    secretLocation: 'none',
    needsReconnect: false,
    reconnectReason: null,
    liveGeneration: 1,
    lastSyncedAt: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

/** A promise with its resolve outside: an answer the test releases when it chooses. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
