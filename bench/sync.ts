/**
 * Sync throughput per platform through its simulator on loopback, end to end into SQLite, beside a hand-written
 * baseline: the same pages fetched with plain undici, parsed with JSON.parse / fast-xml-parser and inserted by one
 * prepared statement in one transaction per page. Figure: rows written per second.
 */
import Database from 'better-sqlite3';
import { XMLParser } from 'fast-xml-parser';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { request } from 'undici';
import { createCore } from '../electron/core/core';
import { noKeychain } from '../electron/core/secrets/keychain';
import { createSecretStore } from '../electron/core/secrets/secret-store';
import { startIspringSimulator } from '../test/simulators/ispring';
import { startSelfcommunitySimulator } from '../test/simulators/selfcommunity';
import { startTeamupSimulator } from '../test/simulators/teamup';
import { tempDir } from '../test/support/tmp';
import type { BenchContext, Figure } from './sections';
import { median, round } from './stats';
import { bundledSyncWorker } from './worker-bundle';
import type { SyncWorkerEntry } from '../electron/core/sync/worker-sync';

/**
 * Runs Rollbook's real sync of one account and returns rows written, seconds, and the main thread's longest stall
 * meanwhile (the window's IPC waits that long; the simulator's own work on this thread counts too).
 */
async function rollbookSync(
  settings: object,
  secret: string,
  syncWorker: SyncWorkerEntry,
): Promise<{ rows: number; seconds: number; stallMs: number }> {
  const dir = tempDir('rollbook-bench-sync-');
  // The per-minute politeness budgets are lifted (the baseline has none): with them a 100k-row SelfCommunity sync
  // would measure the budget (600 requests/min × 100 rows), not the code. The load test checks the budgets hold.
  // The sync runs in a worker thread, as in the app and the CLI.
  const core = createCore({
    dataDir: dir.path,
    secrets: createSecretStore(noKeychain()),
    httpOptions: { requestsPerMinute: 0 },
    syncWorker,
  });
  try {
    await core.call('accounts.add', { label: 'Bench', settings: settings as never, secret, storage: 'session' });
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const t0 = performance.now();
    const [run] = await core.call('sync.run', { mode: 'full' });
    const seconds = (performance.now() - t0) / 1000;
    delay.disable();
    if (run!.outcome !== 'ok') throw new Error(`sync ${run!.outcome}: ${run!.errorMessage}`);
    const rows = Object.values(run!.counts).reduce((a, b) => a + (b ?? 0), 0);
    return { rows, seconds, stallMs: delay.max / 1e6 };
  } finally {
    core.close();
    dir.cleanup();
  }
}

/** The ~thirty-line baseline: fetch, parse, insert; no abstractions, no retries, no normalisation. */
async function baseline(pages: AsyncIterable<unknown[]>): Promise<{ rows: number; seconds: number }> {
  const dir = tempDir('rollbook-bench-base-');
  const db = new Database(join(dir.path, 'base.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE rows (k TEXT, raw_json TEXT)');
  const insert = db.prepare('INSERT INTO rows VALUES (?, ?)');
  const page = db.transaction((items: unknown[]) => {
    for (const item of items) insert.run(String((item as { id?: unknown }).id ?? ''), JSON.stringify(item));
  });
  const t0 = performance.now();
  let rows = 0;
  for await (const items of pages) {
    page(items);
    rows += items.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  db.close();
  dir.cleanup();
  return { rows, seconds };
}

const xml = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => ['contentItem', 'userProfile', 'result', 'field', 'status'].includes(name),
});

async function* ispringPages(base: string, token: string, accept: string) {
  for (const [path, wrapper, item] of [
    ['/contents', 'contentItems', 'contentItem'],
    ['/users/v2', 'userProfiles', 'userProfile'],
    ['/learners/results', 'results', 'result'],
  ] as const) {
    let pageToken: string | undefined;
    do {
      const url = `${base}${path}?pageSize=1000${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`;
      const res = await request(url, { headers: { authorization: `Bearer ${token}`, accept } });
      const text = await res.body.text();
      const doc = accept.includes('json')
        ? (JSON.parse(text) as Record<string, unknown>)
        : (xml.parse(text) as { response: Record<string, unknown> }).response;
      const list = accept.includes('json')
        ? (doc[wrapper] as unknown[])
        : ((doc[wrapper] as Record<string, unknown[]> | undefined)?.[item] ?? []);
      yield list;
      pageToken = (doc.nextPageToken as string | undefined) || undefined;
    } while (pageToken);
  }
}

async function* nextPages(first: string, headers: Record<string, string>) {
  let url: string | null = first;
  while (url) {
    const res = await request(url, { headers });
    const body = JSON.parse(await res.body.text()) as { next: string | null; results: unknown[] };
    yield body.results;
    url = body.next;
  }
}

export async function syncSection(ctx: BenchContext): Promise<Record<string, Figure>> {
  const n = ctx.rows;
  const figures: Record<string, Figure> = {};
  const worker = await bundledSyncWorker();
  /** The main thread's longest stall in each of Rollbook's syncs since the last record. */
  const stalls: number[] = [];
  const record = (name: string, ours: number[], base: number[], rows: number) => {
    const value = round(median(ours));
    const b = round(median(base));
    const stall = round(median(stalls.splice(0)));
    figures[name] = {
      rows_per_s: value,
      baseline_rows_per_s: b,
      rows,
      ratio: round(value / b, 2),
      main_thread_stall_ms: stall,
      target: '≥ 0.7 × baseline',
      met: value >= 0.7 * b,
    };
    ctx.log(`${name}: ${value} rows/s vs baseline ${b} (${round(value / b, 2)}×)`);
  };

  // iSpring: n results over n/100 courses and n/10 learners; page size 1000 (the API default).
  const ispring = await startIspringSimulator({
    courses: Math.max(10, n / 100),
    learners: Math.max(100, n / 10),
    results: n,
    pageSizeCap: 1000,
  });
  try {
    for (const format of ['xml', 'json'] as const) {
      const ours: number[] = [];
      const base: number[] = [];
      let rows = 0;
      for (let i = 0; i < ctx.repetitions; i += 1) {
        const r = await rollbookSync(
          { platform: 'ispring', baseUrl: ispring.url, authMode: 'token', clientId: ispring.options.clientId, format },
          ispring.options.clientSecret,
          worker,
        );
        ours.push(r.rows / r.seconds);
        stalls.push(r.stallMs);
        rows = r.rows;
        const tokenRes = await request(`${ispring.url}/api/v3/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams({
            client_id: ispring.options.clientId,
            client_secret: ispring.options.clientSecret,
            grant_type: 'client_credentials',
          }).toString(),
        });
        const { access_token } = (await tokenRes.body.json()) as { access_token: string };
        const b = await baseline(
          ispringPages(ispring.url, access_token, format === 'json' ? 'application/json' : 'application/xml'),
        );
        base.push(b.rows / b.seconds);
      }
      record(`ispring_${format}`, ours, base, rows);
    }
  } finally {
    await ispring.close();
  }

  // TeamUp: n attendance rows (courses × sessions × roster), progress derived from them.
  const roster = 50;
  const sessions = 10;
  const teamup = await startTeamupSimulator({
    courses: Math.max(2, Math.round(n / (roster * sessions))),
    sessionsPerCourse: sessions,
    rosterSize: roster,
    customers: Math.max(roster, n / 20),
    requestsPerMinute: 1e9,
  });
  try {
    const ours: number[] = [];
    const base: number[] = [];
    let rows = 0;
    for (let i = 0; i < ctx.repetitions; i += 1) {
      const r = await rollbookSync(
        {
          platform: 'teamup',
          baseUrl: `${teamup.url}/api/v2`,
          authScheme: 'bearer',
          providerId: null,
          completionThreshold: null,
        },
        teamup.options.token,
        worker,
      );
      ours.push(r.rows / r.seconds);
      stalls.push(r.stallMs);
      rows = r.rows;
      const headers = { authorization: `Bearer ${teamup.options.token}` };
      const b = await baseline(
        (async function* () {
          for (const path of [
            'courses',
            'customers',
            'course_sessions?expand=venue,instructors',
            'course_session_attendances?expand=course_session',
          ]) {
            yield* nextPages(`${teamup.url}/api/v2/${path}${path.includes('?') ? '&' : '?'}page_size=100`, headers);
          }
        })(),
      );
      base.push(b.rows / b.seconds);
    }
    record('teamup', ours, base, rows);
  } finally {
    await teamup.close();
  }

  // SelfCommunity: n memberships (courses × members), limit 100 per page.
  const members = 1000;
  const community = await startSelfcommunitySimulator({
    courses: Math.max(2, Math.round(n / members)),
    users: members,
    membersPerCourse: members,
  });
  try {
    const ours: number[] = [];
    const base: number[] = [];
    let rows = 0;
    for (let i = 0; i < ctx.repetitions; i += 1) {
      const r = await rollbookSync(
        { platform: 'selfcommunity', baseUrl: community.url, authMode: 'token', jwtUserId: null },
        community.options.accessToken,
        worker,
      );
      ours.push(r.rows / r.seconds);
      stalls.push(r.stallMs);
      rows = r.rows;
      const headers = { authorization: `Bearer ${community.options.accessToken}` };
      const b = await baseline(
        (async function* () {
          yield* nextPages(`${community.url}/api/v2/course/search/?limit=100&offset=0`, headers);
          yield* nextPages(`${community.url}/api/v2/user/?limit=100&offset=0`, headers);
          for (const course of community.data.courses) {
            const joined = encodeURIComponent('["joined"]');
            yield* nextPages(
              `${community.url}/api/v2/course/${course.id}/users/?limit=100&offset=0&statuses=${joined}`,
              headers,
            );
          }
        })(),
      );
      base.push(b.rows / b.seconds);
    }
    record('selfcommunity', ours, base, rows);
  } finally {
    await community.close();
  }
  return figures;
}
