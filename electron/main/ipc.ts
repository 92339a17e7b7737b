/**
 * The one place IPC handlers are registered. Every contract call arrives on a single channel and is checked here:
 * (a) it must come from the app's own top-level frame, (b) the core validates the input against the contract's
 * schema, (c) the answer is an envelope `{ ok, value } | { ok, error: { code, message } }` because Electron
 * strips thrown Error objects. Only types are imported from electron so tests can drive this with fake events.
 */
import type { IpcMainInvokeEvent } from 'electron';
import { IPC_INVOKE, type Envelope } from '../core/contract/bridge';
import type { Core } from '../core/core';
import { originOf } from './security';

export type InvokeEvent = Pick<IpcMainInvokeEvent, 'senderFrame'>;

export interface IpcRegistrar {
  handle(channel: string, listener: (event: InvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
}

/** Trusted = the top frame of a page served from one of the app's own origins (app://rollbook, or the dev server). */
export function createSenderCheck(allowedOrigins: readonly string[]) {
  return (event: InvokeEvent): boolean => {
    const frame = event.senderFrame;
    if (!frame || frame.parent !== null) return false;
    const origin = originOf(frame.url);
    return origin !== null && allowedOrigins.includes(origin);
  };
}

export function registerContract(
  ipc: IpcRegistrar,
  core: Pick<Core, 'handle'>,
  isTrustedSender: (event: InvokeEvent) => boolean,
): void {
  ipc.handle(IPC_INVOKE, async (event, channel, input): Promise<Envelope<unknown>> => {
    if (!isTrustedSender(event)) {
      return {
        ok: false,
        error: { code: 'forbidden_sender', message: 'This request did not come from the Rollbook window and was refused.' },
      };
    }
    return core.handle(channel, input);
  });
}
