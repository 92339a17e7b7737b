import { RollbookError } from '../contract/errors';
import type { HttpErrorCode } from './types';

/**
 * A failed request, user-readable. Carries the HTTP status and a short excerpt of the response body,
 * already redacted: never a secret, never the Authorization header.
 */
export class HttpError extends RollbookError {
  constructor(
    override readonly code: HttpErrorCode,
    message: string,
    readonly status?: number,
    readonly excerpt?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = 'HttpError';
  }

  override toWire() {
    return this.status === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, status: this.status };
  }
}
