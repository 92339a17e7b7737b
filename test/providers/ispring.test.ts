/**
 * The iSpring Learn connector against the local simulator over loopback, through the real HTTP client. Expected
 * values are built from the simulator's dataset by the rules of the reference (not by calling the connector's own
 * mapping), so a parsing slip in any wrapping/format variant shows up as a row mismatch.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { IspringSettings } from '../../electron/core/contract/accounts';
import type { Course, Learner, Progress, ProgressStatus } from '../../electron/core/contract/domain';
import { createHttpClient } from '../../electron/core/http/client';
import { HttpError } from '../../electron/core/http/errors';
import type { HttpClientOptions } from '../../electron/core/http/types';
import { createIspringConnector } from '../../electron/core/providers/ispring';
import { calendarDate, isoDate, normaliseStatus, parseBody } from '../../electron/core/providers/ispring-parse';
import type { Connector, Page } from '../../electron/core/providers/types';
import { gc } from '../support/memory';
import {
  ISPRING_DISPLAY,
  startIspringSimulator,
  type IspringEndpoint,
  type IspringFixture,
  type IspringResult,
  type IspringSimOptions,
  type IspringSimulator,
} from '../simulators/ispring';

const sims: IspringSimulator[] = [];
const clients: ReturnType<typeof createHttpClient>[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

const FAST_RETRY: HttpClientOptions = { retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 40 } };

interface SetupOptions {
  mode?: 'token' | 'legacy';
  format?: 'json' | 'xml';
  secret?: string;
  baseUrl?: (simUrl: string) => string;
  client?: HttpClientOptions;
  now?: () => Date;
}

async function setup(options: IspringSimOptions = {}, s: SetupOptions = {}) {
  const sim = await startIspringSimulator(options);
  sims.push(sim);
  return { sim, ...connect(sim, s) };
}

function connect(sim: IspringSimulator, s: SetupOptions = {}) {
  const http = createHttpClient({ ...FAST_RETRY, ...s.client });
  clients.push(http);
  const mode = s.mode ?? 'token';
  const common = {
    platform: 'ispring' as const,
    baseUrl: s.baseUrl ? s.baseUrl(sim.url) : sim.url,
    format: s.format ?? 'json',
  };
  const settings: IspringSettings =
    mode === 'token'
      ? { ...common, authMode: 'token', clientId: sim.options.clientId }
      : { ...common, authMode: 'legacy', accountUrl: sim.options.accountUrl, login: sim.options.login };
  const secret = s.secret ?? (mode === 'token' ? sim.options.clientSecret : sim.options.password);
  return { connector: createIspringConnector({ settings, secret, http, now: s.now }), secret };
}

const signal = () => AbortSignal.timeout(60_000); // a hang guard, not a time limit

async function collect<T>(pages: AsyncIterable<Page<T>>): Promise<{ rows: T[]; pages: number }> {
  const rows: T[] = [];
  let count = 0;
  for await (const page of pages) {
    expect(page.raw).toHaveLength(page.items.length);
    rows.push(...page.items);
    count += 1;
  }
  return { rows, pages: count };
}

async function failure(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
}

/** Every secret the run used: the client secret, the legacy password, and every access token the server issued. */
function secretsOf(sim: IspringSimulator, extra: string[] = []): string[] {
  const tokens = sim.requests
    .map((r) => String(r.headers.authorization ?? '').replace(/^Bearer\s+/i, ''))
    .filter(Boolean);
  return [sim.options.clientSecret, sim.options.password, ...new Set(tokens), ...extra];
}

function expectNoSecret(error: HttpError, secrets: string[]) {
  const surface = JSON.stringify({
    message: error.message,
    excerpt: error.excerpt,
    wire: error.toWire(),
    stack: error.stack,
  });
  for (const secret of secrets) expect(surface).not.toContain(secret);
}

// ----------------------------------------------------------------------------------- expectations from the dataset

const DOMAIN: Record<string, ProgressStatus> = {
  not_started: 'not_started',
  in_progress: 'in_progress',
  pending: 'in_progress',
  complete: 'completed',
  passed: 'passed',
  failed: 'failed',
  incomplete: 'incomplete',
  accepted: 'passed',
  declined: 'failed',
};
const TYPE: Record<string, string> = {
  Course: 'course',
  LearningTrack: 'learning_track',
  Quiz: 'quiz',
  iSpringSuiteModule: 'ispring_suite_module',
  PDFDocument: 'pdf_document',
};
const utc = (offsetDateTime: string | undefined) =>
  offsetDateTime ? new Date(Date.parse(offsetDateTime)).toISOString() : null;

function expectedCourses(data: IspringFixture): Course[] {
  return data.courses.map((c) => ({
    id: c.contentItemId,
    name: c.title,
    type: TYPE[c.contentItemType]!,
    description: c.description ?? c.subtitle ?? null,
    createdAt: utc(c.addedDate),
    updatedAt: null,
    url: c.viewUrl,
  }));
}

/** User status by the reference: 1 active, 3 blocked, 5 employment ended (deleted); v1 lists report 5 as 3. */
const LEARNER_STATUS: Record<number, Learner['status']> = { 1: 'active', 3: 'blocked', 5: 'deleted' };

function expectedLearners(data: IspringFixture, v2 = true): Learner[] {
  const departments = new Map(data.departments.map((d) => [d.departmentId, d.name]));
  const groups = new Map(data.groups.map((g) => [g.groupId, g.name]));
  return data.users.map((u) => {
    const f = new Map(u.fields);
    const firstName = f.get('FIRST_NAME') ?? null;
    const lastName = f.get('LAST_NAME') ?? null;
    const email = f.get('EMAIL') ?? null;
    const name = firstName && lastName ? `${firstName} ${lastName}` : (f.get('LOGIN') ?? email ?? u.userId);
    return {
      id: u.userId,
      name,
      email,
      firstName,
      lastName,
      status: LEARNER_STATUS[!v2 && u.status === 5 ? 3 : u.status] ?? null,
      department: departments.get(u.departmentId) ?? null,
      groups: u.groups.map((id) => groups.get(id)!),
    };
  });
}

/** The dates and certificate of the enrollment a result belongs to, as the reference types them (`date`). */
function enrollmentOf(data: IspringFixture, r: IspringResult) {
  const e = data.enrollments.find((x) => x.enrollmentId === r.enrollmentId)!;
  const assignedAt = e.accessDate;
  return {
    assignedAt,
    dueAt: e.dueDate && e.dueDate >= assignedAt ? e.dueDate : null,
    expiresAt: e.expirationDate ?? null,
    certificateIssuedAt: e.certificate?.issueDate ?? null,
    certificateExpiresAt: e.certificate?.expiryDate ?? null,
  };
}

function expectedFromResults(rows: IspringResult[], data: IspringFixture): Omit<Progress, 'rawStatus'>[] {
  return rows.map((r) => {
    const status = DOMAIN[r.completionStatus]!;
    const completedAt = utc(r.completionDate);
    // accessDate is the assignment date: neither a start nor an activity; the results API has no view date.
    return {
      learnerId: r.userId,
      courseId: r.courseId,
      status,
      progressPct: Number(r.progress),
      score: r.awardedScore ? Number(r.awardedScore) : null,
      startedAt: null,
      completedAt,
      lastActivityAt: completedAt,
      ...enrollmentOf(data, r),
      timeSpentS: r.timeSpent ?? null,
      passingScore: r.passingScore ? Number(r.passingScore) : null,
      enrollmentId: r.enrollmentId,
    };
  });
}

function expectedFromFinalStatuses(rows: IspringResult[], data: IspringFixture): Omit<Progress, 'rawStatus'>[] {
  return rows.map((r) => {
    const completedAt = utc(r.completionDate);
    const viewedAt = utc(r.lastViewDate);
    return {
      learnerId: r.userId,
      courseId: r.courseId,
      status: DOMAIN[r.completionStatus]!,
      progressPct: Number(r.progress),
      score: null,
      startedAt: null,
      completedAt,
      lastActivityAt: [viewedAt, completedAt].filter(Boolean).sort().pop() ?? null,
      // Not on that page: the enrollments give the dates and certificate, not time spent or the enrollment's id.
      ...enrollmentOf(data, r),
      timeSpentS: null,
      passingScore: null,
      enrollmentId: null,
    };
  });
}

const key = (p: { learnerId?: string; userId?: string; courseId: string }) =>
  `${p.courseId}/${p.learnerId ?? p.userId}`;
const byKey = <T extends { courseId: string }>(rows: T[]) => [...rows].sort((a, b) => (key(a) < key(b) ? -1 : 1));
const withoutRaw = (rows: Progress[]) => rows.map(({ rawStatus: _raw, ...rest }) => rest);

/** Checks the raw statuses: snake_case from results, display text (either casing) from final_statuses. */
function expectRawStatuses(rows: Progress[], data: IspringFixture, style: 'snake' | 'display') {
  const source = new Map(data.results.map((r) => [key(r), r]));
  for (const p of rows) {
    const r = source.get(key(p))!;
    if (style === 'snake') expect(p.rawStatus).toBe(r.completionStatus);
    else expect(ISPRING_DISPLAY[r.completionStatus]).toContain(p.rawStatus);
  }
}

async function syncAll(connector: Connector, onSkip?: (s: { courseId: string; reason: string }) => void) {
  const s = signal();
  const courses = await collect(connector.courses({ signal: s }));
  const learners = await collect(connector.learners({ signal: s }));
  const progress = await collect(connector.progress({ signal: s, courseIds: courses.rows.map((c) => c.id), onSkip }));
  return { courses, learners, progress };
}

const resultsRequests = (sim: IspringSimulator) => sim.requests.filter((r) => r.path.startsWith('/learners/results'));
const finalRequests = (sim: IspringSimulator) => sim.requests.filter((r) => r.path.endsWith('/final_statuses'));

// ------------------------------------------------------------------------------------------------------ tests

describe('iSpring Learn connector: auth, paging, formats', () => {
  it.each(['json', 'xml'] as const)('API key, %s: every resource over ≥ 3 pages equals the dataset', async (format) => {
    const { sim, connector } = await setup({ courses: 8, learners: 25, results: 70, pageSizeCap: 3 }, { format });
    const { courses, learners, progress } = await syncAll(connector);
    expect(courses.pages).toBeGreaterThanOrEqual(3);
    expect(learners.pages).toBeGreaterThanOrEqual(3);
    expect(progress.pages).toBeGreaterThanOrEqual(3);
    expect(courses.rows).toEqual(expectedCourses(sim.data));
    expect(learners.rows).toEqual(expectedLearners(sim.data));
    expect(byKey(withoutRaw(progress.rows))).toEqual(byKey(expectedFromResults(sim.data.results, sim.data)));
    expectRawStatuses(progress.rows, sim.data, 'snake');
    // Fractional progress stays fractional; inactive users' rows are included (userStatuses asked for).
    expect(progress.rows.some((p) => p.progressPct !== null && !Number.isInteger(p.progressPct))).toBe(true);
    expect(sim.data.users.some((u) => u.status !== 1)).toBe(true);

    const api = sim.requests.filter((r) => r.path !== '/api/v3/token');
    expect(api.length).toBeGreaterThan(0);
    expect(resultsRequests(sim).length).toBeGreaterThan(0);
    expect(api.every((r) => r.headers.accept === (format === 'json' ? 'application/json' : 'application/xml'))).toBe(
      true,
    );
    expect(
      api.every(
        (r) => /^Bearer \S+$/.test(String(r.headers.authorization)) && r.headers['x-auth-password'] === undefined,
      ),
    ).toBe(true);
    expect(resultsRequests(sim).every((r) => r.path.includes('userStatuses%5B%5D=5'))).toBe(true);
    expect(sim.tokensIssued).toBe(1); // cached across every request
    const tokenRequest = sim.requests.find((r) => r.path === '/api/v3/token')!;
    expect(tokenRequest.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('legacy credentials: the three X-Auth headers on every call, no token', async () => {
    const { sim, connector } = await setup(
      { courses: 4, learners: 9, results: 20, pageSizeCap: 4 },
      { mode: 'legacy', format: 'xml' },
    );
    const { courses, learners, progress } = await syncAll(connector);
    expect(courses.rows).toEqual(expectedCourses(sim.data));
    expect(learners.rows).toEqual(expectedLearners(sim.data));
    expect(byKey(withoutRaw(progress.rows))).toEqual(byKey(expectedFromResults(sim.data.results, sim.data)));
    expect(sim.requests.some((r) => r.path === '/api/v3/token')).toBe(false);
    for (const r of sim.requests) {
      expect(r.headers).toMatchObject({
        'x-auth-account-url': sim.options.accountUrl,
        'x-auth-email': sim.options.login,
        'x-auth-password': sim.options.password,
      });
      expect(r.headers.authorization).toBeUndefined();
    }
    const info = await connector.testConnection(signal());
    expect(info).toMatchObject({ accountName: 'acme.ispringlearn.com', courseCount: 4 });
  });

  it('wrong client secret → auth_failed at once (one token request), naming iSpring, never the secret', async () => {
    const wrong = 'WRONG-secret-Zk29-ÅÄÖ';
    const { sim, connector } = await setup({}, { secret: wrong });
    const error = await failure(connector.testConnection(signal()));
    expect(error.code).toBe('auth_failed');
    expect(error.message).toMatch(/^iSpring Learn rejected the client ID or secret \(HTTP 401\)/);
    expect(sim.requests.filter((r) => r.path === '/api/v3/token')).toHaveLength(1);
    expect(sim.requests).toHaveLength(1);
    expectNoSecret(error, [...secretsOf(sim), wrong]);
  });

  it('a token request met by a passing 503 or 429 is retried like any other, and the run goes on', async () => {
    for (const status of [503, 429]) {
      const { sim, connector } = await setup({ courses: 3 });
      sim.addFault({ match: /POST \/api\/v3\/token/, times: 1, fault: { kind: 'status', status, body: 'busy' } });
      const { rows } = await collect(connector.courses({ signal: signal() }));
      expect(rows, String(status)).toHaveLength(3);
      const tokenStatuses = sim.requests.filter((r) => r.path === '/api/v3/token').map((r) => r.status);
      expect(tokenStatuses, String(status)).toEqual([status, 200]);
    }
  });

  it(
    'wrong legacy password → auth_failed about login/password; ' + 'a 403 token answer → forbidden about API access',
    async () => {
      const wrong = 'WRONG-legacy-pass-77';
      const { sim, connector } = await setup({}, { mode: 'legacy', secret: wrong });
      const error = await failure(collect(connector.courses({ signal: signal() })));
      expect(error.code).toBe('auth_failed');
      expect(error.message).toMatch(/iSpring Learn rejected the login or password/);
      expectNoSecret(error, [...secretsOf(sim), wrong]);

      sim.options.forbid = ['token'];
      const denied = await failure(collect(connect(sim).connector.courses({ signal: signal() })));
      expect(denied.code).toBe('forbidden');
      expect(denied.message).toMatch(/iSpring Learn refused to issue an API token.*API key/);
      expectNoSecret(denied, secretsOf(sim));

      sim.options.forbid = ['contents', 'content'];
      const noApi = await failure(connect(sim).connector.testConnection(signal()));
      expect(noApi.code).toBe('forbidden');
      expect(noApi.message).toMatch(/iSpring Learn refused access to \/contents \(HTTP 403\).*no REST API access/);
    },
  );

  it.each([
    ['bare host', (u: string) => u, ''],
    ['trailing slash', (u: string) => `${u}/`, ''],
    ['/api/v2 prefix', (u: string) => `${u}/api/v2`, '/api/v2'],
    ['/index.php/api/v2 prefix', (u: string) => `${u}/index.php/api/v2`, '/index.php/api/v2'],
  ])('base URL with %s: data under the prefix, the token at /api/v3/token', async (_name, baseUrl, prefix) => {
    const { sim, connector } = await setup({ courses: 3 }, { baseUrl });
    expect((await collect(connector.courses({ signal: signal() }))).rows).toHaveLength(3);
    expect(sim.requests.map((r) => r.path.split('?')[0])).toEqual(['/api/v3/token', `${prefix}/contents`]);
  });

  it('asks for the next page of a token chain while this one is with its consumer', async () => {
    const { sim, connector } = await setup({ courses: 6, pageSizeCap: 2 });
    const asked: number[] = [];
    for await (const _page of connector.courses({ signal: signal() })) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      asked.push(sim.requests.filter((r) => r.path.startsWith('/contents')).length);
    }
    // Page n + 1 is asked for before page n is handed on; the last page names no next one.
    expect(asked).toEqual([2, 3, 3]);
  });

  it('renews the token before its expiry by the clock, without a 401', async () => {
    let clock = Date.parse('2026-03-01T09:00:00Z');
    const { sim, connector } = await setup({ courses: 8, pageSizeCap: 2 }, { now: () => new Date(clock) });
    let pages = 0;
    // Each page is asked for while the one before it is handed on: the clock moved at page n is the one page n + 2
    // is asked for at.
    for await (const _page of connector.courses({ signal: signal() })) {
      pages += 1;
      if (pages === 1) clock += 24 * 60_000; // still fresh: no new token
      if (pages === 2) clock += 2 * 60_000; // 26 min: inside the renewal margin of a 30-min token
    }
    expect(pages).toBe(4);
    expect(sim.tokensIssued).toBe(2);
    expect(sim.expiredTokenHits).toBe(0);
    expect(sim.requests.map((r) => r.path.split('?')[0])).toEqual([
      '/api/v3/token',
      '/contents',
      '/contents',
      '/contents',
      '/api/v3/token',
      '/contents',
    ]);
  });

  it('a token expiring mid-run (server side) is renewed once and the run continues', async () => {
    const { sim, connector } = await setup({ courses: 6, learners: 10, results: 20, pageSizeCap: 2 });
    const seen: string[] = [];
    for await (const page of connector.courses({ signal: signal() })) {
      seen.push(...page.items.map((c) => c.id));
      if (seen.length === 2) sim.expireTokens();
    }
    expect(seen).toEqual(sim.data.courses.map((c) => c.contentItemId));
    expect(sim.tokensIssued).toBe(2);
    expect(sim.expiredTokenHits).toBe(1);

    // A real TTL running out while a request is on its way.
    sim.options.tokenTtlSeconds = 1;
    const fresh = connect(sim).connector;
    sim.addFault({ match: /GET \/users\/v2.*pageToken/, times: 1, fault: { kind: 'delay', ms: 1100 } });
    const learners = await collect(fresh.learners({ signal: signal() }));
    expect(learners.rows).toHaveLength(10);
    expect(sim.expiredTokenHits).toBe(2);
    expect(sim.tokensIssued).toBe(4);
  });

  it('a fresh token still refused → one renewal only, then auth_failed without any token in the message', async () => {
    const { sim, connector } = await setup();
    sim.addFault({ match: /GET \/contents/, fault: { kind: 'status', status: 401, body: 'Unauthorized' } });
    const error = await failure(collect(connector.courses({ signal: signal() })));
    expect(error.code).toBe('auth_failed');
    expect(error.message).toMatch(/iSpring Learn refused a freshly issued access token/);
    expect(sim.tokensIssued).toBe(2);
    expect(sim.requests.filter((r) => r.path.startsWith('/contents'))).toHaveLength(2);
    expectNoSecret(error, secretsOf(sim));
  });
});

describe('iSpring Learn connector: XML and JSON traps', () => {
  const SIZE = { courses: 5, learners: 7, results: 16, pageSizeCap: 3 } as const;
  const variants: [string, IspringSimOptions, 'xml' | 'json'][] = [
    ['documented wrappers, empty wrapper', { wrapping: 'documented', emptyLists: 'wrapper' }, 'xml'],
    ['documented wrappers, missing wrapper', { wrapping: 'documented', emptyLists: 'missing' }, 'xml'],
    ['items straight under <response>', { wrapping: 'bare' }, 'xml'],
    ['doubled <response><response>', { wrapping: 'nested', emptyLists: 'missing' }, 'xml'],
    ['booleans as 1/0', { booleans: 'digits' }, 'xml'],
    ['booleans mixed true/0', { booleans: 'mixed' }, 'xml'],
    ['optional elements empty', { optionalElements: 'empty' }, 'xml'],
    ['optional elements null (JSON)', { optionalElements: 'null' }, 'json'],
    ['optional elements empty strings (JSON)', { optionalElements: 'empty' }, 'json'],
    ['display-text statuses everywhere', { statuses: 'display' }, 'xml'],
    ['snake_case statuses everywhere', { statuses: 'snake' }, 'json'],
    ['dates with Z', { dates: 'utc' }, 'xml'],
    ['dates in the account zone', { dates: 'zoned' }, 'json'],
    ['dates without offset', { dates: 'naive' }, 'xml'],
    ['server ignores Accept (JSON for XML)', { ignoreAccept: 'json' }, 'xml'],
    [
      'server ignores Accept (XML for JSON), mislabelled text/plain',
      { ignoreAccept: 'xml', xmlContentType: 'text/plain' },
      'json',
    ],
    ['nextPageToekn typo + trailing empty page', { tokenField: 'nextPageToekn', trailingEmptyPage: true }, 'xml'],
    ['JSON one-element lists as objects', { jsonSingleAsObject: true }, 'json'],
    ['JSON one-element lists as objects, nested', { jsonSingleAsObject: true, wrapping: 'nested' }, 'json'],
    ['JSON documented', {}, 'json'],
  ];

  it.each(variants)('%s: both progress sources read exactly the dataset', async (_name, options, format) => {
    const { sim, connector } = await setup({ ...SIZE, ...options }, { format });
    const { courses, learners, progress } = await syncAll(connector);
    expect(courses.rows).toEqual(expectedCourses(sim.data));
    expect(learners.rows).toEqual(expectedLearners(sim.data));
    expect(byKey(withoutRaw(progress.rows))).toEqual(byKey(expectedFromResults(sim.data.results, sim.data)));
    expectRawStatuses(progress.rows, sim.data, options.statuses === 'display' ? 'display' : 'snake');

    // The same data through per-course final_statuses (display statuses, optional dates, one- and zero-item lists).
    sim.options.forbid = ['results'];
    const viaFinal = connect(sim, { format }).connector;
    const fallback = await collect(viaFinal.progress({ signal: signal(), courseIds: courses.rows.map((c) => c.id) }));
    expect(byKey(withoutRaw(fallback.rows))).toEqual(byKey(expectedFromFinalStatuses(sim.data.results, sim.data)));
    expectRawStatuses(fallback.rows, sim.data, options.statuses === 'snake' ? 'snake' : 'display');
  });

  it(
    'the dataset really holds the traps: one-field users, ' + 'name fallbacks, one- and zero-row courses, Unicode',
    async () => {
      const { sim, connector } = await setup({ courses: 5, learners: 25, results: 40 }, { format: 'xml' });
      const { learners, progress } = await syncAll(connector);
      const byId = new Map(learners.rows.map((l) => [l.id, l]));
      const user = (i: number) => byId.get(sim.data.users[i]!.userId)!;
      expect(user(0)).toMatchObject({
        name: 'Zoë Ångström',
        email: 'user1@acme.example',
        firstName: 'Zoë',
        lastName: 'Ångström',
      });
      expect(user(2)).toEqual({
        id: sim.data.users[2]!.userId,
        name: 'solo3',
        email: null,
        firstName: null,
        lastName: null,
        status: 'active',
        department: 'Équipe Nord — <terrain>',
        groups: ['Managers "2026"', 'Fire wardens & first aiders'],
      }); // single <field>
      expect(user(5).email).toBeNull();
      expect(user(7).name).toBe('user8'); // no names → login
      expect(user(12).name).toBe('user13@acme.example'); // no names, no login → e-mail
      expect(
        learners.rows.some((l) => l.name.includes('王')) && learners.rows.some((l) => l.name.includes('Øster & Søn')),
      ).toBe(true);
      const perCourse = (id: string) => progress.rows.filter((p) => p.courseId === id).length;
      expect(perCourse(sim.data.courses[3]!.contentItemId)).toBe(1);
      expect(perCourse(sim.data.courses[4]!.contentItemId)).toBe(0);
      const courses = await collect(connector.courses({ signal: signal() }));
      expect(courses.rows.find((c) => c.name.includes('<révision>'))?.name).toBe(
        'Sécurité incendie — module 4, "avancé" & <révision>',
      );
    },
  );

  it('parses by the body, not the label: HTML pages, plain text and broken documents are bad_response', () => {
    const response = (body: string, type: string) => ({
      status: 200,
      headers: { 'content-type': type },
      body,
      url: 'https://h/contents',
    });
    expect(parseBody(response('{"contentItems":[]}', 'application/xml'))).toEqual({ contentItems: [] });
    expect(parseBody(response('\uFEFF<?xml version="1.0"?><response/>', 'application/json'))).toEqual({ response: '' });
    for (const [body, detail] of [
      ['<!DOCTYPE html><html><body>Sign in</body></html>', /web page/],
      ['<html><head></head><body></body></html>', /web page/],
      ['Service temporarily unavailable', /plain text/],
      ['<response><contentItems><contentItem></contentItems>', /malformed XML/],
      ['{"contentItems": [', /malformed JSON/],
      ['', /empty body/],
    ] as const) {
      const error = (() => {
        try {
          parseBody(response(body, 'application/xml'));
        } catch (e) {
          return e as HttpError;
        }
      })();
      expect(error?.code).toBe('bad_response');
      expect(error?.message).toMatch(detail);
      expect(error?.message).toMatch(/^iSpring Learn sent a response Rollbook cannot read/);
    }
  });

  it('statuses and dates: both vocabularies, any casing; offsets, date-only and tolerated forms → ISO UTC', () => {
    expect(
      ['In progress', 'In Progress', 'in_progress', 'IN PROGRESS', 'Pending'].map((s) => normaliseStatus(s)),
    ).toEqual(Array(5).fill('in_progress'));
    expect(
      [
        'Complete',
        'complete',
        'Completed',
        'Passed',
        'accepted',
        'Failed',
        'declined',
        'Incomplete',
        'Not started',
        'not_started',
      ].map((s) => normaliseStatus(s)),
    ).toEqual([
      'completed',
      'completed',
      'completed',
      'passed',
      'passed',
      'failed',
      'failed',
      'incomplete',
      'not_started',
      'not_started',
    ]);
    // Unknown or missing: the progress figure decides.
    expect([
      normaliseStatus('Overdue', 40),
      normaliseStatus(null, 100),
      normaliseStatus('', 0),
      normaliseStatus('???', null),
    ]).toEqual(['in_progress', 'completed', 'not_started', 'not_started']);
    expect(isoDate('2019-10-26T12:35:10+00:00')).toBe('2019-10-26T12:35:10.000Z');
    expect(isoDate('2019-10-26T14:35:10+02:00')).toBe('2019-10-26T12:35:10.000Z');
    expect(isoDate('2019-10-26T14:35:10+0200')).toBe('2019-10-26T12:35:10.000Z');
    expect(isoDate('2019-10-26T12:35:10Z')).toBe('2019-10-26T12:35:10.000Z');
    expect(isoDate('2019-10-26 12:35:10')).toBe('2019-10-26T12:35:10.000Z');
    expect(isoDate('2019-09-26')).toBe('2019-09-26T00:00:00.000Z');
    expect(isoDate('1572093310')).toBe('2019-10-26T12:35:10.000Z');
    expect([isoDate(''), isoDate('0000-00-00 00:00:00'), isoDate('soon'), isoDate(undefined)]).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });
});

describe('iSpring Learn connector: progress sources and windows', () => {
  it('results forbidden (403) → per-course final statuses; a forbidden course is skipped and reported', async () => {
    const { sim, connector } = await setup(
      { courses: 6, learners: 12, results: 40, forbid: ['results'] },
      { format: 'xml' },
    );
    const forbiddenCourse = sim.data.courses[1]!.contentItemId;
    sim.options.forbiddenCourses = [forbiddenCourse];
    const skipped: { courseId: string; reason: string }[] = [];
    const { progress } = await syncAll(connector, (s) => skipped.push(s));
    expect(skipped).toEqual([{ courseId: forbiddenCourse, reason: expect.stringMatching(/HTTP 403.*Can edit/) }]);
    const expected = sim.data.results.filter((r) => r.courseId !== forbiddenCourse);
    expect(byKey(withoutRaw(progress.rows))).toEqual(byKey(expectedFromFinalStatuses(expected, sim.data)));
    expect(
      progress.rows.some((p) => p.rawStatus === 'In progress') &&
        progress.rows.some((p) => p.rawStatus === 'In Progress'),
    ).toBe(true);
    // Never-opened rows have no activity date; only finished rows a completion date.
    for (const p of progress.rows) {
      if (p.status === 'not_started') expect(p.lastActivityAt).toBeNull();
      expect(p.completedAt === null).toBe(!['completed', 'passed', 'failed'].includes(p.status));
    }
    expect(resultsRequests(sim)).toHaveLength(1); // tried once, then remembered
    const info = await connector.testConnection(signal());
    expect(info.notes?.join(' ')).toMatch(/final statuses/);
  });

  it(
    'final statuses stream with a bounded look-ahead; ' + 'unknown courses (plain-text 404) are skipped quietly',
    async () => {
      const { sim, connector } = await setup({ courses: 14, learners: 10, results: 80, forbid: ['results'] });
      const ids = [...sim.data.courses.map((c) => c.contentItemId)];
      ids.splice(3, 0, '00000000-dead-beef-0000-000000000000');
      const skipped: string[] = [];
      let maxAhead = 0;
      const rows: Progress[] = [];
      for await (const page of connector.progress({
        signal: signal(),
        courseIds: ids,
        onSkip: (s) => skipped.push(s.courseId),
      })) {
        rows.push(...page.items);
        const consumed = ids.indexOf(page.items[0]!.courseId) + 1;
        maxAhead = Math.max(maxAhead, finalRequests(sim).length - consumed);
        await new Promise((r) => setTimeout(r, 5)); // a slow consumer: the connector must not run away
      }
      expect(rows).toHaveLength(sim.data.results.length);
      expect(skipped).toEqual([]);
      expect(maxAhead).toBeLessThanOrEqual(4);
      expect(finalRequests(sim)).toHaveLength(ids.length);
      const unknown = sim.requests.find((r) => r.path.includes('dead-beef'))!;
      expect(unknown.status).toBe(404);
    },
  );

  it.each([
    ['takes X-Auth', [] as IspringEndpoint[]],
    ['takes Bearer only (401)', ['results'] as IspringEndpoint[]],
  ])('legacy login where /learners/results %s: progress is read either way', async (_label, bearerOnly) => {
    const { sim, connector } = await setup({ courses: 5, learners: 12, results: 40, bearerOnly }, { mode: 'legacy' });
    const { progress } = await syncAll(connector);
    const viaResults = bearerOnly.length === 0;
    const expected = viaResults
      ? expectedFromResults(sim.data.results, sim.data)
      : expectedFromFinalStatuses(sim.data.results, sim.data);
    expect(byKey(withoutRaw(progress.rows))).toEqual(byKey(expected));
    expect(finalRequests(sim).length > 0).toBe(!viaResults);
    const info = await connector.testConnection(signal());
    expect(info.notes?.join(' ')).toMatch(viaResults ? /learner results API/ : /final statuses.*API key/);
  });

  it('legacy login refused everywhere → auth_failed about the login, also with Bearer-only results', async () => {
    const { sim, connector } = await setup({ bearerOnly: ['results'] }, { mode: 'legacy', secret: 'wrong' });
    const failure = await collect(connector.progress({ signal: signal() })).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HttpError);
    expect((failure as HttpError).code).toBe('auth_failed');
    expect((failure as HttpError).message).toMatch(/login or password/);
    expect(finalRequests(sim)).toHaveLength(0);
  });

  it('without course ids, the fallback lists the courses itself', async () => {
    const { sim, connector } = await setup(
      { courses: 4, learners: 6, results: 12, forbid: ['results'] },
      { format: 'xml' },
    );
    const { rows } = await collect(connector.progress({ signal: signal() }));
    expect(rows).toHaveLength(sim.data.results.length);
  });

  it('neither source allowed: testConnection says so; progress skips every course', async () => {
    const { sim, connector } = await setup({ courses: 3, results: 10, forbid: ['results', 'final_statuses'] });
    const info = await connector.testConnection(signal());
    expect(info.notes?.join(' ')).toMatch(/Neither the learner results API nor per-course final statuses/);
    const skipped: string[] = [];
    const { rows } = await collect(
      connector.progress({
        signal: signal(),
        courseIds: sim.data.courses.map((c) => c.contentItemId),
        onSkip: (s) => skipped.push(s.courseId),
      }),
    );
    expect(rows).toEqual([]);
    expect(skipped).toHaveLength(3);
  });

  it(
    'a server refusing userStatuses=5 (400) is asked again with 1 and 3; ' +
      'blocked users stay, terminated are not served',
    async () => {
      const { sim, connector } = await setup({
        courses: 4,
        learners: 30,
        results: 60,
        inactiveShare: 0.5,
        userStatusValues: [1, 3],
      });
      const { rows } = await collect(connector.progress({ signal: signal(), courseIds: [] }));
      const status = new Map(sim.data.users.map((u) => [u.userId, u.status]));
      const expected = sim.data.results.filter((r) => status.get(r.userId) !== 5);
      expect(expected.length).toBeLessThan(sim.data.results.length);
      expect(rows.map(key).sort()).toEqual(expected.map(key).sort());
      expect(resultsRequests(sim).map((r) => r.status)).toEqual([400, 200]);
    },
  );

  it('incremental: completed-in-window plus every open row, no duplicates; the window reaches back a day', async () => {
    const { sim, connector } = await setup({ courses: 6, learners: 30, results: 120, pageSizeCap: 7 });
    expect(connector.incremental.has('progress')).toBe(true);
    const since = '2026-03-10T00:00:00.000Z';
    const { rows } = await collect(connector.progress({ signal: signal(), since, courseIds: [] }));
    const windowStart = Date.parse(since) - 86_400_000;
    const open = new Set(['not_started', 'in_progress', 'pending', 'incomplete']);
    const expected = sim.data.results.filter(
      (r) => (r.completionDate && Date.parse(r.completionDate) >= windowStart) || open.has(r.completionStatus),
    );
    expect(expected.length).toBeLessThan(sim.data.results.length);
    expect(rows.map(key).sort()).toEqual(expected.map(key).sort());
    const paths = resultsRequests(sim).map((r) => decodeURIComponent(r.path));
    // Whole seconds: RFC 3339 as the spec types it, without fractions whose acceptance is not documented.
    expect(paths.some((p) => p.includes('completionDate[startDate]=2026-03-09T00:00:00Z'))).toBe(true);
    expect(paths.some((p) => p.includes('completionStatuses[]=in_progress'))).toBe(true);
  });

  it('accessDate (the assignment date) is never taken as a start or activity date', async () => {
    const { sim, connector } = await setup({ courses: 5, learners: 20, results: 60 });
    const { progress } = await syncAll(connector);
    const assigned = new Map(sim.data.results.map((r) => [key(r), `${r.accessDate}T00:00:00.000Z`]));
    expect(progress.rows.length).toBe(sim.data.results.length);
    for (const p of progress.rows) {
      expect(p.startedAt).toBeNull();
      expect(p.lastActivityAt).not.toBe(assigned.get(key(p)));
      expect(p.lastActivityAt).toBe(p.completedAt);
    }
  });

  it('testConnection: account name from the course links, the course count and the progress note', async () => {
    const { sim, connector } = await setup({ courses: 7, pageSizeCap: 3 });
    expect(await connector.testConnection(signal())).toEqual({
      accountName: 'acme.ispringlearn.com',
      courseCount: 7,
      notes: [expect.stringMatching(/learner results API/)],
    });
    const empty = await setup({ courses: 0, results: 0 });
    expect(await empty.connector.testConnection(signal())).toMatchObject({
      accountName: new URL(empty.sim.url).host,
      courseCount: 0,
    });
    expect(sim.tokensIssued).toBe(1);
  });
});

describe('iSpring Learn connector: faults', () => {
  it(
    '404 plain text: /contents and /users/v2 missing → the older /content ' +
      'and /users; all missing → not_found naming the address',
    async () => {
      const { sim, connector } = await setup(
        { courses: 5, learners: 8, missing: ['contents', 'users/v2'] },
        { format: 'xml' },
      );
      const courses = await collect(connector.courses({ signal: signal() }));
      expect(courses.rows).toEqual(expectedCourses(sim.data));
      const learners = await collect(connector.learners({ signal: signal() }));
      expect(learners.rows).toEqual(expectedLearners(sim.data, false));
      const paths = sim.requests.map((r) => `${r.status} ${r.path.split('?')[0]}`);
      const directory = (p: string) => /\/(departments|groups)$/.test(p);
      expect(paths.filter((p) => !directory(p))).toEqual([
        '200 /api/v3/token',
        '404 /contents',
        '200 /content',
        '404 /users/v2',
        '200 /users',
      ]);
      expect(paths.filter(directory).sort()).toEqual(['200 /departments', '200 /groups']);

      const wrongBase = await failure(
        collect(connect(sim, { mode: 'legacy', baseUrl: (u) => `${u}/lms` }).connector.courses({ signal: signal() })),
      );
      expect(wrongBase.code).toBe('not_found');
      expect(wrongBase.message).toMatch(
        /^iSpring Learn has no \/content at http:\/\/127\.0\.0\.1:\d+\/lms \(HTTP 404\)\. Check the API address/,
      );
    },
  );

  it('429 with Retry-After: 1 and without, 500 and 503 once each → retried and complete', async () => {
    const { sim, connector } = await setup({ courses: 6, learners: 9, results: 30, pageSizeCap: 4 });
    sim.addFault({
      match: /GET \/contents/,
      times: 1,
      after: 1,
      fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
    });
    sim.addFault({ match: /GET \/users\/v2/, times: 2, fault: { kind: 'status', status: 429 } });
    sim.addFault({ match: /GET \/learners\/results/, times: 1, after: 1, fault: { kind: 'status', status: 503 } });
    sim.addFault({
      match: /GET \/learners\/results/,
      times: 1,
      after: 3,
      fault: { kind: 'status', status: 500, body: 'oops' },
    });
    const started = Date.now();
    const { courses, learners, progress } = await syncAll(connector);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(courses.rows).toEqual(expectedCourses(sim.data));
    expect(learners.rows).toHaveLength(9);
    expect(progress.rows).toHaveLength(sim.data.results.length);
    expect(sim.requests.filter((r) => r.status === 429 || r.status === 503 || r.status === 500)).toHaveLength(5);
  });

  it('persistent 500 and 429 → server_error / rate_limited naming iSpring', async () => {
    const { sim, connector } = await setup({}, { client: { retry: { retries: 1, baseDelayMs: 5, maxDelayMs: 10 } } });
    sim.addFault({ match: /GET \/contents/, fault: { kind: 'status', status: 500, body: '<html>oops</html>' } });
    const server = await failure(collect(connector.courses({ signal: signal() })));
    expect(server).toMatchObject({ code: 'server_error', status: 500 });
    expect(server.message).toMatch(/^iSpring Learn had a server error \(HTTP 500\) on \/contents/);
    sim.clearFaults();
    sim.addFault({ match: /GET \/users/, fault: { kind: 'status', status: 429 } });
    const limited = await failure(collect(connector.learners({ signal: signal() })));
    expect(limited.code).toBe('rate_limited');
    expect(limited.message).toMatch(/^iSpring Learn kept asking Rollbook to slow down/);
    expectNoSecret(limited, secretsOf(sim));
  });

  it('slow answers → timeout naming iSpring; a slow answer once is retried', async () => {
    const { sim, connector } = await setup({}, { client: { timeouts: { headersMs: 300 }, retry: { retries: 0 } } });
    sim.addFault({ match: /GET \/contents/, times: 1, fault: { kind: 'delay', ms: 1000 } });
    const error = await failure(connector.testConnection(signal()));
    expect(error.code).toBe('timeout');
    expect(error.message).toMatch(/^iSpring Learn at 127\.0\.0\.1:\d+ did not answer in time/);
    expectNoSecret(error, secretsOf(sim));

    // Here every answer but the stalled one must beat the limit, so it leaves room for a busy machine.
    sim.addFault({ match: /GET \/contents/, times: 1, fault: { kind: 'delay', ms: 3000 } });
    const patience = { timeouts: { headersMs: 1000 }, retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 10 } };
    const patient = connect(sim, { client: patience }).connector;
    expect((await collect(patient.courses({ signal: signal() }))).rows).toHaveLength(6);
  });

  it('connection refused → network error: host unreachable', async () => {
    const { sim } = await setup();
    const url = sim.url;
    await sim.close();
    sims.splice(sims.indexOf(sim), 1);
    const http = createHttpClient({ retry: { retries: 0 } });
    clients.push(http);
    const connector = createIspringConnector({
      settings: {
        platform: 'ispring',
        authMode: 'legacy',
        baseUrl: url,
        accountUrl: 'https://acme.ispringlearn.com',
        login: 'admin',
        format: 'xml',
      },
      secret: 'pw-unreachable-123',
      http,
    });
    const error = await failure(connector.testConnection(signal()));
    expect(error.code).toBe('network');
    expect(error.message).toMatch(
      /^iSpring Learn at 127\.0\.0\.1:\d+ is unreachable \(the connection was refused\)\. Check the API address/,
    );
    expectNoSecret(error, ['pw-unreachable-123']);
  });

  it('a truncated body is retried; malformed XML/JSON, HTML and foreign shapes → bad_response', async () => {
    const { sim, connector } = await setup({ courses: 6, learners: 9, results: 20, pageSizeCap: 4 }, { format: 'xml' });
    sim.addFault({ match: /GET \/contents.*pageToken/, times: 1, fault: { kind: 'truncate' } });
    expect((await collect(connector.courses({ signal: signal() }))).rows).toHaveLength(6);

    const cases: [RegExp, string | undefined, 'xml' | 'json', RegExp][] = [
      [/GET \/learners\/results.*pageToken/, undefined, 'xml', /cannot read \(malformed XML\) for \/learners\/results/],
      [/GET \/users\/v2.*pageToken/, undefined, 'json', /cannot read \(malformed JSON\) for \/users\/v2/],
      [/GET \/contents/, '<!DOCTYPE html><html><body>Login</body></html>', 'xml', /web page instead of API data/],
      [
        /GET \/users\/v2/,
        '{"count": 2, "results": [{"id": 1}]}',
        'json',
        /answered \/users\/v2 without a userProfiles list/,
      ],
      [
        /GET \/learners\/results/,
        '{"results": [{"id": 1, "courseId": "c"}]}',
        'json',
        /an item without userId in \/learners\/results/,
      ],
      [
        /GET \/contents/,
        '<response><contentItems><contentItem><title>x</title></contentItem></contentItems></response>',
        'xml',
        /an item without contentItemId/,
      ],
    ];
    for (const [match, body, format, message] of cases) {
      sim.clearFaults();
      sim.addFault({ match, fault: { kind: 'malformed', body } });
      const c = connect(sim, { format }).connector;
      const error = await failure(syncAll(c));
      expect(error.code).toBe('bad_response');
      expect(error.message).toMatch(message);
      expectNoSecret(error, secretsOf(sim));
    }
  });

  it('cancelling mid-stream stops at once', async () => {
    const { sim, connector } = await setup({ courses: 10, pageSizeCap: 2 });
    const controller = new AbortController();
    let pages = 0;
    const error = await (async () => {
      for await (const _ of connector.courses({ signal: controller.signal })) {
        pages += 1;
        controller.abort();
      }
    })().then(
      () => null,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(pages).toBe(1);
    expect(error?.name === 'AbortError' || error?.code === 'cancelled').toBe(true);
    expect(sim.requests.filter((r) => r.path.startsWith('/contents'))).toHaveLength(1);
  });
});

describe('iSpring Learn connector: streaming', () => {
  it('100k progress rows: one page in hand at a time, flat heap', async () => {
    const { sim, connector } = await setup({ courses: 60, learners: 2000, results: 100_000 });
    expect(sim.data.results).toHaveLength(100_000);
    gc();
    const start = process.memoryUsage().heapUsed;
    let rows = 0;
    let pages = 0;
    let growth = 0;
    let largest = 0;
    for await (const page of connector.progress({ signal: AbortSignal.timeout(110_000), courseIds: [] })) {
      pages += 1;
      rows += page.items.length;
      largest = Math.max(largest, page.items.length);
      // The next page has not been asked for before this one is handed over.
      expect(resultsRequests(sim)).toHaveLength(pages);
      if (pages % 20 === 0) {
        gc();
        growth = Math.max(growth, process.memoryUsage().heapUsed - start);
      }
    }
    // Earlier enrollments' rows are served too (10k) and left out; the enrollment index stays small.
    expect(sim.data.pastResults).toHaveLength(10_000);
    expect(rows).toBe(100_000);
    expect(pages).toBe(110);
    expect(largest).toBeLessThanOrEqual(1000);
    // Holding 100k normalised rows would retain ~40 MB; streaming holds about one page.
    expect(growth).toBeLessThan(12 * 2 ** 20);
  }, 120_000);
});

describe('iSpring Learn simulator as strict as the reference, and the connector against it', () => {
  const token = async (sim: IspringSimulator) => {
    const answer = await fetch(`${sim.url}/api/v3/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        client_id: sim.options.clientId,
        client_secret: sim.options.clientSecret,
        grant_type: 'client_credentials',
      }).toString(),
    });
    return ((await answer.json()) as { access_token: string }).access_token;
  };

  it('takes only the documented array spelling, RFC 3339 date-times and the prefixes seen in the wild', async () => {
    const sim = await startIspringSimulator({ courses: 3, learners: 5, results: 6 });
    sims.push(sim);
    const bearer = await token(sim);
    const status = async (path: string) =>
      (await fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' } }))
        .status;
    const course = sim.data.courses[0]!.contentItemId;
    expect(await status(`/learners/results?courseIds[]=${course}`)).toBe(200);
    expect(await status(`/learners/results?courseIds=${course}`)).toBe(400);
    expect(await status('/learners/results?userStatuses=1')).toBe(400);
    for (const loose of ['2026-01-02', '2026-01-02 10:00:00', 'Jan 2 2026', '2026-01-02T10:00:00']) {
      expect(await status(`/learners/results?completionDate[startDate]=${encodeURIComponent(loose)}`), loose).toBe(400);
    }
    for (const rfc of ['2026-01-02T10:00:00Z', '2026-01-02T10:00:00+02:00', '2026-01-02T10:00:00.250Z']) {
      expect(await status(`/learners/results?completionDate[startDate]=${encodeURIComponent(rfc)}`), rfc).toBe(200);
    }
    for (const prefix of ['', '/api/v2', '/api/v3', '/index.php/api/v2'])
      expect(await status(`${prefix}/users/v2`), prefix).toBe(200);
    for (const prefix of ['/api/v9', '/index.php/api/v7', '/v2'])
      expect(await status(`${prefix}/users/v2`), prefix).toBe(404);
    expect(await status('/users/v2?pageSize=0')).toBe(400);

    // The unsettled points, each way: bracketless names and fractional seconds.
    sim.options.arrayParams = 'both';
    expect(await status(`/learners/results?courseIds=${course}`)).toBe(200);
    sim.options.fractionalSeconds = 'refuse';
    expect(
      await status(`/learners/results?completionDate[startDate]=${encodeURIComponent('2026-01-02T10:00:00.250Z')}`),
    ).toBe(400);
  });

  it('incremental progress works whichever way the unsettled filter points go', async () => {
    for (const options of [
      { fractionalSeconds: 'refuse' },
      { fractionalSeconds: 'accept', arrayParams: 'both' },
    ] as const) {
      const { sim, connector } = await setup({ courses: 4, learners: 12, results: 30, pageSizeCap: 5, ...options });
      const { rows } = await collect(
        connector.progress({ signal: signal(), since: '2026-03-10T00:00:00.000Z', courseIds: [] }),
      );
      expect(rows.length, JSON.stringify(options)).toBeGreaterThan(0);
      expect(
        sim.requests.filter((r) => r.status === 400),
        JSON.stringify(options),
      ).toEqual([]);
    }
  });

  it.each([
    ['every user status taken', [1, 3, 5]],
    ['status 5 refused too', [1, 3]],
  ])('a refused date filter (400) is told from a refused userStatuses: %s', async (_label, userStatusValues) => {
    const { sim, connector } = await setup({
      courses: 4,
      learners: 30,
      results: 90,
      inactiveShare: 0.3,
      dateFilters: 'refuse',
      userStatusValues,
    });
    const since = '2026-03-10T00:00:00.000Z';
    const { rows } = await collect(connector.progress({ signal: signal(), since, courseIds: [] }));
    // The window cannot be asked for, so the whole list is read: nothing is lost, blocked learners included.
    const hidden = new Set(sim.data.users.filter((u) => !userStatusValues.includes(u.status)).map((u) => u.userId));
    const expected = sim.data.results.filter((r) => !hidden.has(r.userId));
    expect(expected.some((r) => sim.data.users.find((u) => u.userId === r.userId)!.status !== 1)).toBe(true);
    expect(rows.map(key).sort()).toEqual(expected.map(key).sort());
    const last = resultsRequests(sim).at(-1)!.path;
    expect(last).toContain(`userStatuses%5B%5D=${userStatusValues.at(-1)}`);
    expect(last).not.toContain('completionDate');
  });

  it('reads every list whole whether an oversized pageSize is clamped or refused', async () => {
    for (const oversizedPageSize of ['clamp', 'error'] as const) {
      const { sim, connector } = await setup({
        courses: 4,
        learners: 23,
        results: 30,
        pageSizeCap: 5,
        defaultPageSize: 5,
        oversizedPageSize,
      });
      const { courses, learners, progress } = await syncAll(connector);
      expect(courses.rows.map((c) => c.id).sort()).toEqual(sim.data.courses.map((c) => c.contentItemId).sort());
      expect(learners.rows).toEqual(expectedLearners(sim.data));
      expect(progress.rows.map(key).sort()).toEqual(expectedFromResults(sim.data.results, sim.data).map(key).sort());
      // Refused once, then the server's own default for the rest of the connector's life.
      expect(
        sim.requests.filter((r) => r.status === 400),
        oversizedPageSize,
      ).toHaveLength(oversizedPageSize === 'error' ? 1 : 0);
    }
  });

  it('users joining and leaving between pages: keyset tokens still resume, every page is a real one', async () => {
    const { sim, connector } = await setup({
      courses: 2,
      learners: 30,
      results: 10,
      pageSizeCap: 4,
      churn: { add: 2, remove: 1 },
    });
    const everExisted = new Set(sim.data.users.map((u) => u.userId));
    const { rows } = await collect(connector.learners({ signal: signal() }));
    for (const u of sim.data.users) everExisted.add(u.userId);
    const stayed = sim.data.users.map((u) => u.userId).filter((id) => !id.endsWith('c4a17e'));
    const read = new Set(rows.map((r) => r.id));
    // iSpring reports no total: what is checked is that nothing read is invented and nobody who stayed is missed.
    for (const id of read) expect(everExisted.has(id)).toBe(true);
    for (const id of stayed) expect(read.has(id), id).toBe(true);
    expect(sim.requests.every((r) => r.status === 200 || r.path.startsWith('/api/v3/token'))).toBe(true);
  });
});

describe('iSpring Learn: enrollments, dates and the directory', () => {
  /** What the cache keeps of rows read in this order: the last row per learner × course. */
  const lastWins = (rows: Progress[]) => [...new Map(rows.map((p) => [key(p), p])).values()];
  /** The current enrollment per learner × course: the one each current result row names. */
  const currentIds = (data: IspringFixture) => new Set(data.results.map((r) => r.enrollmentId));

  it.each(['json', 'xml'] as const)(
    're-enrolment (%s): one row per learner × course, the current enrollment, however the rows are ordered',
    async (format) => {
      const { sim, connector } = await setup(
        { courses: 6, learners: 12, results: 50, reenrolledShare: 0.5, pageSizeCap: 4 },
        { format },
      );
      expect(sim.data.pastResults.length).toBeGreaterThanOrEqual(20);
      const { rows } = await collect(connector.progress({ signal: signal(), courseIds: [] }));
      expect(rows.map(key).sort()).toEqual(sim.data.results.map(key).sort());
      const current = currentIds(sim.data);
      expect(rows.every((p) => current.has(p.enrollmentId!))).toBe(true);
      expect(byKey(withoutRaw(rows))).toEqual(byKey(expectedFromResults(sim.data.results, sim.data)));
      // One paged listing of enrollments, not a request per learner or course.
      const listings = sim.requests.filter((r) => r.path.startsWith('/enrollment'));
      expect(listings).toHaveLength(Math.ceil(sim.data.enrollments.length / 4));
      expect(listings.every((r) => r.path.startsWith('/enrollments?') && !r.path.includes('learnerIds'))).toBe(true);
    },
  );

  it('re-enrolment without an enrollment list (403): the later assignment still wins, dates from the results', async () => {
    const { sim, connector } = await setup(
      { courses: 5, learners: 10, results: 40, reenrolledShare: 0.5, pageSizeCap: 3, forbid: ['enrollments'] },
      { format: 'xml' },
    );
    const read = await collect(connector.progress({ signal: signal(), courseIds: [] }));
    // An earlier enrollment's row read first cannot be known as earlier yet; the later one follows and wins.
    const rows = lastWins(read.rows);
    expect(read.rows.length).toBeGreaterThan(rows.length);
    expect(rows.map(key).sort()).toEqual(sim.data.results.map(key).sort());
    const current = currentIds(sim.data);
    expect(rows.every((p) => current.has(p.enrollmentId!))).toBe(true);
    // The results carry the same dates; certificates are only on enrollments.
    const expected = expectedFromResults(sim.data.results, sim.data).map((p) => ({
      ...p,
      certificateIssuedAt: null,
      certificateExpiresAt: null,
    }));
    expect(byKey(withoutRaw(rows))).toEqual(byKey(expected));
  });

  it('the non-paged /enrollment (where /enrollments is missing) and flat certificates read the same', async () => {
    const { sim, connector } = await setup({
      courses: 5,
      learners: 10,
      results: 40,
      missing: ['enrollments'],
      certificates: 'flat',
    });
    const { rows } = await collect(connector.progress({ signal: signal(), courseIds: [] }));
    expect(byKey(withoutRaw(rows))).toEqual(byKey(expectedFromResults(sim.data.results, sim.data)));
    expect(rows.filter((p) => p.certificateIssuedAt !== null).length).toBeGreaterThan(0);
    expect(rows.filter((p) => p.certificateExpiresAt !== null).length).toBeGreaterThan(0);
    expect(sim.requests.filter((r) => r.path.startsWith('/enrollment?') || r.path === '/enrollment')).toHaveLength(1);
  });

  it('testConnection says when enrollments cannot be listed, and only then', async () => {
    const { sim, connector } = await setup({ courses: 3, results: 6 });
    expect((await connector.testConnection(signal())).notes).toHaveLength(1);
    sim.options.missing = ['enrollments'];
    expect((await connect(sim).connector.testConnection(signal())).notes).toHaveLength(1);
    sim.options.missing = [];
    sim.options.forbid = ['enrollments'];
    const info = await connect(sim).connector.testConnection(signal());
    expect(info.notes).toEqual([expect.stringMatching(/learner results API/), expect.stringMatching(/certificates/)]);
  });

  it('per-course final statuses: dates and certificates from the enrollments; none when those are refused', async () => {
    const { sim, connector } = await setup({ courses: 5, learners: 10, results: 40, forbid: ['results'] });
    const courseIds = sim.data.courses.map((c) => c.contentItemId);
    const { rows } = await collect(connector.progress({ signal: signal(), courseIds }));
    expect(byKey(withoutRaw(rows))).toEqual(byKey(expectedFromFinalStatuses(sim.data.results, sim.data)));
    expect(rows.some((p) => p.dueAt !== null) && rows.some((p) => p.certificateIssuedAt !== null)).toBe(true);

    sim.options.forbid = ['results', 'enrollments'];
    const refused = await collect(connect(sim).connector.progress({ signal: signal(), courseIds }));
    expect(refused.rows).toHaveLength(sim.data.results.length);
    for (const p of refused.rows) {
      expect([p.assignedAt, p.dueAt, p.expiresAt, p.certificateIssuedAt, p.certificateExpiresAt]).toEqual([
        null,
        null,
        null,
        null,
        null,
      ]);
    }
  });

  it.each(['date', 'datetime'] as const)(
    'date-only values stay the written date west of UTC (results dates as %s)',
    async (resultDates) => {
      const zone = process.env.TZ;
      process.env.TZ = 'America/Los_Angeles';
      try {
        // The zone really applies: UTC midnight is the evening before here.
        expect(new Date('2026-03-01T00:00:00Z').getDate()).toBe(28);
        for (const forbid of [[], ['enrollments']] as IspringEndpoint[][]) {
          const { sim, connector } = await setup({ courses: 4, learners: 8, results: 30, resultDates, forbid });
          const rows = lastWins((await collect(connector.progress({ signal: signal(), courseIds: [] }))).rows);
          const byPair = new Map(sim.data.results.map((r) => [key(r), r]));
          expect(rows.some((p) => p.dueAt !== null)).toBe(true);
          for (const p of rows) {
            const r = byPair.get(key(p))!;
            expect(p.assignedAt).toBe(r.accessDate);
            expect(p.dueAt).toBe(r.dueDate ?? null);
            expect(p.expiresAt).toBe(r.expirationDate ?? null);
            for (const date of [p.assignedAt, p.dueAt, p.expiresAt, p.certificateIssuedAt, p.certificateExpiresAt])
              if (date !== null) expect(date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
          }
        }
      } finally {
        if (zone === undefined) delete process.env.TZ;
        else process.env.TZ = zone;
      }
    },
  );

  it('calendarDate keeps the written date and refuses what is no date', () => {
    expect(calendarDate('2026-03-01')).toBe('2026-03-01');
    expect(calendarDate('2026-03-01T00:00:00+00:00')).toBe('2026-03-01');
    expect(calendarDate('2026-03-01T23:30:00-08:00')).toBe('2026-03-01');
    expect(calendarDate('2026-03-01 10:00:00')).toBe('2026-03-01');
    for (const bad of ['2026-02-30', '2026-13-01', '01/03/2026', '', null, undefined, 20260301])
      expect(calendarDate(bad)).toBeNull();
  });

  it('learners: status 1/3/5, department and group names, with v2 and without', async () => {
    const { sim, connector } = await setup({ courses: 2, learners: 30, results: 10, inactiveShare: 0.6 });
    const { rows } = await collect(connector.learners({ signal: signal() }));
    expect(rows).toEqual(expectedLearners(sim.data));
    const statuses = new Set(rows.map((l) => l.status));
    expect([...statuses].sort()).toEqual(['active', 'blocked', 'deleted']);
    expect(rows.some((l) => l.groups!.length === 2) && rows.some((l) => l.groups!.length === 1)).toBe(true);
    expect(new Set(rows.map((l) => l.department))).toEqual(
      new Set(['Head office', 'Sales & Marketing', 'Équipe Nord — <terrain>']),
    );

    // /users (v1) reports "employment ended" as blocked.
    sim.options.missing = ['users/v2'];
    const v1 = await collect(connect(sim).connector.learners({ signal: signal() }));
    expect(v1.rows).toEqual(expectedLearners(sim.data, false));
    expect(v1.rows.some((l) => l.status === 'deleted')).toBe(false);
  });

  it.each([
    ['JSON, the spec wrapper', 'json', { departmentJson: 'wrapped' }],
    ['JSON, a bare array', 'json', { departmentJson: 'bare' }],
    ['XML, <groups><group>', 'xml', { userGroupItem: 'group' }],
    ['XML, <groups><id>', 'xml', { userGroupItem: 'id' }],
  ] as const)('non-paged /department and /group (%s) name departments and groups', async (_label, format, options) => {
    const { sim, connector } = await setup(
      { courses: 2, learners: 12, results: 6, missing: ['departments', 'groups'], ...options },
      { format },
    );
    const { rows } = await collect(connector.learners({ signal: signal() }));
    expect(rows).toEqual(expectedLearners(sim.data));
    expect(sim.requests.filter((r) => /^\/(department|group)(\?|$)/.test(r.path)).map((r) => r.status)).toEqual([
      200, 200,
    ]);
  });

  it('departments and groups refused (403): learners still land, without those names', async () => {
    const { sim, connector } = await setup({ courses: 2, learners: 12, results: 6, forbid: ['departments', 'groups'] });
    const { rows } = await collect(connector.learners({ signal: signal() }));
    expect(rows).toEqual(expectedLearners(sim.data).map((l) => ({ ...l, department: null, groups: [] })));
  });

  it('odd data: due before assigned, a certificate without a date, unknown statuses, unlisted learners', async () => {
    const { sim, connector } = await setup({
      courses: 4,
      learners: 10,
      results: 30,
      oddities: true,
      unlistedLearners: 2,
    });
    const learners = await collect(connector.learners({ signal: signal() }));
    const rows: Progress[] = [];
    const found: Learner[] = [];
    for await (const page of connector.progress({ signal: signal(), courseIds: [] })) {
      rows.push(...page.items);
      found.push(...(page.learners?.items ?? []));
    }
    expect(rows.map(key).sort()).toEqual(sim.data.results.map(key).sort());
    const [a, b, c] = sim.data.results;
    const row = (r: IspringResult) => rows.find((p) => key(p) === key(r))!;
    expect(row(a!)).toMatchObject({ assignedAt: a!.accessDate, dueAt: null });
    expect(row(b!)).toMatchObject({ certificateIssuedAt: null, certificateExpiresAt: '2027-01-31' });
    // A status no doc lists is read from the progress figure.
    const pct = Number(c!.progress);
    const fallback = pct <= 0 ? 'not_started' : pct >= 100 ? 'completed' : 'in_progress';
    expect(row(c!)).toMatchObject({ rawStatus: 'archived', status: fallback });
    const byId = new Map(learners.rows.map((l) => [l.id, l]));
    expect(byId.get(sim.data.users[0]!.userId)!.status).toBeNull();
    expect(byId.get(sim.data.users[1]!.userId)!.department).toBeNull();

    // Learners no list returned come beside their progress: found by id, or under a placeholder that says so.
    const [known, unknown] = sim.data.unlisted;
    expect(found).toEqual([
      {
        id: known!.userId,
        name: 'Rémi Leaver 1',
        email: null,
        firstName: 'Rémi',
        lastName: 'Leaver 1',
        status: 'deleted',
        department: 'Sales & Marketing',
        groups: [],
      },
      {
        id: unknown!.userId,
        name: `Unknown learner (${unknown!.userId})`,
        email: null,
        firstName: null,
        lastName: null,
        status: null,
        department: null,
        groups: [],
      },
    ]);
    const byIdRequests = () => sim.requests.filter((r) => r.path.startsWith('/user/')).length;
    expect(byIdRequests()).toBe(3); // v2 for each, then v1 for the one v2 does not know
    // Asked once per connector; a connector that never read the user list cannot tell who is missing.
    for await (const page of connector.progress({ signal: signal(), courseIds: [] }))
      expect(page.learners).toBeUndefined();
    for await (const page of connect(sim).connector.progress({ signal: signal(), courseIds: [] }))
      expect(page.learners).toBeUndefined();
    expect(byIdRequests()).toBe(3);
  });
});
