/**
 * Errors that cross the core's edge. Electron strips thrown Error objects over IPC, so every failure is turned
 * into a plain `{ code, message }` (see `toWireError`). Messages say what happened and what the user can do.
 */
import type { HttpErrorCode } from '../http/types';

export type ErrorCode =
  | HttpErrorCode
  | 'invalid_input'
  | 'forbidden_sender'
  | 'unknown_channel'
  | 'conflict'
  | 'account_not_found'
  | 'keychain_unavailable'
  | 'secret_missing'
  | 'sync_running'
  | 'chromium_missing'
  | 'export_failed'
  /** The cache's folder cannot be written: reads work, syncs and changes do not. */
  | 'read_only'
  | 'internal';

export interface WireError {
  code: ErrorCode;
  message: string;
  /** HTTP status for provider errors. */
  status?: number;
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

export function toWireError(error: unknown): WireError {
  if (error instanceof RollbookError) return error.toWire();
  // Anything else is a bug; do not leak internals (paths, SQL, secrets) to the renderer.
  return { code: 'internal', message: 'Something went wrong inside Rollbook. Details are in the log.' };
}
