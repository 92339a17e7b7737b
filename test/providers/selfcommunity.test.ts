/**
 * SelfCommunity connector against the local simulator, over loopback, through the real HTTP client.
 */
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type { SelfcommunitySettings } from '../../electron/core/contract/accounts';
import type { Learner, Progress } from '../../electron/core/contract/domain';
import { RollbookError } from '../../electron/core/contract/errors';
import { createHttpClient } from '../../electron/core/http/client';
import { HttpError } from '../../electron/core/http/errors';
import type { HttpClientOptions } from '../../electron/core/http/types';
import { accountHttpOptions } from '../../electron/core/providers/registry';
import {
  createSelfcommunityConnector,
  SELFCOMMUNITY_JWT_LIFETIME_S,
  selfcommunityStatus,
} from '../../electron/core/providers/selfcommunity';
import type { Page, SkippedCourse } from '../../electron/core/providers/types';
import { retainedGrowth } from '../support/memory';
import {
  startSelfcommunitySimulator,
  type SelfcommunitySimOptions,
  type SelfcommunitySimulator,
  type SimMember,
} from '../simulators/selfcommunity';

const sims: SelfcommunitySimulator[] = [];
const clients: ReturnType<typeof createHttpClient>[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

interface Setup {
  sim?: Partial<SelfcommunitySimOptions>;
  settings?: Partial<SelfcommunitySettings>;
  secret?: string;
  now?: () => Date;
  http?: HttpClientOptions;
}
async function setup(o: Setup = {}) {
  const sim = await startSelfcommunitySimulator(o.sim);
  sims.push(sim);
  const settings: SelfcommunitySettings = {
    platform: 'selfcommunity',
    baseUrl: sim.url,
    authMode: 'token',
    jwtUserId: null,
    ...o.settings,
  };
  // As the registry builds it: credentials may only go to the account's origin.
  const http = createHttpClient({
    retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 40 },
    ...accountHttpOptions(settings),
    ...o.http,
  });
  clients.push(http);
  const secret = o.secret ?? (settings.authMode === 'jwt' ? sim.options.jwtSecret : sim.options.accessToken);
  const connector = createSelfcommunityConnector({ settings, secret, http, now: o.now });
  return { sim, connector, settings };
}

async function collect<T>(pages: AsyncIterable<Page<T>>) {
  const rows: T[] = [];
  // Learners arrive with the progress pages that first list them.
  const learners: Learner[] = [];
  let count = 0;
  for await (const page of pages) {
    expect(page.raw).toHaveLength(page.items.length);
    expect(page.learners?.raw.length).toBe(page.learners?.items.length);
    rows.push(...page.items);
    learners.push(...(page.learners?.items ?? []));
    count += 1;
  }
  return { rows, learners, pages: count };
}
const failure = async (work: Promise<unknown>): Promise<HttpError> => {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
};
const signal = () => AbortSignal.timeout(60_000); // a hang guard, not a time limit
const isoOf = (s: string | null) => (s === null ? null : new Date(Date.parse(s)).toISOString());

/**
 * The expected normalisation, written out independently of the connector: `finalQuiz` is the learner's attempt at the
 * course's final quiz, if it has one (a failed one makes the learner `failed`; its grade is the score).
 */
function expectedProgress(m: SimMember, finalQuiz?: { result: string; grade: number }): Progress {
  const failed = m.user_completion_rate < 100 && finalQuiz?.result === 'failed';
  const status = failed
    ? 'failed'
    : m.user_completion_rate === 100
      ? 'completed'
      : m.user_completion_rate === 0 && m.last_active_at === null
        ? 'not_started'
        : 'in_progress';
  return {
    learnerId: String(m.user),
    courseId: String(m.course),
    status,
    rawStatus: `${m.user_completion_rate}%${failed ? ', final quiz failed' : ''}`,
    progressPct: m.user_completion_rate,
    score: finalQuiz && finalQuiz.result !== 'uncompleted' ? finalQuiz.grade : null,
    startedAt: isoOf(m.joined_at),
    completedAt: status === 'completed' ? isoOf(m.last_active_at) : null,
    lastActivityAt: isoOf(m.last_active_at),
  };
}
const byKey = (a: Progress, b: Progress) =>
  a.courseId.localeCompare(b.courseId) || a.learnerId.localeCompare(b.learnerId);

/** Every credential the run used: the configured secrets and each Bearer value the simulator received. */
function secretsOf(sim: SelfcommunitySimulator, extra: string[] = []) {
  const bearers = sim.requests
    .map((r) => String(r.headers.authorization ?? '').replace(/^Bearer\s+/, ''))
    .filter((t) => t.length > 0);
  return [sim.options.accessToken, sim.options.jwtSecret, sim.options.learnerToken, ...bearers, ...extra];
}
function expectNoSecret(error: unknown, secrets: string[]) {
  const text = JSON.stringify([
    (error as Error).message,
    (error as HttpError).excerpt ?? '',
    String((error as Error).cause ?? ''),
  ]);
  for (const secret of secrets) expect(text).not.toContain(secret);
}

describe('SelfCommunity connector', () => {
  it('token auth: courses, learners and progress follow absolute `next` links across ≥ 3 pages', async () => {
    const { sim, connector } = await setup({ sim: { courses: 12, users: 40, membersPerCourse: 12, maxLimit: 5 } });

    const courses = await collect(connector.courses({ signal: signal() }));
    expect(courses.pages).toBe(3);
    expect(courses.rows.map((c) => c.id)).toEqual(sim.data.courses.map((c) => String(c.id)));
    expect(courses.rows[0]).toEqual({
      id: '40',
      name: 'Onboarding für Führungskräfte 1',
      type: 'self-paced',
      // Search answers Course Minimal, without a description: it comes from the course's detail.
      description: 'Über den Kurs 1 — “quoted” & <b>bold</b>',
      createdAt: '2025-01-16T13:52:24.400Z', // from 2025-01-16T14:52:24.400913+01:00
      updatedAt: null,
      url: `${sim.url}/course/40/course-1/`,
    });
    expect(courses.rows[3]!.name).toBe('日本語ビジネス入門 4');

    const ids = courses.rows.map((c) => c.id);
    const progress = await collect(
      connector.progress({ signal: signal(), courseIds: ids, onSkip: (s) => expect.fail(`skipped ${s.courseId}`) }),
    );
    expect(progress.pages).toBe(12 * 3);
    const expected = sim.data.courses.flatMap((c) => {
      const finalQuiz = sim.data.quizzes(c.id).find((q) => q.name === 'Final quiz');
      return sim.data
        .learnersOf(c.id)
        .map((m, k) => expectedProgress(m, finalQuiz && sim.data.attempt(c.id, k, finalQuiz.lessonId)));
    });
    // Both kinds of learner are in there: some failed their final quiz, some passed it with a grade.
    expect(expected.some((p) => p.status === 'failed' && p.score !== null)).toBe(true);
    expect(expected.some((p) => p.status === 'completed' && p.score !== null)).toBe(true);
    expect(courses.rows.filter((c) => c.description === null)).toHaveLength(6); // odd courses have none
    expect([...progress.rows].sort(byKey)).toEqual([...expected].sort(byKey));

    // Every learner once, from the same pages: the learners step itself reads nothing.
    const distinct = new Set(sim.data.courses.flatMap((c) => sim.data.learnersOf(c.id).map((m) => String(m.user))));
    expect(progress.learners.map((l) => l.id).sort()).toEqual([...distinct].sort());
    expect(await collect(connector.learners({ signal: signal(), courseIds: ids }))).toEqual({
      rows: [],
      learners: [],
      pages: 0,
    });

    const paths = sim.requests.map((r) => new URL(r.path, sim.url));
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.every((u) => u.pathname.endsWith('/'))).toBe(true);
    const users = paths.filter((u) => u.pathname === '/api/v2/course/41/users/');
    // Read once, following `next` to the third page.
    expect(users.map((u) => u.searchParams.get('offset'))).toEqual(['0', '5', '10']);
    // JSON-array filter; oldest join first, so people joining mid-sync land on the last page instead of shifting pages.
    expect(
      users.every(
        (u) => u.searchParams.get('statuses') === '["joined"]' && u.searchParams.get('ordering') === 'joined_at',
      ),
    ).toBe(true);
    expect(progress.rows.filter((r) => r.courseId === '41').map((r) => r.startedAt)).toEqual(
      sim.data.learnersOf(41).map((m) => isoOf(m.joined_at)),
    );
    expect(
      sim.requests.every(
        (r) =>
          r.headers.authorization === `Bearer ${sim.options.accessToken}` && r.headers.accept === 'application/json',
      ),
    ).toBe(true);
  });

  it(
    'normalises statuses and tolerates missing optional fields (no real name, ' +
      'no activity, legacy schema, fractional rates)',
    async () => {
      expect(selfcommunityStatus(100, '2026-01-01T00:00:00Z')).toBe('completed');
      expect(selfcommunityStatus(0, null)).toBe('not_started');
      expect(selfcommunityStatus(null, null)).toBe('not_started');
      expect(selfcommunityStatus(0, '2026-01-01T00:00:00Z')).toBe('in_progress');
      expect(selfcommunityStatus(42.5, null)).toBe('in_progress');

      const { sim, connector } = await setup({ sim: { courses: 6, users: 80, membersPerCourse: 80 } });
      const courses = await collect(connector.courses({ signal: signal() }));
      // Course 45 is served in the pre-2025 schema (full User as created_by, no completion/meta fields).
      expect(courses.rows.find((c) => c.id === '45')).toMatchObject({ name: 'Community basics 6', type: 'scheduled' });
      const { rows } = await collect(connector.progress({ signal: signal(), courseIds: ['40', '41'] }));
      const statuses = new Set(rows.map((r) => r.status));
      expect(statuses).toEqual(new Set(['completed', 'not_started', 'in_progress', 'failed']));
      // Course 41 has no quiz: nobody fails there, and its quiz table is never asked for.
      expect(rows.filter((r) => r.courseId === '41' && r.status === 'failed')).toEqual([]);
      expect(sim.requests.some((r) => r.path.startsWith('/api/v2/course/41/quiz/'))).toBe(false);
      expect(rows.some((r) => r.status === 'in_progress' && r.progressPct === 0)).toBe(true); // 0% but active
      expect(rows.some((r) => r.progressPct !== null && !Number.isInteger(r.progressPct))).toBe(true);
      expect(rows.some((r) => r.lastActivityAt === null)).toBe(true);

      const learners = (await collect(connector.progress({ signal: signal(), courseIds: ['40'] }))).learners;
      const byId = new Map(learners.map((l) => [l.id, l]));
      for (const m of sim.data.learnersOf(40)) {
        const u = sim.data.user(m.user)!;
        expect(byId.get(String(u.id))).toEqual({
          id: String(u.id),
          name: u.real_name || u.username,
          email: null,
          firstName: null,
          lastName: null,
        });
      }
      expect(learners.map((l) => l.name)).toEqual(
        expect.arrayContaining(['Ολυμπία Παπαδοπούλου', 'Łukasz Żółć', '王芳', 'member7']),
      );
      // Without the run's course ids, the connector reads the course list itself.
      const everyone = new Set(sim.data.courses.flatMap((c) => sim.data.learnersOf(c.id).map((m) => String(m.user))));
      expect(new Set((await collect(connector.progress({ signal: signal() }))).learners.map((l) => l.id))).toEqual(
        everyone,
      );
    },
  );

  it('signs an HS256 JWT with the documented claims, reuses it, and re-signs before it expires', async () => {
    let t = Date.UTC(2026, 4, 1, 10, 0, 0);
    const clock = () => new Date(t);
    const { sim, connector } = await setup({ settings: { authMode: 'jwt', jwtUserId: 7 }, now: clock });
    sim.knobs.now = clock;
    const tokensSince = (from: number) =>
      new Set(sim.requests.slice(from).map((r) => String(r.headers.authorization).replace(/^Bearer /, '')));

    await collect(connector.courses({ signal: signal() }));
    const [first] = tokensSince(0);
    expect(decodeProtectedHeader(first!)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const claims = decodeJwt(first!);
    expect(claims).toMatchObject({
      user_id: 7,
      token_type: 'access',
      iat: t / 1000,
      exp: t / 1000 + SELFCOMMUNITY_JWT_LIFETIME_S,
    });
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(SELFCOMMUNITY_JWT_LIFETIME_S).toBeLessThanOrEqual(30 * 60);

    t += 5 * 60_000;
    let mark = sim.requests.length;
    await collect(connector.courses({ signal: signal() }));
    expect(tokensSince(mark)).toEqual(new Set([first]));

    t += (SELFCOMMUNITY_JWT_LIFETIME_S - 5 * 60 - 30) * 1000; // 30 s before expiry: signed afresh up front
    mark = sim.requests.length;
    await collect(connector.courses({ signal: signal() }));
    const renewed = tokensSince(mark);
    expect(renewed.size).toBe(1);
    expect(renewed.has(first!)).toBe(false);
    expect(decodeJwt([...renewed][0]!).jti).not.toBe(claims.jti);
    expect(sim.jwtSubjects.length).toBeGreaterThan(0);
    expect(sim.jwtSubjects.every((id) => id === 7)).toBe(true);

    // The simulator really verifies: the old token has now expired, and foreign signatures or claims are refused.
    t += 60_000;
    const ask = (token: string) =>
      fetch(`${sim.url}/api/v2/course/search/`, { headers: { authorization: `Bearer ${token}` } }).then(
        (r) => r.status,
      );
    const sign = (claimsOf: Record<string, unknown>, key = sim.options.jwtSecret) =>
      new SignJWT(claimsOf)
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt(t / 1000)
        .setExpirationTime(t / 1000 + 60)
        .sign(new TextEncoder().encode(key));
    expect(await ask(first!)).toBe(401);
    expect(await ask([...renewed][0]!)).toBe(200);
    expect(await ask(await sign({ user_id: 7, token_type: 'access', jti: 'a' }, 'another-secret'))).toBe(401);
    expect(await ask(await sign({ user_id: 7, token_type: 'access' }))).toBe(401); // no jti
    expect(await ask(await sign({ user_id: 7, token_type: 'refresh', jti: 'b' }))).toBe(401);
    expect(await ask(await sign({ user_id: 7, token_type: 'access', jti: 'c' }))).toBe(200);
  });

  it(
    'a JWT refused by the server is re-signed once; clock skew, ' +
      'a wrong secret or an unknown user give readable errors',
    async () => {
      let t = Date.now();
      const { sim, connector } = await setup({ settings: { authMode: 'jwt', jwtUserId: 7 }, now: () => new Date(t) });
      await collect(connector.courses({ signal: signal() }));
      // The server's clock runs an hour ahead: our token looks expired, and so does the one re-signed with our clock.
      sim.knobs.now = () => new Date(Date.now() + 3_600_000);
      const skew = await failure(collect(connector.courses({ signal: signal() })));
      expect(skew.code).toBe('auth_failed');
      expect(skew.message).toMatch(
        /^SelfCommunity rejected the token Rollbook signed \(HTTP 401\)\. Check the JWT secret key .* clock is right/,
      );
      // ok, refused, re-signed and refused
      expect(sim.requests.filter((r) => r.path.startsWith('/api/v2/course/search/')).length).toBe(3);
      expect(sim.requests.some((r) => r.method === 'POST' && r.path === '/api/v2/jwt/verify_token/')).toBe(true);
      expectNoSecret(skew, secretsOf(sim));
      // The clocks agree again: the next call signs afresh and works.
      t = Date.now() + 3_600_000;
      expect((await collect(connector.courses({ signal: signal() }))).rows).toHaveLength(5);

      const wrong = await setup({ settings: { authMode: 'jwt', jwtUserId: 7 }, secret: 'not-the-community-secret\n' });
      const e1 = await failure(wrong.connector.testConnection(signal()));
      expect(e1).toMatchObject({ code: 'auth_failed', status: 401 });
      expect(e1.message).toMatch(/JWT secret key/);
      expectNoSecret(e1, secretsOf(wrong.sim, ['not-the-community-secret']));

      const ghost = await setup({ settings: { authMode: 'jwt', jwtUserId: 999_999 } });
      const e2 = await failure(ghost.connector.testConnection(signal()));
      expect(e2.message).toMatch(/accepted the JWT signature but refused user id 999999/);
      expectNoSecret(e2, secretsOf(ghost.sim));

      const noUser = await setup({ settings: { authMode: 'jwt', jwtUserId: null } });
      const e3 = await noUser.connector.testConnection(signal()).catch((e: unknown) => e);
      expect(e3).toBeInstanceOf(RollbookError);
      expect(e3).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/no user id to act as/) });

      const token = await setup({ secret: 'expired-token-xyz123' });
      const e4 = await failure(token.connector.testConnection(signal()));
      expect(e4).toMatchObject({
        code: 'auth_failed',
        message: expect.stringMatching(
          /^SelfCommunity rejected the access token \(HTTP 401\).*lasts 10 hours: use "Sign in with SelfCommunity"/,
        ),
      });
      expectNoSecret(e4, secretsOf(token.sim, ['expired-token-xyz123']));
    },
  );

  it('courses the identity cannot manage are skipped through onSkip with a reason; the rest sync', async () => {
    const { sim, connector } = await setup({
      sim: { courses: 6, users: 30, membersPerCourse: 8, unmanagedCourses: [41] },
    });
    const courses = await collect(connector.courses({ signal: signal() }));
    const ids = courses.rows.map((c) => c.id);
    expect(ids).toEqual(['40', '41', '42', '43', '44', '45']);
    sim.knobs.forbidden.add(43); // the coordinator created it, but the server says no
    sim.knobs.hidden.add(44); // deleted between the course list and the progress step

    const skipped: SkippedCourse[] = [];
    const { rows, learners } = await collect(
      connector.progress({ signal: signal(), courseIds: ids, onSkip: (s) => skipped.push(s) }),
    );
    expect(skipped).toEqual([
      {
        courseId: '41',
        reason: expect.stringMatching(
          /^Coordinator Ćwik \(user 7\) is not a manager of this course \(status: joined\)/,
        ),
      },
      {
        courseId: '43',
        reason: expect.stringMatching(
          /refused its learner table \(HTTP 403\) although Coordinator Ćwik \(user 7\) is its creator/,
        ),
      },
      { courseId: '44', reason: expect.stringMatching(/no longer visible/) },
    ]);
    expect(new Set(rows.map((r) => r.courseId))).toEqual(new Set(['40', '42', '45']));
    expect(rows).toHaveLength(3 * 8);
    expect(sim.requests.some((r) => r.path === '/api/v2/course/41/status/')).toBe(true);

    // Learners come from the readable dashboards only, each once.
    expect(learners.map((l) => l.id).sort()).toEqual([...new Set(rows.map((r) => r.learnerId))].sort());

    // Unknown #1 in the doc: if the server lets an admin read courses it does not manage, they are simply synced.
    sim.knobs.adminBypass = true;
    const bypass: SkippedCourse[] = [];
    const more = await collect(
      connector.progress({ signal: signal(), courseIds: ['41'], onSkip: (s) => bypass.push(s) }),
    );
    expect(bypass).toEqual([]);
    expect(more.rows).toHaveLength(8);

    // A plain member's token manages nothing: every course is skipped, none fails the run.
    const learner = await setup({ secret: sim.options.learnerToken });
    const all: SkippedCourse[] = [];
    expect(
      (
        await collect(
          learner.connector.progress({ signal: signal(), courseIds: ['40', '41'], onSkip: (s) => all.push(s) }),
        )
      ).rows,
    ).toEqual([]);
    expect(all.map((s) => s.courseId)).toEqual(['40', '41']);
    expect(all[0]!.reason).toMatch(/not a manager of this course \(status: (joined|not a member)\)/);
  });

  it('testConnection names the user and the reach; tolerates next-link and envelope variants', async () => {
    const { sim, connector } = await setup({ sim: { courses: 7, unmanagedCourses: [41, 42], maxLimit: 2 } });
    const info = await connector.testConnection(signal());
    expect(info.accountName).toBe(`Coordinator Ćwik on ${new URL(sim.url).host}`);
    expect(info.courseCount).toBe(7);
    expect(info.notes).toEqual([
      'Reading as Coordinator Ćwik (user 7), with a pasted access token (OAuth tokens last 10 hours).',
      expect.stringMatching(/manages 1 of the first 2 courses/),
    ]);

    for (const variant of ['relative', 'other-scheme'] as const) {
      sim.knobs.nextLinks = variant;
      const { rows, pages } = await collect(connector.courses({ signal: signal() }));
      expect(pages).toBe(4);
      expect(rows.map((c) => c.id)).toEqual(['40', '41', '42', '43', '44', '45', '46']);
    }

    const page = (body: unknown) => ({
      kind: 'status' as const,
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify(body),
    });
    sim.addFault({
      match: /course\/search/,
      times: 1,
      fault: page({
        count: 2,
        next: null,
        results: [
          { id: 9, name: 'Number id' },
          { id: '10', name: 'String id' },
        ],
      }),
    });
    expect((await collect(connector.courses({ signal: signal() }))).rows.map((c) => c.id)).toEqual(['9', '10']);
    // The search is paginated: a plain array there is an answer of the wrong shape, not a one-page list.
    sim.addFault({ match: /course\/search/, times: 1, fault: page([{ id: 9, name: 'Plain list' }]) });
    expect((await failure(collect(connector.courses({ signal: signal() })))).message).toMatch(
      /without a paginated list of courses/,
    );
    sim.addFault({
      match: /course\/search/,
      times: 1,
      fault: page({ count: 2, next: 'https://elsewhere.example/api/v2/course/search/?offset=1', results: [{ id: 1 }] }),
    });
    const away = await failure(collect(connector.courses({ signal: signal() })));
    expect(away).toMatchObject({
      code: 'bad_response',
      message: expect.stringMatching(/another host \(elsewhere\.example\)/),
    });
    sim.addFault({
      match: /course\/search/,
      times: 1,
      fault: page({ count: 1, next: null, results: [{ name: 'no id' }] }),
    });
    expect((await failure(collect(connector.courses({ signal: signal() })))).code).toBe('bad_response');
    sim.addFault({ match: /course\/search/, times: 1, fault: page({ detail: 'Not a list' }) });
    expect((await failure(collect(connector.courses({ signal: signal() })))).message).toMatch(
      /without a paginated list of courses/,
    );
  });

  it(
    'faults: 429 and 5xx are retried; 404, 400, 403, malformed, ' +
      'truncated and slow answers are typed, readable errors',
    async () => {
      const { sim, connector } = await setup({ sim: { courses: 3, maxLimit: 1 } });
      const secrets = () => secretsOf(sim);
      const courses = () => collect(connector.courses({ signal: signal() }));

      sim.addFault({
        match: /offset=0/,
        times: 1,
        fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
      });
      sim.addFault({ match: /offset=1/, times: 2, fault: { kind: 'status', status: 429 } });
      sim.addFault({ match: /offset=2/, times: 2, fault: { kind: 'status', status: 500, body: 'boom' } });
      const t0 = Date.now();
      expect((await courses()).rows).toHaveLength(3);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(990);
      sim.clearFaults();

      sim.addFault({ match: /search/, times: 1, fault: { kind: 'status', status: 503 } });
      sim.addFault({ match: /search/, times: 1, fault: { kind: 'truncate' } }); // a dropped connection is retried too
      expect((await courses()).rows).toHaveLength(3);
      sim.clearFaults();

      const cases: [RegExp, Parameters<typeof sim.addFault>[0]['fault'], string, RegExp][] = [
        [
          /search/,
          { kind: 'status', status: 503 },
          'server_error',
          /^SelfCommunity had a server error \(HTTP 503\) on \/api\/v2\/course\/search\/, even after retrying/,
        ],
        [
          /search/,
          { kind: 'status', status: 429 },
          'rate_limited',
          /^SelfCommunity kept asking Rollbook to slow down \(HTTP 429\)/,
        ],
        [
          /search/,
          { kind: 'status', status: 404, contentType: 'text/html', body: '<h1>Not Found</h1>' },
          'not_found',
          /^SelfCommunity has nothing at \/api\/v2\/course\/search\/ .*Check the community address/,
        ],
        [
          /search/,
          {
            kind: 'status',
            status: 403,
            contentType: 'application/json',
            body: '{"detail":"Community APIs are disabled."}',
          },
          'forbidden',
          /Community APIs may be switched off.*SelfCommunity said: "Community APIs are disabled\."/,
        ],
        [
          /search/,
          {
            kind: 'status',
            status: 400,
            contentType: 'application/json',
            body:
              '{"errors":[{"field":"statuses","messages":[{"code":"invalid","message":"\\"x\\" ' +
              'is not a valid choice."}]}]}',
          },
          'bad_response',
          /SelfCommunity said: "statuses: "x" is not a valid choice\."\. This looks like a Rollbook problem/,
        ],
        [
          /search/,
          { kind: 'malformed' },
          'bad_response',
          /cannot read \(malformed JSON\) for \/api\/v2\/course\/search\//,
        ],
        [
          /search/,
          { kind: 'malformed', body: '{"count": 3, "next": null, "results": [{"id": 40, "na' },
          'bad_response',
          /malformed JSON/,
        ],
        [
          /search/,
          { kind: 'status', status: 200, contentType: 'text/html', body: '<html><form>Sign in</form></html>' },
          'bad_response',
          /malformed JSON/,
        ],
        [/search/, { kind: 'status', status: 301, headers: { location: '/login/' } }, 'bad_response', /redirected/],
      ];
      for (const [match, fault, code, message] of cases) {
        sim.addFault({ match, fault });
        const error = await failure(courses());
        expect({ code: error.code, message: error.message }).toEqual({ code, message: expect.stringMatching(message) });
        expectNoSecret(error, secrets());
        sim.clearFaults();
      }

      // The progress step: a dashboard route missing on this server (status still answers) is an error, not a skip.
      sim.addFault({ match: /\/users\//, fault: { kind: 'status', status: 404, body: 'Not Found' } });
      const missing = await failure(
        collect(connector.progress({ signal: signal(), courseIds: ['40'], onSkip: () => expect.fail('not a skip') })),
      );
      expect(missing.code).toBe('not_found');
      sim.clearFaults();

      const slow = await setup({ http: { timeouts: { headersMs: 300 }, retry: { retries: 0 } } });
      slow.sim.addFault({ match: /search/, fault: { kind: 'delay', ms: 1500 } });
      const timeout = await failure(collect(slow.connector.courses({ signal: signal() })));
      expect(timeout).toMatchObject({
        code: 'timeout',
        message: expect.stringMatching(
          /^SelfCommunity at 127\.0\.0\.1:\d+ took too long to answer \/api\/v2\/course\/search\//,
        ),
      });

      const controller = new AbortController();
      const iterator = connector.courses({ signal: controller.signal })[Symbol.asyncIterator]();
      await iterator.next();
      controller.abort();
      await expect(iterator.next()).rejects.toThrow();
    },
  );

  it('the simulator serves the documented variants (views, ?user=, visibility, filters, error bodies)', async () => {
    const sim = await startSelfcommunitySimulator({ courses: 12, users: 40, membersPerCourse: 12 });
    sims.push(sim);
    const get = async (path: string, token: string | null = sim.options.accessToken) => {
      const r = await fetch(`${sim.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      type Body = Record<string, unknown> & { count: number; results: { id: number; categories: { id: number }[] }[] };
      return {
        status: r.status,
        body: (r.headers.get('content-type') === 'application/json' ? await r.json() : null) as Body,
      };
    };
    const learner = sim.options.learnerToken; // user 100: a member of courses 40, 45, 50 (a draft) and 51
    const avg = Math.round(sim.data.learnersOf(40).reduce((sum, m) => sum + m.user_completion_rate, 0) / 12);
    expect((await get('/api/v2/course/40/?view=dashboard')).body).toMatchObject({ id: 40, avg_completion_rate: avg });
    expect((await get('/api/v2/course/40/?view=edit')).body).toMatchObject({
      num_lessons: 6,
      num_sections: 2,
      sections: [{ lessons_order: [4011, 4012, 4013] }, {}],
    });
    expect((await get('/api/v2/course/40/?view=dashboard', learner)).status).toBe(403);
    const m = sim.data.learner(40, 3);
    expect((await get(`/api/v2/course/40/?user=${m.user}`)).body).toMatchObject({
      user_completion_rate: m.user_completion_rate,
      num_lessons: 6,
    });
    expect((await get(`/api/v2/course/40/?user=${m.user}`, learner)).status).toBe(403);
    expect((await get('/api/v2/course/40/status/', learner)).body).toEqual({ status: 'joined' });
    expect((await get('/api/v2/course/41/status/', learner)).body).toEqual({ status: null });
    expect((await get('/api/v2/course/46/status/', learner)).status).toBe(404); // secret, not invited
    const seen = (await get('/api/v2/course/search/?limit=50', learner)).body;
    expect(seen.results.map((c) => c.id)).not.toContain(50); // a draft (privacy "")
    expect((await get('/api/v2/course/search/?limit=50')).body.results.find((c) => c.id === 50)).toMatchObject({
      privacy: '',
      join_status: 'creator',
    });
    expect((await get('/api/v2/course/search/?limit=50&statuses=%5B%22creator%22%5D')).body.count).toBe(12);
    const inCategory = (await get('/api/v2/course/search/?categories=%5B2%5D')).body.results;
    expect(inCategory.length).toBeGreaterThan(0);
    expect(inCategory.every((c) => c.categories[0]!.id === 2)).toBe(true);
    expect((await get('/api/v2/course/40/users/?statuses=joined,manager')).body).toEqual({
      errors: [
        { field: 'statuses', messages: [{ code: 'invalid', message: '"joined,manager" is not a valid choice.' }] },
      ],
    });
    expect((await get('/api/v2/course/40/users/?statuses=creator')).body.results).toEqual([
      expect.objectContaining({ id: 7, join_status: 'creator' }),
    ]);
    // Default statuses: manager + joined, not the creator.
    const page = (await get('/api/v2/course/40/users/?limit=5&offset=5')).body;
    expect(page).toMatchObject({
      count: 12,
      next: `${sim.url}/api/v2/course/40/users/?limit=5&offset=10`,
      previous: `${sim.url}/api/v2/course/40/users/?limit=5&offset=0`,
    });
    expect((await get('/api/v2/user/100/')).body).not.toHaveProperty('email');
    expect((await get('/api/v2/account/search/?username=member3')).body).toMatchObject({
      id: 103,
      email: 'member3@learners.example',
    });
    expect((await get('/api/v2/account/search/?username=member3', learner)).status).toBe(403);
    // join_status is the caller's (the coordinator created them all); default ordering -id.
    expect((await get('/api/v2/user/100/courses/')).body).toEqual(
      [51, 50, 45, 40].map((id) => expect.objectContaining({ id, join_status: 'creator', member_count: 13 })),
    );
    sim.knobs.userCoursesShape = 'paginated';
    expect((await get('/api/v2/user/100/courses/?limit=2&ordering=id')).body).toMatchObject({
      count: 4,
      results: [{ id: 40 }, { id: 45 }],
    });
    sim.knobs.errorStyle = 'detail';
    expect(await get('/api/v2/course/40/users/', learner)).toEqual({
      status: 403,
      body: { detail: 'You do not have permission to perform this action.', code: 'permission_denied' },
    });
    expect((await get('/api/v2/course/search/', null)).status).toBe(401);
    sim.knobs.contentAvailability = true;
    expect((await get('/api/v2/course/search/', null)).status).toBe(200);
    expect((await get('/api/v2/course/40/status', null)).status).toBe(404); // no trailing slash
  });

  it('streams ~100k progress rows page by page with flat memory', async () => {
    const { sim, connector } = await setup({ sim: { courses: 100, users: 1000, membersPerCourse: 1000 } });
    const ids = sim.data.courses.map((c) => String(c.id));
    const { rows, pages, maxPage, growthBytes } = await retainedGrowth(
      connector.progress({ signal: AbortSignal.timeout(110_000), courseIds: ids }),
      50,
    );
    expect(rows).toBe(100_000);
    expect(pages).toBe(1000);
    expect(maxPage).toBe(100);
    expect(growthBytes).toBeLessThan(10 * 2 ** 20);
  }, 120_000);
});

describe('SelfCommunity simulator as strict as the reference, and the connector against it', () => {
  const get = (sim: SelfcommunitySimulator, path: string) =>
    fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${sim.options.accessToken}` } });

  it(
    'answers only whole-number limit/offset, only under /api/v2/, ' +
      'and (in its strict mode) refuses an oversized limit',
    async () => {
      const { sim } = await setup({ sim: { courses: 3 } });
      for (const query of ['limit=ten', 'limit=0', 'offset=-1', 'offset=1.5'])
        expect((await get(sim, `/api/v2/course/search/?${query}`)).status, query).toBe(400);
      expect((await get(sim, '/api/v2/course/search/?limit=5&offset=1')).status).toBe(200);
      expect((await get(sim, '/api/v3/course/search/')).status).toBe(404);
      expect((await get(sim, '/course/search/')).status).toBe(404);
      // The maximum is undocumented: the guess (clamp) by default, a 400 naming `limit` in the strict variant.
      expect(
        ((await (await get(sim, '/api/v2/course/search/?limit=500')).json()) as { results: unknown[] }).results,
      ).toHaveLength(3);
      sim.knobs.oversizedLimit = 'error';
      const refused = await get(sim, '/api/v2/course/search/?limit=500');
      expect(refused.status).toBe(400);
      expect(await refused.json()).toEqual({
        errors: [
          {
            field: 'limit',
            messages: [{ code: 'invalid', message: 'Ensure this value is less than or equal to 100.' }],
          },
        ],
      });
    },
  );

  it('reads every dashboard whole whether a smaller maximum limit is clamped or refused', async () => {
    for (const oversizedLimit of ['clamp', 'error'] as const) {
      const { sim, connector } = await setup({ sim: { courses: 2, users: 120, membersPerCourse: 110, maxLimit: 50 } });
      sim.knobs.oversizedLimit = oversizedLimit;
      const { rows } = await collect(connector.progress({ signal: signal() }));
      const expected = sim.data.courses
        .flatMap((c) => sim.data.learnersOf(c.id).map((m) => `${c.id}/${m.user}`))
        .sort();
      expect(rows.map((r) => `${r.courseId}/${r.learnerId}`).sort(), oversizedLimit).toEqual(expected);
      const limits = sim.requests
        .map((r) => new URL(r.path, sim.url).searchParams.get('limit'))
        .filter((l) => l !== null);
      // Refused once, then the SDK's page size for the rest of the run; clamped, the server's size in its next links.
      expect(new Set(limits), oversizedLimit).toEqual(
        new Set(oversizedLimit === 'error' ? ['100', '20'] : ['100', '50']),
      );
      expect(
        sim.requests.filter((r) => r.status === 400),
        oversizedLimit,
      ).toHaveLength(oversizedLimit === 'error' ? 1 : 0);
    }
  });

  it(
    'learners joining and leaving a course between dashboard pages make ' + 'a gap with its reason, not a silent ok',
    async () => {
      const { sim, connector } = await setup({ sim: { courses: 1, users: 400, membersPerCourse: 250 } });
      sim.knobs.churn = { add: 4, remove: 3 };
      const gaps: string[] = [];
      await collect(connector.progress({ signal: signal(), onGap: (reason) => gaps.push(reason) }));
      expect(gaps).toEqual([
        expect.stringMatching(/^SelfCommunity's list of learners of course 40 changed while Rollbook read it /),
      ]);
      expect(gaps[0]).toContain('(its total moved between 250 and 252)');

      sim.knobs.churn = null;
      gaps.length = 0;
      const { rows } = await collect(connector.progress({ signal: signal(), onGap: (reason) => gaps.push(reason) }));
      expect(gaps).toEqual([]);
      expect(rows.map((r) => r.learnerId).sort()).toEqual(
        sim.data
          .learnersOf(40)
          .map((m) => String(m.user))
          .sort(),
      );
    },
  );
});
