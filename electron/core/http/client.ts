/**
 * The shared HTTP layer on undici: keep-alive pools per origin, timeouts, retries with backoff + jitter honouring
 * Retry-After, a per-account concurrency cap and requests-per-minute budget, cancellation, proxies from the
 * environment, and errors a user can read — never carrying a secret or an Authorization header.
 */
import { EnvHttpProxyAgent, errors as undiciErrors, request } from 'undici';
import { ROLLBOOK_VERSION } from '../version';
import { HttpError } from './errors';
import { RateBudget, Semaphore } from './limits';
import { backoffDelay, isRetryableStatus, parseRetryAfter, sleep } from './retry';
import type { HttpClient, HttpClientOptions, HttpErrorCode, HttpRequest, HttpResponse } from './types';

/** Names the app and its version; no URL (Rollbook has no public site to point at). */
export const USER_AGENT = `Rollbook/${ROLLBOOK_VERSION}`;

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function codeForStatus(status: number): HttpErrorCode {
  if (status === 401) return 'auth_failed';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  return 'bad_response';
}

/** Host and path only: query strings can carry tokens or personal data. */
function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** A desktop sync can simply be run again later; no single wait (even a long Retry-After) blocks it longer. */
const MAX_WAIT_MS = 10 * 60_000;

export interface HttpClientTestOptions {
  /** Sliding window for the per-minute budget; tests shrink it. */
  budgetWindowMs?: number;
}

export function createHttpClient(options: HttpClientOptions & HttpClientTestOptions = {}): HttpClient & { close(): Promise<void> } {
  const timeouts = { connectMs: 10_000, headersMs: 30_000, bodyMs: 60_000, ...options.timeouts };
  const retry = { retries: 5, baseDelayMs: 500, maxDelayMs: 30_000, ...options.retry };
  const userAgent = options.userAgent ?? USER_AGENT;
  // One dispatcher per client (= per account): keep-alive pools per origin, proxies from HTTP(S)_PROXY / NO_PROXY.
  const dispatcher = new EnvHttpProxyAgent({
    connect: { timeout: timeouts.connectMs },
    keepAliveTimeout: 30_000,
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
  });
  const slots = new Semaphore(options.maxConcurrency ?? 4);
  const budget = options.requestsPerMinute ? new RateBudget(options.requestsPerMinute, options.budgetWindowMs) : null;
  const secrets = new Set<string>();

  const redactText = (text: string): string => {
    let out = text;
    for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('•••');
    return out.replace(/\b(Bearer|Token|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, '$1 •••');
  };
  // Redact before collapsing whitespace (a secret may contain some) and before cutting (half a secret is a leak).
  const excerptOf = (body: string) => Array.from(redactText(body).replace(/\s+/g, ' ').trim()).slice(0, 200).join('');
  // URL paths can carry ids or tokens too (some APIs put keys in the path), so messages are redacted as well.
  const fail = (code: HttpErrorCode, message: string, status?: number, excerpt?: string, cause?: unknown) =>
    new HttpError(code, redactText(message), status, excerpt, cause === undefined ? undefined : { cause });
  // What the log may know of a request: never its query string, headers or body.
  const logFields = (method: string, url: URL, error: HttpError, attempt: number) => ({
    method,
    host: url.host,
    path: redactText(url.pathname),
    status: error.status,
    code: error.code,
    attempt,
  });

  async function attempt(req: HttpRequest, url: URL): Promise<HttpResponse> {
    const release = await slots.acquire(req.signal);
    let answered: (() => void) | undefined;
    try {
      // The budget is taken once a slot is held, so what it records is when the request really goes out:
      // the server counts sends, retries included.
      if (budget) answered = await budget.take(req.signal, (ms) => options.onWait?.({ reason: 'budget', ms }));
      const headers: Record<string, string> = { 'user-agent': userAgent, ...lowerKeys(req.headers ?? {}) };
      for (const [name, value] of Object.entries(headers)) {
        if (name === 'authorization') secrets.add(value.replace(/^\S+\s+/, ''));
        if (/password|secret|token/i.test(name)) secrets.add(value);
      }
      const response = await request(url, {
        method: req.method ?? 'GET',
        headers,
        body: req.body,
        signal: req.signal,
        dispatcher,
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyMs,
      });
      answered?.();
      const body = await response.body.text();
      const flat: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      return { status: response.statusCode, headers: flat, body, url: url.toString() };
    } finally {
      answered?.();
      release();
    }
  }

  return {
    redact(secret) {
      if (secret) secrets.add(secret);
    },

    async request(req) {
      const url = new URL(req.url);
      const method = req.method ?? 'GET';
      if (options.origin && url.origin !== options.origin) {
        throw fail('bad_response', `${options.service ?? 'The server'} pointed Rollbook at another host (${url.hostname}) for ${method} ${describeUrl(url)}; Rollbook stopped rather than send your credentials there. The account's address is ${options.origin}.`);
      }
      const maxRetries = req.retry === false ? 0 : retry.retries;
      let lastError: HttpError | undefined;

      for (let tries = 0; ; tries += 1) {
        if (req.signal?.aborted) throw cancelled();

        let retryAfterMs: number | null = null;
        try {
          const response = await attempt(req, url);
          if (response.status < 400) return response;
          const code = codeForStatus(response.status);
          const statusText = STATUS_TEXT[response.status] ?? 'error';
          lastError = fail(
            code,
            `The server answered HTTP ${response.status} (${statusText}) for ${method} ${describeUrl(url)}${tries > 0 ? ` after ${tries + 1} attempts` : ''}.`,
            response.status,
            excerptOf(response.body),
          );
          if (!isRetryableStatus(response.status)) throw lastError;
          retryAfterMs = parseRetryAfter(response.headers['retry-after']);
        } catch (error) {
          if (error instanceof HttpError && error === lastError && !isRetryableStatus(error.status ?? 0)) {
            options.log?.warn(logFields(method, url, error, tries + 1), 'HTTP request failed');
            throw error;
          }
          if (!(error instanceof HttpError)) {
            // Aborts surface from undici, the slot queue or the budget wait; all of them mean "cancelled".
            if (req.signal?.aborted) throw cancelled();
            lastError = transportError(error, method, url, tries, fail);
          }
        }

        if (tries >= maxRetries) {
          options.log?.warn(logFields(method, url, lastError!, tries + 1), 'HTTP request failed');
          throw lastError!;
        }
        const backoff = backoffDelay(tries, retry.baseDelayMs, retry.maxDelayMs);
        // Retry-After is the server telling us when it will talk again: never go earlier, and never wait longer than
        // a sane cap for a desktop app (a run can simply be re-tried later).
        const waitMs = Math.min(retryAfterMs !== null ? Math.max(retryAfterMs, Math.min(backoff, 1000)) : backoff, MAX_WAIT_MS);
        options.onWait?.({ reason: lastError!.code === 'rate_limited' ? 'rate_limited' : 'retry', ms: waitMs, status: lastError!.status });
        options.log?.warn({ ...logFields(method, url, lastError!, tries + 1), waitMs }, 'HTTP retry');
        await sleep(waitMs, req.signal).catch(() => {
          throw cancelled();
        });
      }
    },

    close: () => dispatcher.close(),
  };
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function cancelled(): HttpError {
  return new HttpError('cancelled', 'The request was cancelled.');
}

function transportError(
  error: unknown,
  method: string,
  url: URL,
  tries: number,
  fail: (code: HttpErrorCode, message: string, status?: number, excerpt?: string, cause?: unknown) => HttpError,
): HttpError {
  const where = `${method} ${describeUrl(url)}${tries > 0 ? ` after ${tries + 1} attempts` : ''}`;
  const code = (error as { code?: string })?.code ?? '';
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'ETIMEDOUT'
  ) {
    return fail('timeout', `The server took too long to answer ${where}. Check your connection, or try again later.`, undefined, undefined, error);
  }
  const reason =
    code === 'ECONNREFUSED'
      ? 'the connection was refused'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'the host name could not be resolved'
        : code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED'
          ? 'the connection was dropped'
          : 'the network failed';
  return fail('network', `Could not reach ${url.host}: ${reason} (${where}). Check the address and your connection.`, undefined, undefined, error);
}
