/**
 * TeamUp connector against the local TeamUp simulator on loopback, through the real HTTP client.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TeamupSettings } from '../../electron/core/contract/accounts';
import type { Attendance, CourseSession, Learner } from '../../electron/core/contract/domain';
import { createHttpClient, type HttpClientTestOptions } from '../../electron/core/http/client';
import { HttpError } from '../../electron/core/http/errors';
import type { HttpClientOptions } from '../../electron/core/http/types';
import { accountHttpOptions } from '../../electron/core/providers/registry';
import {
  createTeamupConnector,
  deriveTeamupProgress,
  TEAMUP_REQUESTS_PER_MINUTE,
} from '../../electron/core/providers/teamup';
import type { CachedRunReader, Page } from '../../electron/core/providers/types';
import { retainedGrowth } from '../support/memory';
import { startTeamupSimulator, type TeamupSimOptions, type TeamupSimulator } from '../simulators/teamup';

const sims: TeamupSimulator[] = [];
const clients: ReturnType<typeof createHttpClient>[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

const NOW = new Date('2026-05-20T12:00:00Z');
const signal = () => AbortSignal.timeout(60_000); // a hang guard, not a time limit

async function setup(
  options: TeamupSimOptions = {},
  settings: Partial<TeamupSettings> = {},
  clientOptions: HttpClientOptions & HttpClientTestOptions = {},
  secret?: string,
) {
  const sim = await startTeamupSimulator({ now: NOW, ...options });
  sims.push(sim);
  const account: TeamupSettings = {
    platform: 'teamup',
    baseUrl: `${sim.url}/api/v2`,
    authScheme: 'bearer',
    providerId: null,
    completionThreshold: null,
    ...settings,
  };
  // As the registry builds it: credentials may only go to the account's origin.
  const http = createHttpClient({
    retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 50 },
    ...accountHttpOptions(account),
    ...clientOptions,
  });
  clients.push(http);
  const connector = createTeamupConnector({
    settings: account,
    secret: secret ?? sim.options.token,
    http,
    now: () => NOW,
  });
  return { sim, connector, http };
}

async function collect<T>(iterable: AsyncIterable<Page<T>>) {
  const rows: T[] = [];
  let pages = 0;
  for await (const page of iterable) {
    expect(page.raw).toHaveLength(page.items.length);
    rows.push(...page.items);
    pages += 1;
  }
  return { rows, pages };
}

const failure = async (work: Promise<unknown>): Promise<HttpError> => {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
};

/** Every text an error carries (message, excerpt, wire form, causes) must be free of the secret. */
function expectNoSecret(error: HttpError, secret: string) {
  const texts: string[] = [error.message, error.excerpt ?? '', JSON.stringify(error.toWire())];
  for (
    let cause = error.cause as { message?: string; cause?: unknown } | undefined;
    cause;
    cause = cause.cause as typeof cause
  )
    texts.push(String(cause.message));
  for (const text of texts) expect(text).not.toContain(secret);
  expect(error.message).toMatch(/TeamUp/);
}

const paths = (sim: TeamupSimulator, prefix: string) =>
  sim.requests.filter((r) => r.path.startsWith(`/api/v2${prefix}`)).map((r) => r.path);

describe('TeamUp connector: auth, providers, pagination', () => {
  it.each(['bearer', 'token'] as const)(
    'authenticates with the %s scheme and follows absolute next links over ≥ 3 pages',
    async (authScheme) => {
      const { sim, connector } = await setup(
        { customers: 250, courses: 4, sessionsPerCourse: 30, rosterSize: 10 },
        { authScheme },
      );
      const customers = await collect(connector.learners({ signal: signal() }));
      expect(customers.pages).toBe(3);
      expect(customers.rows.map((c) => c.id)).toEqual(sim.data.customers.map((c) => String(c.id)));
      const all = paths(sim, '/customers');
      // One row of the deleted customers first (none here, so their listing is not read): see the deleted customers
      // test. The listing itself asks for the others.
      expect(all.filter((p) => p.includes('deleted=true'))).toHaveLength(1);
      const requested = all.filter((p) => p.includes('deleted=false'));
      expect(requested).toHaveLength(3);
      expect(customers.rows.every((c) => c.status === 'active')).toBe(true);
      expect(requested.every((p) => p.includes('page_size=100') && p.includes('fields='))).toBe(true);
      expect(requested.slice(1).map((p) => new URL(p, sim.url).searchParams.get('page'))).toEqual(['2', '3']);

      const attendance = await collect(connector.attendance({ signal: signal() }));
      expect(attendance.rows).toHaveLength(sim.data.attendances.length);
      expect(attendance.pages).toBe(Math.ceil(sim.data.attendances.length / 100));
      // A business without classes: their register is one empty page.
      expect(paths(sim, '/attendances')).toHaveLength(1);
      const scheme = authScheme === 'token' ? 'Token' : 'Bearer';
      expect(sim.requests.every((r) => r.headers.authorization === `${scheme} ${sim.options.token}`)).toBe(true);
      expect(sim.requests.some((r) => 'teamup-provider-id' in r.headers)).toBe(false);
    },
  );

  it('on a 401 tries the other scheme once, keeps the one TeamUp accepts and says so', async () => {
    const { sim, connector } = await setup({ acceptedSchemes: ['token'] }, { authScheme: 'bearer' });
    const info = await connector.testConnection(signal());
    expect(info.notes?.join(' ')).toMatch(/accepted "Token"/);
    expect(info.courseCount).toBe(5);
    await collect(connector.courses({ signal: signal() }));
    const schemes = sim.requests.map((r) => String(r.headers.authorization).split(' ')[0]);
    expect(schemes[0]).toBe('Bearer');
    expect(schemes.length).toBeGreaterThan(1);
    expect(schemes.slice(1).every((s) => s === 'Token')).toBe(true);

    // Neither scheme accepted: exactly two attempts, then a readable auth error.
    const jwtOnly = await setup({ acceptedSchemes: ['jwt'] });
    const error = await failure(jwtOnly.connector.testConnection(signal()));
    expect(error.code).toBe('auth_failed');
    expect(error.message).toMatch(/TeamUp rejected the API token/);
    expect(jwtOnly.sim.requests).toHaveLength(2);
    expectNoSecret(error, jwtOnly.sim.options.token);
  });

  it('lists the providers a token reaches, then sends TeamUp-Provider-ID on every data request', async () => {
    const multi = await setup({ providers: 3 });
    const info = await multi.connector.testConnection(signal());
    expect(info.providers).toEqual(multi.sim.options.providers.map((p) => ({ id: String(p.id), name: p.name })));
    expect(info.providers!.map((p) => p.name)).toContain('Ζεν Γιόγκα Αθήνα');
    expect(info.courseCount).toBeNull();
    expect(info.notes?.[0]).toMatch(/pick the one/);
    // Without a provider the data endpoints refuse; the message says what to do.
    const noProvider = await failure(collect(multi.connector.courses({ signal: signal() })));
    expect(noProvider.message).toMatch(/several TeamUp providers.*pick one/);

    const chosen = await setup({ providers: 3, hasApplicationEndpoint: false }, { providerId: '234' });
    const chosenInfo = await chosen.connector.testConnection(signal());
    expect(chosenInfo).toMatchObject({ accountName: 'Flow Studio — Łódź', courseCount: 5 });
    expect(paths(chosen.sim, '/providers')).toHaveLength(1); // fell back from /auth/application (404)
    // Discovery goes without the header (a wrong id must not hide the right ones); data requests carry it.
    const discovery = chosen.sim.requests.filter((r) => r.path.includes('/auth/') || r.path.includes('/providers'));
    expect(discovery.every((r) => r.headers['teamup-provider-id'] === undefined)).toBe(true);
    await collect(chosen.connector.sessions({ signal: signal() }));
    const data = chosen.sim.requests.filter((r) => !discovery.includes(r));
    expect(data.length).toBeGreaterThan(1);
    expect(data.every((r) => r.headers['teamup-provider-id'] === '234')).toBe(true);

    const wrong = await setup({ providers: 2 }, { providerId: '999' });
    const error = await failure(wrong.connector.testConnection(signal()));
    expect(error.code).toBe('forbidden');
    expect(error.message).toMatch(/cannot reach provider 999.*Flow Studio — Kraków \(123\)/);
    // And a sync with that id gets TeamUp's own 403 provider_invalid, explained.
    const syncError = await failure(collect(wrong.connector.courses({ signal: signal() })));
    expect(syncError.message).toMatch(/cannot act for provider 999/);
  });
});

describe('TeamUp connector: sessions, learners, attendance', () => {
  it(
    'maps sessions with venue and instructors from ' + 'expand/fields — one request per page, none per session',
    async () => {
      const { sim, connector } = await setup({ courses: 4, sessionsPerCourse: 40 });
      const { rows, pages } = await collect(connector.sessions({ signal: signal() }));
      expect(rows).toHaveLength(160);
      expect(pages).toBe(2);
      const requested = paths(sim, '/course_sessions');
      expect(requested).toHaveLength(2);
      const query = new URL(requested[0]!, sim.url).searchParams;
      expect(query.get('expand')).toBe('venue,instructors');
      expect(query.get('fields')).toContain('venue.name');
      expect(sim.requests.filter((r) => /\/(venues|instructors|courses)/.test(r.path))).toHaveLength(0);

      const raw = sim.data.sessions[0]!;
      expect(rows.find((r) => r.id === String(raw.id))).toEqual({
        id: String(raw.id),
        courseId: String(raw.course),
        name: 'Session 1',
        startsAt: new Date(raw.starts_at).toISOString(),
        endsAt: new Date(raw.ends_at).toISOString(),
        status: raw.status === 'cancelled' ? 'cancelled' : 'held',
        rawStatus: raw.status,
        venue: 'Studio A',
        instructors: ['Maëlle Rousseau'],
        capacity: null,
        attendingCount: 8,
        timeZone: 'Europe/Warsaw',
      });
      for (const s of rows) {
        const source = sim.data.sessions.find((x) => String(x.id) === s.id)!;
        const expected =
          source.status === 'cancelled'
            ? 'cancelled'
            : Date.parse(source.starts_at) <= NOW.getTime()
              ? 'held'
              : 'scheduled';
        expect(s.status).toBe(expected);
        expect(s.capacity).toBe(source.max_occupancy ? source.max_occupancy : null); // null and 0 both mean unlimited
      }
      expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['held', 'scheduled', 'cancelled']));
    },
  );

  it(
    'filters sessions by the run’s course ids and reads rosters by date ' + 'window, grouped by the session’s course',
    async () => {
      const { sim, connector } = await setup({ courses: 6 });
      const sessions = await collect(connector.sessions({ signal: signal(), courseIds: ['301', '304'] }));
      expect(new Set(sessions.rows.map((s) => s.courseId))).toEqual(new Set(['301', '304']));
      expect(sessions.rows).toHaveLength(12);
      expect(paths(sim, '/course_sessions')[0]).toContain('course=301%2C304');

      const attendance = await collect(connector.attendance({ signal: signal() }));
      const sessionCourse = new Map(sim.data.sessions.map((s) => [String(s.id), String(s.course)]));
      expect(attendance.rows.length).toBeGreaterThan(0);
      expect(attendance.rows.every((a) => a.courseId === sessionCourse.get(a.sessionId))).toBe(true);
      expect(new URL(paths(sim, '/course_session_attendances')[0]!, sim.url).searchParams.get('fields')).toContain(
        'course_session.course',
      );
    },
  );

  it(
    'tolerates what the docs leave open: unexpanded relations, ' + 'XML bodies, timestamp styles, nulls, Unicode',
    async () => {
      // Timestamp styles (`Z`, `.000Z`, `+00:00`) and whether dotted fields expand by themselves change nothing.
      const plain = await setup({ timestamps: 'millis' });
      const reference = await collect(plain.connector.sessions({ signal: signal() }));
      for (const variant of [{ timestamps: 'utc' }, { timestamps: 'offset', fieldsImplyExpand: false }] as const) {
        const other = await setup(variant);
        expect((await collect(other.connector.sessions({ signal: signal() }))).rows).toEqual(reference.rows);
      }
      // A session with only its required fields: every optional one comes out null or empty.
      plain.sim.addFault({
        match: /course_sessions/,
        fault: {
          kind: 'malformed',
          body: JSON.stringify({
            count: 1,
            next: null,
            previous: null,
            results: [{ id: 1, course: 2, starts_at: '2026-06-01T09:00:00+02:00' }],
          }),
        },
      });
      expect((await collect(plain.connector.sessions({ signal: signal() }))).rows).toEqual([
        {
          id: '1',
          courseId: '2',
          name: null,
          startsAt: '2026-06-01T07:00:00.000Z',
          endsAt: null,
          status: 'scheduled',
          rawStatus: null,
          venue: null,
          instructors: [],
          capacity: null,
          attendingCount: null,
          timeZone: null,
        },
      ]);

      const xml = await setup({ defaultFormat: 'xml', customers: 120 });
      const xmlSessions = await collect(xml.connector.sessions({ signal: signal() }));
      expect(xmlSessions.rows).toEqual(reference.rows);
      const xmlLearners = await collect(xml.connector.learners({ signal: signal() }));
      expect(xmlLearners.pages).toBe(2);
      expect(xml.sim.requests.every((r) => !r.path.includes('format='))).toBe(true);
      const xmlAttendance = await collect(xml.connector.attendance({ signal: signal() }));
      expect(xmlAttendance.rows).toHaveLength(xml.sim.data.attendances.length);
      expect(xmlAttendance.rows[0]).toMatchObject({
        sessionId: String(xml.sim.data.attendances[0]!.course_session),
        courseId: '300',
      });

      const json = await setup({ customers: 120 });
      const learners = (await collect(json.connector.learners({ signal: signal() }))).rows;
      expect(xmlLearners.rows).toEqual(learners);
      expect(learners[0]).toEqual({
        id: '5000',
        name: 'Zoë Ångström',
        email: 'customer0@studio.example',
        firstName: 'Zoë',
        lastName: 'Ångström',
        status: 'active',
      });
      expect(learners[4]!.email).toBeNull();
      expect(learners[6]).toMatchObject({ name: 'Mensah', firstName: null }); // no first name: the last name alone
      expect(learners[9]).toMatchObject({ name: 'Noémie', lastName: null });
      expect(learners[4]).toMatchObject({ name: 'Ολυμπία Núñez', email: null });
      const six = await setup({ courses: 6 });
      expect(
        (await collect(six.connector.courses({ signal: signal() }))).rows.find((c) => c.id === '305'),
      ).toMatchObject({ name: 'Course 305', type: 'course', description: null });
    },
  );

  it('reads attendance whose session came back as a bare id, looking each unknown session up once', async () => {
    const { sim, connector } = await setup({ courses: 2, sessionsPerCourse: 3, rosterSize: 4 });
    // A server that ignores `expand` on this endpoint.
    sim.addFault({
      match: /course_session_attendances/,
      fault: {
        kind: 'malformed',
        body: JSON.stringify({
          count: 3,
          next: null,
          previous: null,
          results: sim.data.attendances
            .slice(0, 3)
            .map((a) => ({ id: a.id, status: a.status, customer: a.customer, course_session: a.course_session })),
        }),
      },
    });
    const { rows } = await collect(connector.attendance({ signal: signal() }));
    const courseOf = (sessionId: number) => String(sim.data.sessions.find((s) => s.id === sessionId)!.course);
    expect(rows.map((r) => r.courseId)).toEqual(
      sim.data.attendances.slice(0, 3).map((a) => courseOf(a.course_session)),
    );
    expect(paths(sim, '/course_sessions/')).toHaveLength(1); // three rows of one session: one lookup
  });

  it.each([
    ['excluded', 'honoured'],
    ['included', 'honoured'],
    ['excluded', 'ignored'],
  ] as const)(
    'deleted customers (%s by default, filter %s) are learners too: every attendance names a synced learner, once',
    async (deletedByDefault, deletedFilter) => {
      const { sim, connector } = await setup({
        customers: 30,
        rosterSize: 30,
        deletedCustomers: 5,
        deletedByDefault,
        deletedFilter,
      });
      const listed = (await collect(connector.learners({ signal: signal() }))).rows;
      // Learners the listings could not give come beside the attendance that names them.
      const beside: Learner[] = [];
      const attendance: Attendance[] = [];
      for await (const page of connector.attendance({ signal: signal() })) {
        attendance.push(...page.items);
        beside.push(...(page.learners?.items ?? []));
      }
      const learners = [...listed, ...beside];
      const deleted = sim.data.customers.filter((c) => c.deleted);
      expect(attendance.some((a) => deleted.some((c) => String(c.id) === a.learnerId))).toBe(true);
      const ids = learners.map((l) => l.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.sort()).toEqual(sim.data.customers.map((c) => String(c.id)).sort());
      expect(learners.find((l) => l.id === String(deleted[0]!.id))).toMatchObject({
        firstName: deleted[0]!.first_name,
        lastName: deleted[0]!.last_name,
      });
      const known = new Set(ids);
      expect(attendance.filter((a) => !known.has(a.learnerId))).toEqual([]);
      // One lookup per learner missing from the listings, none when the listings had everyone.
      expect(paths(sim, '/customers/')).toHaveLength(deletedFilter === 'ignored' ? deleted.length : 0);
      // Status: from an honoured filter, active or deleted; a server ignoring it cannot say who is active, but a
      // customer only found by id (missing from a listing that hides the deleted) is deleted.
      const statusOf = new Map(learners.map((l) => [l.id, l.status]));
      for (const c of sim.data.customers) {
        const expected = c.deleted ? 'deleted' : deletedFilter === 'honoured' ? 'active' : null;
        expect(statusOf.get(String(c.id)), `customer ${c.id}`).toBe(expected);
      }
      // A server ignoring the filter answers it with the whole list: it is not read a second time.
      const listings = paths(sim, '/customers?').filter((p) => !p.includes('page_size=1&'));
      expect(listings).toHaveLength(deletedFilter === 'honoured' ? 2 : 1);
    },
  );
});

describe('TeamUp progress derived from attendance', () => {
  const session = (n: number, over: Partial<CourseSession> = {}): CourseSession => ({
    id: `s${n}`,
    courseId: 'c',
    name: null,
    startsAt: `2026-05-0${n}T10:00:00.000Z`,
    endsAt: `2026-05-0${n}T11:00:00.000Z`,
    status: 'held',
    rawStatus: 'active',
    venue: null,
    instructors: [],
    capacity: null,
    attendingCount: null,
    ...over,
  });
  // Five real sessions on 1–5 May, a sixth on 6 May that was cancelled.
  const sessions = [1, 2, 3, 4, 5]
    .map((n) => session(n))
    .concat(session(6, { status: 'cancelled', rawStatus: 'cancelled' }));
  const att = (learner: string, attended: number[], others: Attendance['status'] = 'no_show'): Attendance[] =>
    [1, 2, 3, 4, 5, 6].map((n) => {
      const status = attended.includes(n) ? 'attended' : others;
      return { learnerId: learner, sessionId: `s${n}`, courseId: 'c', status, rawStatus: status };
    });
  const attendance = [
    ...att('four', [1, 2, 3, 4, 6]),
    ...att('three', [1, 2, 3]),
    ...att('all', [1, 2, 3, 4, 5]),
    ...att('gone', [], 'cancelled'),
  ];
  const derive = (now: string, thresholdPct = 80, rows = attendance) =>
    Object.fromEntries(
      deriveTeamupProgress({ courseId: 'c', sessions, attendance: rows, thresholdPct, now: new Date(now) }).map((p) => [
        p.learnerId,
        p,
      ]),
    );

  it('after the last session: completed at or above the threshold (exactly 80% completes), incomplete below', () => {
    const after = derive('2026-06-01T00:00:00Z');
    // Attending the cancelled sixth session counts for nothing.
    expect(after.four).toEqual({
      learnerId: 'four',
      courseId: 'c',
      status: 'completed',
      rawStatus: '4/5 attended',
      progressPct: 80,
      score: null,
      startedAt: '2026-05-01T10:00:00.000Z',
      completedAt: '2026-05-05T11:00:00.000Z',
      lastActivityAt: '2026-05-04T10:00:00.000Z',
    });
    expect(after.three).toMatchObject({
      status: 'incomplete',
      progressPct: 60,
      rawStatus: '3/5 attended',
      completedAt: null,
    });
    expect(after.all).toMatchObject({
      status: 'completed',
      progressPct: 100,
      lastActivityAt: '2026-05-05T10:00:00.000Z',
    });
    // Only cancellations: not registered for the course at all.
    expect(after.gone).toBeUndefined();
    expect(derive('2026-06-01T00:00:00Z', 80.01).four!.status).toBe('incomplete');
    expect(derive('2026-06-01T00:00:00Z', 0).three!.status).toBe('completed');
  });

  it('before the end: in_progress with the share so far; before anything was held: not_started', () => {
    // 3 May 10:00 exactly: the third session has started, so it counts as held.
    const during = derive('2026-05-03T10:00:00Z');
    expect(during.three).toMatchObject({ status: 'in_progress', rawStatus: '3/3 attended', progressPct: 100 });
    expect(during.four).toMatchObject({ status: 'in_progress', rawStatus: '3/3 attended' });
    // During the last session (started, not ended): still in progress, and it counts as held.
    expect(derive('2026-05-05T10:30:00Z').three).toMatchObject({
      status: 'in_progress',
      rawStatus: '3/5 attended',
      progressPct: 60,
    });
    const thirds = derive('2026-05-03T09:00:00Z', 80, att('x', [1]));
    expect(thirds.x).toMatchObject({ status: 'in_progress', progressPct: 50, rawStatus: '1/2 attended' });
    const before = derive('2026-04-01T00:00:00Z', 80, att('early', [], 'registered'));
    expect(before.early).toMatchObject({
      status: 'not_started',
      progressPct: 0,
      rawStatus: '0/0 attended',
      startedAt: null,
      completedAt: null,
    });
  });

  it('ignores attended marks on sessions not yet held, other courses’ sessions and repeated rows', () => {
    const rows: Attendance[] = [
      ...att('dup', [1, 2]),
      ...att('dup', [1, 2]), // the same rows twice (offset pages can repeat a row)
      { learnerId: 'future', sessionId: 's5', courseId: 'c', status: 'attended', rawStatus: 'attended' },
      {
        learnerId: 'stranger',
        sessionId: 'other-course-session',
        courseId: 'c',
        status: 'attended',
        rawStatus: 'attended',
      },
    ];
    const mid = derive('2026-05-02T12:00:00Z', 80, rows);
    expect(mid.dup).toMatchObject({ rawStatus: '2/2 attended', progressPct: 100 });
    expect(mid.future).toMatchObject({ status: 'in_progress', rawStatus: '0/2 attended', progressPct: 0 });
    expect(mid.stranger).toBeUndefined();
  });

  /** An independent reading of the rule straight from the simulator's raw data. */
  function expectedProgress(sim: TeamupSimulator, thresholdPct: number) {
    const out = new Map<string, { status: string; rawStatus: string }>();
    for (const course of sim.data.courses) {
      const live = sim.data.sessions.filter((s) => s.course === course.id && s.status === 'active');
      const held = live.filter((s) => Date.parse(s.starts_at) <= NOW.getTime());
      const ended = held.length > 0 && Math.max(...live.map((s) => Date.parse(s.ends_at))) <= NOW.getTime();
      const liveIds = new Set(live.map((s) => s.id));
      const heldIds = new Set(held.map((s) => s.id));
      const learners = new Set(
        sim.data.attendances
          .filter((a) => liveIds.has(a.course_session) && a.status !== 'not_registered')
          .map((a) => a.customer),
      );
      for (const learner of learners) {
        const attended = sim.data.attendances.filter(
          (a) => a.customer === learner && heldIds.has(a.course_session) && a.status === 'attended',
        ).length;
        const pct = held.length ? (attended / held.length) * 100 : 0;
        const status =
          held.length === 0 ? 'not_started' : !ended ? 'in_progress' : pct >= thresholdPct ? 'completed' : 'incomplete';
        out.set(`${course.id}/${learner}`, { status, rawStatus: `${attended}/${held.length} attended` });
      }
    }
    return out;
  }

  it(
    'end to end without a cache: streams sessions and ' + 'attendance once and matches the rule on the raw data',
    async () => {
      const { sim, connector } = await setup(
        { courses: 8, sessionsPerCourse: 4, rosterSize: 15, customers: 60, cancellationRate: 0.05 },
        { completionThreshold: 70 },
      );
      const { rows } = await collect(connector.progress({ signal: signal() }));
      const expected = expectedProgress(sim, 70);
      expect(rows).toHaveLength(expected.size);
      expect(
        new Map(rows.map((r) => [`${r.courseId}/${r.learnerId}`, { status: r.status, rawStatus: r.rawStatus }])),
      ).toEqual(expected);
      expect([...new Set(rows.map((r) => r.status))]).toEqual(
        expect.arrayContaining(['completed', 'incomplete', 'in_progress']),
      );
      expect(paths(sim, '/course_sessions')).toHaveLength(1);
      expect(paths(sim, '/course_session_attendances')).toHaveLength(Math.ceil(sim.data.attendances.length / 100));
    },
  );

  it('with the run’s cache: derives from what the run stored, without a single request', async () => {
    const { sim, connector } = await setup({ courses: 5, rosterSize: 10 });
    const sessions = (await collect(connector.sessions({ signal: signal() }))).rows;
    const attendance = (await collect(connector.attendance({ signal: signal() }))).rows;
    const cached: CachedRunReader = {
      sessionsOf: (courseId) => sessions.filter((s) => s.courseId === courseId),
      attendanceOf: (courseId) => attendance.filter((a) => a.courseId === courseId),
    };
    const before = sim.requests.length;
    const courseIds = sim.data.courses.map((c) => String(c.id));
    const fromCache = (await collect(connector.progress({ signal: signal(), courseIds, cached }))).rows;
    expect(sim.requests.length).toBe(before);
    const direct = (await collect(connector.progress({ signal: signal() }))).rows;
    const key = (r: { courseId: string; learnerId: string }) => `${r.courseId}/${r.learnerId}`;
    expect([...fromCache].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      [...direct].sort((a, b) => key(a).localeCompare(key(b))),
    );
    expect(fromCache).toHaveLength(expectedProgress(sim, 80).size);
  });
});

describe('TeamUp faults', () => {
  it('401, 403 and 404 become typed errors saying what to do, with no secret anywhere', async () => {
    const secret = 'wrong-token-abcdef123';
    const wrong = await setup({}, {}, {}, secret);
    const e401 = await failure(wrong.connector.testConnection(signal()));
    expect(e401).toMatchObject({ code: 'auth_failed', status: 401 });
    expectNoSecret(e401, secret);

    const forbidden = await setup({ forbid: ['/course_sessions'] });
    const e403 = await failure(collect(forbidden.connector.sessions({ signal: signal() })));
    expect(e403).toMatchObject({ code: 'forbidden', status: 403 });
    expect(e403.message).toMatch(/staff permission.*"Manage events"/);
    expect(e403.message).toMatch(/TeamUp said: "You do not have permission/);
    expectNoSecret(e403, forbidden.sim.options.token);

    const mode = await setup();
    const badBase = createTeamupConnector({
      settings: {
        platform: 'teamup',
        baseUrl: `${mode.sim.url}/api/v3`,
        authScheme: 'token',
        providerId: null,
        completionThreshold: null,
      },
      secret: mode.sim.options.token,
      http: mode.http,
      now: () => NOW,
    });
    const e404 = await failure(collect(badBase.courses({ signal: signal() })));
    expect(e404).toMatchObject({ code: 'not_found', status: 404 });
    expect(e404.message).toMatch(/Check the API address/);
    expectNoSecret(e404, mode.sim.options.token);

    // A hostile error body that echoes the token back.
    mode.sim.addFault({
      match: /courses/,
      fault: {
        kind: 'status',
        status: 403,
        contentType: 'application/json',
        body: JSON.stringify({ code: 'permission_denied', message: `token ${mode.sim.options.token} lacks rights` }),
      },
    });
    const echoed = await failure(collect(mode.connector.courses({ signal: signal() })));
    expect(echoed.code).toBe('forbidden');
    expectNoSecret(echoed, mode.sim.options.token);

    // DRF-style bodies ({"detail": …}) are explained the same way.
    const detail = await setup({ errorStyle: 'detail', forbid: ['/customers'] });
    const eDetail = await failure(collect(detail.connector.learners({ signal: signal() })));
    expect(eDetail.message).toMatch(/TeamUp said: "You do not have permission/);
  });

  it(
    '429 with Retry-After: 1 waits at least a second; ' + '429 without it, 500 and 503 are retried to success',
    async () => {
      const { sim, connector } = await setup({ customers: 350 });
      sim.addFault({
        match: /customers/,
        times: 1,
        fault: {
          kind: 'status',
          status: 429,
          contentType: 'application/json',
          body: '{"code":"rate_limited","message":"Request was throttled."}',
          headers: { 'retry-after': '1' },
        },
      });
      sim.addFault({ match: /customers.*page=2/, times: 2, fault: { kind: 'status', status: 429 } });
      sim.addFault({ match: /customers.*page=3/, times: 1, fault: { kind: 'status', status: 500 } });
      sim.addFault({ match: /customers.*page=4/, times: 2, fault: { kind: 'status', status: 503 } });
      const t0 = Date.now();
      const { rows } = await collect(connector.learners({ signal: signal() }));
      expect(rows).toHaveLength(350);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
      // Pages 2-4 are read side by side, so each page's own attempts are compared. The one-row question about
      // deleted customers goes first (none: their listing is not read) and takes the first 429.
      const attempts = (page: RegExp) =>
        sim.requests.filter((r) => page.test(r.path) && !r.path.includes('deleted=true')).map((r) => r.status);
      expect(sim.requests.filter((r) => r.path.includes('deleted=true')).map((r) => r.status)).toEqual([429, 200]);
      expect(attempts(/^[^?]*\/customers\?(?!.*page=)/)).toEqual([200]);
      expect(attempts(/page=2/)).toEqual([429, 429, 200]);
      expect(attempts(/page=3/)).toEqual([500, 200]);
      expect(attempts(/page=4/)).toEqual([503, 503, 200]);
      expect(sim.requests).toHaveLength(11);
    },
  );

  it('gives up on endless 429s and 503s with typed, readable errors', async () => {
    const { sim, connector } = await setup({}, {}, { retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 10 } });
    sim.addFault({ match: /courses/, fault: { kind: 'status', status: 429 } });
    const limited = await failure(collect(connector.courses({ signal: signal() })));
    expect(limited).toMatchObject({ code: 'rate_limited' });
    expect(limited.message).toMatch(/250 per minute/);
    sim.clearFaults();
    sim.addFault({ match: /courses/, fault: { kind: 'status', status: 503 } });
    const down = await failure(collect(connector.courses({ signal: signal() })));
    expect(down).toMatchObject({ code: 'server_error', status: 503 });
    expect(down.message).toMatch(/on TeamUp's side/);
    expect(sim.requests).toHaveLength(6);
  });

  it(
    'malformed or cut-off pages are bad_response; ' + 'a dropped connection is a network error; slow is a timeout',
    async () => {
      const { sim, connector } = await setup({ customers: 250 });
      sim.addFault({ match: /customers.*page=2/, fault: { kind: 'malformed' } });
      const malformed = await failure(collect(connector.learners({ signal: signal() })));
      expect(malformed.code).toBe('bad_response');
      expect(malformed.message).toMatch(/malformed JSON/);

      sim.clearFaults();
      const full = JSON.stringify({
        count: 250,
        next: null,
        previous: null,
        results: sim.data.customers.slice(0, 100),
      });
      sim.addFault({ match: /customers/, fault: { kind: 'malformed', body: full.slice(0, full.length / 2) } });
      expect((await failure(collect(connector.learners({ signal: signal() })))).code).toBe('bad_response');

      sim.clearFaults();
      sim.addFault({
        match: /customers/,
        fault: {
          kind: 'malformed',
          body: JSON.stringify({ count: 1, next: null, results: [{ first_name: 'No id' }] }),
        },
      });
      const noId = await failure(collect(connector.learners({ signal: signal() })));
      expect(noId.message).toMatch(/customer without an id/);

      sim.clearFaults();
      sim.addFault({
        match: /customers/,
        fault: {
          kind: 'status',
          status: 200,
          contentType: 'application/xml',
          body: '<root><results><list-item><id>1</id></root>',
        },
      });
      expect((await failure(collect(connector.learners({ signal: signal() })))).message).toMatch(/malformed XML/);

      sim.clearFaults();
      sim.addFault({ match: /customers/, fault: { kind: 'truncate' } });
      const dropped = await failure(collect(connector.learners({ signal: signal() })));
      expect(dropped.code).toBe('network');
      expect(dropped.message).toMatch(/Could not reach TeamUp/);

      sim.clearFaults();
      sim.addFault({
        match: /customers/,
        fault: {
          kind: 'malformed',
          body: JSON.stringify({
            count: 2,
            next: 'https://evil.example/api/v2/customers?page=2',
            previous: null,
            results: [{ id: 1 }],
          }),
        },
      });
      const elsewhere = await failure(collect(connector.learners({ signal: signal() })));
      expect(elsewhere.message).toMatch(/another host \(evil\.example\)/);

      const slow = await setup({}, {}, { timeouts: { headersMs: 300 }, retry: { retries: 0 } });
      slow.sim.addFault({ match: /courses/, fault: { kind: 'delay', ms: 1500 } });
      const timeout = await failure(collect(slow.connector.courses({ signal: signal() })));
      expect(timeout.code).toBe('timeout');
      expect(timeout.message).toMatch(/Could not reach TeamUp/);
      for (const error of [malformed, noId, dropped, elsewhere, timeout]) expectNoSecret(error, sim.options.token);
    },
  );

  it(
    'a list that shrinks while being paged (DRF "Invalid page.") ' + 'is a gap; a next link back to a read page fails',
    async () => {
      const { sim, connector } = await setup({ customers: 250 });
      const seen: string[] = [];
      const gaps: string[] = [];
      for await (const page of connector.learners({ signal: signal(), onGap: (reason) => gaps.push(reason) })) {
        seen.push(...page.items.map((c) => c.id));
        if (seen.length === 100) {
          sim.data.customers.splice(90);
          sim.reindex();
        }
      }
      expect(seen).toHaveLength(100);
      expect(sim.requests.filter((r) => r.path.includes('deleted=false')).at(-1)!.status).toBe(404);
      expect(gaps).toEqual([
        expect.stringMatching(/^TeamUp's list of customers shrank while Rollbook read it \(100 read\)/),
      ]);

      // A next link back to a page already read would loop forever: the listing fails instead of ending short.
      const firstPage = `${sim.url}${sim.requests.find((r) => r.path.includes('deleted=false'))!.path}`;
      const page = (id: number, next: string) => JSON.stringify({ count: 2, next, previous: null, results: [{ id }] });
      const ok = (body: string) => ({ kind: 'status', status: 200, contentType: 'application/json', body }) as const;
      sim.addFault({ match: /customers.*page=2/, fault: ok(page(2, firstPage)) });
      sim.addFault({ match: /customers/, fault: ok(page(1, `${firstPage}&page=2`)) });
      const requestsBefore = sim.requests.length;
      const looped = await failure(collect(connector.learners({ signal: signal() })));
      expect(looped).toMatchObject({
        code: 'bad_response',
        message: expect.stringMatching(/same page of customers again as the next page after 2 rows/),
      });
      // Page 3 of the first listing, asked for beside page 2 and dropped when page 2 said the list had ended, may reach
      // the server only now.
      const asked = sim.requests.slice(requestsBefore).filter((r) => !r.path.includes('page=3'));
      expect(asked).toHaveLength(3); // the one-row question about deleted customers, 2 pages
    },
  );
});

describe('TeamUp limits, incremental windows and streaming', () => {
  it(
    `exports the documented budget (${TEAMUP_REQUESTS_PER_MINUTE}/min) ` + 'and the client holds a per-window budget',
    async () => {
      expect(TEAMUP_REQUESTS_PER_MINUTE).toBe(250);
      const { sim, connector } = await setup({ customers: 700 }, {}, { requestsPerMinute: 3, budgetWindowMs: 400 });
      expect((await collect(connector.learners({ signal: signal() }))).rows).toHaveLength(700);
      const starts = sim.requests.map((r) => r.at);
      expect(starts).toHaveLength(7 + 1); // seven pages, then the (empty) listing of deleted customers
      for (const s of starts) expect(starts.filter((x) => x >= s && x < s + 390).length).toBeLessThanOrEqual(3);
      expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(780);
    },
  );

  it(
    'the simulator enforces its per-token limit with 429s (error envelope, ' +
      'optional Retry-After) that the client rides out',
    async () => {
      const { sim, connector } = await setup(
        { customers: 500, requestsPerMinute: 2, rateWindowMs: 300 },
        {},
        { retry: { retries: 6, baseDelayMs: 100, maxDelayMs: 200 } },
      );
      expect((await collect(connector.learners({ signal: signal() }))).rows).toHaveLength(500);
      expect(sim.requests.filter((r) => r.status === 429).length).toBeGreaterThan(0);
      const ok = sim.requests.filter((r) => r.status === 200).map((r) => r.at);
      for (const s of ok) expect(ok.filter((x) => x >= s && x < s + 300).length).toBeLessThanOrEqual(2);

      const strict = await startTeamupSimulator({ requestsPerMinute: 1, retryAfterSeconds: 7 });
      sims.push(strict);
      const get = () =>
        fetch(`${strict.url}/api/v2/courses`, { headers: { authorization: `Token ${strict.options.token}` } });
      expect((await get()).status).toBe(200);
      const limited = await get();
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('7');
      expect(await limited.json()).toEqual({
        code: 'rate_limited',
        field_errors: {},
        message: 'Request was throttled.',
        type: 'invalid_request_error',
      });
      // Another token has its own budget (and is then rejected for being wrong).
      expect((await fetch(`${strict.url}/api/v2/courses`, { headers: { authorization: 'Token other' } })).status).toBe(
        401,
      );
    },
  );

  it('incremental: sessions read from a week before the cursor; attendance and progress are always full', async () => {
    const { sim, connector } = await setup({ courses: 4, sessionsPerCourse: 12 });
    expect([...connector.incremental].sort()).toEqual(['sessions']);
    const since = '2026-05-15T00:00:00.000Z';
    const sessions = await collect(connector.sessions({ signal: signal(), since }));
    expect(sessions.rows.length).toBeGreaterThan(0);
    expect(sessions.rows.every((s) => s.startsAt >= '2026-05-08T00:00:00.000Z')).toBe(true);
    expect(sessions.rows).toHaveLength(
      sim.data.sessions.filter((s) => Date.parse(s.starts_at) >= Date.parse('2026-05-08T00:00:00Z')).length,
    );
    expect(paths(sim, '/course_sessions')[0]).toContain('starts_at_gte=2026-05-08T00%3A00%3A00%2B00%3A00');
    // No updated_at filter on the list: a window would miss registers corrected and bookings removed later.
    const attendance = await collect(connector.attendance({ signal: signal(), since }));
    expect(attendance.rows).toHaveLength(sim.data.attendances.length);
    expect(paths(sim, '/course_session_attendances')[0]).not.toContain('starts_at_gte');
  });

  it('streams ~100k attendance rows page by page with flat memory', async () => {
    const { sim, connector } = await setup({
      courses: 100,
      sessionsPerCourse: 50,
      customers: 2000,
      rosterSize: 20,
      requestsPerMinute: 1_000_000,
    });
    // How fast it streams is the sync benchmark's business; the time limits here only catch a hang.
    const { rows, pages, maxPage, growthBytes } = await retainedGrowth(
      connector.attendance({ signal: AbortSignal.timeout(110_000) }),
      50,
    );
    expect(rows).toBe(sim.data.attendances.length);
    expect(rows).toBeGreaterThan(90_000);
    expect(pages).toBe(Math.ceil(rows / 100));
    expect(maxPage).toBe(100);
    expect(growthBytes).toBeLessThan(10 * 2 ** 20);
  }, 120_000);
});

describe('TeamUp simulator', () => {
  const call = (sim: TeamupSimulator, path: string, headers: Record<string, string> = {}) =>
    fetch(`${sim.url}/api/v2${path}`, { headers: { authorization: `JWT ${sim.options.token}`, ...headers } });

  it('speaks the documented dialect: expand/fields/deferred, page_size cap, bad pages, XML, headers', async () => {
    const sim = await startTeamupSimulator({ customers: 150, now: NOW, oversizedPageSize: 'clamp' });
    sims.push(sim);
    const customers = (await (await call(sim, '/customers?page_size=500')).json()) as {
      count: number;
      next: string;
      results: Record<string, unknown>[];
    };
    expect(customers).toMatchObject({ count: 150, next: `${sim.url}/api/v2/customers?page_size=500&page=2` });
    expect(customers.results).toHaveLength(100);
    expect(customers.results[0]).not.toHaveProperty('credit_balance'); // deferred
    const deferred = (await (await call(sim, '/customers/5000?expand=credit_balance,provider')).json()) as Record<
      string,
      unknown
    >;
    expect(deferred).toMatchObject({
      credit_balance: { iso_currency_code: 'pln' },
      provider: { id: 123, object: 'provider' },
    });

    const session = (await (
      await call(sim, '/course_sessions/901?fields=id,venue.name,instructors.name,course')
    ).json()) as Record<string, unknown>;
    expect(session).toEqual({
      id: 901,
      venue: { name: 'Studio A' },
      instructors: [{ name: 'Maëlle Rousseau' }],
      course: 300,
    });
    const bare = (await (await call(sim, '/course_sessions/901')).json()) as Record<string, unknown>;
    expect(bare).toMatchObject({
      object: 'course_session',
      venue: 1,
      instructors: `${sim.url}/api/v2/instructors?course_session=901`,
    });
    const deep = (await (
      await call(sim, '/course_session_attendances?expand=course_session.course.offering_type&page_size=1')
    ).json()) as { results: { course_session: { course: { offering_type: { name: string } } } }[] };
    expect(deep.results[0]!.course_session.course.offering_type.name).toBe('Teacher training');
    expect(
      (await call(sim, '/course_session_attendances?expand=course_session.course.course_sessions.course.offering_type'))
        .status,
    ).toBe(400);
    expect((await call(sim, '/courses?expand=nonsense')).status).toBe(400);
    expect((await call(sim, '/course_sessions?starts_at_gte=yesterday')).status).toBe(400);

    const past = await call(sim, '/customers?page=3');
    expect(past.status).toBe(404);
    expect(await past.json()).toEqual({ detail: 'Invalid page.' });
    expect((await call(sim, '/customers?format=yaml')).status).toBe(404);

    const xml = await (
      await call(sim, '/course_sessions?format=xml&page_size=2&fields=id,name,max_occupancy,instructors.name')
    ).text();
    // Too long for one regex literal: the same pattern, in parts.
    const firstPage = new RegExp(
      String.raw`^<\?xml[^>]*>\n<root><count>30<\/count><next>http:\/\/127\.0\.0\.1:\d+\/api\/v2\/course_sessions` +
        String.raw`\?format=xml&amp;page_size=2&amp;fields=[^<]+&amp;page=2<\/next><previous><\/previous>` +
        String.raw`<results><list-item><id>901<\/id><name>Session 1<\/name><max_occupancy><\/max_occupancy>` +
        String.raw`<instructors><list-item><name>Maëlle Rousseau<\/name><\/list-item><\/instructors><\/list-item>`,
    );
    expect(xml).toMatch(firstPage);
    const xmlError = await call(sim, '/nowhere?format=xml');
    expect(xmlError.status).toBe(404);
    expect(await xmlError.text()).toContain('<code>not_found</code>');

    expect((await call(sim, '/courses', { 'teamup-request-mode': 'customer' })).status).toBe(403);
    expect((await call(sim, '/courses', { 'teamup-provider-id': '9' })).status).toBe(403);
    expect((await call(sim, '/courses', { authorization: `Basic ${sim.options.token}` })).status).toBe(401);
    expect((await call(sim, '/courses', { authorization: `bearer ${sim.options.token}` })).status).toBe(200);

    const errorCapped = await startTeamupSimulator({ oversizedPageSize: 'error', errorStyle: 'envelope' });
    sims.push(errorCapped);
    const tooBig = await call(errorCapped, '/courses?page_size=101');
    expect(tooBig.status).toBe(400);
    expect(await tooBig.json()).toMatchObject({
      code: 'parameter_invalid',
      field_errors: { page_size: [expect.any(String)] },
      type: 'invalid_request_error',
    });
  });

  it(
    'is as strict as the reference: page_size maximum, ' + 'ISO instants with an offset, the /api/v2 base path only',
    async () => {
      const sim = await startTeamupSimulator({ customers: 5, now: NOW });
      sims.push(sim);
      // The default answers an oversized page_size with the error envelope (the docs only guess at DRF's clamp).
      expect((await call(sim, '/customers?page_size=101')).status).toBe(400);
      expect((await call(sim, '/customers?page_size=ten')).status).toBe(400);
      expect((await call(sim, '/customers?page_size=100')).status).toBe(200);
      for (const loose of ['2026-01-02', 'Jan 2 2026', '2026-01-02T00:00:00', '2026-01-02 00:00:00+00:00']) {
        expect((await call(sim, `/course_sessions?starts_at_gte=${encodeURIComponent(loose)}`)).status, loose).toBe(
          400,
        );
      }
      for (const iso of ['2026-01-02T00:00+00:00', '2026-01-02T00:00:00Z', '2026-01-02T00:00:00.123+02:00']) {
        expect((await call(sim, `/course_sessions?starts_at_gte=${encodeURIComponent(iso)}`)).status, iso).toBe(200);
      }
      const bare = await fetch(`${sim.url}/courses`, { headers: { authorization: `Bearer ${sim.options.token}` } });
      const otherVersion = await fetch(`${sim.url}/api/v3/courses`, {
        headers: { authorization: `Bearer ${sim.options.token}` },
      });
      expect([bare.status, otherVersion.status]).toEqual([404, 404]);
    },
  );
});

describe('TeamUp simulator: classes', () => {
  const call = (sim: TeamupSimulator, path: string) =>
    fetch(`${sim.url}/api/v2${path}`, { headers: { authorization: `Token ${sim.options.token}` } });
  type List = { count: number; results: Record<string, unknown>[] };

  it('serves events (250 a page), attendances with their statuses and filters, local_* in the venue zone', async () => {
    const sim = await startTeamupSimulator({ now: NOW, classTypes: 3, eventsPerClass: 100, classSize: 4 });
    sims.push(sim);
    const page = (await (await call(sim, '/events?page_size=250')).json()) as List;
    expect(page.count).toBe(300);
    expect(page.results).toHaveLength(250);
    expect(page.results[0]).toMatchObject({
      object: 'event',
      offering_type: 31,
      waiting_count: expect.any(Number),
      late_cancel_deadline: expect.any(String),
    });
    expect((await call(sim, '/events?page_size=251')).status).toBe(400);
    expect((await call(sim, '/attendances?page_size=250')).status).toBe(400);

    // local_* filters: naive times on the venue's clocks. A Toronto event at 07:00 local is 11:00 or 12:00 UTC.
    const toronto = sim.data.events.find((e) => e.venue === 2)!;
    const local = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'America/Toronto',
      dateStyle: 'short',
      timeStyle: 'medium',
    })
      .format(new Date(toronto.starts_at))
      .replace(' ', 'T');
    const at = (await (
      await call(sim, `/events?local_starts_at_gte=${local}&local_starts_at_lte=${local}&venues=2`)
    ).json()) as List;
    expect(at.results.map((e) => e.id)).toEqual([toronto.id]);
    expect((await call(sim, `/events?local_starts_at_gte=${encodeURIComponent(toronto.starts_at)}`)).status).toBe(400);

    const waiting = (await (
      await call(sim, '/attendances?status=plans_to_attend&expand=waitlist_spot')
    ).json()) as List;
    expect(waiting.results.some((a) => a.status === 'not_registered' && a.waitlist_spot !== null)).toBe(true);
    expect(waiting.results.every((a) => a.status === 'registered' || a.waitlist_spot !== null)).toBe(true);
    const plain = (await (await call(sim, '/attendances?page_size=1')).json()) as List;
    expect(plain.results[0]).not.toHaveProperty('waitlist_spot'); // deferred
    expect((await call(sim, '/attendances?status=cancelled')).status).toBe(400);
  });
});

describe('TeamUp connector against the strict simulator', () => {
  it(
    'reads every list whole whether an oversized page_size is ' + 'refused or clamped, and under a smaller maximum',
    async () => {
      for (const options of [
        { oversizedPageSize: 'error' },
        { oversizedPageSize: 'clamp' },
        { oversizedPageSize: 'clamp', maxPageSize: 40 },
      ] as const) {
        const { sim, connector } = await setup({ customers: 230, ...options });
        const { rows } = await collect(connector.learners({ signal: signal() }));
        expect(rows.map((r) => r.id).sort(), JSON.stringify(options)).toEqual(
          sim.data.customers.map((c) => String(c.id)).sort(),
        );
        for (const r of sim.requests)
          expect(Number(new URL(r.path, sim.url).searchParams.get('page_size'))).toBeLessThanOrEqual(100);
      }
    },
  );

  it('its incremental windows use the filter format the strict simulator accepts', async () => {
    const { sim, connector } = await setup();
    const since = new Date(NOW.getTime() - 86_400_000).toISOString();
    await collect(connector.sessions({ signal: signal(), since }));
    await collect(connector.attendance({ signal: signal(), since }));
    const filters = sim.requests.flatMap((r) =>
      [...new URL(r.path, sim.url).searchParams].filter(([k]) => k.endsWith('_gte')),
    );
    expect(new Set(filters.map(([k]) => k))).toEqual(new Set(['starts_at_gte']));
    for (const [, value] of filters) expect(value).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
    expect(sim.requests.every((r) => r.status === 200)).toBe(true);
  });

  it(
    'customers joining and leaving between pages make the ' + 'listing a gap with its reason, not a silent ok',
    async () => {
      const { sim, connector } = await setup({ customers: 250, churn: { path: '/customers', add: 3, remove: 2 } });
      const everExisted = new Set(sim.data.customers.map((c) => String(c.id)));
      const gaps: string[] = [];
      const { rows } = await collect(connector.learners({ signal: signal(), onGap: (reason) => gaps.push(reason) }));
      for (const c of sim.data.customers) everExisted.add(String(c.id));
      expect(gaps).toEqual([
        expect.stringMatching(
          /^TeamUp's list of customers changed while Rollbook read it \(its total moved between 250 and 252\)/,
        ),
      ]);
      for (const row of rows) expect(everExisted.has(row.id)).toBe(true);
      // Used directly (no run to mark partial), the same listing is an error rather than a short answer.
      expect((await failure(collect(connector.learners({ signal: signal() })))).code).toBe('bad_response');

      // Once the data holds still, the same connector reads it whole and reports no gap.
      sim.options.churn = null;
      gaps.length = 0;
      const still = await collect(connector.learners({ signal: signal(), onGap: (reason) => gaps.push(reason) }));
      expect(gaps).toEqual([]);
      expect(still.rows.map((r) => r.id).sort()).toEqual(sim.data.customers.map((c) => String(c.id)).sort());
    },
  );
});

describe('TeamUp classes: events and their attendances beside courses', () => {
  const CLASSES = { courses: 2, classTypes: 2, eventsPerClass: 10, classSize: 6, customers: 30 } as const;

  it('a class type is a course of type "class", each event a session in its venue’s zone', async () => {
    const { sim, connector } = await setup(CLASSES);
    const courses = (await collect(connector.courses({ signal: signal() }))).rows;
    expect(courses.filter((c) => c.type === 'course').map((c) => c.id)).toEqual(['300', '301']);
    expect(courses.filter((c) => c.type === 'class')).toEqual([
      {
        id: 'class-31',
        name: 'Vinyasa Flow',
        type: 'class',
        description: null,
        createdAt: null,
        updatedAt: null,
        url: null,
      },
      {
        id: 'class-32',
        name: 'Reformer Pilates',
        type: 'class',
        description: null,
        createdAt: null,
        updatedAt: null,
        url: null,
      },
    ]);
    const courseIds = courses.map((c) => c.id);
    const sessions = (await collect(connector.sessions({ signal: signal(), courseIds }))).rows;
    const events = sessions.filter((s) => s.id.startsWith('event-'));
    expect(events).toHaveLength(sim.data.events.length);
    const raw = sim.data.events[0]!;
    const venue = sim.data.venues.find((v) => v.id === raw.venue)!;
    expect(events[0]).toEqual({
      id: `event-${raw.id}`,
      courseId: 'class-31',
      name: raw.name,
      startsAt: new Date(raw.starts_at).toISOString(),
      endsAt: new Date(raw.ends_at).toISOString(),
      status: raw.status === 'cancelled' ? 'cancelled' : 'held',
      rawStatus: raw.status,
      venue: venue.name,
      instructors: [expect.any(String)],
      capacity: raw.max_occupancy,
      attendingCount: raw.attending_count,
      timeZone: venue.timezone,
    });
    // Course sessions carry their venue's zone too.
    const courseSession = sessions.find((s) => s.id === String(sim.data.sessions[0]!.id))!;
    expect(courseSession.timeZone).toBe('Europe/Warsaw');
    expect(new Set(sessions.map((s) => s.timeZone))).toEqual(new Set(['Europe/Warsaw', 'America/Toronto', 'UTC']));
    // Events come 250 to a page (their documented maximum), with venue and instructors expanded: no call per event.
    const eventPaths = paths(sim, '/events').filter((p) => !p.includes('fields=id%2Coffering_type'));
    expect(eventPaths).toHaveLength(1);
    expect(new URL(eventPaths[0]!, sim.url).searchParams.get('page_size')).toBe('250');
    expect(sim.requests.filter((r) => /\/(venues|instructors|offering_types)/.test(r.path))).toHaveLength(0);
  });

  it('maps every documented attendance status; a waitlisted customer is "waitlisted", not a cancellation', async () => {
    const { sim, connector } = await setup(CLASSES);
    const courseIds = (await collect(connector.courses({ signal: signal() }))).rows.map((c) => c.id);
    await collect(connector.sessions({ signal: signal(), courseIds }));
    const rows = (await collect(connector.attendance({ signal: signal() }))).rows;
    const classRows = rows.filter((a) => a.sessionId.startsWith('event-'));
    expect(classRows).toHaveLength(sim.data.eventAttendances.length);
    expect(rows).toHaveLength(sim.data.eventAttendances.length + sim.data.attendances.length);
    const expected = (a: (typeof sim.data.eventAttendances)[number]) =>
      a.waitlist
        ? 'waitlisted'
        : ((
            {
              not_registered: 'cancelled',
              registered: 'registered',
              attended: 'attended',
              no_show: 'no_show',
            } as Record<string, string>
          )[a.status] ?? a.status);
    for (const a of sim.data.eventAttendances) {
      const row = classRows.find((r) => r.sessionId === `event-${a.event}` && r.learnerId === String(a.customer));
      expect(row, `attendance ${a.id}`).toMatchObject({
        courseId: `class-${sim.data.events.find((e) => e.id === a.event)!.offering_type}`,
        status: expected(a),
      });
    }
    expect(new Set(classRows.map((r) => r.status))).toEqual(
      new Set(['attended', 'no_show', 'late_cancelled', 'cancelled', 'registered', 'waitlisted']),
    );
    // Read whole, 100 to a page, with the waitlist spot asked for (it is deferred).
    const requested = paths(sim, '/attendances');
    expect(requested).toHaveLength(Math.ceil(sim.data.eventAttendances.length / 100));
    expect(new URL(requested[0]!, sim.url).searchParams.get('expand')).toContain('waitlist_spot');
  });

  it('bad input lands: an event without a venue or a type, an unknown status, an unexpanded class type', async () => {
    const { sim, connector } = await setup(CLASSES);
    const [noVenue, noType] = sim.data.events;
    noVenue!.venue = null;
    noType!.offering_type = null;
    const odd = sim.data.eventAttendances.find((a) => a.event === noVenue!.id)!;
    odd.status = 'checked_in_late';
    const courses = (await collect(connector.courses({ signal: signal() }))).rows;
    expect(courses.filter((c) => c.type === 'class').map((c) => [c.id, c.name])).toEqual([
      ['class-31', 'Vinyasa Flow'],
      ['class-untyped', 'Classes without a type'],
      ['class-32', 'Reformer Pilates'],
    ]);
    const courseIds = courses.map((c) => c.id);
    const sessions = (await collect(connector.sessions({ signal: signal(), courseIds }))).rows;
    expect(sessions.find((s) => s.id === `event-${noVenue!.id}`)).toMatchObject({ venue: null, timeZone: null });
    expect(sessions.find((s) => s.id === `event-${noType!.id}`)).toMatchObject({ courseId: 'class-untyped' });
    const attendance = (await collect(connector.attendance({ signal: signal() }))).rows;
    expect(
      attendance.find((a) => a.sessionId === `event-${noVenue!.id}` && a.learnerId === String(odd.customer)),
    ).toMatchObject({ status: 'registered', rawStatus: 'checked_in_late' });
    expect(
      attendance.filter((a) => a.sessionId === `event-${noType!.id}`).every((a) => a.courseId === 'class-untyped'),
    ).toBe(true);

    // A server that leaves the class type unexpanded: one lookup per type for its name, none per event.
    const bare = await setup({ ...CLASSES, fieldsImplyExpand: false });
    bare.sim.addFault({
      match: /\/events\?/,
      times: 1,
      fault: {
        kind: 'malformed',
        body: JSON.stringify({
          count: bare.sim.data.events.length,
          next: null,
          previous: null,
          results: bare.sim.data.events.map((e) => ({ id: e.id, offering_type: e.offering_type })),
        }),
      },
    });
    const bareCourses = (await collect(bare.connector.courses({ signal: signal() }))).rows;
    expect(bareCourses.filter((c) => c.type === 'class').map((c) => c.name)).toEqual([
      'Vinyasa Flow',
      'Reformer Pilates',
    ]);
    expect(paths(bare.sim, '/offering_types/')).toHaveLength(2);
  });

  /** The class rule read straight from the simulator's data: attended ÷ the learner's own held bookings. */
  function expectedClassProgress(sim: TeamupSimulator, thresholdPct: number) {
    const out = new Map<string, { status: string; rawStatus: string }>();
    const booked = new Set(['registered', 'attended', 'no_show', 'late_cancelled']);
    for (const type of new Set(sim.data.events.map((e) => e.offering_type))) {
      const live = sim.data.events.filter((e) => e.offering_type === type && e.status === 'active');
      const held = new Set(live.filter((e) => Date.parse(e.starts_at) <= NOW.getTime()).map((e) => e.id));
      const ended = held.size > 0 && Math.max(...live.map((e) => Date.parse(e.ends_at))) <= NOW.getTime();
      const rows = sim.data.eventAttendances.filter(
        (a) => live.some((e) => e.id === a.event) && booked.has(a.status) && !a.waitlist,
      );
      for (const customer of new Set(rows.map((a) => a.customer))) {
        const mine = rows.filter((a) => a.customer === customer && held.has(a.event));
        const attended = mine.filter((a) => a.status === 'attended').length;
        const pct = mine.length ? (attended / mine.length) * 100 : 0;
        const status =
          mine.length === 0 ? 'not_started' : !ended ? 'in_progress' : pct >= thresholdPct ? 'completed' : 'incomplete';
        out.set(`class-${type}/${customer}`, { status, rawStatus: `${attended}/${mine.length} attended` });
      }
    }
    return out;
  }

  it('class progress: attended ÷ the learner’s own held bookings, completed once the type’s last event ended', async () => {
    // Every event in the past: the class types have ended.
    const { sim, connector } = await setup({ ...CLASSES, now: new Date(NOW.getTime() - 30 * 86_400_000) });
    const rows = (await collect(connector.progress({ signal: signal() }))).rows.filter((r) =>
      r.courseId.startsWith('class-'),
    );
    const expected = expectedClassProgress(sim, 80);
    expect(
      new Map(rows.map((r) => [`${r.courseId}/${r.learnerId}`, { status: r.status, rawStatus: r.rawStatus }])),
    ).toEqual(expected);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['completed', 'incomplete']));

    // Mid-way (events on both sides of now): in progress, with waitlisted-only customers left out.
    const running = await setup(CLASSES);
    const mid = (await collect(running.connector.progress({ signal: signal() }))).rows.filter((r) =>
      r.courseId.startsWith('class-'),
    );
    expect(
      new Map(mid.map((r) => [`${r.courseId}/${r.learnerId}`, { status: r.status, rawStatus: r.rawStatus }])),
    ).toEqual(expectedClassProgress(running.sim, 80));
    expect(new Set(mid.map((r) => r.status))).toContain('in_progress');
  });

  it('incremental: events in the sessions window; both registers read whole, and what a run costs', async () => {
    const { sim, connector } = await setup({ ...CLASSES, eventsPerClass: 40, requestsPerMinute: 1_000_000 });
    const courseIds = (await collect(connector.courses({ signal: signal() }))).rows.map((c) => c.id);
    const since = '2026-05-25T00:00:00.000Z';
    const before = sim.requests.length;
    const sessions = (await collect(connector.sessions({ signal: signal(), since, courseIds }))).rows;
    const events = sessions.filter((s) => s.id.startsWith('event-'));
    const windowStart = Date.parse('2026-05-18T00:00:00Z');
    expect(events).toHaveLength(sim.data.events.filter((e) => Date.parse(e.starts_at) >= windowStart).length);
    expect(paths(sim, '/events?').at(-1)).toContain('starts_at_gte=2026-05-18T00%3A00%3A00%2B00%3A00');
    const attendance = (await collect(connector.attendance({ signal: signal(), since }))).rows;
    expect(attendance).toHaveLength(sim.data.attendances.length + sim.data.eventAttendances.length);
    // An incremental run: courses + every event's type (⌈events/250⌉), sessions and events in the window, both
    // registers whole (⌈rows/100⌉ each).
    const cost = sim.requests.length - before;
    expect(cost).toBe(
      1 + 1 + Math.ceil(sim.data.attendances.length / 100) + Math.ceil(sim.data.eventAttendances.length / 100),
    );
  });
});
