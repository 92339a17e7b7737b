/**
 * The renderer's typed client for the core. The only way the window talks to anything: `window.rollbook`, which the
 * preload (or, in E2E tests, the test bridge) installs. Types come from the one contract; no core runtime code is
 * imported here.
 */
import type { RollbookBridge } from '../../../electron/core/contract/bridge';
import type { ChannelName, EventMap, EventName, InputOf, OutputOf } from '../../../electron/core/contract/channels';
import type { ErrorCode } from '../../../electron/core/contract/errors';

declare global {
  interface Window {
    rollbook: RollbookBridge;
  }
}

/** A failed contract call, with the core's code and user-readable message. */
export class CoreError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'CoreError';
  }
}

export async function call<C extends ChannelName>(
  channel: C,
  ...input: undefined extends InputOf<C> ? [InputOf<C>?] : [InputOf<C>]
): Promise<OutputOf<C>> {
  const envelope = await window.rollbook.invoke(channel, input[0]);
  if (envelope.ok) return envelope.value;
  throw new CoreError(envelope.error.code, envelope.error.message, envelope.error.status);
}

export function subscribe<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void {
  return window.rollbook.on(event, listener);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
