/**
 * Servers that misbehave on purpose: answers too large to hold, answers trickled a byte at a time, absurd
 * Retry-After values, and a proxy in the environment that loopback traffic must never pass through.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, isLoopbackHost } from '../../electron/core/http/client';
import { HttpError } from '../../electron/core/http/errors';
import { describeWait } from '../../electron/core/http/retry';
import type { HttpWaitInfo } from '../../electron/core/http/types';
import type { AccountSettings } from '../../electron/core/contract/accounts';
import { startIspringSimulator } from '../simulators/ispring';
import { startSelfcommunitySimulator } from '../simulators/selfcommunity';
import type { SimServer } from '../simulators/server';
import { startTeamupSimulator } from '../simulators/teamup';
import { testCore } from '../support/core';
import { rejectionOf } from '../support/rejection';

interface Loopback {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Loopback> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const failure = (promise: Promise<unknown>) => rejectionOf(HttpError, promise);

const MB = 1024 * 1024;
let hostile: Loopback;
let requests: string[] = [];
let bytesWritten = 0;
const timers = new Set<NodeJS.Timeout>();

beforeAll(async () => {
  hostile = await listen((req, res) => {
    requests.push(req.url ?? '');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/declared-huge') {
      // Claims a body far past the limit; the client should not start reading it.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(600 * MB) });
      res.write('{"items":[');
      return;
    }
    if (path === '/endless') {
      // Chunked, no length: only counting as it reads can stop this. Bounded at 200 MB so the test cannot run away.
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (bytesWritten < 200 * MB && !res.destroyed) {
          bytesWritten += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      return;
    }
    if (path === '/trickle') {
      // One byte at a time, each well inside the idle timeout; stops by itself after 60 s.
      res.writeHead(200, { 'content-type': 'application/json' });
      let sent = 0;
      const tick = setInterval(() => {
        if (res.destroyed || sent >= 300) {
          clearInterval(tick);
          timers.delete(tick);
          res.end();
          return;
        }
        sent += 1;
        res.write(' ');
      }, 200);
      timers.add(tick);
      return;
    }
    if (path === '/forever-later') {
      res.writeHead(429, { 'content-type': 'text/plain', 'retry-after': '99999999' });
      res.end('slow down');
      return;
    }
    if (path === '/soon-again') {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' });
      res.end('busy');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path, authorization: req.headers.authorization ?? null }));
  });
});
afterEach(() => {
  requests = [];
  bytesWritten = 0;
});
afterAll(async () => {
  for (const t of timers) clearInterval(t);
  await hostile.close();
});

describe('hostile servers', () => {
  it('refuses an answer that declares more than the body limit, naming the limit, without retrying', async () => {
    const client = createHttpClient({ maxBodyBytes: 2 * MB, retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 10 } });
    const error = await failure(client.request({ url: `${hostile.url}/declared-huge` }));
    expect(error.code).toBe('bad_response');
    expect(error.message).toMatch(/larger than 2 MB, the most Rollbook reads in one answer/);
    expect(requests).toHaveLength(1);
    await client.close();
  });

  it('stops reading a streamed answer as soon as it passes the body limit', async () => {
    const client = createHttpClient({ maxBodyBytes: 1 * MB, retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 10 } });
    const error = await failure(client.request({ url: `${hostile.url}/endless` }));
    expect(error.code).toBe('bad_response');
    expect(error.message).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/endless is larger than 1 MB/);
    expect(requests).toHaveLength(1);
    // The server offered 200 MB; the client hung up after about 1 MB (plus what socket buffers held).
    await new Promise((r) => setTimeout(r, 100));
    expect(bytesWritten).toBeLessThan(50 * MB);
    await client.close();
  });

  it('uses a 64 MB limit by default', async () => {
    const client = createHttpClient({ retry: { retries: 0 } });
    const error = await failure(client.request({ url: `${hostile.url}/endless` }));
    expect(error.message).toMatch(/larger than 64 MB/);
    expect(bytesWritten).toBeLessThan(200 * MB);
    await client.close();
  });

  it(
    'bounds the whole exchange: a body trickled inside the idle timeout still times out',
    { timeout: 20_000 },
    async () => {
      const client = createHttpClient({
        timeouts: { bodyMs: 2000, totalMs: 1500 },
        retry: { retries: 2, baseDelayMs: 10, maxDelayMs: 10 },
      });
      const error = await failure(client.request({ url: `${hostile.url}/trickle` }));
      expect(error.code).toBe('timeout');
      expect(error.message).toMatch(
        /took longer than 2 s to send its whole answer to GET .*\/trickle; Rollbook stopped waiting/,
      );
      expect(error.stoppedBy).toBe('total_time');
      expect(requests).toHaveLength(1);
      await client.close();
    },
  );

  it(
    'gives up at once when Retry-After asks for longer than one wait may take, saying how long',
    { timeout: 20_000 },
    async () => {
      const waits: HttpWaitInfo[] = [];
      const client = createHttpClient({ onWait: (w) => waits.push(w) });
      const error = await failure(client.request({ url: `${hostile.url}/forever-later` }));
      expect(error.code).toBe('rate_limited');
      expect(error.status).toBe(429);
      expect(error.message).toMatch(
        /HTTP 429 .*; the server asked Rollbook to wait 1,157 days before trying again, and Rollbook gave up/,
      );
      expect(error.stoppedBy).toBe('retry_wait');
      expect(waits).toEqual([]);
      expect(requests).toHaveLength(1);
      await client.close();
    },
  );

  it("caps the total of one request's waits", { timeout: 20_000 }, async () => {
    const waits: HttpWaitInfo[] = [];
    const client = createHttpClient({
      retry: { retries: 5, baseDelayMs: 10, maxDelayMs: 10, maxTotalWaitMs: 2500 },
      onWait: (w) => waits.push(w),
    });
    const error = await failure(client.request({ url: `${hostile.url}/soon-again` }));
    expect(error.code).toBe('server_error');
    expect(waits.map((w) => w.ms)).toEqual([1000, 1000]);
    expect(requests).toHaveLength(3);
    expect(error.message).toMatch(
      /the server asked Rollbook to wait 1 s more after 2 s of waits between retries, and Rollbook gave up/,
    );
    await client.close();
  });

  it('describes waits as a person reads them', () => {
    expect(describeWait(1500)).toBe('2 s');
    expect(describeWait(10 * 60_000)).toBe('10 min');
    expect(describeWait(99_999_999_000)).toBe('1,157 days');
    expect(describeWait(27 * 3_600_000 + 47 * 60_000)).toBe('27 h 47 min');
  });
});

describe("Rollbook's limits through the connectors", () => {
  const platforms: [string, () => Promise<{ sim: SimServer; settings: AccountSettings; secret: string }>][] = [
    [
      'iSpring Learn',
      async () => {
        const sim = await startIspringSimulator();
        return {
          sim,
          settings: {
            platform: 'ispring',
            baseUrl: sim.url,
            authMode: 'token',
            clientId: sim.options.clientId,
            format: 'json',
          },
          secret: sim.options.clientSecret,
        };
      },
    ],
    [
      'TeamUp',
      async () => {
        const sim = await startTeamupSimulator();
        return {
          sim,
          settings: {
            platform: 'teamup',
            baseUrl: `${sim.url}/api/v2`,
            authScheme: 'bearer',
            providerId: '123',
            completionThreshold: null,
          },
          secret: sim.options.token,
        };
      },
    ],
    [
      'SelfCommunity',
      async () => {
        const sim = await startSelfcommunitySimulator();
        return {
          sim,
          settings: { platform: 'selfcommunity', baseUrl: sim.url, authMode: 'token', jwtUserId: null },
          secret: sim.options.accessToken,
        };
      },
    ],
  ];

  for (const [name, start] of platforms) {
    it(`${name}: a sync told to wait 1,157 days stops and says so`, { timeout: 20_000 }, async () => {
      const { sim, settings, secret } = await start();
      const t = testCore();
      try {
        await t.core.call('accounts.add', { label: 'A', settings, secret, storage: 'session' });
        // Every API read from here on: the connection test above went through.
        sim.addFault({
          match: /^GET /,
          fault: { kind: 'status', status: 429, headers: { 'retry-after': '99999999' } },
        });
        const [run] = await t.core.call('sync.run', {});
        expect(run!.outcome).toBe('failed');
        expect(run!.errorCode).toBe('rate_limited');
        expect(run!.errorMessage).toContain(
          `${name} asked Rollbook to wait 1,157 days before trying again, and Rollbook gave up`,
        );
      } finally {
        t.cleanup();
        await sim.close();
      }
    });
  }
});

describe('proxies from the environment', () => {
  const saved = {
    HTTP_PROXY: process.env.HTTP_PROXY,
    http_proxy: process.env.http_proxy,
    NO_PROXY: process.env.NO_PROXY,
    no_proxy: process.env.no_proxy,
  };
  let proxy: Loopback;
  let proxied: string[] = [];

  beforeAll(async () => {
    // Records what reaches it and forwards nothing: whatever it sees, it would have seen in clear.
    proxy = await listen((req, res) => {
      proxied.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('the test proxy forwards nothing');
    });
    proxy.server.on('connect', (req: IncomingMessage, socket: Socket) => {
      proxied.push(`CONNECT ${req.url}`);
      socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n');
    });
  });
  afterEach(() => {
    proxied = [];
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  afterAll(() => proxy.close());

  it('never sends loopback traffic (and its token) through HTTP_PROXY', async () => {
    process.env.HTTP_PROXY = proxy.url;
    delete process.env.http_proxy;
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    const client = createHttpClient({ retry: { retries: 0 } });
    const headers = { authorization: 'Bearer loopback-token-123' };
    for (const host of ['127.0.0.1', 'localhost']) {
      const res = await client.request({ url: `http://${host}:${hostile.port}/ok`, headers });
      expect(JSON.parse(res.body)).toEqual({ path: '/ok', authorization: 'Bearer loopback-token-123' });
    }
    expect(proxied).toEqual([]);
    // The proxy is in use for everything else (the test proxy refuses, so the request fails there).
    await failure(client.request({ url: 'http://rollbook-proxy-check.invalid/api', headers }));
    expect(proxied.join('\n')).toMatch(/rollbook-proxy-check\.invalid/);
    await client.close();
  });

  it('honours NO_PROXY', async () => {
    process.env.HTTP_PROXY = proxy.url;
    // 0.0.0.0 reaches this machine's listeners but is no loopback name, so only NO_PROXY keeps it off the proxy.
    process.env.NO_PROXY = 'example.org,0.0.0.0';
    delete process.env.no_proxy;
    const client = createHttpClient({ retry: { retries: 0 } });
    const res = await client.request({ url: `http://0.0.0.0:${hostile.port}/ok` });
    expect(JSON.parse(res.body).path).toBe('/ok');
    expect(proxied).toEqual([]);
    await client.close();
    delete process.env.NO_PROXY;
    const viaProxy = createHttpClient({ retry: { retries: 0 } });
    await failure(viaProxy.request({ url: `http://0.0.0.0:${hostile.port}/ok` }));
    expect(proxied).toHaveLength(1);
    await viaProxy.close();
  });

  it('knows the loopback names', () => {
    for (const host of [
      '127.0.0.1',
      '127.8.9.10',
      'localhost',
      'LOCALHOST',
      'api.localhost',
      '[::1]',
      '::1',
      '[::ffff:127.0.0.1]',
      '[::ffff:7f00:1]',
    ]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ['0.0.0.0', '128.0.0.1', 'localhost.example.com', 'example.com', '[::2]', '10.0.0.1']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});
