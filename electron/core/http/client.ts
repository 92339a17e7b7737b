/**
 * The shared HTTP layer on undici: keep-alive pools per origin, timeouts, retries with backoff + jitter honouring
 * Retry-After, a per-account concurrency cap and requests-per-minute budget, cancellation, proxies from the
 * environment, and errors a user can read — never carrying a secret or an Authorization header.
 */
import { Agent, EnvHttpProxyAgent, errors as undiciErrors, request } from 'undici';
import { ROLLBOOK_VERSION } from '../version';
import { HttpError } from './errors';
import { RateBudget, Semaphore } from './limits';
import { backoffDelay, describeWait, isRetryableStatus, parseRetryAfter, sleep } from './retry';
import type { HttpClient, HttpClientOptions, HttpErrorCode, HttpLimit, HttpRequest, HttpResponse } from './types';

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

/** Far above any page a platform sends (the largest seen are a few MB), far below what would exhaust memory. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * Loopback never goes through a proxy: a proxy there could only be a detour that sees the token in clear (http is
 * allowed for loopback accounts only), and a local simulator or self-hosted server is never behind one.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host)
  );
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KB`;
  return `${bytes} bytes`;
}

export interface HttpClientTestOptions {
  /** Sliding window for the per-minute budget; tests shrink it. */
  budgetWindowMs?: number;
}

export function createHttpClient(
  options: HttpClientOptions & HttpClientTestOptions = {},
): HttpClient & { close(): Promise<void> } {
  const timeouts = { connectMs: 10_000, headersMs: 30_000, bodyMs: 60_000, totalMs: 5 * 60_000, ...options.timeouts };
  const retry = {
    retries: 5,
    baseDelayMs: 500,
    maxDelayMs: 30_000,
    maxWaitMs: 2 * 60_000,
    maxTotalWaitMs: 5 * 60_000,
    ...options.retry,
  };
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const userAgent = options.userAgent ?? USER_AGENT;
  // One pair of dispatchers per client (= per account): keep-alive pools per origin, proxies from HTTP(S)_PROXY /
  // NO_PROXY for the world, none for loopback.
  const agentOptions = {
    connect: { timeout: timeouts.connectMs },
    keepAliveTimeout: 30_000,
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
  };
  const proxied = new EnvHttpProxyAgent(agentOptions);
  const direct = new Agent(agentOptions);
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
  const fail = (
    code: HttpErrorCode,
    message: string,
    status?: number,
    excerpt?: string,
    cause?: unknown,
    stoppedBy?: HttpLimit,
  ) =>
    new HttpError(
      code,
      redactText(message),
      status,
      excerpt,
      cause === undefined && !stoppedBy ? undefined : { cause, stoppedBy },
    );
  /** Who answered, in messages about Rollbook's own limits ("TeamUp took longer than …"). */
  const who = (capital: boolean) => options.service ?? (capital ? 'The server' : 'the server');
  // What the log may know of a request: never its query string, headers or body.
  const logFields = (method: string, url: URL, error: HttpError, attempt: number) => ({
    method,
    host: url.host,
    path: redactText(url.pathname),
    status: error.status,
    code: error.code,
    attempt,
  });

  async function attempt(req: HttpRequest, url: URL, method: string): Promise<HttpResponse> {
    const release = await slots.acquire(req.signal);
    let answered: (() => void) | undefined;
    // The idle timeouts alone let a server trickle a byte before each one fires and hold a sync for ever; this
    // bounds the whole exchange, from sending to the last byte. It starts once the request really goes out.
    const controller = new AbortController();
    const forward = () => controller.abort(req.signal!.reason);
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    try {
      // The budget is taken once a slot is held, so what it records is when the request really goes out:
      // the server counts sends, retries included.
      if (budget) answered = await budget.take(req.signal, (ms) => options.onWait?.({ reason: 'budget', ms }));
      const headers: Record<string, string> = { 'user-agent': userAgent, ...lowerKeys(req.headers ?? {}) };
      for (const [name, value] of Object.entries(headers)) {
        if (name === 'authorization') secrets.add(value.replace(/^\S+\s+/, ''));
        if (/password|secret|token/i.test(name)) secrets.add(value);
      }
      if (req.signal?.aborted) throw req.signal.reason;
      req.signal?.addEventListener('abort', forward, { once: true });
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeouts.totalMs);
      const response = await request(url, {
        method,
        headers,
        body: req.body,
        signal: controller.signal,
        dispatcher: isLoopbackHost(url.hostname) ? direct : proxied,
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyMs,
      });
      answered?.();
      const tooLarge = () =>
        fail(
          'bad_response',
          `${who(true)}'s answer to ${method} ${describeUrl(url)} is larger than ` +
            `${formatBytes(maxBodyBytes)}, the most Rollbook reads in one answer, so it stopped reading. ` +
            'The server may be misconfigured; try again later or ask its administrator.',
          response.statusCode,
          undefined,
          undefined,
          'body_size',
        );
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBodyBytes) {
        response.body.destroy();
        throw tooLarge();
      }
      // Read chunk by chunk so an oversized answer is cut off as soon as it passes the limit, not after it has
      // filled memory.
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        if (size > maxBodyBytes) {
          response.body.destroy();
          throw tooLarge();
        }
        chunks.push(chunk as Buffer);
      }
      const body = new TextDecoder().decode(Buffer.concat(chunks, size));
      const flat: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      return { status: response.statusCode, headers: flat, body, url: url.toString() };
    } catch (error) {
      if (timedOut && !req.signal?.aborted) {
        throw fail(
          'timeout',
          `${who(true)} took longer than ${describeWait(timeouts.totalMs)} to send its whole answer to ` +
            `${method} ${describeUrl(url)}; Rollbook stopped waiting. Check your connection, ` +
            'or try again later.',
          undefined,
          undefined,
          error,
          'total_time',
        );
      }
      throw error;
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', forward);
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
        throw fail(
          'bad_response',
          `${options.service ?? 'The server'} pointed Rollbook at another host (${url.hostname}) ` +
            `for ${method} ${describeUrl(url)}; Rollbook stopped rather than send your credentials ` +
            `there. The account's address is ${options.origin}.`,
        );
      }
      const maxRetries = req.retry === false ? 0 : retry.retries;
      let lastError: HttpError | undefined;
      let waitedMs = 0;

      for (let tries = 0; ; tries += 1) {
        if (req.signal?.aborted) throw cancelled();

        let retryAfterMs: number | null = null;
        try {
          const response = await attempt(req, url, method);
          if (response.status < 400) return response;
          const code = codeForStatus(response.status);
          const statusText = STATUS_TEXT[response.status] ?? 'error';
          lastError = fail(
            code,
            `The server answered HTTP ${response.status} (${statusText}) ` +
              `for ${method} ${describeUrl(url)}${tries > 0 ? ` after ${tries + 1} attempts` : ''}.`,
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
          // An answer too large or too slow as a whole would be so again: said at once, not retried.
          if (error instanceof HttpError && error !== lastError) {
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
        // Retry-After is the server telling us when it will talk again: never go earlier. A desktop sync can simply be
        // run again later, so when the server asks for longer than one wait or all of a request's waits may take,
        // Rollbook says so and stops instead of sitting silent for that long.
        if (retryAfterMs !== null && retryAfterMs > retry.maxWaitMs) {
          throw gaveUp(
            lastError!,
            `${who(false)} asked Rollbook to wait ${describeWait(retryAfterMs)} before trying again`,
          );
        }
        const asked = retryAfterMs !== null ? Math.max(retryAfterMs, Math.min(backoff, 1000)) : backoff;
        const waitMs = Math.min(asked, retry.maxWaitMs);
        if (waitedMs + waitMs > retry.maxTotalWaitMs) {
          const why =
            retryAfterMs !== null
              ? `${who(false)} asked Rollbook to wait ${describeWait(retryAfterMs)} more`
              : 'it kept failing';
          throw gaveUp(lastError!, `${why} after ${describeWait(waitedMs)} of waits between retries`);
        }
        waitedMs += waitMs;
        options.onWait?.({
          reason: lastError!.code === 'rate_limited' ? 'rate_limited' : 'retry',
          ms: waitMs,
          status: lastError!.status,
        });
        options.log?.warn({ ...logFields(method, url, lastError!, tries + 1), waitMs }, 'HTTP retry');
        await sleep(waitMs, req.signal).catch(() => {
          throw cancelled();
        });
      }
    },

    close: async () => {
      await Promise.all([proxied.close(), direct.close()]);
    },
  };

  function gaveUp(last: HttpError, why: string): HttpError {
    return fail(
      last.code,
      `${last.message.replace(/\.$/, '')}; ${why}, and Rollbook gave up rather than wait any longer. Try again later.`,
      last.status,
      last.excerpt,
      undefined,
      'retry_wait',
    );
  }
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
    return fail(
      'timeout',
      `The server took too long to answer ${where}. Check your connection, or try again later.`,
      undefined,
      undefined,
      error,
    );
  }
  const reason =
    code === 'ECONNREFUSED'
      ? 'the connection was refused'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'the host name could not be resolved'
        : code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED'
          ? 'the connection was dropped'
          : 'the network failed';
  return fail(
    'network',
    `Could not reach ${url.host}: ${reason} (${where}). Check the address and your connection.`,
    undefined,
    undefined,
    error,
  );
}
