/**
 * Sync over a network: each simulator answers every request after a round trip (80 ms; `--latency-ms N`) and
 * throttles past the platform's documented limit (TeamUp 250/min) or the limit the client assumes (600/min), with
 * 429 and Retry-After. Rollbook's real sync runs with its real limits (4 requests in flight, per-minute budgets).
 * A full sync, then 1% of the rows changed and an incremental sync. Figures: wall time beside the lower bound, the
 * requests made, and the 429s. `--network-log DIR` writes each run's requests there (the profile).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCore } from '../electron/core/core';
import { IN_FLIGHT_PER_ACCOUNT } from '../electron/core/providers/parallel';
import { noKeychain } from '../electron/core/secrets/keychain';
import { createSecretStore } from '../electron/core/secrets/secret-store';
import type { SyncWorkerEntry } from '../electron/core/sync/worker-sync';
import type { RecordedRequest, SimServer } from '../test/simulators/server';
import { startIspringSimulator } from '../test/simulators/ispring';
import { startSelfcommunitySimulator } from '../test/simulators/selfcommunity';
import { startTeamupSimulator } from '../test/simulators/teamup';
import { tempDir } from '../test/support/tmp';
import type { BenchContext, Figure } from './sections';
import { round } from './stats';
import { bundledSyncWorker } from './worker-bundle';

/** The HTTP client's requests in flight per account (registry LIMITS). */
const IN_FLIGHT = IN_FLIGHT_PER_ACCOUNT;

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Paging parameters: a listing is its path and query without them. */
const PAGING = ['pageToken', 'page', 'offset'];

/** A filter naming records (TeamUp's `course=300,301`), not codes (`userStatuses[]=1`). */
const ID_FILTER = /^(course|course_session|customer|user|content)(_?ids?)?(\[\])?$/i;

/** A query filtering by ids: the ids come from an earlier listing. */
function idFilter(key: string): boolean {
  const url = new URL(key, 'http://x');
  return [...url.searchParams].some(([name, value]) => ID_FILTER.test(name) && /^[\d,a-f-]+$/i.test(value));
}

/**
 * The longest chain of requests that must follow one another, from the logged requests. A listing paged by tokens
 * is a chain of all its pages; one paged by number or offset needs only its first page (which gives the count)
 * before the rest can go at once, so at most 2. A listing under or filtered by ids (a course's members, the
 * sessions of some courses) needs the first page of the list naming them (+1), and a token request precedes
 * everything (+1). Different listings' chains can run side by side (iSpring's enrollments beside its results), so
 * the bound is the longest single one, not their sum.
 */
export function longestChain(requests: RecordedRequest[]): { chain: number; listing: string } {
  const listings = new Map<string, { pages: number; tokens: boolean }>();
  let auth = 0;
  for (const r of requests) {
    if (r.status === 429) continue;
    if (r.method !== 'GET') {
      auth = 1;
      continue;
    }
    const url = new URL(r.path, 'http://x');
    const tokens = url.searchParams.has('pageToken');
    for (const p of PAGING) url.searchParams.delete(p);
    const key = url.pathname + url.search;
    const l = listings.get(key) ?? { pages: 0, tokens: false };
    l.pages += 1;
    l.tokens ||= tokens;
    listings.set(key, l);
  }
  let best = { chain: auth, listing: auth ? 'token' : '' };
  for (const [key, l] of listings) {
    const underId = /\/(\d+|[0-9a-f-]{36})\//i.test(key + '/') || idFilter(key) ? 1 : 0;
    const chain = auth + underId + (l.tokens ? l.pages : Math.min(l.pages, 2));
    const path = new URL(key, 'http://x').pathname;
    if (chain > best.chain) best = { chain, listing: path.replace(/\/(\d+|[0-9a-f-]{36})(?=\/|$)/gi, '/{id}') };
  }
  return best;
}

interface Run {
  seconds: number;
  /** Before the first request (worker, cache, connector) and after the last answer (writes, commit): the profile. */
  beforeS: number;
  afterS: number;
  requests: number;
  throttled: number;
  rows: number;
  log: RecordedRequest[];
}

async function syncOnce(
  core: ReturnType<typeof createCore>,
  sim: SimServer,
  mode: 'full' | 'incremental',
  limit: number,
): Promise<Run> {
  sim.requests.length = 0;
  // A new window per run: an incremental sync comes minutes or hours after the full one, not within its minute.
  sim.requestsPerMinute = limit;
  const t0 = performance.now();
  const wall0 = Date.now();
  const [run] = await core.call('sync.run', { mode });
  const seconds = (performance.now() - t0) / 1000;
  const wall1 = Date.now();
  if (run!.outcome !== 'ok') throw new Error(`${mode} sync ${run!.outcome}: ${run!.errorMessage}`);
  const log = sim.requests.slice();
  return {
    seconds,
    beforeS: log.length > 0 ? (log[0]!.at - wall0) / 1000 : 0,
    afterS: log.length > 0 ? (wall1 - log.at(-1)!.at - sim.latencyMs) / 1000 : 0,
    requests: log.length,
    throttled: log.filter((r) => r.status === 429).length,
    rows: Object.values(run!.counts).reduce((a, b) => a + (b ?? 0), 0),
    log,
  };
}

interface Bounds {
  rate: number;
  inFlight: number;
  chainS: number;
  chain: number;
  listing: string;
  bound: number;
  by: string;
  ratio: number;
}

/** A run's lower bound: the rate window, the requests in flight, the chain that cannot overlap; and which bounds. */
function bounds(run: Run, limit: number, latencyMs: number): Bounds {
  const n = run.requests - run.throttled;
  const rate = Math.floor((n - 1) / limit) * 60;
  const inFlight = (n * latencyMs) / 1000 / IN_FLIGHT;
  const { chain, listing } = longestChain(run.log);
  const chainS = (chain * latencyMs) / 1000;
  const terms = { rate, in_flight: inFlight, chain: chainS };
  const bound = Math.max(rate, inFlight, chainS);
  const by = Object.entries(terms).find(([, v]) => v === bound)![0];
  return { rate, inFlight, chainS, chain, listing, bound, by, ratio: run.seconds / bound };
}

async function measure(
  ctx: BenchContext,
  name: string,
  sim: SimServer,
  settings: object,
  secret: string,
  limit: number,
  latencyMs: number,
  worker: SyncWorkerEntry,
  change: () => number,
): Promise<Figure> {
  const dir = tempDir('rollbook-bench-net-');
  const core = createCore({ dataDir: dir.path, secrets: createSecretStore(noKeychain()), syncWorker: worker });
  try {
    await core.call('accounts.add', { label: 'Bench', settings: settings as never, secret, storage: 'session' });
    sim.latencyMs = latencyMs;
    const full = await syncOnce(core, sim, 'full', limit);
    const changed = change();
    const incr = await syncOnce(core, sim, 'incremental', limit);
    const logDir = argValue('--network-log');
    if (logDir) {
      const line = (r: RecordedRequest) => `${r.at} ${r.status ?? '-'} ${r.method} ${r.path}`;
      writeFileSync(join(logDir, `${name}-full.log`), full.log.map(line).join('\n') + '\n');
      writeFileSync(join(logDir, `${name}-incremental.log`), incr.log.map(line).join('\n') + '\n');
    }
    const f = bounds(full, limit, latencyMs);
    const i = bounds(incr, limit, latencyMs);
    const incrShare = incr.requests / full.requests;
    const throttled = full.throttled + incr.throttled;
    const figure: Figure = {
      full_s: round(full.seconds, 2),
      lower_bound_s: round(f.bound, 2),
      ratio: round(f.ratio, 2),
      bound_by: f.by,
      bound_rate_s: f.rate,
      bound_in_flight_s: round(f.inFlight, 2),
      bound_chain_s: round(f.chainS, 2),
      chain_requests: f.chain,
      chain_listing: f.listing,
      rows: full.rows,
      requests: full.requests,
      requests_per_1k_rows: round((full.requests / full.rows) * 1000, 1),
      changed_rows: changed,
      before_first_request_s: round(full.beforeS, 2),
      after_last_answer_s: round(full.afterS, 2),
      incremental_s: round(incr.seconds, 2),
      incremental_lower_bound_s: round(i.bound, 2),
      incremental_ratio: round(i.ratio, 2),
      incremental_bound_by: i.by,
      incremental_requests: incr.requests,
      incremental_requests_per_1k_rows: round((incr.requests / incr.rows) * 1000, 1),
      incremental_share: round(incrShare, 3),
      throttled_429: throttled,
      target: '≤ 1.25 × lower bound; incremental ≤ 10% of requests where dates filter; 0 × 429',
      met: f.ratio <= 1.25 && throttled === 0,
      met_incremental: incrShare <= 0.1,
    };
    const line = (what: string, run: Run, b: Bounds) =>
      `${what} ${round(run.seconds, 2)} s vs bound ${round(b.bound, 2)} s (${round(b.ratio, 2)}×, by ${b.by}: ` +
      `rate ${b.rate} s, in flight ${round(b.inFlight, 2)} s, chain ${b.chain} × ${latencyMs} ms on ${b.listing}); ` +
      `${run.requests} requests for ${run.rows} rows (${round((run.requests / run.rows) * 1000, 1)}/1k); ` +
      `429s ${run.throttled}; ${round(run.beforeS, 2)} s before the first request, ${round(run.afterS, 2)} s ` +
      'after the last answer';
    ctx.log(`${name}: ${line('full', full, f)}`);
    ctx.log(`${name}: ${line(`incremental after ${changed} changes`, incr, i)}; share ${figure.incremental_share}`);
    return figure;
  } finally {
    sim.latencyMs = 0;
    core.close();
    dir.cleanup();
  }
}

/**
 * One small sync first, unmeasured: the first sync in a process starts the worker cold (about a second, on loading
 * the bundle and the cache's native module), which is start-up, not network, and would land on whichever platform
 * runs first.
 */
async function warmUp(worker: SyncWorkerEntry): Promise<void> {
  const sim = await startTeamupSimulator({ courses: 2, sessionsPerCourse: 2, rosterSize: 2, customers: 10 });
  const dir = tempDir('rollbook-bench-net-');
  const core = createCore({ dataDir: dir.path, secrets: createSecretStore(noKeychain()), syncWorker: worker });
  try {
    const settings = { platform: 'teamup', baseUrl: `${sim.url}/api/v2`, authScheme: 'bearer', providerId: null };
    await core.call('accounts.add', {
      label: 'Warm-up',
      settings: settings as never,
      secret: sim.options.token,
      storage: 'session',
    });
    await core.call('sync.run', { mode: 'full' });
  } finally {
    core.close();
    dir.cleanup();
    await sim.close();
  }
}

/** Picks every k-th index so that `share` of `count` rows change, spread over the data. */
function spread(count: number, share: number): number[] {
  const step = Math.max(1, Math.round(1 / share));
  const out: number[] = [];
  for (let i = 0; i < count; i += step) out.push(i);
  return out;
}

export async function networkSection(ctx: BenchContext): Promise<Record<string, Figure>> {
  const latencyMs = Number(argValue('--latency-ms') ?? 80);
  // A realistic account: 20k progress rows over 200 courses (--quick: 2k over 20; `--network-rows N` to change).
  const rows = Number(argValue('--network-rows') ?? (ctx.quick ? 2_000 : 20_000));
  const courses = Math.max(2, Math.round(rows / 100));
  const worker = await bundledSyncWorker();
  await warmUp(worker);
  const figures: Record<string, Figure> = {};
  const nowIso = () => new Date().toISOString().replace(/\.\d+Z$/, '+00:00');

  // `--network-platforms teamup,ispring`: only those (a profile of one platform without waiting for the others).
  const only = argValue('--network-platforms')?.split(',');
  const wanted = (name: string) => !only || only.includes(name);

  const ispring = await startIspringSimulator({ courses, learners: rows / 10, results: rows, pageSizeCap: 1000 });
  try {
    if (wanted('ispring'))
      figures.ispring = await measure(
        ctx,
        'ispring',
        ispring,
        {
          platform: 'ispring',
          baseUrl: ispring.url,
          authMode: 'token',
          clientId: ispring.options.clientId,
          format: 'json',
        },
        ispring.options.clientSecret,
        600,
        latencyMs,
        worker,
        () => {
          // Learners finish courses: completed today, so a completion-date window sees them.
          const picked = spread(ispring.data.results.length, 0.01);
          for (const i of picked) {
            const r = ispring.data.results[i]!;
            Object.assign(r, { completionStatus: 'completed', progress: '100', completionDate: nowIso() });
          }
          return picked.length;
        },
      );
  } finally {
    await ispring.close();
  }

  // TeamUp: courses × 10 sessions × a roster of 10 = the attendance rows; its own limiter is off for the shared one.
  const teamup = await startTeamupSimulator({
    courses,
    sessionsPerCourse: 10,
    rosterSize: 10,
    customers: rows / 10,
    requestsPerMinute: 1e9,
  });
  try {
    if (wanted('teamup'))
      figures.teamup = await measure(
        ctx,
        'teamup',
        teamup,
        { platform: 'teamup', baseUrl: `${teamup.url}/api/v2`, authScheme: 'bearer', providerId: null },
        teamup.options.token,
        250,
        latencyMs,
        worker,
        () => {
          // Attendance marked after the fact on the latest held sessions (TeamUp attendances carry no timestamp).
          const now = Date.now();
          const starts = new Map(teamup.data.sessions.map((s) => [s.id, Date.parse(s.starts_at)]));
          const held = teamup.data.attendances
            .filter((a) => starts.get(a.course_session)! < now && a.status !== 'not_registered')
            .sort((a, b) => starts.get(b.course_session)! - starts.get(a.course_session)!);
          const picked = held.slice(0, Math.round(teamup.data.attendances.length * 0.01));
          for (const a of picked) a.status = a.status === 'attended' ? 'no_show' : 'attended';
          return picked.length;
        },
      );
  } finally {
    await teamup.close();
  }

  const community = await startSelfcommunitySimulator({ courses, users: 200, membersPerCourse: 100 });
  try {
    if (wanted('selfcommunity'))
      figures.selfcommunity = await measure(
        ctx,
        'selfcommunity',
        community,
        { platform: 'selfcommunity', baseUrl: community.url, authMode: 'token', jwtUserId: null },
        community.options.accessToken,
        600,
        latencyMs,
        worker,
        () => {
          // In every other course a learner joins and another leaves: 1% of the memberships change, page counts stay.
          const picked = community.data.courses.filter((_, i) => i % 2 === 0);
          for (const c of picked) community.data.churn(c.id, 1, 1);
          return picked.length * 2;
        },
      );
  } finally {
    await community.close();
  }
  return figures;
}
