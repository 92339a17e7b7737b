/**
 * TeamUp connector (API v2, M2M token). Courses run as dated course sessions; the API has no learner-level completion,
 * so course progress is derived from course-session attendance (attended ÷ held sessions; completed at or above the
 * account's threshold once the course's last session has ended).
 *
 * Classes run beside courses: each class type (the offering type of `/events`) is a Rollbook course of type `class`
 * (id `class-<offering type>`), each event one of its sessions (id `event-<event>`; the prefixes keep TeamUp's separate
 * id series apart), and `/attendances` its register. Class progress follows the course rule with one difference: a
 * class has no roster, so the share is attended ÷ the learner's own held bookings (late cancels and no-shows count
 * against it), not ÷ every held event.
 *
 * Format: TeamUp answers JSON by default and that is what the connector asks for. `format=xml` exists but carries
 * nothing JSON lacks; an XML body (a proxy or server ignoring `Accept`) is still read, in the DRF shape the docs
 * imply (`<root>`, `<list-item>`, empty element = null), because values there arrive as strings the mappers coerce.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import type { TeamupSettings } from '../contract/accounts';
import type {
  Attendance,
  AttendanceStatus,
  Course,
  CourseSession,
  Learner,
  LearnerStatus,
  Progress,
  ProgressStatus,
  SessionStatus,
} from '../contract/domain';
import { HttpError } from '../http/errors';
import type { HttpResponse } from '../http/types';
import { ListingCheck, MAX_LISTING_PAGES, reportGap } from './listing';
import { inOrder } from './parallel';
import type { Connector, ConnectorInit, Page, ResourceScope, RunPlan } from './types';

/** Documented: 250 requests per minute per caller. The core gives TeamUp accounts a client with this budget. */
export const TEAMUP_REQUESTS_PER_MINUTE = 250;
/** Documented default and maximum `page_size` for list endpoints. */
export const TEAMUP_PAGE_SIZE = 100;
/** `/events` documents a larger maximum. */
export const TEAMUP_EVENTS_PAGE_SIZE = 250;
export const TEAMUP_DEFAULT_COMPLETION_THRESHOLD = 80;
/** Sessions change around their start (cancellations, moves): an incremental run re-reads them from a week back. */
const LATE_MARKING_MS = 7 * 86_400_000;
/** Course ids per `course=` filter: keeps URLs short (≈ 1 kB) while costing one extra request per 100 courses. */
const COURSE_FILTER_CHUNK = 100;
/** Derived progress is emitted in pages of this size (a course can have thousands of learners). */
const PROGRESS_PAGE = 500;

type Raw = Record<string, unknown>;
type AuthScheme = TeamupSettings['authScheme'];
const SCHEME_WORD: Record<AuthScheme, string> = { bearer: 'Bearer', token: 'Token' };

// ---------------------------------------------------------------------------------------------------------------
// Tolerant readers: expandable fields are an id or an object, XML makes every value a string, nulls are common.

const rec = (v: unknown): Raw => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {});
const str = (v: unknown): string | null => {
  if (v === null || v === undefined || typeof v === 'object') return null;
  const s = String(v).trim();
  return s === '' ? null : s;
};
const num = (v: unknown): number | null => {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  const s = str(v);
  return s !== null && /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : null;
};
const iso = (v: unknown): string | null => {
  const s = str(v);
  if (!s) return null;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
};
/** TeamUp ids are integers; JSON gives numbers, XML digit strings. */
const idOf = (v: unknown): string | null => {
  const raw = v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw).id : v;
  if (typeof raw === 'number') return Number.isSafeInteger(raw) ? String(raw) : null;
  const s = str(raw);
  return s !== null && /^\d{1,18}$/.test(s) ? s : null;
};
/** A to-many field: an array of objects when expanded, a related-collection URL when not. */
const namesOf = (v: unknown): string[] =>
  Array.isArray(v) ? v.map((item) => str(rec(item).name)).filter((name): name is string => name !== null) : [];

const xml = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => name === 'list-item',
});

/** DRF's XML renderer: lists are `<list-item>` runs, null is an empty element. */
function fromXml(node: unknown): unknown {
  if (node === '' || node === undefined || node === null) return null;
  if (Array.isArray(node)) return node.map(fromXml);
  if (typeof node !== 'object') return node;
  const entries = Object.entries(node as Raw);
  if (entries.length === 1 && entries[0]![0] === 'list-item') return (entries[0]![1] as unknown[]).map(fromXml);
  return Object.fromEntries(entries.map(([key, value]) => [key, fromXml(value)]));
}

const envelopeSchema = z.object({
  count: z.unknown().optional(),
  next: z.unknown().optional(),
  // An empty XML <results/> reads as null.
  results: z.union([z.array(z.unknown()), z.null()]).transform((r) => r ?? []),
});

// ---------------------------------------------------------------------------------------------------------------
// Mapping

const ATTENDANCE: Record<string, AttendanceStatus> = {
  registered: 'registered',
  // Documented as a filter only ("registered or on the waitlist"); read as a booking should a row ever carry it.
  plans_to_attend: 'registered',
  attended: 'attended',
  no_show: 'no_show',
  // Event attendances only; course-session attendances have no cancellation status.
  late_cancelled: 'late_cancelled',
  // Probably what an early cancellation turns into (unverified).
  not_registered: 'cancelled',
  cancelled: 'cancelled',
};

/** Statuses that put a learner on a session's register (a waitlist spot or a cancellation does not). */
const BOOKED: ReadonlySet<AttendanceStatus> = new Set(['registered', 'attended', 'no_show', 'late_cancelled']);

const CLASS_PREFIX = 'class-';
const EVENT_PREFIX = 'event-';
/** The Rollbook course of a class type; events without an offering type share one. */
const classCourseId = (offeringTypeId: string | null) => `${CLASS_PREFIX}${offeringTypeId ?? 'untyped'}`;
export const isClassCourse = (courseId: string) => courseId.startsWith(CLASS_PREFIX);

/** Why a row is unusable; the page is refused as a whole (a half-read page would be a silent gap). */
class BadRow extends Error {}

/** A venue's IANA zone, if it is one this runtime knows (anything else is shown in the computer's zone). */
function zoneOf(venue: unknown): string | null {
  const zone = str(rec(venue).timezone);
  if (!zone) return null;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

function sessionFields(raw: Raw, now: Date, startsAt: string): Omit<CourseSession, 'id' | 'courseId' | 'startsAt'> {
  const rawStatus = str(raw.status);
  const status: SessionStatus =
    rawStatus === 'cancelled' ? 'cancelled' : Date.parse(startsAt) <= now.getTime() ? 'held' : 'scheduled';
  const max = num(raw.max_occupancy);
  return {
    name: str(raw.name),
    endsAt: iso(raw.ends_at),
    status,
    rawStatus,
    venue: str(rec(raw.venue).name),
    instructors: namesOf(raw.instructors),
    // null and 0 both mean "unlimited" in TeamUp.
    capacity: max !== null && max > 0 ? max : null,
    attendingCount: num(raw.attending_count),
    timeZone: zoneOf(raw.venue),
  };
}

export function toSession(raw: Raw, now: Date): CourseSession {
  const id = idOf(raw.id);
  const courseId = idOf(raw.course);
  const startsAt = iso(raw.starts_at);
  if (!id || !courseId || !startsAt)
    throw new BadRow(`a course session without ${!id ? 'an id' : !courseId ? 'a course' : 'a start time'}`);
  return { id, courseId, startsAt, ...sessionFields(raw, now, startsAt) };
}

/** An event as a session of its class type. No venue is fine: the session is shown in the computer's zone. */
export function toEventSession(raw: Raw, now: Date): CourseSession {
  const id = idOf(raw.id);
  const startsAt = iso(raw.starts_at);
  if (!id || !startsAt) throw new BadRow(`an event without ${!id ? 'an id' : 'a start time'}`);
  const courseId = classCourseId(idOf(raw.offering_type));
  return { id: `${EVENT_PREFIX}${id}`, courseId, startsAt, ...sessionFields(raw, now, startsAt) };
}

function toClassCourse(offeringType: unknown, name: string | null): Course {
  const typeId = idOf(offeringType);
  return {
    id: classCourseId(typeId),
    name: name ?? (typeId ? `Class type ${typeId}` : 'Classes without a type'),
    type: 'class',
    description: null,
    createdAt: null,
    updatedAt: null,
    url: null,
  };
}

/**
 * An event attendance's status. A waitlisted customer is `not_registered` with a live `waitlist_spot` (deferred);
 * what a server without the spot sends is unknown, so a spot still waiting wins over any status short of a booking.
 */
function eventAttendanceStatus(raw: Raw): { status: AttendanceStatus; rawStatus: string } {
  const rawStatus = str(raw.status);
  const spot = str(rec(raw.waitlist_spot).status);
  const mapped = rawStatus === null ? undefined : ATTENDANCE[rawStatus];
  if ((spot === 'on_waitlist' || spot === 'spot_reserved') && (mapped === undefined || mapped === 'cancelled'))
    return { status: 'waitlisted', rawStatus: `${rawStatus ?? 'no status'} (waitlist: ${spot})` };
  // An unknown status still lands, kept as TeamUp spelled it, as a booking whose outcome Rollbook cannot read.
  return { status: mapped ?? 'registered', rawStatus: rawStatus ?? 'registered' };
}

function toCourse(raw: Raw): Course {
  const id = idOf(raw.id);
  if (!id) throw new BadRow('a course without an id');
  return {
    id,
    name: str(raw.name) ?? `Course ${id}`,
    type: 'course',
    description: null,
    createdAt: null,
    updatedAt: null,
    url: null,
  };
}

function toLearner(raw: Raw, status: LearnerStatus | null = null): Learner {
  const id = idOf(raw.id);
  if (!id) throw new BadRow('a customer without an id');
  const firstName = str(raw.first_name);
  const lastName = str(raw.last_name);
  const email = str(raw.email);
  // Customers have no single name field.
  const name = [firstName, lastName].filter(Boolean).join(' ') || email || `Customer ${id}`;
  return { id, name, email, firstName, lastName, status };
}

// ---------------------------------------------------------------------------------------------------------------
// Progress derived from attendance

interface LearnerTally {
  enrolled: boolean;
  attended: number;
  /** Held sessions the learner was booked on (classes: the share's denominator). */
  booked: number;
  firstAttendedMs: number;
  lastAttendedMs: number;
}
interface CourseTally {
  held: number;
  lastEndMs: number;
  learners: Map<string, LearnerTally>;
}

/**
 * Accumulates what the progress rule needs, streaming: memory is one small entry per session and per learner × course
 * (the size of the output), never the attendance rows themselves. Sessions must be added before their attendance.
 */
export class TeamupProgressTally {
  private readonly sessions = new Map<string, { courseId: string; startMs: number; held: boolean }>();
  private readonly courses = new Map<string, CourseTally>();

  constructor(private readonly now: Date) {}

  private course(courseId: string): CourseTally {
    let course = this.courses.get(courseId);
    if (!course) this.courses.set(courseId, (course = { held: 0, lastEndMs: -Infinity, learners: new Map() }));
    return course;
  }

  addSession(session: CourseSession): void {
    const course = this.course(session.courseId);
    // Cancelled sessions neither count as held nor decide when the course ends.
    if (session.rawStatus === 'cancelled' || session.status === 'cancelled' || this.sessions.has(session.id)) return;
    const startMs = Date.parse(session.startsAt);
    const held = startMs <= this.now.getTime();
    this.sessions.set(session.id, { courseId: session.courseId, startMs, held });
    if (held) course.held += 1;
    course.lastEndMs = Math.max(course.lastEndMs, Date.parse(session.endsAt ?? session.startsAt));
  }

  addAttendance(row: Attendance): void {
    const session = this.sessions.get(row.sessionId);
    if (!session) return; // a cancelled session, or outside the sessions read
    const course = this.course(session.courseId);
    let learner = course.learners.get(row.learnerId);
    if (!learner)
      course.learners.set(
        row.learnerId,
        (learner = { enrolled: false, attended: 0, booked: 0, firstAttendedMs: Infinity, lastAttendedMs: -Infinity }),
      );
    if (!BOOKED.has(row.status)) return;
    learner.enrolled = true;
    if (session.held) learner.booked += 1;
    if (session.held && row.status === 'attended') {
      learner.attended += 1;
      learner.firstAttendedMs = Math.min(learner.firstAttendedMs, session.startMs);
      learner.lastAttendedMs = Math.max(learner.lastAttendedMs, session.startMs);
    }
  }

  courseIds(): string[] {
    return [...this.courses.keys()];
  }

  progressOf(courseId: string, thresholdPct: number): Progress[] {
    const course = this.courses.get(courseId);
    if (!course) return [];
    const ended = course.held > 0 && course.lastEndMs <= this.now.getTime();
    const perBooking = isClassCourse(courseId);
    const out: Progress[] = [];
    for (const [learnerId, t] of course.learners) {
      if (!t.enrolled) continue;
      // A class has no roster: what counts is the learner's own bookings, not every event of the type.
      const held = perBooking ? Math.min(t.booked, course.held) : course.held;
      // Offset pages can repeat a row when data shifts mid-read: never report more than everything.
      const attended = Math.min(t.attended, held);
      const share = held === 0 ? 0 : (attended / held) * 100;
      const status: ProgressStatus =
        held === 0 ? 'not_started' : ended ? (share >= thresholdPct ? 'completed' : 'incomplete') : 'in_progress';
      out.push({
        learnerId,
        courseId,
        status,
        rawStatus: `${attended}/${held} attended`,
        progressPct: Math.round(share * 100) / 100,
        score: null,
        startedAt: Number.isFinite(t.firstAttendedMs) ? new Date(t.firstAttendedMs).toISOString() : null,
        completedAt: status === 'completed' ? new Date(course.lastEndMs).toISOString() : null,
        lastActivityAt: Number.isFinite(t.lastAttendedMs) ? new Date(t.lastAttendedMs).toISOString() : null,
      });
    }
    return out;
  }
}

/**
 * The course progress rule, per learner × course:
 * - held = not cancelled and already started (relative to `now`); share = attended ÷ held;
 * - once the course's last non-cancelled session has ended: `completed` at or above `thresholdPct`, else `incomplete`;
 * - before that `in_progress`, or `not_started` while nothing has been held yet;
 * - a learner counts as registered with a booking: registered, attended, no-show or late cancel (not a waitlist spot
 *   or a cancellation);
 * - classes (course ids `class-…`): held = the learner's own held bookings, so share = attendance rate.
 */
export function deriveTeamupProgress(input: {
  courseId: string;
  sessions: Iterable<CourseSession>;
  attendance: Iterable<Attendance>;
  thresholdPct: number;
  now: Date;
}): Progress[] {
  const tally = new TeamupProgressTally(input.now);
  for (const session of input.sessions) if (session.courseId === input.courseId) tally.addSession(session);
  for (const row of input.attendance) tally.addAttendance(row);
  return tally.progressOf(input.courseId, input.thresholdPct);
}

// ---------------------------------------------------------------------------------------------------------------
// Connector

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

function progressPages(rows: Progress[]): Page<Progress>[] {
  return [...chunks(rows, PROGRESS_PAGE)].map((items) => ({
    items,
    raw: items.map((r) => ({ derivedFrom: 'course_session_attendances', ...r })),
  }));
}

export function createTeamupConnector(init: ConnectorInit<TeamupSettings> & { defaultThreshold?: number }): Connector {
  const { settings, secret, http } = init;
  const now = init.now ?? (() => new Date());
  const base = settings.baseUrl.replace(/\/+$/, '');
  const host = new URL(base).host;
  const threshold = settings.completionThreshold ?? init.defaultThreshold ?? TEAMUP_DEFAULT_COMPLETION_THRESHOLD;
  http.redact(secret);

  // The docs disagree on the Authorization scheme (Bearer in the guide, Token in clients): on a 401 try the other
  // once, and keep whichever TeamUp accepted.
  let scheme: AuthScheme = settings.authScheme;
  let triedOtherScheme = false;
  const notes: string[] = [];
  /** Session id → course id from the sessions read, for attendance rows whose session came back unexpanded. */
  const sessionCourse = new Map<string, string>();
  /** Customer ids of this run's whole learner listing: attendance naming others looks them up. */
  let listedLearners: Set<string> | null = null;
  /** Whether `/customers` honoured its `deleted` filter in this run's listing (then each learner's status is known). */
  let deletedFilterHonoured = false;
  /** Offering type id → name, for events whose type came back unexpanded. */
  const classTypeNames = new Map<string, string | null>();

  const headers = (withProvider = true): Record<string, string> => ({
    Authorization: `${SCHEME_WORD[scheme]} ${secret}`,
    Accept: 'application/json',
    ...(withProvider && settings.providerId ? { 'TeamUp-Provider-ID': settings.providerId } : {}),
  });
  const redact = (text: string) => (secret.length >= 4 ? text.split(secret).join('•••') : text);
  const pathOf = (url: URL) => url.pathname.replace(new URL(base).pathname, '') || '/';

  /** TeamUp's own explanation from an error body (`message` in its envelope, `detail` from DRF), already redacted. */
  const teamupSays = (error: HttpError): string => {
    const said = /"(?:message|detail)"\s*:\s*"([^"]{1,160})"/.exec(error.excerpt ?? '')?.[1];
    return said ? ` TeamUp said: "${redact(said)}".` : '';
  };

  /** Rewrites the HTTP layer's generic errors into what a TeamUp user can act on. Never includes the token. */
  const explain = (error: unknown, url: URL): unknown => {
    if (!(error instanceof HttpError)) return error;
    if (error.stoppedBy) return error; // one of Rollbook's own limits: the message already says which, and why
    const path = pathOf(url);
    const keep = (code: HttpError['code'], message: string) =>
      new HttpError(code, message, error.status, error.excerpt, { cause: error });
    const excerpt = error.excerpt ?? '';
    const provider = settings.providerId ? `provider ${settings.providerId}` : 'the provider (none chosen)';
    switch (error.code) {
      case 'auth_failed':
        return keep(
          'auth_failed',
          'TeamUp rejected the API token (HTTP 401; Rollbook tried both the "Bearer" and "Token" ' +
            'schemes). Check that the M2M token is complete and has not expired or been revoked (TeamUp: ' +
            'Settings → Integrations → API Integration), then enter it again.',
        );
      case 'forbidden':
        if (/provider/i.test(excerpt)) {
          return keep(
            'forbidden',
            `TeamUp says this token cannot act for ${provider} (HTTP 403). ` +
              'Run "Test connection" and pick one of the providers it lists.',
          );
        }
        if (/mode_not_allowed/.test(excerpt)) {
          return keep(
            'forbidden',
            `TeamUp refused the request mode for ${path} (HTTP 403). ` +
              'Use an M2M token, which runs in provider (staff) mode.',
          );
        }
        return keep(
          'forbidden',
          `TeamUp refused ${path} (HTTP 403): the token lacks the staff permission it needs (courses and ` +
            `course sessions need "Manage events", "Attendances" or "Developer"), or cannot reach ${provider}. ` +
            `Ask a TeamUp admin to grant it, or create a token with admin permissions.${teamupSays(error)}`,
        );
      case 'not_found':
        return keep(
          'not_found',
          `TeamUp has no ${path} at ${host} (HTTP 404). Check the API address in the ` +
            'account settings (normally https://goteamup.com/api/v2).',
        );
      case 'rate_limited':
        return keep(
          'rate_limited',
          `TeamUp kept answering "too many requests" (its limit is ${TEAMUP_REQUESTS_PER_MINUTE} per minute ` +
            `per token) for ${path}. Another app may be using the same token; try again in a few minutes.`,
        );
      case 'server_error':
        return keep(
          'server_error',
          `TeamUp had a server error (HTTP ${error.status ?? '5xx'}) on ${path}. ` +
            `This is on TeamUp's side; try again later.`,
        );
      case 'bad_response':
        if (error.status === 400 && /provider/i.test(excerpt)) {
          return keep(
            'bad_response',
            'The token reaches several TeamUp providers (businesses) ' +
              'and TeamUp needs to know which one to read. Run "Test connection" and pick one.',
          );
        }
        if (error.status === 400)
          return keep(
            'bad_response',
            `TeamUp refused the request to ${path} (HTTP 400).${teamupSays(error)} ` +
              `Please report this to Rollbook's developers.`,
          );
        return error;
      case 'network':
      case 'timeout':
        return keep(error.code, `Could not reach TeamUp at ${host}. ${error.message}`);
      default:
        return error;
    }
  };

  async function send(url: URL, signal: AbortSignal, withProvider: boolean): Promise<HttpResponse> {
    try {
      return await http.request({ url, headers: headers(withProvider), signal });
    } catch (error) {
      if (!(error instanceof HttpError) || error.code !== 'auth_failed' || triedOtherScheme) throw explain(error, url);
      triedOtherScheme = true;
      const configured = scheme;
      scheme = configured === 'bearer' ? 'token' : 'bearer';
      try {
        const response = await http.request({ url, headers: headers(withProvider), signal });
        notes.push(
          `TeamUp rejected the "${SCHEME_WORD[configured]}" Authorization scheme but accepted ` +
            `"${SCHEME_WORD[scheme]}": choose "${SCHEME_WORD[scheme]}" in the account settings.`,
        );
        return response;
      } catch (retryError) {
        scheme = configured;
        throw explain(retryError, url);
      }
    }
  }

  function parse(response: HttpResponse, url: URL): Raw {
    const type = response.headers['content-type'] ?? '';
    const text = response.body.trim();
    const looksXml = type.includes('xml') || (!type.includes('json') && text.startsWith('<'));
    const fail = (cause: unknown) =>
      new HttpError(
        'bad_response',
        `TeamUp sent a response Rollbook cannot read (${looksXml ? 'malformed XML' : 'malformed JSON'}) ` +
          `for ${pathOf(url)}. Try again later; if it keeps happening, TeamUp may be having problems.`,
        response.status,
        redact(text.slice(0, 120)),
        { cause },
      );
    try {
      if (looksXml) {
        if (XMLValidator.validate(text) !== true) throw new Error('invalid XML');
        const doc = rec(xml.parse(text));
        return rec(fromXml(doc.root ?? doc));
      }
      const value = JSON.parse(text) as unknown;
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
      return value as Raw;
    } catch (error) {
      throw fail(error);
    }
  }

  /**
   * First pages asked for when the run began (beginRun), by provider header and URL: lists every run reads whose first
   * page depends on nothing read before, fetched while the earlier steps leave slots free, so the steps reading them do
   * not each open with a round trip of their own. Each answer is used once; the run drops the rest when it ends.
   */
  const primed = new Map<string, Promise<Raw>>();
  const primedKey = (url: URL, withProvider: boolean) => `${withProvider ? 'p' : '-'} ${url.href}`;

  const get = async (url: URL, signal: AbortSignal, withProvider = true): Promise<Raw> => {
    const key = primedKey(url, withProvider);
    const early = primed.get(key);
    if (early) {
      primed.delete(key);
      return early;
    }
    return parse(await send(url, signal, withProvider), url);
  };

  /** Asks for a page now that a step will ask for later (see `primed`). */
  function prime(url: URL, signal: AbortSignal): void {
    const answer = send(url, signal, true).then((response) => parse(response, url));
    // Its failure is the step's to report, when that step asks for the page.
    answer.catch(() => undefined);
    primed.set(primedKey(url, true), answer);
  }

  /** A list's first page: the page size, then the list's own parameters. */
  const firstPageOf = (path: string, params: Record<string, string>) =>
    urlFor(path, { page_size: String(TEAMUP_PAGE_SIZE), ...params });

  function urlFor(path: string, params: Record<string, string> = {}): URL {
    const url = new URL(`${base}${path}`);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return url;
  }

  /** The `next` link as a URL (the HTTP client refuses to follow it to any origin but the account's). */
  function nextUrl(next: unknown, current: URL): URL | null {
    const link = str(next);
    if (!link) return null;
    try {
      return new URL(link, current);
    } catch {
      throw new HttpError(
        'bad_response',
        `TeamUp sent an unreadable next-page link for ${pathOf(current)}. Try again later.`,
      );
    }
  }

  /**
   * The pages from `next` up to the count, when `next` names its page by number (DRF's PageNumberPagination); none
   * for any other kind of link, which is then followed one by one. Made one at a time, as they are asked for.
   */
  function* numberedPages(next: URL, total: number, perPage: number): Generator<URL> {
    const number = Number(next.searchParams.get('page'));
    if (!Number.isSafeInteger(number) || number < 2 || perPage === 0) return;
    for (let n = number; n <= Math.ceil(total / perPage); n += 1) {
      const at = new URL(next);
      at.searchParams.set('page', String(n));
      yield at;
    }
  }

  /**
   * Streams a DRF-style list page by page: `page_size`=100, then absolute `next` links (which keep the query) until
   * null; numbered pages after the first are read a few at a time (see numberedPages), never more held than that.
   * Every page must be the documented envelope (`count`, `next`, `results`); anything else is an unreadable answer,
   * not the end of the list. At the end the rows read must match `count` (see ListingCheck): a listing that changed
   * while it was read goes to `onGap`.
   */
  async function* pages(
    path: string,
    params: Record<string, string>,
    signal: AbortSignal,
    onGap: ((reason: string) => void) | undefined,
    withProvider = true,
  ): AsyncGenerator<{ rows: Raw[]; total: number | null }> {
    let url: URL | null = firstPageOf(path, params);
    let first = true;
    const check = new ListingCheck({
      platform: 'TeamUp',
      what: path.slice(1).replace(/_/g, ' '),
      maxPages: init.maxPages,
    });
    const unreadable = (why: string, at: URL) =>
      new HttpError(
        'bad_response',
        `TeamUp answered ${pathOf(at)} ${why}, so Rollbook cannot read the list. Try again later.`,
      );
    type Read = { rows: Raw[]; total: number; next: URL | null } | 'ended';
    const read = async (at: URL, readSignal: AbortSignal, firstPage: boolean): Promise<Read> => {
      let body: Raw;
      try {
        body = await get(at, readSignal, withProvider);
      } catch (error) {
        // DRF's "Invalid page.": the list shrank while we paged through it, so there is nothing more to read.
        if (
          !firstPage &&
          error instanceof HttpError &&
          error.code === 'not_found' &&
          /invalid page/i.test(error.excerpt ?? '')
        ) {
          return 'ended';
        }
        throw error;
      }
      const envelope = envelopeSchema.safeParse(body);
      if (!envelope.success) throw unreadable('without a results list', at);
      const total = num(envelope.data.count);
      if (total === null || total < 0 || !Number.isInteger(total)) throw unreadable('without a row count', at);
      if (!envelope.data.results.every((row) => row !== null && typeof row === 'object' && !Array.isArray(row))) {
        throw unreadable('with a list holding something other than records', at);
      }
      const link = envelope.data.next;
      if (link !== null && link !== undefined && typeof link !== 'string')
        throw unreadable('with a next-page link that is not a link', at);
      const rows = envelope.data.results as Raw[];
      const next = nextUrl(envelope.data.next, at);
      // DRF never links on from an empty page; following one could go on forever without a row to show for it.
      if (next && rows.length === 0) throw unreadable('with an empty page that links to another', at);
      return { rows, total, next };
    };
    /** Records a page in the listing check; false when the list ended there. */
    const take = (page: Read): page is Exclude<Read, 'ended'> => {
      if (page === 'ended') {
        check.ended();
        return false;
      }
      check.read(
        page.total,
        page.rows.map((row) => idOf(row.id) ?? ''),
      );
      return true;
    };
    // Pages asked for: the numbered pages read ahead stop short of the ceiling, so the listing check's own refusal
    // comes in order, after the pages before it were read.
    const ceiling = init.maxPages ?? MAX_LISTING_PAGES;
    let visits = 0;
    const visit = (at: URL) => {
      check.visit(at.href);
      visits += 1;
    };
    while (url) {
      visit(url);
      signal.throwIfAborted();
      const page = await read(url, signal, first);
      if (!take(page)) break;
      yield { rows: page.rows, total: page.total };
      url = page.next;
      // DRF numbers its pages: once a page gives the count, the rest are known and are read side by side, in order.
      // A list that grew meanwhile goes on from the last one's link; one that shrank ends where a page says so.
      // Only after the first page, whose length is the page size.
      const wasFirst = first;
      first = false;
      if (!url || !wasFirst || !url.searchParams.has('page')) continue;
      const later = numberedPages(url, page.total, page.rows.length);
      let last: Read | null = null;
      const tasks = function* () {
        for (const at of later) {
          if (visits >= ceiling) return;
          visit(at);
          yield (taskSignal: AbortSignal) => read(at, taskSignal, false);
        }
      };
      for await (const next of inOrder(tasks(), signal)) {
        last = next;
        if (!take(next)) break;
        yield { rows: next.rows, total: next.total };
        if (!next.next) break;
      }
      url = last === null ? url : last === 'ended' ? null : last.next;
    }
    reportGap(onGap, check.finish());
  }

  /** Maps a list's rows, refusing the page (a typed error) when a row lacks what the model requires. */
  async function* mapped<T>(
    path: string,
    params: Record<string, string>,
    scope: ResourceScope,
    map: (raw: Raw) => T | null | Promise<T | null>,
    total = true,
  ): AsyncGenerator<Page<T>> {
    for await (const page of pages(path, params, scope.signal, scope.onGap)) {
      const items: T[] = [];
      const raw: unknown[] = [];
      for (const row of page.rows) {
        let item: T | null;
        try {
          item = await map(row);
        } catch (error) {
          if (!(error instanceof BadRow)) throw error;
          throw new HttpError(
            'bad_response',
            `TeamUp sent ${error.message} in ${path}, so Rollbook cannot store it. ` +
              'Try again later; if it keeps happening, report it to TeamUp.',
          );
        }
        if (item === null) continue;
        items.push(item);
        raw.push(row);
      }
      if (items.length > 0) yield { items, raw, total: total ? page.total : null };
    }
  }

  /** The filter value in the form TeamUp was seen to accept: whole seconds with an explicit `+00:00` offset. */
  const windowStart = (since: string | null | undefined): string | null => {
    const ms = since ? Date.parse(since) : NaN;
    return Number.isNaN(ms)
      ? null
      : new Date(Math.floor((ms - LATE_MARKING_MS) / 1000) * 1000).toISOString().replace('.000Z', '+00:00');
  };

  // `expand` + dotted `fields` bring venue (name, zone) and instructor names with each session page: no call per
  // session.
  const SESSION_QUERY = {
    expand: 'venue,instructors',
    fields:
      'id,name,starts_at,ends_at,status,attending_count,max_occupancy,course,' +
      'venue.name,venue.timezone,instructors.name',
  };
  // The same for events, 250 to a page (their documented maximum). Waiting count and late-cancel deadline have no
  // column yet; asking for them keeps them in the cached raw rows.
  const EVENT_QUERY = {
    page_size: String(TEAMUP_EVENTS_PAGE_SIZE),
    expand: 'venue,instructors',
    fields:
      'id,name,starts_at,ends_at,status,attending_count,waiting_count,max_occupancy,late_cancel_deadline,' +
      'offering_type,venue.name,venue.timezone,instructors.name',
  };
  /** Only each event's class type, for the list of class types. */
  const EVENT_TYPE_QUERY = {
    page_size: String(TEAMUP_EVENTS_PAGE_SIZE),
    expand: 'offering_type',
    fields: 'id,offering_type.id,offering_type.name',
  };
  const CUSTOMER_FIELDS = { fields: 'id,first_name,last_name,email' };
  /** One deleted customer, if any: whether the server honours the `deleted` filter (see learners). */
  const DELETED_PROBE = () => urlFor('/customers', { deleted: 'true', page_size: '1', fields: 'id' });
  // Rosters cannot be filtered by session or course: read by date window, each row carrying its session's course.
  const ATTENDANCE_QUERY = {
    expand: 'course_session',
    fields: 'id,status,customer,course_session.id,course_session.course',
  };
  // The waitlist spot is deferred: without it a waitlisted customer reads as `not_registered`.
  const EVENT_ATTENDANCE_QUERY = {
    expand: 'event,waitlist_spot',
    fields: 'id,status,customer,event.id,event.offering_type,waitlist_spot.status',
  };

  /** Session id → course id when the server ignored the expansion: one lookup per unknown session, remembered. */
  async function courseOfSession(sessionId: string, signal: AbortSignal): Promise<string> {
    const known = sessionCourse.get(sessionId);
    if (known) return known;
    let courseId: string | null;
    if (sessionId.startsWith(EVENT_PREFIX)) {
      const eventId = sessionId.slice(EVENT_PREFIX.length);
      const event = await get(urlFor(`/events/${eventId}`, { fields: 'id,offering_type' }), signal);
      courseId = classCourseId(idOf(event.offering_type));
    } else {
      const session = await get(urlFor(`/course_sessions/${sessionId}`, { fields: 'id,course' }), signal);
      courseId = idOf(session.course);
    }
    if (!courseId) throw new BadRow(`course session ${sessionId} without a course`);
    sessionCourse.set(sessionId, courseId);
    return courseId;
  }

  /** A class type's name, looked up once when events came back with the type unexpanded. */
  async function classTypeName(offeringType: unknown, signal: AbortSignal): Promise<string | null> {
    const named = str(rec(offeringType).name);
    const id = idOf(offeringType);
    if (named || !id) return named;
    if (!classTypeNames.has(id)) {
      try {
        classTypeNames.set(id, str((await get(urlFor(`/offering_types/${id}`, { fields: 'id,name' }), signal)).name));
      } catch (error) {
        // Gone or not readable: the class type is still listed, under its id.
        if (!(error instanceof HttpError) || (error.code !== 'not_found' && error.code !== 'forbidden')) throw error;
        classTypeNames.set(id, null);
      }
    }
    return classTypeNames.get(id) ?? null;
  }

  /**
   * Courses, then the class types: the offering types events refer to (each listed once). Every event is read for
   * this (250 to a page, two fields each): `/offering_types` lists course types too and cannot say which have classes.
   */
  async function* courses(scope: ResourceScope): AsyncGenerator<Page<Course>> {
    yield* mapped('/courses', {}, scope, toCourse);
    const listed = new Set<string>();
    yield* mapped(
      '/events',
      EVENT_TYPE_QUERY,
      scope,
      async (raw) => {
        const id = classCourseId(idOf(raw.offering_type));
        if (listed.has(id)) return null;
        listed.add(id);
        return toClassCourse(raw.offering_type, await classTypeName(raw.offering_type, scope.signal));
      },
      false,
    );
  }

  async function* sessions(scope: ResourceScope): AsyncGenerator<Page<CourseSession>> {
    const from = windowStart(scope.since);
    const window: Record<string, string> = from ? { starts_at_gte: from } : {};
    const at = now();
    // With the run's course ids, read only those courses' sessions (a course created mid-run is left for next time).
    const courseIds = scope.courseIds?.filter((id) => !isClassCourse(id));
    const groups = courseIds ? [...chunks(courseIds, COURSE_FILTER_CHUNK)] : [null];
    const query = (group: string[] | null) => ({
      ...SESSION_QUERY,
      ...window,
      ...(group ? { course: group.join(',') } : {}),
    });
    for (const [i, group] of groups.entries()) {
      // The next group's first page leaves beside this group's pages, so it does not open with a round trip alone.
      const next = groups[i + 1];
      if (next) prime(firstPageOf('/course_sessions', query(next)), scope.signal);
      for await (const page of mapped(
        '/course_sessions',
        query(group),
        scope,
        (r) => toSession(r, at),
        groups.length === 1,
      )) {
        for (const s of page.items) sessionCourse.set(s.id, s.courseId);
        yield page;
      }
    }
    yield* events(scope, window, at);
  }

  /** Events in the same window, as sessions of the run's class types (a type first seen mid-run waits a run). */
  async function* events(
    scope: ResourceScope,
    window: Record<string, string>,
    at: Date,
  ): AsyncGenerator<Page<CourseSession>> {
    const classes = scope.courseIds ? new Set(scope.courseIds.filter(isClassCourse)) : null;
    if (classes && classes.size === 0) return; // a business without classes: no request
    for await (const page of mapped(
      '/events',
      { ...EVENT_QUERY, ...window },
      scope,
      (raw) => {
        const session = toEventSession(raw, at);
        return classes && !classes.has(session.courseId) ? null : session;
      },
      false,
    )) {
      for (const s of page.items) sessionCourse.set(s.id, s.courseId);
      yield page;
    }
  }

  /**
   * Always the whole list: registers are corrected and bookings removed any time after a session, and the list has no
   * `updated_at` filter to find those by, so a window on session start would keep them wrong until a full sync.
   */
  async function* attendance(scope: ResourceScope): AsyncGenerator<Page<Attendance>> {
    for await (const page of attendancePages(scope)) {
      const beside = await unlistedLearners(page.items, scope.signal);
      yield beside ? { ...page, learners: beside } : page;
    }
  }

  async function* attendancePages(scope: ResourceScope): AsyncGenerator<Page<Attendance>> {
    yield* courseAttendancePages(scope);
    yield* mapped('/attendances', EVENT_ATTENDANCE_QUERY, scope, async (raw) => {
      const eventId = idOf(raw.event);
      if (!eventId) throw new BadRow('an attendance without an event');
      const learnerId = idOf(raw.customer);
      if (!learnerId) return null; // no customer attached: nothing to report on
      const sessionId = `${EVENT_PREFIX}${eventId}`;
      const event = rec(raw.event);
      const courseId =
        'offering_type' in event
          ? classCourseId(idOf(event.offering_type))
          : await courseOfSession(sessionId, scope.signal);
      return { learnerId, sessionId, courseId, ...eventAttendanceStatus(raw) };
    });
  }

  function courseAttendancePages(scope: ResourceScope): AsyncGenerator<Page<Attendance>> {
    return mapped('/course_session_attendances', ATTENDANCE_QUERY, scope, async (raw) => {
      const sessionId = idOf(raw.course_session);
      if (!sessionId) throw new BadRow('an attendance without a course session');
      const learnerId = idOf(raw.customer);
      if (!learnerId) return null; // no customer attached: nothing to report on
      const rawStatus = str(raw.status) ?? 'registered';
      const courseId = idOf(rec(raw.course_session).course) ?? (await courseOfSession(sessionId, scope.signal));
      return { learnerId, sessionId, courseId, status: ATTENDANCE[rawStatus] ?? 'registered', rawStatus };
    });
  }

  /**
   * Every customer, deleted ones too: their past attendance stays, and a learner never synced leaves nameless rows.
   * Customers carry no status of their own, so it comes from the `deleted` filter (named, not described, in the
   * reference): `deleted=false` lists the active ones and `deleted=true` the deleted ones, if the server honours it.
   * One request first (`deleted=true`, one row) tells: a server ignoring the filter answers it with the same list as
   * `deleted=false`, and then the statuses stay unknown and the second listing is not read (it would repeat the first).
   */
  async function* learners(scope: ResourceScope): AsyncGenerator<Page<Learner>> {
    listedLearners = null;
    deletedFilterHonoured = false;
    const seen = new Set<string>();
    let probe: { count: number | null; first: string | null } | null = null;
    try {
      const body = await get(DELETED_PROBE(), scope.signal);
      const rows = Array.isArray(body.results) ? body.results : [];
      probe = { count: num(body.count), first: idOf(rec(rows[0]).id) };
    } catch (error) {
      // A server refusing the filter itself (400): one plain listing is all there is, statuses unknown.
      if (!(error instanceof HttpError) || error.status !== 400) throw error;
    }
    let first = true;
    const params = probe ? { ...CUSTOMER_FIELDS, deleted: 'false' } : CUSTOMER_FIELDS;
    for await (const page of mapped('/customers', params, scope, (raw) => toLearner(raw))) {
      if (first && probe) {
        const same = probe.count !== null && probe.count > 0 && probe.count === page.total;
        deletedFilterHonoured = !(same && probe.first === page.items[0]?.id);
      }
      first = false;
      for (const learner of page.items) {
        seen.add(learner.id);
        if (deletedFilterHonoured) learner.status = 'active';
      }
      yield page;
    }
    // An empty first listing (nobody active) leaves the question open; the probe's own answer then decides.
    if (first && probe) deletedFilterHonoured = true;
    if (deletedFilterHonoured && probe && probe.count !== 0) {
      const deleted = { ...CUSTOMER_FIELDS, deleted: 'true' };
      for await (const page of mapped('/customers', deleted, scope, (raw) => toLearner(raw, 'deleted'), false)) {
        const fresh = page.items.map((l) => !seen.has(l.id));
        const items = page.items.filter((_, i) => fresh[i]);
        for (const learner of items) seen.add(learner.id);
        if (items.length > 0) yield { items, raw: page.raw.filter((_, i) => fresh[i]), total: null };
      }
    }
    listedLearners = seen;
  }

  /**
   * Customers an attendance names that the listings did not give (a server whose `deleted` filter does not do what
   * it seems to), looked up one by one so no row is left nameless. Only after a whole listing in this run: without
   * one, every customer would be looked up.
   */
  async function unlistedLearners(rows: Attendance[], signal: AbortSignal): Promise<Page<Learner>['learners']> {
    const listed = listedLearners;
    if (!listed) return undefined;
    const out: NonNullable<Page<Learner>['learners']> = { items: [], raw: [] };
    for (const id of new Set(rows.map((a) => a.learnerId))) {
      if (listed.has(id)) continue;
      listed.add(id); // asked once, found or not
      try {
        const raw = await get(urlFor(`/customers/${encodeURIComponent(id)}`, CUSTOMER_FIELDS), signal);
        // Missing from listings that hide deleted customers: deleted. Missing from both halves of an honoured
        // `deleted` filter: most likely added since, so unknown.
        out.items.push(toLearner(raw, deletedFilterHonoured ? null : 'deleted'));
        out.raw.push(raw);
      } catch (error) {
        if (error instanceof BadRow) continue;
        // Gone for good (404): the attendance keeps its id; nothing else to name it by.
        if (!(error instanceof HttpError) || error.code !== 'not_found') throw error;
      }
    }
    return out.items.length > 0 ? out : undefined;
  }

  /**
   * Primes the first pages every run reads whatever came before (see `primed`): the class types' events, the customer
   * probe and first page, and both attendance lists. Sent once the run's first request has queued, so the course list
   * does not wait behind them; always used, so they cost no request of the per-minute budget the run would not spend.
   */
  function beginRun(plan: RunPlan): () => void {
    const stop = new AbortController();
    const onAbort = () => stop.abort(plan.signal.reason);
    plan.signal.addEventListener('abort', onAbort, { once: true });
    const firsts = [
      firstPageOf('/events', EVENT_TYPE_QUERY),
      DELETED_PROBE(),
      firstPageOf('/customers', { ...CUSTOMER_FIELDS, deleted: 'false' }),
      firstPageOf('/course_session_attendances', ATTENDANCE_QUERY),
      firstPageOf('/attendances', EVENT_ATTENDANCE_QUERY),
    ];
    const timer = setImmediate(() => {
      for (const url of firsts) prime(url, stop.signal);
    });
    return () => {
      clearImmediate(timer);
      plan.signal.removeEventListener('abort', onAbort);
      primed.clear();
      stop.abort(new Error('The sync ended before these pages were used.'));
    };
  }

  async function* progress(scope: ResourceScope): AsyncGenerator<Page<Progress>> {
    const at = now();
    if (scope.cached) {
      const cached = scope.cached;
      let courseIds = scope.courseIds;
      if (!courseIds) {
        const ids: string[] = [];
        for await (const page of courses(scope)) ids.push(...page.items.map((c) => c.id));
        courseIds = ids;
      }
      for (const courseId of courseIds) {
        scope.signal.throwIfAborted();
        const rows = deriveTeamupProgress({
          courseId,
          sessions: cached.sessionsOf(courseId),
          attendance: cached.attendanceOf(courseId),
          thresholdPct: threshold,
          now: at,
        });
        yield* progressPages(rows);
      }
      return;
    }
    // Direct use (no staging cache): one pass over sessions, one over attendance, tallied as they stream.
    const tally = new TeamupProgressTally(at);
    for await (const page of sessions({ signal: scope.signal, courseIds: scope.courseIds, onGap: scope.onGap }))
      page.items.forEach((s) => tally.addSession(s));
    for await (const page of attendancePages({ signal: scope.signal, onGap: scope.onGap }))
      page.items.forEach((a) => tally.addAttendance(a));
    for (const courseId of scope.courseIds ?? tally.courseIds())
      yield* progressPages(tally.progressOf(courseId, threshold));
  }

  async function listProviders(
    signal: AbortSignal,
  ): Promise<{ accountName: string | null; providers: { id: string; name: string }[] }> {
    const toProvider = (p: unknown) => ({ id: idOf(p) ?? '', name: str(rec(p).name) ?? `Provider ${idOf(p) ?? '?'}` });
    // Provider discovery runs without TeamUp-Provider-ID: a wrong id must not hide the list of right ones.
    try {
      const app = await get(urlFor('/auth/application'), signal, false);
      const scoped = Array.isArray(app.scoped_providers)
        ? app.scoped_providers.map(toProvider).filter((p) => p.id)
        : [];
      if (scoped.length > 0) return { accountName: str(app.name), providers: scoped };
    } catch (error) {
      if (!(error instanceof HttpError) || (error.code !== 'not_found' && error.code !== 'forbidden')) throw error;
    }
    const providers: { id: string; name: string }[] = [];
    // A picker, not an export: a list that changed while read is still good enough to choose from.
    for await (const page of pages('/providers', {}, signal, () => {}, false)) {
      providers.push(...page.rows.map(toProvider).filter((p) => p.id));
      if (providers.length >= 1000) break; // a picker, not an export
    }
    return { accountName: null, providers };
  }

  const connector: Connector = {
    platform: 'teamup',
    incremental: new Set(['sessions']),

    async testConnection(signal) {
      const { accountName, providers } = await listProviders(signal);
      const chosen = providers.find((p) => p.id === settings.providerId);
      if (settings.providerId && providers.length > 0 && !chosen) {
        throw new HttpError(
          'forbidden',
          `This TeamUp token cannot reach provider ${settings.providerId}. It reaches: ${providers
            .slice(0, 10)
            .map((p) => `${p.name} (${p.id})`)
            .join(', ')}. Pick one of these.`,
        );
      }
      const single = providers.length === 1 ? providers[0]! : undefined;
      const name = chosen?.name ?? single?.name ?? accountName ?? 'TeamUp';
      if (providers.length > 1 && !settings.providerId) {
        return {
          accountName: name,
          courseCount: null,
          providers,
          notes: [`The token reaches ${providers.length} providers (businesses): pick the one to sync.`, ...notes],
        };
      }
      const courses = await get(urlFor('/courses', { page_size: '1', fields: 'id' }), signal);
      return { accountName: name, courseCount: num(courses.count), providers, notes: [...notes] };
    },

    courses,
    learners,
    sessions,
    attendance,
    progress,
    beginRun,
  };
  return connector;
}
