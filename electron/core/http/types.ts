/**
 * The shared HTTP layer's surface, as connectors see it. Implemented on undici in ./client.ts.
 */
export type HttpErrorCode =
  | 'auth_failed'
  | 'forbidden'
  | 'not_found'
  | 'rate_limited'
  | 'server_error'
  | 'timeout'
  | 'network'
  | 'bad_response'
  | 'cancelled';

export interface HttpRequest {
  method?: 'GET' | 'POST';
  /** Absolute URL (connectors resolve paths against the account's base URL). */
  url: string | URL;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /**
   * Retry policy override. Token requests use `retry: false` so a wrong secret is reported at once.
   * Default: retry network errors, timeouts, 429 and 5xx.
   */
  retry?: boolean;
}

export interface HttpResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: string;
  url: string;
}

export interface HttpWaitInfo {
  reason: 'rate_limited' | 'retry' | 'budget';
  /** Milliseconds the client will wait before the next attempt. */
  ms: number;
  status?: number;
}

export interface HttpClient {
  /**
   * Sends a request; resolves only for 2xx/3xx responses. Every other outcome throws an `HttpError`
   * (after retries where the policy allows).
   */
  request(req: HttpRequest): Promise<HttpResponse>;
  /** Register strings (secrets, tokens) that must never appear in error messages or logs. */
  redact(secret: string): void;
}

/** Where a client records failed requests and retries (the core's logger). */
export interface HttpLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface HttpClientOptions {
  /** Default `Rollbook/<version>`. */
  userAgent?: string;
  /** Requests in flight at once for this account. Default 4. */
  maxConcurrency?: number;
  /** Client-side budget; null = unlimited. TeamUp: 250/min. */
  requestsPerMinute?: number | null;
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number };
  retry?: { retries?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Told about every wait (429 Retry-After, backoff, budget) so sync progress can show it. */
  onWait?: (info: HttpWaitInfo) => void;
  /**
   * The account's origin. A request anywhere else is refused before it leaves, whatever the connector asks: a `next`
   * link or redirect target in an answer can never carry the account's credentials to another host.
   */
  origin?: string;
  /** Who the client talks to, for messages ("TeamUp pointed Rollbook at another host …"). */
  service?: string;
  /** Failures and retries are logged here: method, host, path and status only (no query, headers or body). */
  log?: HttpLog;
}
