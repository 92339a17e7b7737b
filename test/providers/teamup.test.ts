import { afterEach, describe, expect, it } from 'vitest';
import type { TeamupSettings } from '../../electron/core/contract/accounts';
import type { Attendance, CourseSession } from '../../electron/core/contract/domain';
import { createHttpClient } from '../../electron/core/http/client';
import { type HttpError } from '../../electron/core/http/errors';
import { createTeamupConnector, deriveTeamupProgress } from '../../electron/core/providers/teamup';
import { retainedGrowth } from '../support/memory';
import { startTeamupSimulator, type TeamupSimOptions, type TeamupSimulator } from '../simulators/teamup';

const sims: TeamupSimulator[] = [];
const clients: ReturnType<typeof createHttpClient>[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

const NOW = new Date('2026-05-20T12:00:00Z');

async function setup(options: TeamupSimOptions = {}, settings: Partial<TeamupSettings> = {}, clientOptions = {}, secret?: string) {
  const sim = await startTeamupSimulator({ now: NOW, ...options });
  sims.push(sim);
  const http = createHttpClient({ retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 50 }, ...clientOptions });
  clients.push(http);
  const connector = createTeamupConnector({
    settings: { platform: 'teamup', baseUrl: `${sim.url}/api/v2`, authScheme: 'bearer', providerId: null, completionThreshold: null, ...settings },
    secret: secret ?? sim.options.token,
    http,
    now: () => NOW,
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

describe('TeamUp connector', () => {
  it.each(['bearer', 'token'] as const)('authenticates with the %s scheme and pages through everything (≥ 3 pages)', async (authScheme) => {
    const { sim, connector } = await setup({ customers: 250, courses: 4, sessionsPerCourse: 30, rosterSize: 10 }, { authScheme });
    const customers = await collect(connector.learners({ signal: signal() }));
    expect(customers.pages).toBe(3);
    expect(customers.rows).toHaveLength(250);
    const sessions = await collect(connector.sessions({ signal: signal() }));
    expect(sessions.pages).toBeGreaterThanOrEqual(2);
    expect(sessions.rows).toHaveLength(120);
    const attendance = await collect(connector.attendance({ signal: signal() }));
    expect(attendance.rows).toHaveLength(sim.data.attendances.length);
    expect(attendance.pages).toBeGreaterThanOrEqual(3);
    const scheme = authScheme === 'token' ? 'Token' : 'Bearer';
    expect(sim.requests.every((r) => r.headers.authorization === `${scheme} ${sim.options.token}`)).toBe(true);
  });

  it('normalises sessions with venue and instructors from expand/fields — no call per session', async () => {
    const { sim, connector } = await setup();
    const { rows } = await collect(connector.sessions({ signal: signal() }));
    const raw = sim.data.sessions[0]!;
    const s = rows.find((r) => r.id === String(raw.id))!;
    expect(s).toMatchObject({ courseId: String(raw.course), venue: 'Studio A', instructors: ['Maëlle Rousseau'], capacity: null, attendingCount: 8 });
    expect(s.startsAt).toBe(new Date(raw.starts_at).toISOString());
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['held', 'scheduled', 'cancelled'].filter((st) => rows.some((r) => r.status === st))));
    expect(sim.requests.filter((r) => /venues|instructors\//.test(r.path))).toHaveLength(0);
    expect(sim.requests.filter((r) => r.path.startsWith('/api/v2/course_sessions'))).toHaveLength(1);
  });

  it('lists reachable providers (application endpoint, or /providers as fallback) and sends the provider header', async () => {
    const providers = [{ id: 123, name: 'Flow — Kraków' }, { id: 456, name: 'Flow — Łódź' }];
    const multi = await setup({ providers });
    const info = await multi.connector.testConnection(signal());
    expect(info.providers).toEqual([{ id: '123', name: 'Flow — Kraków' }, { id: '456', name: 'Flow — Łódź' }]);
    expect(info.notes?.[0]).toMatch(/pick one/);
    const chosen = await setup({ providers, hasApplicationEndpoint: false }, { providerId: '456' });
    const chosenInfo = await chosen.connector.testConnection(signal());
    expect(chosenInfo.accountName).toMatch(/Łódź/);
    expect(chosenInfo.courseCount).toBe(5);
    expect(chosen.sim.requests.some((r) => r.path.startsWith('/api/v2/providers'))).toBe(true);
    expect(chosen.sim.requests.every((r) => r.headers['teamup-provider-id'] === '456')).toBe(true);
  });

  it('derives course progress from attendance at the threshold (80% by default, exactly 80% completes)', () => {
    const at = (iso: string) => iso;
    const sessions: CourseSession[] = [1, 2, 3, 4, 5, 6].map((n) => ({
      id: `s${n}`,
      courseId: 'c',
      name: null,
      startsAt: at(`2026-05-0${n}T10:00:00.000Z`),
      endsAt: at(`2026-05-0${n}T11:00:00.000Z`),
      status: n === 6 ? 'cancelled' : 'held',
      rawStatus: null,
      venue: null,
      instructors: [],
      capacity: null,
      attendingCount: null,
    }));
    const att = (learner: string, attendedSessions: number[]): Attendance[] =>
      [1, 2, 3, 4, 5].map((n) => ({ learnerId: learner, sessionId: `s${n}`, courseId: 'c', status: attendedSessions.includes(n) ? 'attended' : 'no_show', rawStatus: attendedSessions.includes(n) ? 'attended' : 'no_show' }));
    const attendance = [...att('four', [1, 2, 3, 4]), ...att('three', [1, 2, 3]), ...att('all', [1, 2, 3, 4, 5])];
    const after = deriveTeamupProgress('c', sessions, attendance, 80, new Date('2026-06-01T00:00:00Z'));
    const by = Object.fromEntries(after.map((p) => [p.learnerId, p]));
    expect(by.four).toMatchObject({ status: 'completed', progressPct: 80, rawStatus: '4/5 attended', completedAt: '2026-05-05T11:00:00.000Z' });
    expect(by.three).toMatchObject({ status: 'incomplete', progressPct: 60 });
    expect(by.all).toMatchObject({ status: 'completed', progressPct: 100, lastActivityAt: '2026-05-05T10:00:00.000Z' });
    const during = deriveTeamupProgress('c', sessions, attendance, 80, new Date('2026-05-03T12:00:00Z'));
    expect(during.every((p) => p.status === 'in_progress')).toBe(true);
    const before = deriveTeamupProgress('c', sessions, attendance, 80, new Date('2026-04-01T00:00:00Z'));
    expect(before.every((p) => p.status === 'not_started')).toBe(true);
    expect(deriveTeamupProgress('c', sessions, attendance, 85, new Date('2026-06-01T00:00:00Z')).find((p) => p.learnerId === 'four')!.status).toBe('incomplete');
  });

  it('derives progress end to end from the simulator (direct use, no cache)', async () => {
    const { sim, connector } = await setup();
    const { rows } = await collect(connector.progress({ signal: signal() }));
    const c0 = sim.data.courses[0]!.id;
    const rosterOfC0 = new Set(sim.data.attendances.filter((a) => sim.data.sessions.find((s) => s.id === a.course_session)!.course === c0).map((a) => String(a.customer)));
    expect(rows.filter((r) => r.courseId === String(c0)).map((r) => r.learnerId).sort()).toEqual([...rosterOfC0].sort());
    expect(rows.every((r) => /^\d+\/\d+ attended$/.test(r.rawStatus!))).toBe(true);
  });

  it('handles missing names/emails and Unicode', async () => {
    const { connector } = await setup();
    const { rows } = await collect(connector.learners({ signal: signal() }));
    expect(rows[0]).toMatchObject({ name: 'Zoë Ångström', email: 'customer0@studio.example' });
    expect(rows[4]!.email).toBeNull();
    expect(rows[6]).toMatchObject({ name: 'Mensah', firstName: null }); // no first name: the last name alone
    expect(rows.some((r) => r.name.includes('Ολυμπία'))).toBe(true);
  });

  it('faults: 401, 403, 404, 429 (with and without Retry-After), 503 then success, malformed and truncated pages, timeouts', async () => {
    const wrong = await setup({}, {}, {}, 'wrong-token-abcdef');
    const e401 = (await wrong.connector.testConnection(signal()).catch((e: unknown) => e)) as HttpError;
    expect(e401.code).toBe('auth_failed');
    expect(e401.message).toMatch(/rejected the API token/);
    expect(`${e401.message} ${e401.excerpt}`).not.toContain('wrong-token-abcdef');

    const forbidden = await setup({ forbid: ['/course_sessions'] });
    const e403 = (await collect(forbidden.connector.sessions({ signal: signal() })).catch((e: unknown) => e)) as HttpError;
    expect(e403.code).toBe('forbidden');
    expect(e403.message).toMatch(/staff permission/);

    const { sim, connector } = await setup({ customers: 250 });
    sim.addFault({ match: /customers/, times: 1, fault: { kind: 'status', status: 429, contentType: 'application/json', body: '{"code":"rate_limited"}', headers: { 'retry-after': '1' } } });
    sim.addFault({ match: /customers.*page=2/, times: 2, fault: { kind: 'status', status: 429 } });
    sim.addFault({ match: /customers.*page=3/, times: 1, fault: { kind: 'status', status: 503 } });
    const t0 = Date.now();
    expect((await collect(connector.learners({ signal: signal() }))).rows).toHaveLength(250);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);

    sim.clearFaults();
    sim.addFault({ match: /courses/, fault: { kind: 'malformed' } });
    expect(await collect(connector.courses({ signal: signal() })).catch((e: unknown) => (e as HttpError).code)).toBe('bad_response');
    sim.clearFaults();
    sim.addFault({ match: /courses/, fault: { kind: 'truncate' } });
    expect(await collect(connector.courses({ signal: signal() })).catch((e: unknown) => (e as HttpError).code)).toBe('network');
    sim.clearFaults();
    sim.addFault({ match: /courses/, fault: { kind: 'status', status: 404, contentType: 'application/json', body: '{"detail":"Not found."}' } });
    expect(await collect(connector.courses({ signal: signal() })).catch((e: unknown) => (e as HttpError).code)).toBe('not_found');

    const slow = await setup({}, {}, { timeouts: { headersMs: 500 }, retry: { retries: 0 } });
    slow.sim.addFault({ match: /courses/, fault: { kind: 'delay', ms: 2500 } });
    const timeout = (await collect(slow.connector.courses({ signal: signal() })).catch((e: unknown) => e)) as HttpError;
    expect(timeout.code).toBe('timeout');
    expect(timeout.message).toMatch(/Could not reach TeamUp/);
  });

  it('respects a per-minute budget: requests counted by the simulator never exceed it in a window', async () => {
    const { sim, connector } = await setup({ customers: 700 }, {}, { requestsPerMinute: 3, budgetWindowMs: 500 });
    const t0 = Date.now();
    expect((await collect(connector.learners({ signal: signal() }))).rows).toHaveLength(700);
    const starts = sim.requests.map((r) => r.at - t0);
    expect(starts).toHaveLength(7);
    for (const s of starts) expect(starts.filter((x) => x >= s && x < s + 490).length).toBeLessThanOrEqual(3);
  });

  it('the simulator enforces 250/min with 429s, which the client rides out', async () => {
    const { sim, connector } = await setup({ customers: 500, requestsPerMinute: 2, retryAfterSeconds: 1 }, {}, { retry: { retries: 2, baseDelayMs: 10, maxDelayMs: 50 } });
    // Window of 60 s and a limit of 2: the third request gets 429 + Retry-After: 1 until the client gives up.
    const error = (await collect(connector.learners({ signal: signal() })).catch((e: unknown) => e)) as HttpError;
    expect(error.code).toBe('rate_limited');
    expect(sim.requests.length).toBe(2 + 3);
  });

  it('incremental windows: sessions and attendance since the cursor minus a week for late marking', async () => {
    const { sim, connector } = await setup();
    const since = '2026-05-15T00:00:00.000Z';
    const sessions = await collect(connector.sessions({ signal: signal(), since }));
    expect(sessions.rows.every((s) => s.startsAt >= '2026-05-08T00:00:00.000Z')).toBe(true);
    expect(sessions.rows.length).toBeLessThan(sim.data.sessions.length);
    expect(sim.requests.at(-1)!.path).toContain('starts_at_gte=2026-05-08');
  });

  it('refuses to follow a next link to another host (the token would leak)', async () => {
    const { sim, connector } = await setup();
    sim.addFault({ match: /customers/, fault: { kind: 'malformed', body: JSON.stringify({ count: 2, next: 'https://evil.example/api/v2/customers?page=2', previous: null, results: [{ id: 1 }] }) } });
    const error = (await collect(connector.learners({ signal: signal() })).catch((e: unknown) => e)) as HttpError;
    expect(error.code).toBe('bad_response');
    expect(error.message).toMatch(/another host/);
  });

  it('streams 100k attendance rows with flat memory', async () => {
    const { connector } = await setup({ courses: 100, sessionsPerCourse: 50, customers: 2000, rosterSize: 20, requestsPerMinute: 1_000_000 });
    const { rows, maxPage, growthBytes } = await retainedGrowth(connector.attendance({ signal: AbortSignal.timeout(60_000) }), 50);
    expect(rows).toBeGreaterThan(90_000);
    expect(maxPage).toBeLessThanOrEqual(100);
    expect(growthBytes).toBeLessThan(10 * 2 ** 20);
  }, 60_000);
});
