import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../electron/core/http/client';
import { HttpError } from '../../electron/core/http/errors';
import { parseRetryAfter } from '../../electron/core/http/retry';
import type { HttpWaitInfo } from '../../electron/core/http/types';
import { startSimServer, type SimServer } from '../simulators/server';
import { rejectionOf } from '../support/rejection';

let sim: SimServer;
let inFlight = 0;
let maxInFlight = 0;

beforeAll(async () => {
  sim = await startSimServer(async (_req, url) => {
    // Only /slow requests count: a stalled request from the timeout test may still be sleeping on the server.
    const counted = url.pathname === '/slow';
    if (counted) inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      if (url.pathname === '/slow') await new Promise((r) => setTimeout(r, 80));
      if (url.pathname.startsWith('/echo-secret'))
        return { status: 500, contentType: 'text/plain', body: 'token=sup3r-s3cret-value failed' };
      return { status: 200, contentType: 'application/json', body: JSON.stringify({ path: url.pathname }) };
    } finally {
      if (counted) inFlight -= 1;
    }
  });
});
afterAll(() => sim.close());

const fast = { retry: { retries: 4, baseDelayMs: 20, maxDelayMs: 200 } };

const failure = (promise: Promise<unknown>) => rejectionOf(HttpError, promise);

describe('HTTP client', () => {
  it('sends a Rollbook User-Agent and returns the body', async () => {
    const client = createHttpClient(fast);
    const res = await client.request({ url: `${sim.url}/ok`, headers: { Accept: 'application/json' } });
    expect(JSON.parse(res.body)).toEqual({ path: '/ok' });
    expect(sim.requests.at(-1)!.headers['user-agent']).toMatch(/^Rollbook\/\d+\.\d+\.\d+/);
    await client.close();
  });

  it('honours Retry-After (seconds) on 429, waiting at least that long', async () => {
    sim.clearFaults();
    sim.addFault({
      match: /\/limited/,
      times: 1,
      fault: { kind: 'status', status: 429, headers: { 'retry-after': '2' } },
    });
    const waits: HttpWaitInfo[] = [];
    const client = createHttpClient({ ...fast, onWait: (w) => waits.push(w) });
    const t0 = Date.now();
    await client.request({ url: `${sim.url}/limited` });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
    expect(waits).toEqual([{ reason: 'rate_limited', ms: 2000, status: 429 }]);
    await client.close();
  });

  it('backs off with growing delays without Retry-After, then gives up with a typed error', async () => {
    sim.clearFaults();
    sim.addFault({ match: /\/storm/, fault: { kind: 'status', status: 429, body: 'slow down' } });
    const waits: number[] = [];
    const client = createHttpClient({
      retry: { retries: 4, baseDelayMs: 40, maxDelayMs: 5000 },
      onWait: (w) => waits.push(w.ms),
    });
    const error = await failure(client.request({ url: `${sim.url}/storm` }));
    expect(error.code).toBe('rate_limited');
    expect(error.status).toBe(429);
    expect(error.excerpt).toBe('slow down');
    expect(error.message).toMatch(/HTTP 429 .* after 5 attempts/);
    expect(waits).toHaveLength(4);
    // Full jitter keeps each wait in [ceiling/2, ceiling] with the ceiling doubling: the waits grow.
    expect(waits[3]!).toBeGreaterThan(waits[0]!);
    expect(waits[0]!).toBeLessThanOrEqual(40);
    expect(waits[3]!).toBeGreaterThanOrEqual(160);
    await client.close();
  });

  it('retries 503 and succeeds; does not retry 401/403/404', async () => {
    sim.clearFaults();
    sim.addFault({ match: /\/flaky/, times: 2, fault: { kind: 'status', status: 503 } });
    for (const [path, status] of [
      ['/auth', 401],
      ['/forbidden', 403],
      ['/missing', 404],
    ] as const) {
      sim.addFault({ match: new RegExp(path), fault: { kind: 'status', status, body: 'nope' } });
    }
    const client = createHttpClient(fast);
    expect((await client.request({ url: `${sim.url}/flaky` })).status).toBe(200);
    for (const [path, code] of [
      ['/auth', 'auth_failed'],
      ['/forbidden', 'forbidden'],
      ['/missing', 'not_found'],
    ] as const) {
      const before = sim.requests.length;
      const error = await failure(client.request({ url: `${sim.url}${path}` }));
      expect(error.code).toBe(code);
      expect(sim.requests.length - before).toBe(1);
    }
    await client.close();
  });

  it('maps slow responses to timeout and dropped connections to network, retrying both', async () => {
    sim.clearFaults();
    // undici's timers are coarse below a second, so the test uses a 500 ms limit against a 2.5 s stall.
    sim.addFault({ match: /\/hang/, fault: { kind: 'delay', ms: 2500 } });
    const waits: HttpWaitInfo[] = [];
    const client = createHttpClient({
      retry: { retries: 1, baseDelayMs: 10, maxDelayMs: 10 },
      timeouts: { headersMs: 500 },
      onWait: (w) => waits.push(w),
    });
    const timedOut = await failure(client.request({ url: `${sim.url}/hang` }));
    expect(timedOut.code).toBe('timeout');
    expect(timedOut.message).toMatch(/took too long .* after 2 attempts/);
    await client.close();
    // The default time limits here: a paused machine must not turn the retried answer into a timeout.
    const dropping = createHttpClient({
      retry: { retries: 1, baseDelayMs: 10, maxDelayMs: 10 },
      onWait: (w) => waits.push(w),
    });
    sim.addFault({ match: /\/drop/, times: 1, fault: { kind: 'hangup' } });
    waits.length = 0;
    const before = sim.requests.length;
    expect((await dropping.request({ url: `${sim.url}/drop` })).status).toBe(200);
    expect(sim.requests.length - before).toBe(2);
    expect(waits).toEqual([expect.objectContaining({ reason: 'retry' })]);
    sim.addFault({ match: /\/truncated/, fault: { kind: 'truncate' } });
    expect((await failure(dropping.request({ url: `${sim.url}/truncated` }))).code).toBe('network');
    await dropping.close();
    const refused = createHttpClient({ retry: { retries: 0 } });
    const error = await failure(refused.request({ url: 'http://127.0.0.1:9/' }));
    expect(error.code).toBe('network');
    expect(error.message).toMatch(/connection was refused/);
    await refused.close();
  });

  it('cancels promptly, even during a backoff wait', async () => {
    sim.clearFaults();
    sim.addFault({ match: /\/wait/, fault: { kind: 'status', status: 429, headers: { 'retry-after': '30' } } });
    let waiting!: () => void;
    const backingOff = new Promise<void>((resolve) => (waiting = resolve));
    const client = createHttpClient({ ...fast, onWait: () => waiting() });
    const controller = new AbortController();
    const pending = client.request({ url: `${sim.url}/wait`, signal: controller.signal });
    await backingOff;
    const t0 = Date.now();
    controller.abort();
    expect((await failure(pending)).code).toBe('cancelled');
    // The wait it interrupts is 30 s; the bound only tells a cancel that works from one that waits the 30 s out.
    expect(Date.now() - t0).toBeLessThan(10_000);
    await client.close();
  });

  it('holds the requests-per-minute budget (counting retries) and the concurrency cap', async () => {
    sim.clearFaults();
    maxInFlight = 0;
    sim.addFault({ match: /\/budget\/3/, times: 1, fault: { kind: 'status', status: 503 } });
    const waits: HttpWaitInfo[] = [];
    const client = createHttpClient({
      ...fast,
      requestsPerMinute: 5,
      budgetWindowMs: 400,
      maxConcurrency: 2,
      onWait: (w) => waits.push(w),
    });
    const before = sim.requests.length;
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 10 }, (_, i) => client.request({ url: `${sim.url}/budget/${i}` })));
    const starts = sim.requests.slice(before).map((r) => r.at - t0);
    expect(starts).toHaveLength(11); // 10 + one retry
    // No window of 400 ms contains more than 5 arrivals at the server: the budget runs each window from the answer,
    // which comes after the arrival, so this holds however late a request arrives.
    for (const s of starts) expect(starts.filter((x) => x >= s && x < s + 400).length).toBeLessThanOrEqual(5);
    expect(waits.some((w) => w.reason === 'budget')).toBe(true);
    await Promise.all(Array.from({ length: 6 }, () => client.request({ url: `${sim.url}/slow` })));
    expect(maxInFlight).toBeLessThanOrEqual(2);
    await client.close();
  });

  it('never puts a secret in an error: registered secrets and Authorization values are redacted', async () => {
    sim.clearFaults();
    const client = createHttpClient({ retry: { retries: 0 } });
    client.redact('sup3r-s3cret-value');
    const error = await failure(
      client.request({
        url: `${sim.url}/echo-secret?access_token=sup3r-s3cret-value`,
        headers: { Authorization: 'Bearer sup3r-s3cret-value' },
      }),
    );
    const text = `${error.message} ${error.excerpt} ${JSON.stringify(error.toWire())}`;
    expect(text).not.toContain('sup3r-s3cret-value');
    expect(text).not.toContain('access_token');
    expect(error.excerpt).toBe('token=••• failed');
    // A secret in the path (some APIs take keys there) is redacted from the message too.
    const inPath = await failure(client.request({ url: `${sim.url}/echo-secret/sup3r-s3cret-value` }));
    expect(inPath.message).toContain('/echo-secret/•••');
    expect(inPath.message).not.toContain('sup3r-s3cret-value');
    await client.close();
  });

  it('cancels a request queued behind the budget', async () => {
    sim.clearFaults();
    const waits: HttpWaitInfo[] = [];
    const client = createHttpClient({ requestsPerMinute: 1, onWait: (w) => waits.push(w) });
    await client.request({ url: `${sim.url}/first` });
    const controller = new AbortController();
    const pending = client.request({ url: `${sim.url}/second`, signal: controller.signal });
    await expect.poll(() => waits.length).toBe(1);
    expect(waits).toEqual([expect.objectContaining({ reason: 'budget' })]);
    expect(waits[0]!.ms).toBeGreaterThan(55_000);
    const t0 = Date.now();
    controller.abort();
    expect((await failure(pending)).code).toBe('cancelled');
    expect(Date.now() - t0).toBeLessThan(10_000); // against a wait of more than 55 s
    expect(sim.requests.some((r) => r.path === '/second')).toBe(false);
    await client.close();
  });

  it("sends nothing to an origin other than the account's, whatever the connector asks", async () => {
    const client = createHttpClient({ ...fast, origin: sim.url, service: 'TeamUp' });
    expect(JSON.parse((await client.request({ url: `${sim.url}/ok` })).body)).toEqual({ path: '/ok' });
    const before = sim.requests.length;
    // Same host, another port: another origin (a server could be listening there).
    const elsewhere = new URL(sim.url);
    elsewhere.port = String(Number(elsewhere.port) + 1);
    for (const url of [
      `${elsewhere.origin}/next?page=2`,
      'https://evil.example/api/v2/customers?page=2',
      `${sim.url.replace('http:', 'https:')}/ok`,
    ]) {
      const error = await failure(client.request({ url, headers: { authorization: 'Bearer sup3r-s3cret-value' } }));
      expect(error.code).toBe('bad_response');
      expect(error.message).toMatch(
        /^TeamUp pointed Rollbook at another host \(.+\).*stopped rather than send your credentials there/,
      );
      expect(error.message).not.toContain('sup3r-s3cret-value');
    }
    expect(sim.requests.length).toBe(before);
    await client.close();
  });

  it('parses Retry-After dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('soon', now)).toBeNull();
  });
});
