import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type { SelfcommunitySettings } from '../../electron/core/contract/accounts';
import { createHttpClient } from '../../electron/core/http/client';
import { type HttpError } from '../../electron/core/http/errors';
import { createSelfcommunityConnector, selfcommunityStatus } from '../../electron/core/providers/selfcommunity';
import { retainedGrowth } from '../support/memory';
import { startSelfcommunitySimulator, type SelfcommunitySimOptions, type SelfcommunitySimulator } from '../simulators/selfcommunity';

const sims: SelfcommunitySimulator[] = [];
const clients: ReturnType<typeof createHttpClient>[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

async function setup(options: SelfcommunitySimOptions = {}, settings: Partial<SelfcommunitySettings> = {}, secret?: string, clock?: () => Date, clientOptions = {}) {
  const sim = await startSelfcommunitySimulator(options);
  sims.push(sim);
  const http = createHttpClient({ retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 50 }, ...clientOptions });
  clients.push(http);
  const s: SelfcommunitySettings = { platform: 'selfcommunity', baseUrl: sim.url, authMode: 'token', jwtUserId: null, ...settings };
  const connector = createSelfcommunityConnector({
    settings: s,
    secret: secret ?? (s.authMode === 'jwt' ? sim.options.jwtSecret : sim.options.accessToken),
    http,
    now: clock,
  });
  return { sim, connector, http };
}

async function collect<T>(iterable: AsyncIterable<{ items: T[] }>) {
  const rows: T[] = [];
  let pages = 0;
  for await (const page of iterable) {
    rows.push(...page.items);
    pages += 1;
  }
  return { rows, pages };
}
const signal = () => AbortSignal.timeout(20_000);

describe('SelfCommunity connector', () => {
  it('token auth: courses, learners and progress across ≥ 3 pages, trailing slashes kept', async () => {
    const { sim, connector } = await setup({ courses: 3, users: 250, membersPerCourse: 230 });
    const courses = await collect(connector.courses({ signal: signal() }));
    expect(courses.rows.map((c) => c.id)).toEqual(['40', '41', '42']);
    const learners = await collect(connector.learners({ signal: signal() }));
    expect(learners.pages).toBe(3);
    const progress = await collect(connector.progress({ signal: signal(), courseIds: courses.rows.map((c) => c.id) }));
    expect(progress.rows).toHaveLength(3 * 230);
    expect(progress.pages).toBe(9);
    expect(sim.requests.every((r) => new URL(r.path, 'http://x').pathname.endsWith('/'))).toBe(true);
    expect(sim.requests.some((r) => decodeURIComponent(r.path).includes('statuses=["joined"]'))).toBe(true);
    const m = sim.data.members.find((x) => x.user_completion_rate > 0 && x.user_completion_rate < 100)!;
    const p = progress.rows.find((r) => r.learnerId === String(m.user) && r.courseId === String(m.course))!;
    expect(p).toMatchObject({ status: 'in_progress', progressPct: m.user_completion_rate, startedAt: new Date(m.joined_at.replace(/(\.\d{3})\d+/, '$1')).toISOString() });
  });

  it('normalises statuses: 100% completed, 0 with no activity not started, else in progress', async () => {
    expect(selfcommunityStatus(100, null)).toBe('completed');
    expect(selfcommunityStatus(0, null)).toBe('not_started');
    expect(selfcommunityStatus(0, '2026-01-01T00:00:00Z')).toBe('in_progress');
    expect(selfcommunityStatus(42.5, null)).toBe('in_progress');
    const { sim, connector } = await setup();
    const { rows } = await collect(connector.progress({ signal: signal(), courseIds: ['40'] }));
    for (const r of rows) {
      const m = sim.data.members.find((x) => String(x.user) === r.learnerId && x.course === 40)!;
      expect(r.status).toBe(selfcommunityStatus(m.user_completion_rate, m.last_active_at));
      expect(r.completedAt).toBe(r.status === 'completed' ? new Date(m.last_active_at!.replace(/(\.\d{3})\d+/, '$1')).toISOString() : null);
    }
  });

  it('signs its own HS256 JWT acting as the chosen user, and re-signs when it expires', async () => {
    let clock = new Date('2026-06-01T10:00:00Z');
    const { sim, connector } = await setup({}, { authMode: 'jwt', jwtUserId: 7 }, undefined, () => clock);
    // The simulator verifies the signature with the real clock, so sign with a current time window.
    clock = new Date();
    await collect(connector.courses({ signal: signal() }));
    const first = String(sim.requests.at(-1)!.headers.authorization).slice(7);
    const claims = decodeJwt(first);
    expect(claims).toMatchObject({ user_id: 7, token_type: 'access' });
    expect(claims.jti).toEqual(expect.any(String));
    expect(claims.exp! - claims.iat!).toBe(30 * 60);
    clock = new Date(Date.now() + 29.5 * 60_000); // within a minute of expiry: a new token
    await collect(connector.courses({ signal: signal() })).catch(() => undefined);
    const second = String(sim.requests.at(-1)!.headers.authorization).slice(7);
    expect(second).not.toBe(first);
    expect(sim.jwtSubjects.every((id) => id === 7)).toBe(true);
  });

  it('a wrong JWT secret or token is a readable auth error without any secret in it', async () => {
    const jwt = await setup({}, { authMode: 'jwt', jwtUserId: 7 }, 'not-the-community-secret');
    const e1 = (await jwt.connector.testConnection(signal()).catch((e: unknown) => e)) as HttpError;
    expect(e1.code).toBe('auth_failed');
    expect(e1.message).toMatch(/JWT secret key/);
    expect(JSON.stringify([e1.message, e1.excerpt])).not.toContain('not-the-community-secret');
    const token = await setup({}, {}, 'expired-token-xyz123');
    const e2 = (await token.connector.testConnection(signal()).catch((e: unknown) => e)) as HttpError;
    expect(e2.message).toMatch(/rejected the access token/);
    expect(JSON.stringify([e2.message, e2.excerpt])).not.toContain('expired-token-xyz123');
  });

  it('courses the identity cannot manage are skipped with a reason from the status endpoint; the rest sync', async () => {
    const { sim, connector } = await setup({ unmanagedCourses: [41] });
    const skipped: { courseId: string; reason: string }[] = [];
    const { rows } = await collect(connector.progress({ signal: signal(), courseIds: ['40', '41', '42'], onSkip: (s) => skipped.push(s) }));
    expect(skipped).toEqual([{ courseId: '41', reason: expect.stringMatching(/not a manager.*joined/) }]);
    expect(new Set(rows.map((r) => r.courseId))).toEqual(new Set(['40', '42']));
    expect(rows).toHaveLength(sim.data.members.filter((m) => m.course !== 41).filter((m) => m.course <= 42).length);
    expect(sim.requests.some((r) => r.path === '/api/v2/course/41/status/')).toBe(true);
  });

  it('handles Unicode and missing optional fields (no real name, no email, no activity)', async () => {
    const { connector } = await setup();
    const { rows } = await collect(connector.learners({ signal: signal() }));
    expect(rows[0]).toMatchObject({ name: 'Zoë Ångström', email: null });
    expect(rows[4]!.name).toBe('王芳');
    expect(rows[7]!.name).toBe('member7');
    const info = await connector.testConnection(signal());
    expect(info).toMatchObject({ accountName: expect.stringMatching(/as Coordinator Ćwik/), courseCount: 5 });
  });

  it('faults: 429 with/without Retry-After and 503 are retried; 404, malformed and truncated are typed errors', async () => {
    const { sim, connector } = await setup({ users: 250 });
    sim.addFault({ match: /\/user\//, times: 1, fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' } } });
    sim.addFault({ match: /offset=100/, times: 2, fault: { kind: 'status', status: 429 } });
    sim.addFault({ match: /offset=200/, times: 1, fault: { kind: 'status', status: 503 } });
    const t0 = Date.now();
    expect((await collect(connector.learners({ signal: signal() }))).rows).toHaveLength(250);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    sim.clearFaults();
    sim.addFault({ match: /search/, fault: { kind: 'malformed' } });
    expect(await collect(connector.courses({ signal: signal() })).catch((e: unknown) => (e as HttpError).code)).toBe('bad_response');
    sim.clearFaults();
    sim.addFault({ match: /search/, fault: { kind: 'truncate' } });
    expect(await collect(connector.courses({ signal: signal() })).catch((e: unknown) => (e as HttpError).code)).toBe('network');
    sim.clearFaults();
    sim.addFault({ match: /search/, fault: { kind: 'status', status: 404, contentType: 'application/json', body: '{"errors":[{"code":"not_found","message":"Not found."}]}' } });
    expect(await collect(connector.courses({ signal: signal() })).catch((e: unknown) => (e as HttpError).code)).toBe('not_found');
    // A course deleted between the course list and its progress is simply gone.
    expect((await collect(connector.progress({ signal: signal(), courseIds: ['999'] }))).rows).toEqual([]);
    const slow = await setup({}, {}, undefined, undefined, { timeouts: { headersMs: 500 }, retry: { retries: 0 } });
    slow.sim.addFault({ match: /search/, fault: { kind: 'delay', ms: 2500 } });
    expect(((await collect(slow.connector.courses({ signal: signal() })).catch((e: unknown) => e)) as HttpError).code).toBe('timeout');
  });

  it('streams ~100k progress rows with flat memory', async () => {
    const { connector } = await setup({ courses: 100, users: 1000, membersPerCourse: 1000 });
    const ids = Array.from({ length: 100 }, (_, i) => String(40 + i));
    const { rows, maxPage, growthBytes } = await retainedGrowth(connector.progress({ signal: AbortSignal.timeout(60_000), courseIds: ids }), 50);
    expect(rows).toBe(100_000);
    expect(maxPage).toBeLessThanOrEqual(100);
    expect(growthBytes).toBeLessThan(10 * 2 ** 20);
  }, 60_000);
});
