import { RollbookError } from '../contract/errors';
import type { HttpErrorCode, HttpLimit } from './types';

/**
 * A failed request, user-readable. Carries the HTTP status and a short excerpt of the response body,
 * already redacted: never a secret, never the Authorization header.
 */
export class HttpError extends RollbookError {
  /**
   * Set when Rollbook stopped because of one of its own limits rather than the server refusing: the answer was too
   * large, took too long as a whole, or the server asked for a longer wait than Rollbook gives. The message then
   * names the limit and the server, and connectors keep it rather than explain the status code.
   */
  readonly stoppedBy?: HttpLimit;

  constructor(
    override readonly code: HttpErrorCode,
    message: string,
    readonly status?: number,
    readonly excerpt?: string,
    options?: { cause?: unknown; stoppedBy?: HttpLimit },
  ) {
    super(code, message, options);
    this.name = 'HttpError';
    if (options?.stoppedBy) this.stoppedBy = options.stoppedBy;
  }

  override toWire() {
    return this.status === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, status: this.status };
  }
}
