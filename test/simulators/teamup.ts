/**
 * A local TeamUp API v2: Bearer/Token/JWT auth, provider header rules, DRF pagination with absolute next links,
 * expand/fields, date-window filters, format=xml (<root>/<list-item>), the error envelope, and a 250/min limiter.
 */
import { seededRandom, startSimServer, type SimResponse, type SimServer } from './server';

export interface TeamupSimOptions {
  seed?: number;
  providers?: { id: number; name: string }[];
  token?: string;
  courses?: number;
  sessionsPerCourse?: number;
  customers?: number;
  /** Customers enrolled per course. */
  rosterSize?: number;
  /** The "now" the simulator's data is built around (sessions before it are held). */
  now?: Date;
  requestsPerMinute?: number;
  /** Send Retry-After on 429 (a simulator extension; TeamUp documents none). */
  retryAfterSeconds?: number | null;
  /** Paths answering 403 permission_denied. */
  forbid?: string[];
  /** Serve /auth/application (else 404, so clients fall back to /providers). */
  hasApplicationEndpoint?: boolean;
}

export interface TeamupFixture {
  courses: { id: number; name: string | null; published: boolean }[];
  sessions: { id: number; course: number; name: string | null; starts_at: string; ends_at: string; status: 'active' | 'cancelled'; attending_count: number; max_occupancy: number | null; venue: number; instructors: number[] }[];
  customers: { id: number; first_name: string | null; last_name: string | null; email: string | null; created_at: string }[];
  attendances: { id: number; course_session: number; customer: number; status: 'registered' | 'attended' | 'no_show' }[];
  venues: { id: number; name: string }[];
  instructors: { id: number; name: string }[];
}

export interface TeamupSimulator extends SimServer {
  data: TeamupFixture;
  options: TeamupSimOptions & { token: string; providers: { id: number; name: string }[] };
}

const FIRST = ['Zoë', 'Łukasz', 'José', 'Siobhán', 'Ολυμπία', 'Ахмед', null, 'Mei', 'Kwame', 'Noémie'];
const LAST = ['Ångström', 'Żółć', 'Núñez', "O'Brien", 'Παπαδοπούλου', 'Ибрагимов', 'Chen', null, 'Mensah', 'Dubois'];

export function generateTeamupFixture(o: Required<Pick<TeamupSimOptions, 'seed' | 'courses' | 'sessionsPerCourse' | 'customers' | 'rosterSize'>> & { now: Date }): TeamupFixture {
  const random = seededRandom(o.seed);
  const venues = [{ id: 1, name: 'Studio A' }, { id: 2, name: 'Main Hall' }, { id: 3, name: 'Online (Zoom)' }];
  const instructors = [{ id: 11, name: 'Maëlle Rousseau' }, { id: 12, name: 'Jonas Lindqvist' }, { id: 13, name: 'Adaeze Nwosu' }];
  const customers = Array.from({ length: o.customers }, (_, i) => ({
    id: 5000 + i,
    first_name: FIRST[i % FIRST.length]!,
    last_name: LAST[(i * 3) % LAST.length]!,
    email: i % 9 === 4 ? null : `customer${i}@studio.example`,
    created_at: '2025-09-01T10:00:00+00:00',
  }));
  const courses: TeamupFixture['courses'] = [];
  const sessions: TeamupFixture['sessions'] = [];
  const attendances: TeamupFixture['attendances'] = [];
  const week = 7 * 86_400_000;
  let sessionId = 900;
  let attendanceId = 70_000;
  for (let c = 0; c < o.courses; c += 1) {
    const courseId = 300 + c;
    courses.push({ id: courseId, name: c % 6 === 5 ? null : `Course ${c + 1}: ${['Reformer Pilates', 'Yoga Teacher Training', 'Spin Certification'][c % 3]}`, published: true });
    // Course c starts (c mod 4) weeks before "now" − some are over, some running, some in the future.
    const first = o.now.getTime() - ((c % 4) * 2 + 1) * week + 3_600_000 * (9 + (c % 8));
    const roster = Array.from({ length: Math.min(o.rosterSize, customers.length) }, (_, k) => customers[(c * 13 + k) % customers.length]!);
    for (let n = 0; n < o.sessionsPerCourse; n += 1) {
      sessionId += 1;
      const start = first + n * week;
      const cancelled = random() < 0.08;
      sessions.push({
        id: sessionId,
        course: courseId,
        name: n % 2 ? null : `Session ${n + 1}`,
        starts_at: new Date(start).toISOString().replace('.000Z', '+00:00'),
        ends_at: new Date(start + 60 * 60_000).toISOString().replace('.000Z', '+00:00'),
        status: cancelled ? 'cancelled' : 'active',
        attending_count: roster.length,
        max_occupancy: c % 3 === 0 ? null : 20,
        venue: venues[c % venues.length]!.id,
        instructors: [instructors[c % instructors.length]!.id],
      });
      if (cancelled) continue;
      for (const customer of roster) {
        attendanceId += 1;
        const held = start <= o.now.getTime();
        const roll = random();
        attendances.push({ id: attendanceId, course_session: sessionId, customer: customer.id, status: !held ? 'registered' : roll < 0.8 ? 'attended' : roll < 0.95 ? 'no_show' : 'registered' });
      }
    }
  }
  return { courses, sessions, customers, attendances, venues, instructors };
}

function pick(obj: Record<string, unknown>, fields: string[] | null): Record<string, unknown> {
  if (!fields) return obj;
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const [head, ...rest] = field.split('.');
    if (!(head! in obj)) continue;
    const value = obj[head!];
    if (rest.length === 0) out[head!] = value;
    else if (Array.isArray(value)) out[head!] = value.map((v, i) => ({ ...((out[head!] as Record<string, unknown>[] | undefined)?.[i] ?? {}), ...pick(v as Record<string, unknown>, [rest.join('.')]) }));
    else if (value && typeof value === 'object') out[head!] = { ...((out[head!] as Record<string, unknown>) ?? {}), ...pick(value as Record<string, unknown>, [rest.join('.')]) };
  }
  return out;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
function toXml(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => `<list-item>${toXml(v)}</list-item>`).join('');
  if (typeof value === 'object') return Object.entries(value).map(([k, v]) => `<${k}>${toXml(v)}</${k}>`).join('');
  return escapeXml(String(value));
}

export async function startTeamupSimulator(options: TeamupSimOptions = {}): Promise<TeamupSimulator> {
  const o = {
    seed: 1,
    providers: [{ id: 123, name: 'Flow Studio — Kraków' }],
    token: 'tu-m2m-token-7Gk2pQ9x',
    courses: 5,
    sessionsPerCourse: 6,
    customers: 40,
    rosterSize: 8,
    now: new Date(),
    requestsPerMinute: 250,
    retryAfterSeconds: null as number | null,
    hasApplicationEndpoint: true,
    ...options,
  };
  const data = generateTeamupFixture(o);
  const starts: number[] = [];
  const venue = new Map(data.venues.map((v) => [v.id, v]));
  const instructor = new Map(data.instructors.map((i) => [i.id, i]));
  const session = new Map(data.sessions.map((s) => [s.id, s]));

  const error = (status: number, code: string, message: string): SimResponse => ({
    status,
    contentType: 'application/json',
    body: JSON.stringify({ code, field_errors: {}, message, type: 'invalid_request_error' }),
    headers: status === 429 && o.retryAfterSeconds ? { 'retry-after': String(o.retryAfterSeconds) } : undefined,
  });

  // Absolute next links need the server's own address, known once it listens.
  let baseUrl = '';
  const listResponse = <T,>(url: URL, rows: T[], map: (row: T) => Record<string, unknown> = (r) => r as Record<string, unknown>): SimResponse => {
    const pageSize = Math.min(Number(url.searchParams.get('page_size') ?? 100) || 100, 100);
    const page = Number(url.searchParams.get('page') ?? 1);
    const pages = Math.max(1, Math.ceil(rows.length / pageSize));
    if (!Number.isInteger(page) || page < 1 || page > pages) return { status: 404, contentType: 'application/json', body: JSON.stringify({ detail: 'Invalid page.' }) };
    const link = (p: number) => {
      const u = new URL(url.pathname + url.search, baseUrl);
      u.searchParams.set('page', String(p));
      return u.toString();
    };
    const body = {
      count: rows.length,
      next: page < pages ? link(page + 1) : null,
      previous: page > 1 ? link(page - 1) : null,
      // Only the requested page is rendered: O(page size) per request even for 100k-row lists.
      results: rows.slice((page - 1) * pageSize, page * pageSize).map(map),
    };
    if (url.searchParams.get('format') === 'xml') {
      return { status: 200, contentType: 'application/xml', body: `<?xml version="1.0" encoding="utf-8"?>\n<root>${toXml(body)}</root>` };
    }
    return { status: 200, contentType: 'application/json', body: JSON.stringify(body) };
  };

  const sim = await startSimServer((req, url) => {
    const now = Date.now();
    while (starts.length && now - starts[0]! >= 60_000) starts.shift();
    if (starts.length >= o.requestsPerMinute) return error(429, 'rate_limited', 'Request was throttled.');
    starts.push(now);

    const auth = String(req.headers.authorization ?? '');
    const match = /^(Bearer|Token|JWT)\s+(.+)$/i.exec(auth);
    if (!match || match[2] !== o.token) return error(401, 'not_authenticated', 'Invalid token.');
    const provider = req.headers['teamup-provider-id'];
    if (provider !== undefined && !o.providers.some((p) => String(p.id) === provider)) return error(403, 'provider_invalid', 'Invalid provider.');
    const path = url.pathname.replace(/^\/api\/v2/, '');
    if (o.forbid?.some((f) => path.startsWith(f))) return error(403, 'permission_denied', 'You do not have permission to perform this action.');
    if (path === '/auth/application') {
      if (!o.hasApplicationEndpoint) return error(404, 'not_found', 'Not found.');
      return { status: 200, contentType: 'application/json', body: JSON.stringify({ id: 77, name: 'Rollbook reporting', object: 'authenticated_application', scoped_providers: o.providers.map((p) => ({ ...p, object: 'scoped_provider' })) }) };
    }
    if (path === '/providers') return listResponse(url, o.providers.map((p) => ({ ...p, object: 'provider' })));
    // Data endpoints need a provider when the token reaches several.
    if (o.providers.length > 1 && provider === undefined) return error(400, 'provider_required', 'TeamUp-Provider-ID header is required.');

    const fields = url.searchParams.get('fields')?.split(',') ?? null;
    const expand = new Set(url.searchParams.get('expand')?.split(',') ?? []);
    // A dotted `fields` path expands the relation by itself, as in TeamUp's own example.
    const expands = (name: string) => expand.has(name) || (fields?.some((f) => f.startsWith(`${name}.`)) ?? false);

    if (path === '/courses') return listResponse(url, data.courses, (c) => pick({ ...c, object: 'course', course_sessions: `${baseUrl}/api/v2/related_collection` }, fields));
    if (path === '/customers') return listResponse(url, data.customers, (c) => pick({ ...c, object: 'customer', family: null, is_lead: false }, fields));
    if (path === '/course_sessions') {
      const gte = url.searchParams.get('starts_at_gte');
      const course = url.searchParams.get('course')?.split(',').map(Number);
      const rows = data.sessions.filter((s) => (!gte || Date.parse(s.starts_at) >= Date.parse(gte)) && (!course || course.includes(s.course)));
      return listResponse(url, rows, (s) =>
          pick(
            {
              ...s,
              object: 'course_session',
              venue: expands('venue') ? venue.get(s.venue) : s.venue,
              instructors: expands('instructors') ? s.instructors.map((i) => instructor.get(i)) : `${baseUrl}/api/v2/related_collection`,
            },
            fields,
          ),
      );
    }
    if (path === '/course_session_attendances') {
      const gte = url.searchParams.get('course_session_starts_at_gte');
      const rows = gte ? data.attendances.filter((a) => Date.parse(session.get(a.course_session)!.starts_at) >= Date.parse(gte)) : data.attendances;
      return listResponse(url, rows, (a) => pick({ ...a, object: 'course_session_attendance', course_session: expands('course_session') ? session.get(a.course_session) : a.course_session }, fields));
    }
    return error(404, 'not_found', 'Not found.');
  });

  baseUrl = sim.url;
  return Object.assign(sim, { data, options: o }) as TeamupSimulator;
}
