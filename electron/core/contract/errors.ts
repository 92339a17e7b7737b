/**
 * Errors that cross the core's edge. Electron strips thrown Error objects over IPC, so every failure is turned
 * into a plain `{ code, message }` (see `toWireError`). Messages say what happened and what the user can do.
 */
import type { HttpErrorCode } from '../http/types';

export type ErrorCode =
  | HttpErrorCode
  | 'invalid_input'
  | 'forbidden_sender'
  | 'forbidden_path'
  | 'unknown_channel'
  | 'conflict'
  | 'account_not_found'
  | 'keychain_unavailable'
  | 'secret_missing'
  | 'secret_required'
  /** A sign-in the platform no longer accepts (an OAuth refresh refused): the user must sign in again. */
  | 'reconnect_needed'
  | 'sync_running'
  | 'chromium_missing'
  | 'export_failed'
  /** The cache's folder cannot be written: reads work, syncs and changes do not. */
  | 'read_only'
  /** The host (the CLI, a test) has no such ability: a file dialog, opening a file or folder. */
  | 'unsupported'
  | 'internal';

export interface WireError {
  code: ErrorCode;
  message: string;
  /** HTTP status for provider errors. */
  status?: number;
  /**
   * For `internal` errors: the cause on one line ("TypeError: …"), scrubbed of secrets, e-mail addresses and query
   * strings, so the window can show and copy it; the stack is in the log.
   */
  detail?: string;
}

export class RollbookError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RollbookError';
  }

  toWire(): WireError {
    return { code: this.code, message: this.message };
  }
}

/** `describe` gives an unexpected error's cause on one scrubbed line (the core's log/describeCause and scrubber). */
export function toWireError(error: unknown, describe?: (error: unknown) => string): WireError {
  if (error instanceof RollbookError) return error.toWire();
  // Anything else is a bug: its cause goes along on one scrubbed line (no stack, no secrets), the rest to the log.
  const wire: WireError = {
    code: 'internal',
    message: 'Something went wrong inside Rollbook. Details are in the log.',
  };
  return describe ? { ...wire, detail: describe(error) } : wire;
}
