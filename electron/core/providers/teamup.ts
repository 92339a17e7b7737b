/**
 * TeamUp connector (API v2). Courses run as dated course sessions; there is no learner-level completion in the API,
 * so course progress is derived from course-session attendance (attended ÷ held sessions, completed at or above the
 * account's threshold once the course's last session has ended).
 *
 * JSON is TeamUp's default format and the only one this connector asks for; `format=xml` exists (the simulator
 * serves it) but offers nothing JSON lacks.
 */
import type { TeamupSettings } from '../contract/accounts';
import type {
  Attendance,
  AttendanceStatus,
  Course,
  CourseSession,
  Learner,
  Progress,
  ProgressStatus,
  SessionStatus,
} from '../contract/domain';
import { HttpError } from '../http/errors';
import type { Connector, ConnectorInit, Page, ResourceScope } from './types';

/** Documented: 250 requests per minute per caller. The core gives TeamUp accounts a client with this budget. */
export const TEAMUP_REQUESTS_PER_MINUTE = 250;
const PAGE_SIZE = 100;
/** Attendance gets marked after the fact: an incremental run re-reads sessions from a week before its cursor. */
const LATE_MARKING_MS = 7 * 86_400_000;

type Raw = Record<string, unknown>;

const rec = (v: unknown): Raw => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {});
const str = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));
const iso = (v: unknown): string | null => {
  const s = str(v);
  if (!s) return null;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
};
/** Expandable fields are an id (int) when not expanded and an object when expanded. */
const idOf = (v: unknown): string | null => (v && typeof v === 'object' ? str(rec(v).id) : str(v));

export function toSession(raw: Raw, now: Date): CourseSession {
  const startsAt = iso(raw.starts_at) ?? new Date(0).toISOString();
  const rawStatus = str(raw.status);
  const status: SessionStatus = rawStatus === 'cancelled' ? 'cancelled' : Date.parse(startsAt) <= now.getTime() ? 'held' : 'scheduled';
  const instructors = Array.isArray(raw.instructors) ? raw.instructors.map((i) => str(rec(i).name)).filter((n): n is string => n !== null) : [];
  const max = typeof raw.max_occupancy === 'number' ? raw.max_occupancy : null;
  return {
    id: str(raw.id) ?? '',
    courseId: idOf(raw.course) ?? '',
    name: str(raw.name),
    startsAt,
    endsAt: iso(raw.ends_at),
    status,
    rawStatus,
    venue: raw.venue && typeof raw.venue === 'object' ? str(rec(raw.venue).name) : null,
    instructors,
    // null and 0 both mean "unlimited" in TeamUp.
    capacity: max && max > 0 ? max : null,
    attendingCount: typeof raw.attending_count === 'number' ? raw.attending_count : null,
  };
}

const ATTENDANCE: Record<string, AttendanceStatus> = {
  registered: 'registered',
  attended: 'attended',
  no_show: 'no_show',
  late_cancelled: 'late_cancelled',
  not_registered: 'cancelled',
};

/**
 * Course progress per learner from that course's sessions and attendance:
 * - held = not cancelled and already started; share = attended ÷ held;
 * - the course's last (non-cancelled) session has ended → `completed` at or above the threshold, else `incomplete`;
 * - otherwise `in_progress` once something was held, `not_started` before.
 */
export function deriveTeamupProgress(
  courseId: string,
  sessions: CourseSession[],
  attendance: Attendance[],
  thresholdPct: number,
  now: Date,
): Progress[] {
  const live = sessions.filter((s) => s.status !== 'cancelled');
  const heldIds = new Set(live.filter((s) => Date.parse(s.startsAt) <= now.getTime()).map((s) => s.id));
  const last = live.reduce<CourseSession | null>((a, s) => (!a || s.startsAt > a.startsAt ? s : a), null);
  const lastEnd = last ? Date.parse(last.endsAt ?? last.startsAt) : Infinity;
  const ended = last !== null && lastEnd <= now.getTime();
  const startOf = new Map(live.map((s) => [s.id, s.startsAt]));

  const byLearner = new Map<string, { attended: number; lastAttended: string | null; first: string | null }>();
  for (const a of attendance) {
    if (!startOf.has(a.sessionId)) continue;
    const entry = byLearner.get(a.learnerId) ?? { attended: 0, lastAttended: null, first: null };
    const start = startOf.get(a.sessionId)!;
    if (!entry.first || start < entry.first) entry.first = start;
    if (heldIds.has(a.sessionId) && a.status === 'attended') {
      entry.attended += 1;
      if (!entry.lastAttended || start > entry.lastAttended) entry.lastAttended = start;
    }
    byLearner.set(a.learnerId, entry);
  }

  const held = heldIds.size;
  return [...byLearner.entries()].map(([learnerId, e]) => {
    const share = held === 0 ? 0 : (e.attended / held) * 100;
    const status: ProgressStatus = held === 0 ? 'not_started' : ended ? (share >= thresholdPct ? 'completed' : 'incomplete') : 'in_progress';
    return {
      learnerId,
      courseId,
      status,
      rawStatus: `${e.attended}/${held} attended`,
      progressPct: Math.round(share * 100) / 100,
      score: null,
      startedAt: e.first,
      completedAt: status === 'completed' ? new Date(lastEnd).toISOString() : null,
      lastActivityAt: e.lastAttended,
    };
  });
}

export function createTeamupConnector(init: ConnectorInit<TeamupSettings> & { defaultThreshold?: number }): Connector {
  const { settings, secret, http } = init;
  const now = init.now ?? (() => new Date());
  const base = settings.baseUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  const threshold = settings.completionThreshold ?? init.defaultThreshold ?? 80;
  http.redact(secret);

  const headers = (): Record<string, string> => ({
    Authorization: `${settings.authScheme === 'token' ? 'Token' : 'Bearer'} ${secret}`,
    Accept: 'application/json',
    ...(settings.providerId ? { 'TeamUp-Provider-ID': settings.providerId } : {}),
  });

  async function getJson(url: string, signal: AbortSignal): Promise<Raw> {
    const response = await http.request({ url, headers: headers(), signal });
    try {
      const parsed = JSON.parse(response.body) as unknown;
      if (!parsed || typeof parsed !== 'object') throw new Error('not an object');
      return parsed as Raw;
    } catch (error) {
      throw new HttpError('bad_response', `TeamUp sent a response Rollbook cannot read (malformed JSON) for ${new URL(url).pathname}. Try again later.`, response.status, response.body.slice(0, 120), { cause: error });
    }
  }

  /** Follows DRF-style `next` links; refuses to send the token to any other origin. */
  async function* list<T>(path: string, params: Record<string, string>, map: (raw: Raw) => T, scope: ResourceScope): AsyncIterable<Page<T>> {
    let url: string | null = `${base}${path}?${new URLSearchParams({ page_size: String(PAGE_SIZE), ...params })}`;
    const seen = new Set<string>();
    while (url) {
      scope.signal.throwIfAborted();
      const body = await getJson(url, scope.signal);
      if (!Array.isArray(body.results)) {
        throw new HttpError('bad_response', `TeamUp answered ${path} without a results list. Try again later.`);
      }
      const raw = body.results.map(rec);
      if (raw.length > 0) yield { items: raw.map(map), raw, total: typeof body.count === 'number' ? body.count : null };
      const next = str(body.next);
      if (next && new URL(next, base).origin !== origin) {
        throw new HttpError('bad_response', `TeamUp pointed the next page at another host (${new URL(next).host}); Rollbook stopped rather than send your token there.`);
      }
      url = next && !seen.has(next) && raw.length > 0 ? new URL(next, base).toString() : null;
      if (url) seen.add(url);
    }
  }

  const explain = (error: unknown): never => {
    if (!(error instanceof HttpError)) throw error;
    switch (error.code) {
      case 'auth_failed':
        throw new HttpError('auth_failed', `TeamUp rejected the API token (HTTP 401). Check the token, and the Authorization scheme (currently "${settings.authScheme === 'token' ? 'Token' : 'Bearer'}") in the account settings.`, error.status, error.excerpt);
      case 'forbidden':
        throw new HttpError('forbidden', `TeamUp refused access (HTTP 403): the token lacks a staff permission (courses need "manage events" or "attendances") or cannot reach provider ${settings.providerId ?? '(none set)'}.`, error.status, error.excerpt);
      case 'network':
      case 'timeout':
        throw new HttpError(error.code, `Could not reach TeamUp at ${new URL(base).host}. ${error.message}`, error.status, error.excerpt);
      default:
        throw error;
    }
  };
  const guarded = <T>(make: () => AsyncIterable<T>): AsyncIterable<T> => ({
    async *[Symbol.asyncIterator]() {
      try {
        yield* make();
      } catch (error) {
        explain(error);
      }
    },
  });

  const toCourse = (raw: Raw): Course => ({
    id: str(raw.id) ?? '',
    name: str(raw.name) ?? `Course ${str(raw.id)}`,
    type: 'course',
    description: null,
    createdAt: null,
    updatedAt: null,
    url: null,
  });
  const toLearner = (raw: Raw): Learner => {
    const firstName = str(raw.first_name);
    const lastName = str(raw.last_name);
    const email = str(raw.email);
    return { id: str(raw.id) ?? '', name: [firstName, lastName].filter(Boolean).join(' ') || email || `Customer ${str(raw.id)}`, email, firstName, lastName };
  };
  const toAttendance = (raw: Raw): Attendance => {
    const rawStatus = str(raw.status) ?? 'registered';
    const session = rec(raw.course_session);
    return {
      learnerId: idOf(raw.customer) ?? '',
      sessionId: idOf(raw.course_session) ?? '',
      courseId: idOf(session.course) ?? '',
      status: ATTENDANCE[rawStatus] ?? 'registered',
      rawStatus,
    };
  };

  const windowStart = (since: string | null | undefined) =>
    since ? new Date(Date.parse(since) - LATE_MARKING_MS).toISOString() : null;

  // `expand` + dotted `fields` fetch venue and instructor names with the sessions: no call per session.
  const sessionParams = { expand: 'venue,instructors', fields: 'id,name,starts_at,ends_at,status,attending_count,max_occupancy,course,venue.name,instructors.name' };

  const connector: Connector = {
    platform: 'teamup',
    incremental: new Set(['sessions', 'attendance']),

    async testConnection(signal) {
      try {
        let providers: { id: string; name: string }[] = [];
        let accountName = 'TeamUp';
        try {
          const app = await getJson(`${base}/auth/application`, signal);
          providers = (Array.isArray(app.scoped_providers) ? app.scoped_providers : []).map((p) => ({ id: str(rec(p).id) ?? '', name: str(rec(p).name) ?? '' }));
          accountName = str(app.name) ?? accountName;
        } catch (error) {
          if (!(error instanceof HttpError) || (error.code !== 'not_found' && error.code !== 'forbidden')) throw error;
          const list = await getJson(`${base}/providers?page_size=${PAGE_SIZE}`, signal);
          providers = (Array.isArray(list.results) ? list.results : []).map((p) => ({ id: str(rec(p).id) ?? '', name: str(rec(p).name) ?? '' }));
        }
        const chosen = providers.find((p) => p.id === settings.providerId);
        const notes: string[] = [];
        if (providers.length > 1 && !settings.providerId) {
          notes.push(`The token reaches ${providers.length} providers: pick one (provider id) to sync.`);
          return { accountName, courseCount: null, providers, notes };
        }
        const courses = await getJson(`${base}/courses?page_size=1`, signal);
        return {
          accountName: chosen ? `${accountName} — ${chosen.name}` : providers.length === 1 ? `${accountName} — ${providers[0]!.name}` : accountName,
          courseCount: typeof courses.count === 'number' ? courses.count : null,
          providers,
          notes,
        };
      } catch (error) {
        return explain(error);
      }
    },

    courses: (scope) => guarded(() => list('/courses', {}, toCourse, scope)),
    learners: (scope) => guarded(() => list('/customers', { fields: 'id,first_name,last_name,email' }, toLearner, scope)),
    sessions: (scope) =>
      guarded(() => {
        const from = windowStart(scope.since);
        return list('/course_sessions', { ...sessionParams, ...(from ? { starts_at_gte: from } : {}) }, (r) => toSession(r, now()), scope);
      }),
    // No session filter exists on course-session attendances: pull them by date window and group locally.
    attendance: (scope) =>
      guarded(() => {
        const from = windowStart(scope.since);
        return list(
          '/course_session_attendances',
          { expand: 'course_session', fields: 'id,status,customer,course_session.id,course_session.course', ...(from ? { course_session_starts_at_gte: from } : {}) },
          toAttendance,
          scope,
        );
      }),
    progress: (scope) =>
      guarded(async function* () {
        const at = now();
        if (scope.cached) {
          for (const courseId of scope.courseIds ?? []) {
            scope.signal.throwIfAborted();
            const rows = deriveTeamupProgress(courseId, scope.cached.sessionsOf(courseId), scope.cached.attendanceOf(courseId), threshold, at);
            if (rows.length > 0) yield { items: rows, raw: rows.map((r) => ({ derivedFrom: 'course_session_attendances', ...r })) };
          }
          return;
        }
        // Without a staging cache (direct use): fetch sessions and attendance, then derive per course.
        const sessions = new Map<string, CourseSession[]>();
        for await (const page of connector.sessions({ signal: scope.signal })) {
          for (const s of page.items) sessions.set(s.courseId, [...(sessions.get(s.courseId) ?? []), s]);
        }
        const attendance = new Map<string, Attendance[]>();
        for await (const page of connector.attendance({ signal: scope.signal })) {
          for (const a of page.items) attendance.set(a.courseId, [...(attendance.get(a.courseId) ?? []), a]);
        }
        for (const [courseId, list] of sessions) {
          const rows = deriveTeamupProgress(courseId, list, attendance.get(courseId) ?? [], threshold, at);
          if (rows.length > 0) yield { items: rows, raw: rows.map((r) => ({ derivedFrom: 'course_session_attendances', ...r })) };
        }
      }),
  };
  return connector;
}
