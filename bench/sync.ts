/**
 * Sync throughput per platform through its simulator on loopback, end to end into SQLite, beside two hand-written
 * baselines: the same pages fetched with plain undici, parsed with JSON.parse / fast-xml-parser and inserted by one
 * prepared statement per row in one transaction per page, into the cache's own indexed tables (the target: ≥ 0.8×)
 * and, for information, into one table with no index. Figure: rows written per second.
 */
import Database from 'better-sqlite3';
import { XMLParser } from 'fast-xml-parser';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { request } from 'undici';
import { SYNC_RESOURCES, type SyncResource } from '../electron/core/contract/channels/sync';
import { createCore } from '../electron/core/core';
import { RESOURCE_TABLES, type SqlValue } from '../electron/core/store/columns';
import { openDatabase } from '../electron/core/store/db';
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

/** One page of a listing, with the cache table it belongs in and its key (after account and generation) per item. */
interface BasePage {
  resource: SyncResource;
  items: unknown[];
  key: (item: Raw) => SqlValue[];
}
type Raw = Record<string, unknown>;

/** A field of a raw item as the key value: an expanded object gives its id. */
const field = (item: Raw, name: string): SqlValue => {
  const v = item[name];
  const id = v && typeof v === 'object' ? (v as Raw).id : v;
  return id === undefined || id === null ? '' : String(id);
};

/**
 * The ~thirty-line baselines: fetch, parse, insert; no abstractions, no retries, no normalisation. `plain` writes
 * into one table with no index (which no view could use); `indexed` writes the same pages into the cache's own
 * tables, indexes and all, with one prepared INSERT per row: its key columns from the raw item, the other columns
 * empty (so it writes less than Rollbook does), and the raw JSON.
 */
async function baseline(
  pages: AsyncIterable<BasePage>,
  kind: 'plain' | 'indexed',
): Promise<{ rows: number; seconds: number }> {
  const dir = tempDir('rollbook-bench-base-');
  const db = kind === 'plain' ? new Database(join(dir.path, 'base.sqlite')) : openDatabase(dir.path);
  let insert: (page: BasePage, item: Raw) => void;
  if (kind === 'plain') {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE rows (k TEXT, raw_json TEXT)');
    const statement = db.prepare('INSERT INTO rows VALUES (?, ?)');
    insert = (_page, item) => statement.run(String(item.id ?? ''), JSON.stringify(item));
  } else {
    db.prepare(
      'INSERT INTO accounts (id, label, platform, settings_json, created_at, updated_at) ' +
        "VALUES ('a', 'Bench', 'sample', '{}', '', '')",
    ).run();
    const statements = new Map<SyncResource, (page: BasePage, item: Raw) => void>();
    for (const resource of SYNC_RESOURCES) {
      const { table, columns, key } = RESOURCE_TABLES[resource];
      const keyAt = key.slice(2).map((name) => columns.findIndex((c) => c.name === name));
      const statement = db.prepare(
        `INSERT OR REPLACE INTO ${table} (${columns.map((c) => c.name).join(', ')}) ` +
          `VALUES (${columns.map(() => '?').join(', ')})`,
      );
      // Outside the key, NOT NULL columns get an empty value and the rest NULL.
      const blank = columns.map((c) => (c.notNull ? (c.type === 'TEXT' ? '' : 0) : null));
      statements.set(resource, (page, item) => {
        const values: SqlValue[] = blank.slice();
        values[0] = 'a';
        values[1] = 1;
        page.key(item).forEach((v, i) => (values[keyAt[i]!] = v));
        values[values.length - 1] = JSON.stringify(item);
        statement.run(...values);
      });
    }
    insert = (page, item) => statements.get(page.resource)!(page, item);
  }
  const write = db.transaction((page: BasePage) => {
    for (const item of page.items) insert(page, item as Raw);
  });
  const t0 = performance.now();
  let rows = 0;
  for await (const page of pages) {
    write(page);
    rows += page.items.length;
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

async function* ispringPages(base: string, token: string, accept: string): AsyncGenerator<BasePage> {
  for (const [path, wrapper, item, resource, key] of [
    ['/contents', 'contentItems', 'contentItem', 'courses', (i: Raw) => [field(i, 'contentItemId')]],
    ['/users/v2', 'userProfiles', 'userProfile', 'learners', (i: Raw) => [field(i, 'userId')]],
    ['/learners/results', 'results', 'result', 'progress', (i: Raw) => [field(i, 'courseId'), field(i, 'userId')]],
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
      yield { resource, items: list, key };
      pageToken = (doc.nextPageToken as string | undefined) || undefined;
    } while (pageToken);
  }
}

async function* nextPages(
  first: string,
  headers: Record<string, string>,
  resource: SyncResource,
  key: BasePage['key'],
): AsyncGenerator<BasePage> {
  let url: string | null = first;
  while (url) {
    const res = await request(url, { headers });
    const body = JSON.parse(await res.body.text()) as { next: string | null; results: unknown[] };
    yield { resource, items: body.results, key };
    url = body.next;
  }
}

export async function syncSection(ctx: BenchContext): Promise<Record<string, Figure>> {
  const n = ctx.rows;
  const figures: Record<string, Figure> = {};
  const worker = await bundledSyncWorker();
  /** The main thread's longest stall in each of Rollbook's syncs since the last record. */
  const stalls: number[] = [];
  /** Both baselines' rows per second, over the same pages (fetched anew for each). */
  const plain: number[] = [];
  const indexed: number[] = [];
  const baselines = async (pages: () => AsyncIterable<BasePage>) => {
    const p = await baseline(pages(), 'plain');
    plain.push(p.rows / p.seconds);
    const i = await baseline(pages(), 'indexed');
    indexed.push(i.rows / i.seconds);
  };
  // The target is against the indexed baseline (what a cache any view can query costs); the index-less ratio stays
  // for information.
  const record = (name: string, ours: number[], rows: number) => {
    const value = round(median(ours));
    const b = round(median(indexed.splice(0)));
    const p = round(median(plain.splice(0)));
    const stall = round(median(stalls.splice(0)));
    figures[name] = {
      rows_per_s: value,
      baseline_rows_per_s: b,
      baseline_no_index_rows_per_s: p,
      rows,
      ratio: round(value / b, 2),
      ratio_no_index: round(value / p, 2),
      main_thread_stall_ms: stall,
      target: '≥ 0.8 × indexed baseline',
      met: value >= 0.8 * b,
    };
    ctx.log(
      `${name}: ${value} rows/s vs indexed baseline ${b} (${round(value / b, 2)}×); ` +
        `index-less baseline ${p} (${round(value / p, 2)}×)`,
    );
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
        await baselines(() =>
          ispringPages(ispring.url, access_token, format === 'json' ? 'application/json' : 'application/xml'),
        );
      }
      record(`ispring_${format}`, ours, rows);
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
      await baselines(async function* () {
        for (const [path, resource, key] of [
          ['courses', 'courses', (i: Raw) => [field(i, 'id')]],
          ['customers', 'learners', (i: Raw) => [field(i, 'id')]],
          ['course_sessions?expand=venue,instructors', 'sessions', (i: Raw) => [field(i, 'id')]],
          [
            'course_session_attendances?expand=course_session',
            'attendance',
            (i: Raw) => [field(i, 'course_session'), field(i, 'customer')],
          ],
        ] as const) {
          const first = `${teamup.url}/api/v2/${path}${path.includes('?') ? '&' : '?'}page_size=100`;
          yield* nextPages(first, headers, resource, key);
        }
      });
    }
    record('teamup', ours, rows);
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
      const byId = (i: Raw) => [field(i, 'id')];
      await baselines(async function* () {
        yield* nextPages(`${community.url}/api/v2/course/search/?limit=100&offset=0`, headers, 'courses', byId);
        yield* nextPages(`${community.url}/api/v2/user/?limit=100&offset=0`, headers, 'learners', byId);
        for (const course of community.data.courses) {
          const joined = encodeURIComponent('["joined"]');
          yield* nextPages(
            `${community.url}/api/v2/course/${course.id}/users/?limit=100&offset=0&statuses=${joined}`,
            headers,
            'progress',
            (i: Raw) => [String(course.id), field(i, 'id')],
          );
        }
      });
    }
    record('selfcommunity', ours, rows);
  } finally {
    await community.close();
  }
  return figures;
}
