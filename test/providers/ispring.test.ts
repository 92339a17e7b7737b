import { afterEach, describe, expect, it } from 'vitest';
import type { IspringSettings } from '../../electron/core/contract/accounts';
import type { Progress } from '../../electron/core/contract/domain';
import { createHttpClient } from '../../electron/core/http/client';
import { HttpError } from '../../electron/core/http/errors';
import { createIspringConnector, normaliseStatus } from '../../electron/core/providers/ispring';
import type { Connector } from '../../electron/core/providers/types';
import { retainedGrowth } from '../support/memory';
import { startIspringSimulator, type IspringSimOptions, type IspringSimulator } from '../simulators/ispring';

const sims: IspringSimulator[] = [];
const clients: ReturnType<typeof createHttpClient>[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

async function setup(options: IspringSimOptions = {}, settings: Partial<IspringSettings> & { mode?: 'token' | 'legacy'; secret?: string } = {}, clientOptions = {}) {
  const sim = await startIspringSimulator(options);
  sims.push(sim);
  const http = createHttpClient({ retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 50 }, ...clientOptions });
  clients.push(http);
  const mode = settings.mode ?? 'token';
  const base = { baseUrl: sim.url, format: settings.format ?? 'json' } as const;
  const s: IspringSettings =
    mode === 'token'
      ? { platform: 'ispring', authMode: 'token', clientId: sim.options.clientId, ...base }
      : { platform: 'ispring', authMode: 'legacy', accountUrl: sim.options.accountUrl, login: sim.options.login, ...base };
  const secret = settings.secret ?? (mode === 'token' ? sim.options.clientSecret : sim.options.password);
  const connector = createIspringConnector({ settings: { ...s, ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}) }, secret, http });
  return { sim, connector, secret, http };
}

async function collect<T>(iterable: AsyncIterable<{ items: T[] }>): Promise<{ rows: T[]; pages: number }> {
  const rows: T[] = [];
  let pages = 0;
  for await (const page of iterable) {
    rows.push(...page.items);
    pages += 1;
  }
  return { rows, pages };
}

async function syncAll(connector: Connector, onSkip?: (s: { courseId: string }) => void) {
  const signal = AbortSignal.timeout(20_000);
  const courses = await collect(connector.courses({ signal }));
  const learners = await collect(connector.learners({ signal }));
  const progress = await collect(connector.progress({ signal, courseIds: courses.rows.map((c) => c.id), onSkip }));
  return { courses, learners, progress };
}

const key = (p: Progress) => `${p.courseId}/${p.learnerId}`;

describe('iSpring Learn connector', () => {
  it.each(['json', 'xml'] as const)('token auth, %s: pages through every resource (≥ 3 pages each)', async (format) => {
    const { sim, connector } = await setup({ courses: 7, learners: 25, results: 70, pageSizeCap: 3 }, { format });
    const { courses, learners, progress } = await syncAll(connector);
    expect(courses.pages).toBeGreaterThanOrEqual(3);
    expect(courses.rows.map((c) => c.id)).toEqual(sim.data.courses.map((c) => c.contentItemId));
    expect(learners.rows).toHaveLength(25);
    expect(progress.rows).toHaveLength(sim.data.results.length);
    expect(progress.pages).toBeGreaterThanOrEqual(3);
    // Spot checks against the simulator's data.
    const r = sim.data.results.find((x) => x.progress.includes('.'))!;
    const p = progress.rows.find((x) => x.learnerId === r.userId && x.courseId === r.courseId)!;
    expect(p.progressPct).toBe(Number(r.progress));
    expect(p.rawStatus).toBe(r.completionStatus);
    const done = sim.data.results.find((x) => x.completionDate)!;
    const pd = progress.rows.find((x) => key(x) === `${done.courseId}/${done.userId}`)!;
    expect(pd.completedAt).toBe(new Date(Date.parse(done.completionDate!)).toISOString());
    expect(sim.requests.every((req) => req.headers.accept === (format === 'json' ? 'application/json' : 'application/xml') || req.path === '/api/v3/token')).toBe(true);
    expect(sim.tokensIssued).toBe(1); // cached across requests
  });

  it('legacy X-Auth headers work, and a wrong password is a precise auth error without the secret', async () => {
    const { connector } = await setup({}, { mode: 'legacy', format: 'xml' });
    expect((await connector.testConnection(AbortSignal.timeout(5000))).courseCount).toBe(6);
    const bad = await setup({}, { mode: 'legacy', secret: 'wrong-password-123' });
    const error = await bad.connector.testConnection(AbortSignal.timeout(5000)).catch((e: unknown) => e as HttpError);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).code).toBe('auth_failed');
    expect((error as HttpError).message).toMatch(/login or password/);
    expect(JSON.stringify({ m: (error as HttpError).message, e: (error as HttpError).excerpt })).not.toContain('wrong-password-123');
  });

  it('a wrong client secret fails at once (no retries) with a readable message', async () => {
    const { sim, connector } = await setup({}, { secret: 'not-the-secret-xyz' });
    const error = (await connector.testConnection(AbortSignal.timeout(5000)).catch((e: unknown) => e)) as HttpError;
    expect(error.code).toBe('auth_failed');
    expect(error.message).toMatch(/client ID or client secret/);
    expect(sim.requests.filter((r) => r.path === '/api/v3/token')).toHaveLength(1);
    expect(`${error.message}${error.excerpt}`).not.toContain('not-the-secret-xyz');
  });

  it('accepts an /api/vN prefix in the base URL', async () => {
    const sim = await startIspringSimulator();
    sims.push(sim);
    const http = createHttpClient();
    clients.push(http);
    const connector = createIspringConnector({
      settings: { platform: 'ispring', authMode: 'token', clientId: sim.options.clientId, baseUrl: `${sim.url}/api/v2`, format: 'json' },
      secret: sim.options.clientSecret,
      http,
    });
    expect((await collect(connector.courses({ signal: AbortSignal.timeout(5000) }))).rows).toHaveLength(6);
    expect(sim.requests.some((r) => r.path.startsWith('/api/v2/contents'))).toBe(true);
  });

  it('renews an expired token once and carries on mid-run', async () => {
    const { sim, connector } = await setup({ pageSizeCap: 2, courses: 6 });
    const seen: string[] = [];
    for await (const page of connector.courses({ signal: AbortSignal.timeout(5000) })) {
      seen.push(...page.items.map((c) => c.id));
      if (seen.length === 2) sim.expireTokens();
    }
    expect(seen).toHaveLength(6);
    expect(sim.tokensIssued).toBe(2);
  });

  it('falls back to per-course final statuses when the results API is forbidden', async () => {
    const { sim, connector } = await setup({ forbid: ['results'], booleans: 'digits' }, { format: 'xml' });
    const forbiddenCourse = sim.data.courses[2]!.contentItemId;
    sim.options.forbiddenCourses = [forbiddenCourse];
    const skipped: string[] = [];
    const { progress } = await syncAll(connector, (s) => skipped.push(s.courseId));
    expect(skipped).toEqual([forbiddenCourse]);
    const expected = sim.data.results.filter((r) => r.courseId !== forbiddenCourse);
    expect(progress.rows).toHaveLength(expected.length);
    // Display-text statuses map onto the same vocabulary; the raw text is kept.
    const raws = new Set(progress.rows.map((p) => p.rawStatus));
    expect([...raws].some((r) => r === 'In progress' || r === 'In Progress')).toBe(true);
    for (const p of progress.rows) {
      const r = expected.find((x) => x.userId === p.learnerId && x.courseId === p.courseId)!;
      expect(p.status).toBe(normaliseStatus(r.completionStatus));
      // lastViewDate is left out for never-opened items: no activity date then.
      if (!r.lastViewDate && !r.completionDate) expect(p.lastActivityAt).toBeNull();
    }
    const note = await connector.testConnection(AbortSignal.timeout(5000));
    expect(note.notes?.join(' ')).toMatch(/final statuses/);
  });

  it('handles XML traps: single-item lists, empty lists (wrapper or missing), user fields by name, missing names', async () => {
    for (const emptyLists of ['wrapper', 'missing'] as const) {
      const { sim, connector } = await setup({ courses: 1, learners: 14, results: 1, emptyLists }, { format: 'xml' });
      const { courses, learners, progress } = await syncAll(connector);
      expect(courses.rows).toHaveLength(1);
      expect(progress.rows).toHaveLength(1);
      const noEmail = learners.rows[5]!;
      expect(noEmail.email).toBeNull();
      const noName = learners.rows[7]!;
      expect(noName.name).toBe('user8'); // falls back to LOGIN
      expect(learners.rows[0]).toMatchObject({ name: 'Zoë Ångström', email: 'user1@acme.example', firstName: 'Zoë' });
      expect(learners.rows.some((l) => l.name.includes('王'))).toBe(true);
      // An incremental window with nothing new: empty lists in both styles.
      const none = await collect(connector.progress({ signal: AbortSignal.timeout(5000), since: '2099-01-01T00:00:00.000Z', courseIds: [] }));
      expect(none.rows).toEqual([]);
      expect(sim.requests.some((r) => r.path.includes('completionDate%5BstartDate%5D'))).toBe(true);
    }
  });

  it('maps statuses from both vocabularies, case-insensitively', () => {
    expect(['In progress', 'in_progress', 'IN PROGRESS', 'pending'].map(normaliseStatus)).toEqual(Array(4).fill('in_progress'));
    expect(['Complete', 'complete', 'completed'].map(normaliseStatus)).toEqual(Array(3).fill('completed'));
    expect(['Passed', 'accepted'].map(normaliseStatus)).toEqual(['passed', 'passed']);
    expect(['Failed', 'declined', 'Incomplete', 'Not started', 'weird'].map(normaliseStatus)).toEqual(['failed', 'failed', 'incomplete', 'not_started', 'not_started']);
  });

  it('faults: 429 with and without Retry-After and 503 are retried; 404 plain text and malformed pages are typed errors', async () => {
    const { sim, connector } = await setup({ pageSizeCap: 2 });
    sim.addFault({ match: /contents/, times: 1, fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' } } });
    sim.addFault({ match: /users/, times: 2, fault: { kind: 'status', status: 429 } });
    sim.addFault({ match: /learners/, times: 1, after: 1, fault: { kind: 'status', status: 503 } });
    const t0 = Date.now();
    const { courses, learners, progress } = await syncAll(connector);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(courses.rows).toHaveLength(6);
    expect(learners.rows).toHaveLength(20);
    expect(progress.rows).toHaveLength(sim.data.results.length);

    sim.clearFaults();
    sim.addFault({ match: /contents/, after: 1, fault: { kind: 'malformed' } });
    const malformed = await collect(connector.courses({ signal: AbortSignal.timeout(5000) })).catch((e: unknown) => e as HttpError);
    expect(malformed).toMatchObject({ code: 'bad_response' });
    expect((malformed as HttpError).message).toMatch(/malformed JSON/);

    sim.clearFaults();
    sim.addFault({ match: /contents/, fault: { kind: 'status', status: 500, body: '<html>oops</html>' } });
    const server = (await collect(connector.courses({ signal: AbortSignal.timeout(5000) })).catch((e: unknown) => e)) as HttpError;
    expect(server.code).toBe('server_error');
    expect(server.status).toBe(500);
  });

  it('an unknown course in final_statuses (plain-text 404) is skipped, not fatal', async () => {
    const { connector } = await setup({ forbid: ['results'] }, { format: 'xml' });
    const { rows } = await collect(connector.progress({ signal: AbortSignal.timeout(5000), courseIds: ['00000000-dead-beef-0000-000000000000'] }));
    expect(rows).toEqual([]);
  });

  it('slow responses time out with a readable message', async () => {
    const { sim, connector } = await setup({}, {}, { timeouts: { headersMs: 500 }, retry: { retries: 0 } });
    sim.addFault({ match: /contents/, fault: { kind: 'delay', ms: 2500 } });
    const error = (await connector.testConnection(AbortSignal.timeout(10_000)).catch((e: unknown) => e)) as HttpError;
    expect(error.code).toBe('timeout');
    expect(error.message).toMatch(/Could not reach iSpring Learn/);
  });

  it('streams 100k progress rows page by page with flat memory', async () => {
    const { connector } = await setup({ courses: 50, learners: 2000, results: 100_000 });
    const { rows, maxPage, growthBytes } = await retainedGrowth(connector.progress({ signal: AbortSignal.timeout(60_000), courseIds: [] }));
    expect(rows).toBe(100_000);
    expect(maxPage).toBeLessThanOrEqual(1000);
    // 100k normalised rows held at once would retain ~40 MB; streaming retains about one page.
    expect(growthBytes).toBeLessThan(10 * 2 ** 20);
  }, 60_000);
});

