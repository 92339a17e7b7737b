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

/** Rollbook's own limits on one request: body size, total time, and waiting before retries. */
export type HttpLimit = 'body_size' | 'total_time' | 'retry_wait';

export interface HttpRequest {
  method?: 'GET' | 'POST';
  /** Absolute URL (connectors resolve paths against the account's base URL). */
  url: string | URL;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /**
   * Retry policy override: `false` for a request whose failure is itself the answer (a diagnostic probe).
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
  /**
   * Idle limits (connect, first header, between body chunks) and `totalMs`, one attempt's whole exchange from
   * sending to the last byte (default 5 min): a server trickling its answer cannot hold a sync for ever.
   */
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number; totalMs?: number };
  /**
   * `maxWaitMs` caps one wait before a retry (default 2 min) and `maxTotalWaitMs` all of one request's waits
   * (default 5 min). A Retry-After beyond `maxWaitMs` fails the request at once, saying what the server asked.
   */
  retry?: { retries?: number; baseDelayMs?: number; maxDelayMs?: number; maxWaitMs?: number; maxTotalWaitMs?: number };
  /** The most one response body may hold (default 64 MB); a larger one is cut off as soon as it passes the limit. */
  maxBodyBytes?: number;
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
