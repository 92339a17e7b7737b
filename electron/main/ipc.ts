/**
 * The one place IPC handlers are registered. Every contract call arrives on a single channel and is checked here:
 * (a) it must come from the app's own top-level frame, (b) it may not name a file to write (windowInputRefusal),
 * (c) the core validates the input against the contract's schema, (d) the answer is an envelope
 * `{ ok, value } | { ok, error: { code, message } }` because Electron strips thrown Error objects. Only types are
 * imported from electron so tests can drive this with fake events.
 */
import type { BrowserWindow, IpcMainInvokeEvent } from 'electron';
import { IPC_EVENT, IPC_INVOKE, type Envelope } from '../core/contract/bridge';
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

/**
 * Channels whose input may name a file to write for in-process hosts (the CLI's --out, tests). The window may not:
 * it presents the token the Save dialog gave it (host.ts), so a compromised renderer cannot pick a file to overwrite.
 */
const WRITES_A_FILE = new Set(['reports.export', 'reports.saved.run', 'compliance.export', 'requirements.exportFile']);

/** Why the window may not send this input, or null. */
export function windowInputRefusal(channel: unknown, input: unknown): string | null {
  // A scheduled report's folder: only the one the folder dialog pointed to (its token), never a path.
  if (channel === 'schedules.add' && typeof input === 'object' && input !== null) {
    const { folder, folderToken } = input as { folder?: unknown; folderToken?: unknown };
    if (folder !== undefined || typeof folderToken !== 'string') {
      return 'The window may only schedule reports into a folder chosen in the folder dialog; choose it again.';
    }
  }
  // A file to read: only the one the Open dialog pointed to (its token), never a path the window names.
  if (channel === 'requirements.importFile' && typeof input === 'object' && input !== null) {
    const { path, openToken } = input as { path?: unknown; openToken?: unknown };
    if (path !== undefined || typeof openToken !== 'string') {
      return 'The window may only import a file chosen in the Open dialog; choose "Import…" again.';
    }
  }
  if (typeof channel !== 'string' || !WRITES_A_FILE.has(channel)) return null;
  if (typeof input !== 'object' || input === null) return null;
  const { path, saveToken, options } = input as { path?: unknown; saveToken?: unknown; options?: unknown };
  if (path !== undefined || typeof saveToken !== 'string') {
    return 'The window may only export where the Save dialog pointed; choose "Save as…" again.';
  }
  if (typeof options === 'object' && options !== null && 'force' in options) {
    return 'The window may not ask to overwrite files; the Save dialog asks the user.';
  }
  return null;
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
        error: {
          code: 'forbidden_sender',
          message: 'This request did not come from the Rollbook window and was refused.',
        },
      };
    }
    const refusal = windowInputRefusal(channel, input);
    if (refusal) return { ok: false, error: { code: 'forbidden_path', message: refusal } };
    return core.handle(channel, input);
  });
}

/** Every core event goes to the window while it lives (a destroyed window is a quitting app). */
export function forwardEvents(
  core: Pick<Core, 'onAny'>,
  window: Pick<BrowserWindow, 'isDestroyed' | 'webContents'>,
): () => void {
  return core.onAny((event, payload) => {
    if (!window.isDestroyed()) window.webContents.send(IPC_EVENT, event, payload);
  });
}
