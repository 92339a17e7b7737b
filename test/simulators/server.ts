/**
 * Shared plumbing for the platform simulators: a loopback HTTP server with request counting and switchable
 * fault injection. Each simulator (ispring.ts, teamup.ts, selfcommunity.ts) supplies the routing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { prng } from '../../electron/core/providers/sample';

export type Fault =
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string>; contentType?: string }
  | { kind: 'delay'; ms: number }
  /** Sends the real response cut in half (a broken connection / truncated body). */
  | { kind: 'truncate' }
  /** Replaces the body with garbage of the right content type. */
  | { kind: 'malformed'; body?: string }
  /** Rewrites the real body (hostile-response tests mutate the page the simulator really served). */
  | { kind: 'transform'; apply: (body: string, path: string) => string }
  /** Answers in the simulator's place, from the request's `path?query` (endless or contradictory listings). */
  | { kind: 'reply'; reply: (path: string) => { status?: number; body: string; contentType?: string } }
  /** Destroys the socket without answering. */
  | { kind: 'hangup' };

export interface FaultRule {
  /** Matches against `METHOD path?query`, e.g. /GET \/contents/ */
  match: RegExp;
  fault: Fault;
  /** How many matching requests get the fault (default: unlimited). */
  times?: number;
  /** Skip this many matching requests before faulting (e.g. fail on the 3rd page). */
  after?: number;
  /** Fault only this share of matching requests (0..1), drawn from `random` (seed it for repeatable runs). */
  probability?: number;
  random?: () => number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  at: number;
  /** The status answered (absent for hang-ups). */
  status?: number;
}

export interface SimResponse {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

export type Handler = (req: IncomingMessage, url: URL, body: string) => SimResponse | Promise<SimResponse>;

export interface SimServer {
  url: string;
  requests: RecordedRequest[];
  faults: FaultRule[];
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  /** Added to every answer: a network's round trip (the bench's network section). */
  latencyMs: number;
  /**
   * Past this many requests in a sliding minute, answer 429 with Retry-After (0: no limit). A platform simulator with
   * its own limiter (TeamUp) leaves this at 0. Setting it starts a new window.
   */
  requestsPerMinute: number;
  /** Requests being answered now, and the most at once since `max` was last set to 0 (concurrency tests). */
  inFlight: { now: number; max: number };
  close(): Promise<void>;
}

export async function startSimServer(handler: Handler): Promise<SimServer> {
  const requests: RecordedRequest[] = [];
  const faults: { rule: FaultRule; seen: number; fired: number }[] = [];
  const network = { latencyMs: 0, requestsPerMinute: 0 };
  const window: number[] = [];
  const inFlight = { now: 0, max: 0 };

  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    // Arrival time, taken before the body is read: budget tests compare it with the client's dispatch times.
    const at = Date.now();
    inFlight.now += 1;
    inFlight.max = Math.max(inFlight.max, inFlight.now);
    res.once('close', () => (inFlight.now -= 1));
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname + url.search,
      headers: req.headers,
      at,
    };
    requests.push(record);
    const key = `${req.method} ${url.pathname}${url.search}`;

    let fault: Fault | undefined;
    for (const f of faults) {
      if (!f.rule.match.test(key)) continue;
      f.seen += 1;
      if (f.seen <= (f.rule.after ?? 0)) continue;
      if (f.rule.times !== undefined && f.fired >= f.rule.times) continue;
      if (f.rule.probability !== undefined && (f.rule.random ?? Math.random)() >= f.rule.probability) continue;
      f.fired += 1;
      fault = f.rule.fault;
      break;
    }

    try {
      if (network.latencyMs > 0) await new Promise((r) => setTimeout(r, network.latencyMs));
      if (network.requestsPerMinute > 0) {
        while (window.length > 0 && at - window[0]! >= 60_000) window.shift();
        if (window.length >= network.requestsPerMinute) {
          record.status = 429;
          const retryAfter = Math.max(1, Math.ceil((window[0]! + 60_000 - at) / 1000));
          res.writeHead(429, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': String(retryAfter) });
          res.end('Too many requests');
          return;
        }
        window.push(at);
      }
      if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
      if (fault?.kind === 'hangup') {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'status') {
        record.status = fault.status;
        res.writeHead(fault.status, {
          'content-type': fault.contentType ?? 'text/plain; charset=utf-8',
          ...fault.headers,
        });
        res.end(fault.body ?? '');
        return;
      }
      if (fault?.kind === 'reply') {
        const out = fault.reply(record.path);
        record.status = out.status ?? 200;
        res.writeHead(record.status, { 'content-type': out.contentType ?? 'application/json' });
        res.end(out.body);
        return;
      }
      const out = await handler(req, url, body);
      record.status = out.status;
      let payload = out.body;
      if (fault?.kind === 'malformed')
        payload = fault.body ?? payload.slice(0, 7) + '<<<{{not-valid' + payload.slice(7, 20);
      if (fault?.kind === 'transform') payload = fault.apply(payload, record.path);
      const bytes = Buffer.from(payload, 'utf8');
      if (fault?.kind === 'truncate') {
        res.writeHead(out.status, {
          'content-type': out.contentType,
          'content-length': String(bytes.length),
          ...out.headers,
        });
        res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
        res.destroy();
        return;
      }
      res.writeHead(out.status, {
        'content-type': out.contentType,
        'content-length': String(bytes.length),
        ...out.headers,
      });
      res.end(bytes);
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`simulator bug: ${(error as Error).message}`);
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get faults() {
      return faults.map((f) => f.rule);
    },
    addFault(rule) {
      faults.push({ rule, seen: 0, fired: 0 });
    },
    clearFaults() {
      faults.length = 0;
    },
    get latencyMs() {
      return network.latencyMs;
    },
    set latencyMs(ms: number) {
      network.latencyMs = ms;
    },
    get requestsPerMinute() {
      return network.requestsPerMinute;
    },
    set requestsPerMinute(limit: number) {
      network.requestsPerMinute = limit;
      window.length = 0;
    },
    inFlight,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Deterministic PRNG so simulated data is the same for the same seed (the sample provider's mulberry32). */
export const seededRandom = prng;
