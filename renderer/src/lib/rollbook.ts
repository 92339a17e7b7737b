/**
 * The renderer's typed client for the core. The only way the window talks to anything: `window.rollbook`, which the
 * preload (or, in E2E tests, the test bridge) installs. Types come from the one contract; no core runtime code is
 * imported here.
 */
import type { RollbookBridge } from '$contract/bridge';
import type { ChannelName, EventMap, EventName, InputOf, OutputOf } from '$contract/channels';
import type { ErrorCode } from '$contract/errors';
import { problems } from './problems.svelte';

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
    /** For `internal` errors: the cause on one line (the stack is in the core's log). */
    readonly detail?: string,
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
  const { code, message, status, detail } = envelope.error;
  // A bug, not a refusal the view explains: shown as "Something went wrong" with its cause, whatever the view does.
  if (code === 'internal') problems.report({ cause: detail ?? message, context: `Request ${channel}` });
  throw new CoreError(code, message, status, detail);
}

export function subscribe<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void {
  return window.rollbook.on(event, listener);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
