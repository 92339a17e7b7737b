/**
 * The IPC surface between the preload and main. Kept free of runtime dependencies (no zod) so the sandboxed
 * preload bundle stays tiny; everything here is types and two channel names.
 */
import type { ChannelName, EventMap, EventName, InputOf, OutputOf } from './channels';
import type { WireError } from './errors';

/** Result envelope over IPC: Electron strips thrown Errors, so failures travel as data. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: WireError };

/**
 * What the preload exposes as `window.rollbook`. `invoke` resolves with an envelope (never rejects for core
 * errors) because Error objects do not survive contextBridge; the renderer's client unwraps it.
 */
export interface RollbookBridge {
  invoke<C extends ChannelName>(channel: C, input?: InputOf<C>): Promise<Envelope<OutputOf<C>>>;
  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void;
}

export const IPC_INVOKE = 'rollbook:invoke';
export const IPC_EVENT = 'rollbook:event';
