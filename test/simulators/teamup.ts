/**
 * A local TeamUp API v2 (see /work/shared/api/teamup.md, "Simulator checklist"): Bearer/Token/JWT auth, the
 * provider and request-mode headers, DRF pagination with absolute next links, `expand` (dotted, depth ≤ 4, deferred
 * fields only on request) and `fields` (dotted allow-list), date-window filters, `format=xml` (<root>/<list-item>),
 * the error envelope, and a per-token requests-per-minute limiter answering 429.
 *
 * As strict as the reference where it is firm: only the `/api/v2` base path, `page_size` up to the documented maximum
 * (an oversized one is refused by default), date filters only as ISO instants with an offset. A churn mode adds and
 * removes customers between the pages of one listing, as a live studio does.
 *
 * Where the docs leave a behaviour unknown, an option picks the variant (auth schemes accepted, error body style,
 * timestamp style, whether dotted `fields` expand by themselves, oversized page sizes clamped, XML by default).
 * Filtered lists are computed once per distinct query and then sliced per page, so a 100k-row list costs
 * O(page) per request.
 *
 * Classes (off by default: `classTypes`): `/events` (one per class occurrence, `offering_type`, `waiting_count`,
 * `late_cancel_deadline`, a venue or none) and `/attendances` with the documented statuses, waitlisted customers
 * as `not_registered` plus the deferred `waitlist_spot`, and the `plans_to_attend` filter. Venues carry IANA zones;
 * `local_*` filters take naive times in the venue's zone (the provider's for an event without a venue).
 */
import type { IncomingMessage } from 'node:http';
import { seededRandom, startSimServer, type SimResponse, type SimServer } from './server';

export type TeamupScheme = 'bearer' | 'token' | 'jwt';

export interface TeamupSimOptions {
  seed?: number;
  /** A number of generated providers (Unicode names) or an explicit list. More than one → header required. */
  providers?: number | { id: number; name: string }[];
  token?: string;
  courses?: number;
  sessionsPerCourse?: number;
  customers?: number;
  /** Customers registered per course: attendances = non-cancelled sessions × roster size. */
  rosterSize?: number;
  /** Customers (the last ones) marked deleted: they keep their past attendances, as TeamUp keeps the history. */
  deletedCustomers?: number;
  /**
   * What `/customers` lists when its `deleted` filter is left out: undocumented, so both. `deleted=true` lists the
   * deleted ones only and `deleted=false` the others either way; `/customers/{id}` finds both.
   */
  deletedByDefault?: 'excluded' | 'included';
  /** The `deleted` filter is named in the reference but not described: `ignored` stands for a server without it. */
  deletedFilter?: 'honoured' | 'ignored';
  /** Share of held-session registrations generated as `not_registered` (one guess at early cancellations). */
  cancellationRate?: number;
  /** The "now" the data is built around (sessions before it are held). */
  now?: Date;
  requestsPerMinute?: number;
  /** The limiter's window (60 s like TeamUp; tests shrink it). */
  rateWindowMs?: number;
  /** Send Retry-After on 429 (a simulator extension; TeamUp documents none). */
  retryAfterSeconds?: number | null;
  /** Path prefixes answering 403 permission_denied. */
  forbid?: string[];
  /** Serve /auth/application (else 404, so clients fall back to /providers). */
  hasApplicationEndpoint?: boolean;
  /** Authorization schemes the server accepts (default all three, case-insensitive). */
  acceptedSchemes?: TeamupScheme[];
  /** TeamUp's documented envelope, or DRF's bare `{"detail": …}` (unknown which real 401/403/404s use). */
  errorStyle?: 'envelope' | 'detail';
  /** `2026-01-02T09:00:00+00:00` (observed), `…Z`, or `….000Z` (the docs' examples). */
  timestamps?: 'offset' | 'utc' | 'millis';
  /** A dotted `fields` path expands its relation without `expand` (the docs' example suggests so). */
  fieldsImplyExpand?: boolean;
  /** Format when the request names none (a misconfigured proxy or server); `format=` always wins. */
  defaultFormat?: 'json' | 'xml';
  /** The documented maximum `page_size` (100; `/events` documents 250). */
  maxPageSize?: number;
  /**
   * What an oversized `page_size` gets. The docs guess DRF's silent clamp; `error` (the default here, so that a client
   * asking for more than the documented maximum is caught) answers 400 `parameter_invalid`.
   */
  oversizedPageSize?: 'clamp' | 'error';
  /** Live data: customers added and removed between the pages of one listing (see TeamupChurn). */
  churn?: TeamupChurn | null;
  /** Class types (offering types with events); 0 = a business that runs courses only. */
  classTypes?: number;
  /** Events per class type, one a day, centred on `now` (earlier ones held). */
  eventsPerClass?: number;
  /** Customers booked per event; future events also get one waitlisted customer. */
  classSize?: number;
  /** The documented maximum `page_size` of `/events`. */
  maxEventsPageSize?: number;
}

/**
 * Rows added and removed while a client pages through a list, as on a live platform: after each page of `path` that
 * has a next page, `add` new customers are appended and `remove` are deleted from the front of the list (shifting
 * every later offset page).
 */
export interface TeamupChurn {
  path: '/customers';
  add: number;
  remove: number;
}

type Provider = { id: number; name: string };
export interface TeamupFixture {
  courses: { id: number; name: string | null; published: boolean; offering_type: number }[];
  sessions: {
    id: number;
    course: number;
    name: string | null;
    starts_at: string;
    ends_at: string;
    status: 'active' | 'cancelled';
    attending_count: number;
    max_occupancy: number | null;
    venue: number;
    instructors: number[];
  }[];
  customers: {
    id: number;
    first_name: string | null;
    last_name: string | null;
    email: string | null;
    created_at: string;
    deleted: boolean;
  }[];
  attendances: {
    id: number;
    course_session: number;
    customer: number;
    status: 'registered' | 'attended' | 'no_show' | 'not_registered';
  }[];
  venues: { id: number; name: string; timezone: string }[];
  instructors: { id: number; name: string }[];
  offeringTypes: { id: number; name: string }[];
  events: {
    id: number;
    name: string;
    offering_type: number | null;
    starts_at: string;
    ends_at: string;
    status: 'active' | 'cancelled';
    max_occupancy: number | null;
    attending_count: number;
    waiting_count: number;
    venue: number | null;
    instructors: number[];
    registrations_open_at: string;
    registrations_close_at: string;
    late_cancel_deadline: string;
  }[];
  eventAttendances: {
    id: number;
    event: number;
    customer: number | null;
    /** As documented, plus anything a test puts there (an unknown status). */
    status: 'not_registered' | 'registered' | 'attended' | 'no_show' | 'late_cancelled' | (string & {});
    waitlist: { status: 'on_waitlist' | 'spot_reserved' | 'expired' | 'rejected'; added_at: string } | null;
  }[];
}

type ResolvedOptions = Required<Omit<TeamupSimOptions, 'providers' | 'forbid' | 'retryAfterSeconds' | 'churn'>> & {
  providers: Provider[];
  forbid: string[];
  retryAfterSeconds: number | null;
  /** Switchable at runtime. */
  churn: TeamupChurn | null;
};

export interface TeamupSimulator extends SimServer {
  data: TeamupFixture;
  options: ResolvedOptions;
  /** Rebuild the query cache after adding or removing rows in `data` (editing a row's fields needs nothing). */
  reindex(): void;
}

const FIRST = ['Zoë', 'Łukasz', 'José', 'Siobhán', 'Ολυμπία', 'Ахмед', null, 'Mei', 'Kwame', 'Noémie'];
const LAST = ['Ångström', 'Żółć', 'Núñez', "O'Brien", 'Παπαδοπούλου', 'Ибрагимов', 'Chen', null, 'Mensah', 'Dubois'];
const PROVIDER_NAMES = [
  'Flow Studio — Kraków',
  'Flow Studio — Łódź',
  'Ζεν Γιόγκα Αθήνα',
  'Студия Движение',
  'Café Pilates Montréal',
];

function stamp(ms: number, style: ResolvedOptions['timestamps']): string {
  const iso = new Date(ms).toISOString();
  return style === 'millis' ? iso : style === 'utc' ? iso.replace('.000Z', 'Z') : iso.replace('.000Z', '+00:00');
}

export function generateTeamupFixture(
  o: Pick<
    ResolvedOptions,
    'seed' | 'courses' | 'sessionsPerCourse' | 'customers' | 'deletedCustomers' | 'rosterSize' | 'now'
  > &
    Partial<Pick<ResolvedOptions, 'timestamps' | 'cancellationRate' | 'classTypes' | 'eventsPerClass' | 'classSize'>>,
): TeamupFixture {
  const random = seededRandom(o.seed);
  const style = o.timestamps ?? 'offset';
  const venues = [
    { id: 1, name: 'Studio A', timezone: 'Europe/Warsaw' },
    { id: 2, name: 'Main Hall', timezone: 'America/Toronto' },
    { id: 3, name: 'Online (Zoom)', timezone: 'UTC' },
  ];
  const instructors = [
    { id: 11, name: 'Maëlle Rousseau' },
    { id: 12, name: 'Jonas Lindqvist' },
    { id: 13, name: 'Adaeze Nwosu' },
  ];
  const CLASS_NAMES = ['Vinyasa Flow', 'Reformer Pilates', 'Spin 45', 'Barre Basics'];
  const classTypes = Array.from({ length: o.classTypes ?? 0 }, (_, t) => ({
    id: 31 + t,
    name: CLASS_NAMES[t % CLASS_NAMES.length]! + (t >= CLASS_NAMES.length ? ` ${t + 1}` : ''),
  }));
  const offeringTypes = [{ id: 21, name: 'Teacher training' }, { id: 22, name: 'Beginner course' }, ...classTypes];
  const customers = Array.from({ length: o.customers }, (_, i) => ({
    id: 5000 + i,
    first_name: FIRST[i % FIRST.length]!,
    last_name: LAST[(i * 3) % LAST.length]!,
    email: i % 9 === 4 ? null : `customer${i}@studio.example`,
    created_at: stamp(Date.parse('2025-09-01T10:00:00Z') + i * 60_000, style),
    deleted: i >= o.customers - o.deletedCustomers,
  }));
  const courses: TeamupFixture['courses'] = [];
  const sessions: TeamupFixture['sessions'] = [];
  const attendances: TeamupFixture['attendances'] = [];
  const week = 7 * 86_400_000;
  let sessionId = 900;
  let attendanceId = 70_000;
  for (let c = 0; c < o.courses; c += 1) {
    const courseId = 300 + c;
    courses.push({
      id: courseId,
      name:
        c % 6 === 5
          ? null
          : `Course ${c + 1}: ${['Reformer Pilates', 'Yoga Teacher Training', 'Spin Certification'][c % 3]}`,
      published: c % 7 !== 6,
      offering_type: offeringTypes[c % 2]!.id,
    });
    // Course c starts 1, 3, 5 or 7 weeks before "now": some are over, some running.
    const first = o.now.getTime() - ((c % 4) * 2 + 1) * week + 3_600_000 * (9 + (c % 8));
    const roster = Array.from(
      { length: Math.min(o.rosterSize, customers.length) },
      (_, k) => customers[(c * 13 + k) % customers.length]!,
    );
    for (let n = 0; n < o.sessionsPerCourse; n += 1) {
      sessionId += 1;
      const start = first + n * week;
      const cancelled = random() < 0.08;
      sessions.push({
        id: sessionId,
        course: courseId,
        name: n % 2 ? null : `Session ${n + 1}`,
        starts_at: stamp(start, style),
        ends_at: stamp(start + 60 * 60_000, style),
        status: cancelled ? 'cancelled' : 'active',
        attending_count: roster.length,
        max_occupancy: c % 3 === 0 ? null : c % 3 === 1 ? 0 : 20,
        venue: venues[c % venues.length]!.id,
        instructors: [instructors[c % instructors.length]!.id],
      });
      if (cancelled) continue;
      for (const customer of roster) {
        attendanceId += 1;
        const held = start <= o.now.getTime();
        const roll = random();
        const status = !held
          ? 'registered'
          : o.cancellationRate && roll < o.cancellationRate
            ? 'not_registered'
            : roll < 0.8
              ? 'attended'
              : roll < 0.95
                ? 'no_show'
                : 'registered';
        attendances.push({ id: attendanceId, course_session: sessionId, customer: customer.id, status });
      }
    }
  }
  const { events, eventAttendances } = generateClasses(o, classTypes, customers, venues, instructors, random, style);
  return { courses, sessions, customers, attendances, venues, instructors, offeringTypes, events, eventAttendances };
}

/** One event a day per class type around `now`; held ones marked, future ones booked with one waitlisted. */
function generateClasses(
  o: Pick<ResolvedOptions, 'now'> & Partial<Pick<ResolvedOptions, 'eventsPerClass' | 'classSize'>>,
  classTypes: { id: number }[],
  customers: { id: number }[],
  venues: { id: number }[],
  instructors: { id: number }[],
  random: () => number,
  style: ResolvedOptions['timestamps'],
): Pick<TeamupFixture, 'events' | 'eventAttendances'> {
  const events: TeamupFixture['events'] = [];
  const eventAttendances: TeamupFixture['eventAttendances'] = [];
  const perClass = o.eventsPerClass ?? 6;
  const size = Math.min(o.classSize ?? 6, Math.max(0, customers.length - 1));
  const day = 86_400_000;
  const hour = 3_600_000;
  let eventId = 4000;
  let attendanceId = 120_000;
  classTypes.forEach((type, t) => {
    for (let k = 0; k < perClass; k += 1) {
      eventId += 1;
      const start = o.now.getTime() + (k - Math.floor(perClass / 2)) * day + (7 + t) * hour;
      const held = start <= o.now.getTime();
      const cancelled = random() < 0.08;
      const booked = Array.from({ length: size }, (_, j) => customers[(t * 7 + k * 3 + j) % customers.length]!.id);
      const rows: TeamupFixture['eventAttendances'] = booked.map((customer) => {
        const roll = random();
        const status = !held
          ? 'registered'
          : roll < 0.6
            ? 'attended'
            : roll < 0.75
              ? 'no_show'
              : roll < 0.88
                ? 'late_cancelled'
                : roll < 0.95
                  ? 'not_registered'
                  : 'registered';
        return { id: (attendanceId += 1), event: eventId, customer, status, waitlist: null };
      });
      if (!held && !cancelled && size > 0) {
        const customer = customers[(t * 7 + k * 3 + size) % customers.length]!.id;
        const added = stamp(start - 2 * day, style);
        rows.push({
          id: (attendanceId += 1),
          event: eventId,
          customer,
          status: 'not_registered',
          waitlist: { status: 'on_waitlist', added_at: added },
        });
      }
      if (!cancelled) eventAttendances.push(...rows);
      events.push({
        id: eventId,
        name: `${(type as { name?: string }).name ?? 'Class'} ${k + 1}`,
        offering_type: type.id,
        starts_at: stamp(start, style),
        ends_at: stamp(start + 45 * 60_000, style),
        status: cancelled ? 'cancelled' : 'active',
        max_occupancy: size,
        attending_count: cancelled
          ? 0
          : rows.filter((r) => r.status === 'registered' || r.status === 'attended').length,
        waiting_count: cancelled ? 0 : rows.filter((r) => r.waitlist?.status === 'on_waitlist').length,
        venue: venues[(t + k) % venues.length]!.id,
        instructors: [instructors[(t + k) % instructors.length]!.id],
        registrations_open_at: stamp(start - 14 * day, style),
        registrations_close_at: stamp(start, style),
        late_cancel_deadline: stamp(start - 12 * hour, style),
      });
    }
  });
  return { events, eventAttendances };
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering: expand / deferred / fields

type Raw = Record<string, unknown>;
/** A parsed dotted-path list: `venue,instructors.name` → {venue: {}, instructors: {name: {}}}. */
type Tree = Map<string, Tree>;

function treeOf(paths: string[]): Tree {
  const root: Tree = new Map();
  for (const path of paths) {
    let node = root;
    for (const part of path.split('.').filter(Boolean)) {
      if (!node.has(part)) node.set(part, new Map());
      node = node.get(part)!;
    }
  }
  return root;
}
const depthOf = (tree: Tree): number => Math.max(0, ...[...tree.values()].map((t) => 1 + depthOf(t)));

interface Kind {
  object: string;
  base(row: never): Raw;
  one?: Record<string, { kind: string; get(row: never): { id: number } | undefined }>;
  many?: Record<string, { kind: string; get(row: never): { id: number }[]; url(row: never): string }>;
  deferred?: Record<string, (row: never) => unknown>;
}

function pick(value: unknown, tree: Tree): unknown {
  if (Array.isArray(value)) return value.map((v) => pick(v, tree));
  if (!value || typeof value !== 'object') return value;
  const out: Raw = {};
  for (const [name, sub] of tree) {
    if (!(name in (value as Raw))) continue;
    const field = (value as Raw)[name];
    out[name] = sub.size === 0 ? field : pick(field, sub);
  }
  return out;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
function toXml(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => `<list-item>${toXml(v)}</list-item>`).join('');
  if (typeof value === 'object')
    return Object.entries(value)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  return escapeXml(String(value));
}

class ApiError {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly message: string,
    readonly fieldErrors: Record<string, string[]> = {},
    /** DRF-generated errors (bad page) are always `{"detail": …}`. */
    readonly drf = false,
  ) {}
}

// ---------------------------------------------------------------------------------------------------------------

export async function startTeamupSimulator(options: TeamupSimOptions = {}): Promise<TeamupSimulator> {
  const providers: Provider[] =
    typeof options.providers === 'number'
      ? Array.from({ length: options.providers }, (_, i) => ({
          id: 123 + i * 111,
          name: PROVIDER_NAMES[i % PROVIDER_NAMES.length]! + (i >= PROVIDER_NAMES.length ? ` ${i + 1}` : ''),
        }))
      : (options.providers ?? [{ id: 123, name: 'Flow Studio — Kraków' }]);
  const o: ResolvedOptions = {
    seed: 1,
    token: 'tu-m2m-token-7Gk2pQ9x',
    courses: 5,
    sessionsPerCourse: 6,
    customers: 40,
    deletedCustomers: 0,
    deletedByDefault: 'excluded',
    deletedFilter: 'honoured',
    rosterSize: 8,
    cancellationRate: 0,
    now: new Date(),
    requestsPerMinute: 250,
    rateWindowMs: 60_000,
    hasApplicationEndpoint: true,
    acceptedSchemes: ['bearer', 'token', 'jwt'],
    errorStyle: 'envelope',
    timestamps: 'offset',
    fieldsImplyExpand: true,
    defaultFormat: 'json',
    maxPageSize: 100,
    oversizedPageSize: 'error',
    classTypes: 0,
    eventsPerClass: 6,
    classSize: 6,
    maxEventsPageSize: 250,
    ...options,
    providers,
    forbid: options.forbid ?? [],
    retryAfterSeconds: options.retryAfterSeconds ?? null,
    churn: options.churn ?? null,
  };
  const data = generateTeamupFixture(o);
  let baseUrl = ''; // known once the server listens: next links and related collections are absolute
  const api = () => `${baseUrl}/api/v2`;

  type Customer = TeamupFixture['customers'][number];
  type Session = TeamupFixture['sessions'][number];
  type Attendance = TeamupFixture['attendances'][number];
  type CourseRow = TeamupFixture['courses'][number];
  type Event = TeamupFixture['events'][number];
  type EventAttendance = TeamupFixture['eventAttendances'][number];
  let byId: {
    event: Map<number, Event>;
    course: Map<number, CourseRow>;
    session: Map<number, Session>;
    customer: Map<number, Customer>;
    venue: Map<number, { id: number }>;
    instructor: Map<number, { id: number }>;
    offeringType: Map<number, { id: number }>;
    provider: Map<number, Provider>;
  };
  const queryCache = new Map<string, unknown[]>();
  const reindex = () => {
    byId = {
      event: new Map(data.events.map((r) => [r.id, r])),
      course: new Map(data.courses.map((r) => [r.id, r])),
      session: new Map(data.sessions.map((r) => [r.id, r])),
      customer: new Map(data.customers.map((r) => [r.id, r])),
      venue: new Map(data.venues.map((r) => [r.id, r])),
      instructor: new Map(data.instructors.map((r) => [r.id, r])),
      offeringType: new Map(data.offeringTypes.map((r) => [r.id, r])),
      provider: new Map(o.providers.map((r) => [r.id, r])),
    };
    queryCache.clear();
  };
  reindex();

  /** The instructors of a session or an event, expanded or as the link /instructors filters by `param`. */
  const instructorsOf = (param: string) => ({
    kind: 'instructor',
    get: (r: { instructors: number[] }) => r.instructors.map((i) => byId.instructor.get(i)!).filter(Boolean),
    url: (r: { id: number }) => `${api()}/instructors?${param}=${r.id}`,
  });
  const KINDS: Record<string, Kind> = {
    provider: {
      object: 'provider',
      base: (p: Provider) => ({
        name: p.name,
        description: null,
        country: 'PL',
        currency: { iso_currency_code: 'pln', symbol: 'zł', position: 'after' },
      }),
      deferred: {
        address: () => ({ street: 'ul. Długa 1', city: 'Kraków', timezone: 'Europe/Warsaw' }),
        contact_info: () => ({ email: 'hello@studio.example' }),
      },
    },
    venue: {
      object: 'venue',
      base: (v: TeamupFixture['venues'][number]) => ({
        name: v.name,
        description: null,
        address: '',
        timezone: v.timezone,
        venue_type: v.id === 3 ? 'online' : 'physical',
        archived: false,
        is_online: v.id === 3,
      }),
    },
    instructor: {
      object: 'instructor',
      base: (i: TeamupFixture['instructors'][number]) => ({
        name: i.name,
        picture_url: '',
        description: '',
        staff: i.id + 1000,
      }),
      deferred: { availability_schedules: () => [] },
    },
    offering_type: {
      object: 'offering_type',
      base: (t: TeamupFixture['offeringTypes'][number]) => ({ name: t.name, description: null, status: 'active' }),
    },
    course: {
      object: 'course',
      base: (c: CourseRow) => ({ name: c.name, published: c.published }),
      one: { offering_type: { kind: 'offering_type', get: (c: CourseRow) => byId.offeringType.get(c.offering_type) } },
      many: {
        course_sessions: {
          kind: 'course_session',
          get: (c: CourseRow) => data.sessions.filter((s) => s.course === c.id),
          url: (c: CourseRow) => `${api()}/course_sessions?course=${c.id}`,
        },
      },
    },
    course_session: {
      object: 'course_session',
      base: (s: Session) => ({
        name: s.name,
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        status: s.status,
        attending_count: s.attending_count,
        max_occupancy: s.max_occupancy,
        customer_url: `/p/${o.providers[0]!.id}-studio/c/${s.course}`,
        provider_url: `/dashboard/course_sessions/${s.id}`,
      }),
      one: {
        venue: { kind: 'venue', get: (s: Session) => byId.venue.get(s.venue) },
        course: { kind: 'course', get: (s: Session) => byId.course.get(s.course) },
      },
      many: { instructors: instructorsOf('course_session') },
    },
    event: {
      object: 'event',
      base: (e: Event) => ({
        name: e.name,
        starts_at: e.starts_at,
        ends_at: e.ends_at,
        status: e.status,
        max_occupancy: e.max_occupancy,
        waitlist_max_override: null,
        attending_count: e.attending_count,
        waiting_count: e.waiting_count,
        is_appointment: false,
        venue_room: null,
        registrations_open_at: e.registrations_open_at,
        registrations_close_at: e.registrations_close_at,
        late_cancel_deadline: e.late_cancel_deadline,
        customer_url: `/p/${o.providers[0]!.id}-studio/e/${e.id}`,
        provider_url: `/dashboard/events/${e.id}`,
        description: '',
        category: null,
      }),
      one: {
        venue: { kind: 'venue', get: (e: Event) => (e.venue === null ? undefined : byId.venue.get(e.venue)) },
        offering_type: {
          kind: 'offering_type',
          get: (e: Event) => (e.offering_type === null ? undefined : byId.offeringType.get(e.offering_type)),
        },
      },
      many: { instructors: instructorsOf('event') },
    },
    attendance: {
      object: 'attendance',
      base: (a: EventAttendance) => ({ status: a.status, customer_membership: null, booking_source: null }),
      one: {
        event: { kind: 'event', get: (a: EventAttendance) => byId.event.get(a.event) },
        customer: {
          kind: 'customer',
          get: (a: EventAttendance) => (a.customer === null ? undefined : byId.customer.get(a.customer)),
        },
      },
      deferred: {
        waitlist_spot: (a: EventAttendance) =>
          a.waitlist && {
            status: a.waitlist.status,
            added_at: a.waitlist.added_at,
            spot_reserved_at: null,
            reserved_spot_expires_at: null,
          },
        gympass_booking: () => null,
      },
    },
    course_session_attendance: {
      object: 'course_session_attendance',
      base: (a: Attendance) => ({ status: a.status }),
      one: {
        course_session: { kind: 'course_session', get: (a: Attendance) => byId.session.get(a.course_session) },
        customer: { kind: 'customer', get: (a: Attendance) => byId.customer.get(a.customer) },
      },
    },
    customer: {
      object: 'customer',
      base: (c: Customer) => ({
        first_name: c.first_name,
        last_name: c.last_name,
        email: c.email,
        created_at: c.created_at,
        family: null,
        family_role: null,
        is_lead: false,
        participating: true,
        visibility: 'visible',
      }),
      one: { provider: { kind: 'provider', get: () => o.providers[0] } },
      deferred: {
        credit_balance: () => ({
          decimal: 0,
          string: '0,00 zł',
          iso_currency_code: 'pln',
          currency_symbol: 'zł',
          currency_symbol_position: 'after',
        }),
        field_values: () => [],
        sms_account: () => null,
      },
    },
  };

  /** Rejects unknown or too-deep expansions the way a validating API would. */
  function checkExpand(kind: string, tree: Tree, at: string[] = []): void {
    const def = KINDS[kind]!;
    for (const [name, sub] of tree) {
      const path = [...at, name].join('.');
      const relation = def.one?.[name] ?? def.many?.[name];
      if (relation) checkExpand(relation.kind, sub, [...at, name]);
      else if (!def.deferred?.[name] || sub.size > 0)
        throw new ApiError(400, 'parameter_invalid', `Cannot expand "${path}".`, {
          expand: [`"${path}" is not expandable.`],
        });
    }
  }

  function render(kind: string, row: { id: number }, expand: Tree): Raw {
    const def = KINDS[kind]!;
    const out: Raw = { id: row.id, object: def.object, ...def.base(row as never) };
    for (const [name, rel] of Object.entries(def.one ?? {})) {
      const target = rel.get(row as never);
      const sub = expand.get(name);
      out[name] = sub && target ? render(rel.kind, target, sub) : (target?.id ?? null);
    }
    for (const [name, rel] of Object.entries(def.many ?? {})) {
      const sub = expand.get(name);
      out[name] = sub ? rel.get(row as never).map((t) => render(rel.kind, t, sub)) : rel.url(row as never);
    }
    for (const [name, value] of Object.entries(def.deferred ?? {}))
      if (expand.has(name)) out[name] = value(row as never);
    return out;
  }

  /** Parses `expand` and `fields` for one request into a renderer for its rows. */
  function shaper(kind: string, url: URL): (row: { id: number }) => unknown {
    const fields = url.searchParams.get('fields');
    const fieldTree = fields ? treeOf(fields.split(',')) : null;
    const expand = treeOf((url.searchParams.get('expand') ?? '').split(','));
    if (depthOf(expand) > 4)
      throw new ApiError(400, 'parameter_invalid', 'Expansion is limited to 4 levels.', {
        expand: ['Too many levels.'],
      });
    checkExpand(kind, expand);
    if (fieldTree && o.fieldsImplyExpand) {
      // `fields=venue.name` expands `venue` by itself (the relation part of each dotted path only).
      const merge = (k: string, from: Tree, into: Tree) => {
        const def = KINDS[k]!;
        for (const [name, sub] of from) {
          const rel = def.one?.[name] ?? def.many?.[name];
          if (!rel || sub.size === 0) continue;
          if (!into.has(name)) into.set(name, new Map());
          merge(rel.kind, sub, into.get(name)!);
        }
      };
      merge(kind, fieldTree, expand);
    }
    return (row) => {
      const full = render(kind, row, expand);
      return fieldTree ? pick(full, fieldTree) : full;
    };
  }

  const formatOf = (req: IncomingMessage, url: URL): string => {
    const asked = url.searchParams.get('format');
    if (asked) return asked;
    const accept = String(req.headers.accept ?? '');
    if (/xml/.test(accept) && !/json/.test(accept)) return 'xml';
    return o.defaultFormat;
  };

  function respond(format: string, status: number, body: unknown, headers?: Record<string, string>): SimResponse {
    if (format === 'xml') {
      return {
        status,
        contentType: 'application/xml; charset=utf-8',
        body: `<?xml version="1.0" encoding="utf-8"?>\n<root>${toXml(body)}</root>`,
        headers,
      };
    }
    return { status, contentType: 'application/json', body: JSON.stringify(body), headers };
  }

  function errorBody(error: ApiError): unknown {
    if (error.drf || o.errorStyle === 'detail') return { detail: error.message };
    return {
      code: error.code,
      field_errors: error.fieldErrors,
      message: error.message,
      type: error.status === 409 ? 'conflict' : 'invalid_request_error',
    };
  }

  function list<T extends { id: number }>(
    url: URL,
    kind: string,
    filterKey: string,
    compute: () => T[],
    maxPageSize = o.maxPageSize,
  ): { count: number; next: string | null; previous: string | null; results: unknown[] } {
    const asked = url.searchParams.get('page_size');
    if (asked !== null && !(/^\d+$/.test(asked) && Number(asked) > 0)) {
      throw new ApiError(400, 'parameter_invalid', 'page_size must be a positive whole number.', {
        page_size: ['A valid integer is required.'],
      });
    }
    // The default page is 100 everywhere; only the maximum differs (250 on /events).
    let pageSize = asked ? Number(asked) : Math.min(100, maxPageSize);
    if (pageSize > maxPageSize) {
      if (o.oversizedPageSize === 'error')
        throw new ApiError(400, 'parameter_invalid', `page_size must be at most ${maxPageSize}.`, {
          page_size: [`Ensure this value is less than or equal to ${maxPageSize}.`],
        });
      pageSize = maxPageSize;
    }
    const shape = shaper(kind, url);
    const key = `${url.pathname}?${filterKey}`;
    let rows = queryCache.get(key) as T[] | undefined;
    if (!rows) {
      rows = compute();
      if (queryCache.size >= 16) queryCache.delete(queryCache.keys().next().value!);
      queryCache.set(key, rows);
    }
    const pageParam = url.searchParams.get('page') ?? '1';
    const page = /^\d+$/.test(pageParam) ? Number(pageParam) : NaN;
    const pages = Math.max(1, Math.ceil(rows.length / pageSize));
    if (!(page >= 1 && page <= pages)) throw new ApiError(404, 'not_found', 'Invalid page.', {}, true);
    const link = (p: number) => {
      const u = new URL(url.pathname + url.search, baseUrl);
      u.searchParams.set('page', String(p));
      return u.toString();
    };
    return {
      count: rows.length,
      next: page < pages ? link(page + 1) : null,
      previous: page > 1 ? link(page - 1) : null,
      results: rows.slice((page - 1) * pageSize, page * pageSize).map(shape),
    };
  }

  // ---- filters
  const WINDOW_FILTERS = [
    'starts_at_gte',
    'starts_at_lte',
    'ends_at_gte',
    'ends_at_lte',
    'local_starts_at_gte',
    'local_starts_at_lte',
  ];
  const FILTERS: Record<string, string[]> = {
    '/courses': ['published'],
    '/course_sessions': ['course', ...WINDOW_FILTERS, 'status', 'venues', 'instructors', 'sort'],
    '/course_session_attendances': ['customer', 'course_session_starts_at_gte', 'course_session_starts_at_lte'],
    '/customers': ['ids', 'query', 'deleted'],
    '/events': ['ids', ...WINDOW_FILTERS, 'status', 'venues', 'offering_types', 'sort'],
    '/attendances': [
      'event',
      'customer',
      'status',
      'venue',
      'offering_types',
      'event_starts_at_gte',
      'event_starts_at_lte',
      'event_local_starts_at_gte',
      'event_local_starts_at_lte',
      'sort',
    ],
  };
  const filterKey = (path: string, url: URL) =>
    (FILTERS[path] ?? []).map((f) => `${f}=${url.searchParams.get(f) ?? ''}`).join('&');
  /**
   * ISO 8601 instants with an offset, as TeamUp was seen to accept (`2026-01-02T00:00+00:00`, `…Z`); nothing looser.
   */
  const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})$/;
  const instant = (url: URL, name: string): number | null => {
    const value = url.searchParams.get(name);
    if (value === null) return null;
    const ms = Date.parse(value);
    if (Number.isNaN(ms) || !ISO_INSTANT.test(value))
      throw new ApiError(400, 'parameter_invalid', `Enter a valid date/time for ${name}.`, {
        [name]: ['Enter a valid date/time.'],
      });
    return ms;
  };
  const ids = (url: URL, name: string): Set<number> | null => {
    const value = url.searchParams.get(name);
    if (value === null) return null;
    const parts = value.split(',');
    if (!parts.every((p) => /^\d+$/.test(p)))
      throw new ApiError(400, 'parameter_invalid', `"${name}" takes comma-separated integers.`, {
        [name]: ['Enter a whole number.'],
      });
    return new Set(parts.map(Number));
  };
  const within = (ms: number, gte: number | null, lte: number | null) =>
    (gte === null || ms >= gte) && (lte === null || ms <= lte);

  /** `local_*` filters: a naive wall-clock time (no offset), read in the venue's zone [D]. */
  const NAIVE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?$/;
  const naive = (url: URL, name: string): string | null => {
    const value = url.searchParams.get(name);
    if (value === null) return null;
    if (!NAIVE.test(value))
      throw new ApiError(400, 'parameter_invalid', `Enter a local date/time without an offset for ${name}.`, {
        [name]: ['Enter a valid date/time.'],
      });
    return value.length === 16 ? `${value}:00` : value;
  };
  const PROVIDER_ZONE = 'Europe/Warsaw';
  const wallClock = new Map<string, Intl.DateTimeFormat>();
  /** The instant as `YYYY-MM-DDTHH:MM:SS` on the clocks of `zone`. */
  const localTime = (iso: string, zone: string): string => {
    let f = wallClock.get(zone);
    if (!f) {
      f = new Intl.DateTimeFormat('en-CA', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
      wallClock.set(zone, f);
    }
    const p = Object.fromEntries(f.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
    return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
  };
  const zoneOfVenue = (venue: number | null) =>
    (venue === null ? undefined : data.venues.find((v) => v.id === venue)?.timezone) ?? PROVIDER_ZONE;
  const withinLocal = (iso: string, venue: number | null, gte: string | null, lte: string | null) => {
    if (gte === null && lte === null) return true;
    const local = localTime(iso, zoneOfVenue(venue));
    return (gte === null || local >= gte) && (lte === null || local <= lte);
  };

  type Timed = { starts_at: string; ends_at: string; venue: number | null };
  /** The `starts_at_*`, `ends_at_*` and `local_starts_at_*` filters, which /events and /course_sessions share. */
  function timeWindow(url: URL): (row: Timed) => boolean {
    const [sg, sl, eg, el] = WINDOW_FILTERS.slice(0, 4).map((n) => instant(url, n));
    const [lg, ll] = WINDOW_FILTERS.slice(4).map((n) => naive(url, n));
    return (r) =>
      within(Date.parse(r.starts_at), sg!, sl!) &&
      within(Date.parse(r.ends_at), eg!, el!) &&
      withinLocal(r.starts_at, r.venue, lg!, ll!);
  }
  /** `sort=key` or `sort=-key` for the keys a collection documents; any other value keeps the id order. */
  function sortByTime<T extends Timed>(rows: T[], url: URL, keys: ('start' | 'end')[]): T[] {
    const sort = url.searchParams.get('sort');
    const key = keys.find((k) => sort === k || sort === `-${k}`);
    if (key) {
      const field = key === 'start' ? 'starts_at' : 'ends_at';
      rows.sort((a, b) => (Date.parse(a[field]) - Date.parse(b[field])) * (sort!.startsWith('-') ? -1 : 1));
    }
    return rows;
  }

  /** The venue and offering-type filters on events; /events names the venue one `venues`, /attendances `venue`. */
  function eventPlace(url: URL, venueParam: string): (e: Event) => boolean {
    const venues = ids(url, venueParam);
    const types = ids(url, 'offering_types');
    return (e) =>
      (!venues || (e.venue !== null && venues.has(e.venue))) &&
      (!types || (e.offering_type !== null && types.has(e.offering_type)));
  }

  function eventRows(url: URL): Event[] {
    const only = ids(url, 'ids');
    const inPlace = eventPlace(url, 'venues');
    const inWindow = timeWindow(url);
    const status = url.searchParams.get('status');
    const rows = data.events.filter(
      (e) =>
        (!only || only.has(e.id)) && inPlace(e) && (!status || status.split(',').includes(e.status)) && inWindow(e),
    );
    return sortByTime(rows, url, ['start', 'end']);
  }

  const EVENT_ATTENDANCE_STATUSES = [
    'not_registered',
    'registered',
    'attended',
    'no_show',
    'late_cancelled',
    'plans_to_attend',
  ];
  function eventAttendanceRows(url: URL): EventAttendance[] {
    const event = ids(url, 'event');
    const customer = ids(url, 'customer');
    const inPlace = eventPlace(url, 'venue');
    const statuses = url.searchParams.get('status')?.split(',');
    if (statuses?.some((x) => !EVENT_ATTENDANCE_STATUSES.includes(x)))
      throw new ApiError(400, 'parameter_invalid', 'Select a valid choice for status.', {
        status: ['Select a valid choice.'],
      });
    const gte = instant(url, 'event_starts_at_gte');
    const lte = instant(url, 'event_starts_at_lte');
    const [lg, ll] = ['event_local_starts_at_gte', 'event_local_starts_at_lte'].map((n) => naive(url, n));
    // "plans_to_attend will include any attendances where the customer has registered or is on the waitlist."
    const statusMatches = (a: EventAttendance) =>
      !statuses ||
      statuses.includes(a.status) ||
      (statuses.includes('plans_to_attend') && (a.status === 'registered' || a.waitlist?.status === 'on_waitlist'));
    return data.eventAttendances.filter((a) => {
      const e = byId.event.get(a.event)!;
      return (
        (!event || event.has(a.event)) &&
        (!customer || (a.customer !== null && customer.has(a.customer))) &&
        inPlace(e) &&
        statusMatches(a) &&
        within(Date.parse(e.starts_at), gte, lte) &&
        withinLocal(e.starts_at, e.venue, lg!, ll!)
      );
    });
  }

  function sessionRows(url: URL): Session[] {
    const course = ids(url, 'course');
    const venues = ids(url, 'venues');
    const instructor = ids(url, 'instructors');
    const inWindow = timeWindow(url);
    const status = url.searchParams.get('status');
    const rows = data.sessions.filter(
      (s) =>
        (!course || course.has(s.course)) &&
        (!venues || venues.has(s.venue)) &&
        (!instructor || s.instructors.some((i) => instructor.has(i))) &&
        (!status || s.status === status) &&
        inWindow(s),
    );
    // Course sessions document `start` only.
    return sortByTime(rows, url, ['start']);
  }

  function attendanceRows(url: URL): Attendance[] {
    const customer = ids(url, 'customer');
    const gte = instant(url, 'course_session_starts_at_gte');
    const lte = instant(url, 'course_session_starts_at_lte');
    if (!customer && gte === null && lte === null) return data.attendances;
    const startOf = new Map<number, number>();
    return data.attendances.filter((a) => {
      if (customer && !customer.has(a.customer)) return false;
      let start = startOf.get(a.course_session);
      if (start === undefined)
        startOf.set(a.course_session, (start = Date.parse(byId.session.get(a.course_session)!.starts_at)));
      return within(start, gte, lte);
    });
  }

  function customerRows(url: URL): Customer[] {
    const only = ids(url, 'ids');
    const query = url.searchParams.get('query')?.toLocaleLowerCase();
    const asked = o.deletedFilter === 'honoured' ? url.searchParams.get('deleted') : null;
    // A boolean filter the way DRF reads one; anything else is refused rather than ignored.
    const deleted = asked === null ? null : { true: true, '1': true, false: false, '0': false }[asked.toLowerCase()];
    if (deleted === undefined)
      throw new ApiError(400, 'parameter_invalid', 'Enter a valid boolean for deleted.', {
        deleted: ['Must be a valid boolean.'],
      });
    return data.customers.filter(
      (c) =>
        (deleted === null ? o.deletedByDefault === 'included' || !c.deleted : c.deleted === deleted) &&
        (!only || only.has(c.id)) &&
        (!query || [c.first_name, c.last_name, c.email].some((v) => v?.toLocaleLowerCase().includes(query))),
    );
  }

  // ---- rate limiting: a sliding window per caller (token, or the address when unauthenticated)
  const windows = new Map<string, { starts: number[]; head: number }>();
  function overLimit(caller: string): boolean {
    const now = Date.now();
    let w = windows.get(caller);
    if (!w) windows.set(caller, (w = { starts: [], head: 0 }));
    while (w.head < w.starts.length && now - w.starts[w.head]! >= o.rateWindowMs) w.head += 1;
    if (w.head > 1024) {
      w.starts = w.starts.slice(w.head);
      w.head = 0;
    }
    if (w.starts.length - w.head >= o.requestsPerMinute) return true;
    w.starts.push(now);
    return false;
  }

  const COLLECTIONS: Record<
    string,
    {
      kind: string;
      rows: (url: URL) => { id: number }[];
      one: (id: number) => { id: number } | undefined;
      needsProvider: boolean;
      maxPageSize?: number;
    }
  > = {
    '/courses': {
      kind: 'course',
      rows: (url) =>
        data.courses.filter(
          (c) =>
            url.searchParams.get('published') === null || String(c.published) === url.searchParams.get('published'),
        ),
      one: (id) => byId.course.get(id),
      needsProvider: true,
    },
    '/course_sessions': {
      kind: 'course_session',
      rows: sessionRows,
      one: (id) => byId.session.get(id),
      needsProvider: true,
    },
    '/course_session_attendances': {
      kind: 'course_session_attendance',
      rows: attendanceRows,
      one: (id) => data.attendances.find((a) => a.id === id),
      needsProvider: true,
    },
    '/events': {
      kind: 'event',
      rows: eventRows,
      one: (id) => byId.event.get(id),
      needsProvider: true,
      maxPageSize: o.maxEventsPageSize,
    },
    '/attendances': {
      kind: 'attendance',
      rows: eventAttendanceRows,
      one: (id) => data.eventAttendances.find((a) => a.id === id),
      needsProvider: true,
    },
    '/customers': { kind: 'customer', rows: customerRows, one: (id) => byId.customer.get(id), needsProvider: true },
    '/venues': { kind: 'venue', rows: () => data.venues, one: (id) => byId.venue.get(id), needsProvider: true },
    '/instructors': {
      kind: 'instructor',
      rows: () => data.instructors,
      one: (id) => byId.instructor.get(id),
      needsProvider: true,
    },
    '/offering_types': {
      kind: 'offering_type',
      rows: () => data.offeringTypes,
      one: (id) => byId.offeringType.get(id),
      needsProvider: true,
    },
    '/providers': {
      kind: 'provider',
      rows: () => o.providers,
      one: (id) => byId.provider.get(id),
      needsProvider: false,
    },
  };

  function route(req: IncomingMessage, url: URL, format: string): SimResponse {
    const auth = String(req.headers.authorization ?? '');
    if (overLimit(auth || String(req.socket.remoteAddress))) {
      const headers = o.retryAfterSeconds !== null ? { 'retry-after': String(o.retryAfterSeconds) } : undefined;
      return respond(format, 429, errorBody(new ApiError(429, 'rate_limited', 'Request was throttled.')), headers);
    }
    const match = /^(\w+)\s+(\S+)$/.exec(auth);
    const scheme = match?.[1]!.toLowerCase() as TeamupScheme | undefined;
    if (!match || !scheme || !o.acceptedSchemes.includes(scheme) || match[2] !== o.token) {
      throw new ApiError(
        401,
        'not_authenticated',
        match ? 'Invalid token.' : 'Authentication credentials were not provided.',
      );
    }
    const mode = req.headers['teamup-request-mode'];
    if (mode !== undefined && mode !== 'provider' && mode !== 'customer')
      throw new ApiError(400, 'parameter_invalid', 'Teamup-Request-Mode must be customer or provider.');
    // An M2M token always runs in provider (staff) mode.
    if (mode === 'customer')
      throw new ApiError(403, 'mode_not_allowed', 'These credentials cannot be used in customer mode.');
    const providerHeader = req.headers['teamup-provider-id'];
    if (providerHeader !== undefined && !o.providers.some((p) => String(p.id) === providerHeader)) {
      throw new ApiError(403, 'provider_invalid', 'The credentials do not have access to this provider.');
    }

    // Only the documented base path: `/api/v2/…` (a client on another prefix or version gets DRF's 404).
    if (!/^\/api\/v2(?:\/|$)/.test(url.pathname)) throw new ApiError(404, 'not_found', 'Not found.');
    const path = url.pathname.replace(/^\/api\/v2/, '').replace(/\/+$/, '') || '/';
    if (o.forbid.some((f) => path.startsWith(f)))
      throw new ApiError(403, 'permission_denied', 'You do not have permission to perform this action.');

    if (path === '/auth/application') {
      if (!o.hasApplicationEndpoint) throw new ApiError(404, 'not_found', 'Not found.');
      return respond(format, 200, {
        id: 77,
        name: 'Rollbook reporting',
        object: 'authenticated_application',
        scoped_providers: o.providers.map((p) => ({ ...p, object: 'scoped_provider' })),
      });
    }
    if (path === '/auth/profiles') {
      return respond(
        format,
        200,
        list(url, 'provider', '', () => o.providers),
      );
    }

    const [, collection, id, extra] = /^(\/[a-z_]+)(?:\/(\d+))?(\/.*)?$/.exec(path) ?? [];
    const def = collection ? COLLECTIONS[collection] : undefined;
    if (!def || extra) throw new ApiError(404, 'not_found', 'Not found.');
    if (def.needsProvider && o.providers.length > 1 && providerHeader === undefined) {
      throw new ApiError(
        400,
        'provider_required',
        'The credentials reach several providers: send the TeamUp-Provider-ID header.',
        { 'TeamUp-Provider-ID': ['This header is required.'] },
      );
    }
    if (id !== undefined) {
      const row = def.one(Number(id));
      if (!row) throw new ApiError(404, 'not_found', 'Not found.');
      return respond(format, 200, shaper(def.kind, url)(row));
    }
    const page = list(url, def.kind, filterKey(collection!, url), () => def.rows(url), def.maxPageSize);
    if (o.churn && o.churn.path === collection && page.next) churn(o.churn);
    return respond(format, 200, page);
  }

  let churned = 0;
  /** Between two pages of a listing: new customers join at the end, the oldest leave (shifting later pages). */
  function churn(c: TeamupChurn): void {
    for (let i = 0; i < c.add; i += 1) {
      churned += 1;
      const id = 90_000 + churned;
      data.customers.push({
        id,
        first_name: 'New',
        last_name: `Customer ${churned}`,
        email: `new${churned}@studio.example`,
        created_at: new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00'),
        deleted: false,
      });
    }
    data.customers.splice(0, c.remove);
    reindex();
  }

  const sim = await startSimServer((req, url) => {
    const format = formatOf(req, url);
    // DRF answers an unknown format suffix with 404 before anything else.
    if (format !== 'json' && format !== 'xml') return respond('json', 404, { detail: 'Not found.' });
    try {
      return route(req, url, format);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return respond(format, error.status, errorBody(error));
    }
  });
  baseUrl = sim.url;
  return Object.assign(sim, { data, options: o, reindex }) as TeamupSimulator;
}
