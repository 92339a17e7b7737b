/**
 * SelfCommunity connector (API v2, courses; see shared/api/selfcommunity.md). Authenticates with a user's Bearer
 * access token, or signs its own short-lived HS256 JWT with the community's secret, acting as a chosen user, or
 * through an OAuth sign-in whose access token it renews (selfcommunity-oauth.ts).
 *
 * - Courses: `/course/search/` = every course the identity can see, so the report lists all of them and the run
 *   names the ones whose learners it could not read. Search answers "Course Minimal", which has no description:
 *   each course's detail (`/course/{id}/`, one request per course) brings it, and the course's lesson tree.
 * - Quiz results: for a course with a published quiz, its attempts table (`/course/{id}/quiz/`, managers only, paged)
 *   is read before its learners; a learner whose latest attempt at the course's final quiz (its last published quiz
 *   lesson) failed, and who has not completed the course, is `failed`, and that attempt's grade is the score.
 * - Progress: each course's dashboard table (`/course/{id}/users/`), which only the course's creator or managers may
 *   read. A 403 there is reported through `onSkip` (the course is skipped, the run goes on).
 * - Learners: the same dashboard rows (id, username, real name), so every progress row has its learner and members
 *   who never joined a course are not paged through. No list route carries e-mail: only `/user/me/` (the caller) and
 *   the admin-only, one-user-per-request `/account/search/` do, which would cost a request per learner per sync, so
 *   e-mail stays null.
 * - No sessions or attendance exist on SelfCommunity.
 *
 * Not incremental: no course or member list filters by modification time, and a completion rate changes without any
 * timestamp moving when a manager publishes or unpublishes a lesson (rates count published lessons only), so a
 * windowed read could keep stale percentages. Every run reads everything.
 */
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { SelfcommunitySettings } from '../contract/accounts';
import type { Course, Learner, Progress, ProgressStatus } from '../contract/domain';
import { RollbookError } from '../contract/errors';
import { HttpError } from '../http/errors';
import type { HttpResponse } from '../http/types';
import { ListingCheck, reportGap } from './listing';
import { IN_FLIGHT_PER_ACCOUNT, inOrder } from './parallel';
import { communityRoot, oauthBearer, parseCredential } from './selfcommunity-oauth';
import type { Connector, ConnectorInit, Page, ResourceScope } from './types';

/** The docs name no maximum page size; 100 is what DRF deployments commonly allow, and `next` is followed anyway. */
const PAGE_SIZE = 100;
/** What the SDK's own screens ask for: used when a community refuses PAGE_SIZE (400 on `limit`) instead of clamping. */
const SDK_PAGE_SIZE = 20;
/** Our JWTs live 10 minutes and are re-signed when less than a minute is left (no server round-trip needed). */
export const SELFCOMMUNITY_JWT_LIFETIME_S = 10 * 60;
const JWT_RENEW_MARGIN_S = 60;
const MANAGER = new Set(['creator', 'manager']);
const QUIZ_RESULTS = new Set(['uncompleted', 'completed', 'failed']);

/** A learner's latest attempt at a course's final quiz. */
interface QuizOutcome {
  result: 'uncompleted' | 'completed' | 'failed';
  grade: number | null;
  /** When it was made (ms), to keep the latest. */
  at: number;
}

type Raw = Record<string, unknown>;
const rec = (v: unknown): Raw => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {});
const str = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));
const iso = (v: unknown): string | null => {
  const s = str(v);
  if (!s) return null;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
};
/** Completion rates are documented as integers, but the SDK rounds them, so accept floats and numeric strings. */
const rate = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? Math.min(100, Math.max(0, Math.round(n * 100) / 100)) : null;
};

/**
 * The documented paginated envelope. Every list Rollbook reads is paginated; the plain-array lists (sections, lessons)
 * are not read, so a bare array here is an answer of the wrong shape, not a short list.
 */
const envelopeSchema = z.looseObject({
  count: z.number().int().nonnegative(),
  next: z.string().nullish(),
  results: z.array(z.unknown()),
});
const rowSchema = z.looseObject({ id: z.union([z.number().int(), z.string().regex(/^\S+$/)]) });

/** 100% → completed; 0% (or unknown) with no activity → not started; anything else → in progress. */
export function selfcommunityStatus(completionRate: number | null, lastActiveAt: string | null): ProgressStatus {
  if (completionRate !== null && completionRate >= 100) return 'completed';
  if ((completionRate === null || completionRate === 0) && !lastActiveAt) return 'not_started';
  return 'in_progress';
}

export function createSelfcommunityConnector(init: ConnectorInit<SelfcommunitySettings>): Connector {
  const { settings, http } = init;
  // Secrets pasted from the admin console often carry a trailing newline.
  const secret = init.secret.trim();
  const now = init.now ?? (() => new Date());
  const root = communityRoot(settings.baseUrl);
  const base = new URL(root);
  const host = base.host;
  http.redact(init.secret);
  http.redact(secret);

  const api = (path: string, params: Record<string, string> = {}) => {
    const query = new URLSearchParams(params).toString();
    return `${root}/api/v2/${path}${query ? `?${query}` : ''}`;
  };

  // ---- auth ------------------------------------------------------------------------------------------------------

  const oauth = settings.authMode === 'oauth' ? oauthSession() : null;

  function oauthSession() {
    const credential = parseCredential(init.secret);
    if (!credential || !settings.oauthClientId) {
      throw new RollbookError(
        'reconnect_needed',
        'This SelfCommunity account signs in with OAuth, but its saved sign-in is missing or unreadable. ' +
          'Sign in with SelfCommunity again to reconnect.',
      );
    }
    return oauthBearer({
      http,
      client: { root, clientId: settings.oauthClientId },
      credential,
      now,
      save: init.saveSecret,
    });
  }

  let jwt: { token: string; exp: number } | null = null;
  let signing: Promise<string> | null = null;

  async function signJwt(): Promise<string> {
    if (!settings.jwtUserId) {
      throw new RollbookError(
        'invalid_input',
        'This SelfCommunity account signs its own tokens (JWT) but has no user id to act as. ' +
          'Enter the id of a course creator or manager in the account settings.',
      );
    }
    const iat = Math.floor(now().getTime() / 1000);
    const exp = iat + SELFCOMMUNITY_JWT_LIFETIME_S;
    // Claims as SelfCommunity documents them (simplejwt style): user_id, token_type "access", jti, iat, exp in seconds.
    const token = await new SignJWT({ user_id: settings.jwtUserId, token_type: 'access' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setJti(randomUUID())
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(secret));
    http.redact(token);
    jwt = { token, exp };
    return token;
  }

  async function bearer(signal: AbortSignal): Promise<string> {
    if (oauth) return oauth.token(signal);
    if (settings.authMode !== 'jwt') return secret;
    const nowS = Math.floor(now().getTime() / 1000);
    if (jwt && jwt.exp - JWT_RENEW_MARGIN_S > nowS) return jwt.token;
    // Parallel requests share one signature instead of each minting a token.
    signing ??= signJwt().finally(() => {
      signing = null;
    });
    return signing;
  }

  /** After a 401 on a token we signed: is the signature (the secret) wrong, or is the user refused? */
  async function diagnoseJwt(signal: AbortSignal): Promise<'signature' | 'user' | 'unknown'> {
    try {
      await http.request({
        method: 'POST',
        url: api('jwt/verify_token/'),
        headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: jwt?.token ?? '' }),
        signal,
        retry: false,
      });
      return 'user';
    } catch (error) {
      return error instanceof HttpError && error.code === 'auth_failed' ? 'signature' : 'unknown';
    }
  }

  // ---- errors ----------------------------------------------------------------------------------------------------

  /** The provider's own words from an error body: `{"errors":[{message}|{field,messages}]}` or DRF's `{"detail"}`. */
  function providerSays(excerpt: string | undefined): string | null {
    if (!excerpt) return null;
    try {
      const body = rec(JSON.parse(excerpt));
      if (typeof body.detail === 'string') return body.detail;
      const first = rec(Array.isArray(body.errors) ? body.errors[0] : undefined);
      const message =
        str(first.message) ?? str(rec(Array.isArray(first.messages) ? first.messages[0] : undefined).message);
      return message
        ? first.field && first.field !== 'non_field_errors'
          ? `${String(first.field)}: ${message}`
          : message
        : null;
    } catch {
      return null; // not JSON, or cut off by the excerpt limit
    }
  }

  async function explain(error: unknown, url: string, signal: AbortSignal): Promise<never> {
    if (!(error instanceof HttpError)) throw error;
    if (error.stoppedBy) throw error; // one of Rollbook's own limits: the message already says which, and why
    const path = new URL(url).pathname;
    const said = providerSays(error.excerpt);
    const saying = said ? ` SelfCommunity said: "${said.slice(0, 160)}".` : '';
    const make = (message: string) => new HttpError(error.code, message, error.status, error.excerpt, { cause: error });
    switch (error.code) {
      case 'auth_failed': {
        if (settings.authMode === 'oauth') {
          throw make(
            'SelfCommunity rejected the access token it had just renewed (HTTP 401). The OAuth application may ' +
              'have lost its access to the Community APIs; sign in with SelfCommunity again.',
          );
        }
        if (settings.authMode !== 'jwt') {
          throw make(
            'SelfCommunity rejected the access token (HTTP 401): it is wrong, expired or revoked. A pasted OAuth ' +
              'access token lasts 10 hours: use "Sign in with SelfCommunity" (renewed automatically) or a JWT ' +
              'secret key instead, or save a new token in the account settings.',
          );
        }
        const why = await diagnoseJwt(signal);
        if (why === 'user') {
          throw make(
            `SelfCommunity accepted the JWT signature but refused user id ${settings.jwtUserId} (HTTP 401). ` +
              'Check that this user exists and is active in the community, or choose another user id.',
          );
        }
        throw make(
          'SelfCommunity rejected the token Rollbook signed (HTTP 401). ' +
            'Check the JWT secret key (make.selfcommunity.io → Integrations → JWT) ' +
            `and that this computer's clock is ` +
            `right${why === 'unknown' ? `, and that user id ${settings.jwtUserId} exists` : ''}.`,
        );
      }
      case 'forbidden':
        throw make(
          `SelfCommunity refused access to ${path} (HTTP 403). The Community APIs may be switched off for ` +
            'this community (Integrations in make.selfcommunity.io), or this user lacks the ' +
            `permission.${saying}`,
        );
      case 'not_found':
        throw make(
          `SelfCommunity has nothing at ${path} on ${host} (HTTP 404). ` +
            `Check the community address (the community's own host, e.g. ` +
            `https://community.example.com) and that the Community APIs are enabled.${saying}`,
        );
      case 'rate_limited':
        throw make(
          `SelfCommunity kept asking Rollbook to slow down (HTTP 429) on ${path}, ` +
            'even after waiting. Sync again in a few minutes.',
        );
      case 'server_error':
        throw make(
          `SelfCommunity had a server error (HTTP ${error.status ?? '5xx'}) on ${path}, even after retrying. ` +
            `Try again later; if it persists, check SelfCommunity's status or contact their support.`,
        );
      case 'timeout':
        throw make(
          `SelfCommunity at ${host} took too long to answer ${path}. Check your connection, or try again later.`,
        );
      case 'network':
        throw make(`Could not reach SelfCommunity at ${host}. ${error.message}`);
      case 'bad_response':
        if (error.message.startsWith('SelfCommunity')) throw error;
        throw make(
          `SelfCommunity refused the request for ${path} (HTTP ` +
            `${error.status ?? '?'}).${saying} This looks like a Rollbook problem; ` +
            'please report it.',
        );
      default:
        throw error;
    }
  }

  const badResponse = (message: string, response?: HttpResponse, cause?: unknown) =>
    new HttpError('bad_response', message, response?.status, undefined, cause === undefined ? undefined : { cause });

  // ---- transport ---------------------------------------------------------------------------------------------------

  async function getJson(url: string, signal: AbortSignal): Promise<unknown> {
    let used = '';
    const send = async (token?: string) => {
      used = token ?? (await bearer(signal));
      return http.request({ url, headers: { Authorization: `Bearer ${used}`, Accept: 'application/json' }, signal });
    };
    let response: HttpResponse;
    try {
      try {
        response = await send();
      } catch (error) {
        // A JWT can be refused for clock drift or a secret rotated mid-run: sign a fresh one once; an OAuth access
        // token revoked or expired early is renewed once, as the SDK refreshes once on 401. Static tokens cannot be
        // renewed, so their 401 is final.
        if (!(error instanceof HttpError && error.code === 'auth_failed')) throw error;
        if (oauth) response = await send(await oauth.renew(signal, used));
        else if (settings.authMode === 'jwt' && jwt) {
          jwt = null;
          response = await send();
        } else throw error;
      }
    } catch (error) {
      return explain(error, url, signal);
    }
    const path = new URL(url).pathname;
    if (response.status >= 300) {
      throw badResponse(
        `SelfCommunity redirected ${path} (HTTP ${response.status}) instead of answering. ` +
          'Check the community address in the account settings.',
        response,
      );
    }
    try {
      return JSON.parse(response.body) as unknown;
    } catch (error) {
      throw badResponse(
        `SelfCommunity sent a response Rollbook cannot read (malformed JSON) for ${path}. Try again later; ` +
          'if it keeps happening, the community address may point at a web page rather than the API.',
        response,
        error,
      );
    }
  }

  /**
   * DRF builds `next` from the request it saw: behind a TLS proxy that can be http:// or another port, so those are
   * put back to the account's. Another host stays another host, and the HTTP client refuses to send anything there.
   */
  function nextUrl(next: string, current: string): string {
    const url = new URL(next, current);
    url.protocol = base.protocol;
    url.port = base.port;
    return url.toString();
  }

  let pageSize = PAGE_SIZE;

  /**
   * One limit/offset list, page by page, following `next` (absolute, as documented; relative accepted) until null.
   * Rows without an id make the page unreadable rather than silently dropped, and the rows read must match `count`
   * at the end (see ListingCheck): a listing that changed while it was read goes to `onGap`.
   */
  async function* list<T>(
    path: string,
    params: Record<string, string>,
    map: (raw: Raw) => T,
    what: string,
    signal: AbortSignal,
    onGap: ((reason: string) => void) | undefined,
  ): AsyncGenerator<Page<T>> {
    let url: string | null = api(path, { limit: String(pageSize), offset: '0', ...params });
    const check = new ListingCheck({ platform: 'SelfCommunity', what, maxPages: init.maxPages });
    let first = true;
    while (url) {
      check.visit(url);
      signal.throwIfAborted();
      const at = new URL(url).pathname;
      let answer: unknown;
      try {
        answer = await getJson(url, signal);
      } catch (error) {
        // The maximum `limit` is undocumented: a community that refuses ours (rather than clamping it) is asked again
        // with the SDK's own page size, once, before anything was read.
        const refused = error instanceof HttpError && error.status === 400 && /\blimit\b/.test(error.excerpt ?? '');
        if (!(first && refused && pageSize > SDK_PAGE_SIZE)) throw error;
        // Remembered for the rest of the run: every list would be refused the same way.
        pageSize = SDK_PAGE_SIZE;
        url = api(path, { limit: String(pageSize), offset: '0', ...params });
        continue;
      }
      first = false;
      const parsed = envelopeSchema.safeParse(answer);
      if (!parsed.success)
        throw badResponse(
          `SelfCommunity answered ${at} without a paginated list of ${what} (count, next, results). Try again later.`,
        );
      const body = parsed.data;
      const raw: Raw[] = [];
      for (const row of body.results) {
        if (!rowSchema.safeParse(row).success)
          throw badResponse(`SelfCommunity sent one of the ${what} without an id (${at}). Try again later.`);
        raw.push(row as Raw);
      }
      check.read(
        body.count,
        raw.map((row) => String(row.id)),
      );
      if (raw.length > 0) yield { items: raw.map(map), raw, total: body.count };
      const next: string | null = body.next ?? null;
      // DRF never links on from an empty page; following one could go on forever without a row to show for it.
      if (next && raw.length === 0)
        throw badResponse(`SelfCommunity answered ${at} with an empty page that links to another. Try again later.`);
      url = next ? nextUrl(next, url) : null;
    }
    reportGap(onGap, check.finish());
  }

  // ---- mapping -----------------------------------------------------------------------------------------------------

  const toCourse = (raw: Raw): Course => {
    const id = String(raw.id);
    const slug = str(raw.slug);
    return {
      id,
      name: str(raw.name) ?? `Course ${id}`,
      type: (str(raw.type) ?? 'course').toLowerCase(),
      description: str(raw.description)?.trim() || null,
      createdAt: iso(raw.created_at),
      updatedAt: null, // SelfCommunity exposes no modification time
      // The web app's course route is /course/:id/:slug/ (SDK defaultRoutes).
      url: slug ? `${root}/course/${encodeURIComponent(id)}/${encodeURIComponent(slug)}/` : null,
    };
  };

  const toLearner = (raw: Raw): Learner => {
    const id = String(raw.id);
    return {
      id,
      name: str(raw.real_name)?.trim() || str(raw.username) || `User ${id}`,
      email: str(raw.email), // absent from every list SelfCommunity documents; kept should a deployment add it
      // real_name is one free-text field; splitting it would guess wrong for many names.
      firstName: null,
      lastName: null,
    };
  };

  const toProgress =
    (courseId: string, finalQuiz: ReadonlyMap<string, QuizOutcome>) =>
    (raw: Raw): Progress => {
      const pct = rate(raw.user_completion_rate);
      const lastActiveAt = iso(raw.last_active_at);
      const quiz = finalQuiz.get(String(raw.id));
      let status = selfcommunityStatus(pct, lastActiveAt);
      // A failed final quiz keeps the rate under 100% for good: without this the learner is "in progress" forever.
      if (status !== 'completed' && quiz?.result === 'failed') status = 'failed';
      const rawPct = pct !== null ? `${pct}%` : str(raw.join_status);
      return {
        learnerId: String(raw.id),
        courseId,
        status,
        rawStatus: status === 'failed' ? `${rawPct}, final quiz failed` : rawPct,
        progressPct: pct,
        score: quiz && quiz.result !== 'uncompleted' ? quiz.grade : null,
        // Joining is the closest SelfCommunity has to "started".
        startedAt: iso(raw.joined_at),
        // No completion timestamp exists; the last lesson completion (last_active_at) is when the rate reached 100%.
        completedAt: status === 'completed' ? lastActiveAt : null,
        lastActivityAt: lastActiveAt,
      };
    };

  // ---- course details and quiz results -------------------------------------------------------------------------

  /** A course's detail (default view): its description, and the id of its final quiz (last published quiz lesson). */
  interface Detail {
    description: string | null;
    finalQuiz: string | null;
  }
  const details = new Map<string, Detail | null>();

  /** Null when the detail is closed or unreadable: the course keeps its search row and no quiz is read. */
  async function detailOf(courseId: string, signal: AbortSignal): Promise<Detail | null> {
    if (details.has(courseId)) return details.get(courseId)!;
    let raw: Raw;
    try {
      raw = rec(await getJson(api(`course/${encodeURIComponent(courseId)}/`), signal));
    } catch (error) {
      const tolerable = error instanceof HttpError && !error.stoppedBy;
      if (!(tolerable && ['forbidden', 'not_found', 'bad_response'].includes(error.code))) throw error;
      details.set(courseId, null);
      return null;
    }
    // Sections and lessons come ordered (as the manager arranged them); drafts are hidden in this view.
    const lessons = (Array.isArray(raw.sections) ? raw.sections : []).flatMap((section) => {
      const list = rec(section).lessons;
      return Array.isArray(list) ? list.map(rec) : [];
    });
    const quizzes = lessons.filter((l) => str(l.type) === 'quiz' && (l.status ?? 'published') === 'published');
    const detail = {
      description: str(raw.description)?.trim() || null,
      finalQuiz: quizzes.length > 0 ? String(quizzes.at(-1)!.id) : null,
    };
    details.set(courseId, detail);
    return detail;
  }

  /**
   * Each learner's latest attempt at the course's final quiz. Empty when the course has none, or when the attempts
   * table is closed or missing (it is documented but absent from the SDK, so a server may not have it).
   */
  async function finalQuizOutcomes(courseId: string, scope: ResourceScope): Promise<Map<string, QuizOutcome>> {
    const outcomes = new Map<string, QuizOutcome>();
    const finalQuiz = (await detailOf(courseId, scope.signal))?.finalQuiz;
    if (!finalQuiz) return outcomes;
    try {
      const attempts = list(
        `course/${encodeURIComponent(courseId)}/quiz/`,
        {},
        (raw) => raw,
        `quiz attempts of course ${courseId}`,
        scope.signal,
        scope.onGap,
      );
      for await (const page of attempts) {
        for (const attempt of page.items) {
          const learnerId = str(rec(attempt.user).id);
          const result = str(attempt.result);
          if (str(attempt.lesson_id) !== finalQuiz || !learnerId || !QUIZ_RESULTS.has(result ?? '')) continue;
          const at = Date.parse(str(attempt.created_at) ?? '') || 0;
          const previous = outcomes.get(learnerId);
          if (previous && previous.at > at) continue;
          outcomes.set(learnerId, { result: result as QuizOutcome['result'], grade: rate(attempt.grade), at });
        }
      }
    } catch (error) {
      if (error instanceof HttpError && (error.code === 'forbidden' || error.code === 'not_found')) return outcomes;
      throw error;
    }
    return outcomes;
  }

  // ---- per-course dashboards ---------------------------------------------------------------------------------------

  /** "Name (user 7)": who the credentials act as, from the profile of a user object. */
  const nameOf = (user: Raw) => {
    const name = str(user.real_name)?.trim() || str(user.username);
    return name ? `${name} (user ${str(user.id)})` : `user ${str(user.id)}`;
  };
  let me: Promise<string> | null = null;
  /** Who this run reads as (`/user/me/`, asked once, only when a reason needs it). */
  function identity(signal: AbortSignal): Promise<string> {
    me ??= getJson(api('user/me/'), signal).then(
      (raw) => nameOf(rec(raw)),
      () => (settings.authMode === 'jwt' ? `user ${settings.jwtUserId}` : "this account's user"),
    );
    return me;
  }

  /**
   * Why a course's learner table is closed. The dashboard's own 403 is what decides (the docs do not say whether a
   * community admin may bypass the manager rule, so no course is skipped on its listed join_status alone); the
   * caller's join status from `/course/{id}/status/` then turns the bare 403 into a reason the user can act on.
   */
  async function whyForbidden(courseId: string, signal: AbortSignal): Promise<string> {
    let status: string | null;
    try {
      status = str(rec(await getJson(api(`course/${encodeURIComponent(courseId)}/status/`), signal)).status);
    } catch (error) {
      if (error instanceof HttpError && error.code === 'not_found')
        return 'the course is no longer visible to this user (deleted or made secret since the course list was read).';
      if (error instanceof HttpError && (error.code === 'cancelled' || error.code === 'auth_failed')) throw error;
      return (
        'SelfCommunity refused its learner table (HTTP 403); ' +
        'only the course creator or its managers can read learner progress.'
      );
    }
    const who = await identity(signal);
    if (status && MANAGER.has(status)) {
      return (
        'SelfCommunity refused its learner table (HTTP 403) ' +
        `although ${who} is its ${status}. Check that user's permissions in the ` +
        'community.'
      );
    }
    return (
      `${who} is not a manager of this course (status: ${status ?? 'not a member'}); ` +
      'only its creator or managers can read learner progress. Make that user a manager of the ' +
      `course${settings.authMode === 'jwt' ? ', or act as its creator' : ''}.`
    );
  }

  /**
   * Why a course's dashboard was refused or missing, passed to the run as a skip; anything else is the run's failure.
   * 404 means either the course vanished since the course list or this server lacks the route: its status tells.
   */
  async function skipClosed(courseId: string, error: HttpError, scope: ResourceScope): Promise<void> {
    if (error.code === 'forbidden') {
      scope.onSkip?.({ courseId, reason: await whyForbidden(courseId, scope.signal) });
      return;
    }
    try {
      await getJson(api(`course/${encodeURIComponent(courseId)}/status/`), scope.signal);
    } catch (statusError) {
      if (statusError instanceof HttpError && statusError.code === 'not_found') {
        scope.onSkip?.({
          courseId,
          reason:
            'the course is no longer visible to this user (deleted or made secret since the course list was read).',
        });
        return;
      }
      throw statusError;
    }
    throw error;
  }

  /**
   * Each course's joined learners (dashboard rows) as progress, oldest join first so that people joining mid-sync are
   * appended rather than shifting pages already read. Forbidden and vanished courses are skipped, not failures.
   */
  async function* dashboards(scope: ResourceScope): AsyncGenerator<Page<Progress>> {
    // Courses' first pages are asked for side by side (in course order); a course's further pages follow its first.
    type Opened = { courseId: string; pages: AsyncIterator<Page<Progress>>; first: IteratorResult<Page<Progress>> };
    const closed = (error: unknown): error is HttpError =>
      error instanceof HttpError && (error.code === 'forbidden' || error.code === 'not_found');
    // A course's final-quiz outcomes come first (its detail, then its attempts), inside its own task.
    const open = (courseId: string) => async (signal: AbortSignal) => {
      try {
        const finalQuiz = await finalQuizOutcomes(courseId, { ...scope, signal });
        const pages = list(
          `course/${encodeURIComponent(courseId)}/users/`,
          { statuses: JSON.stringify(['joined']), ordering: 'joined_at' },
          toProgress(courseId, finalQuiz),
          `learners of course ${courseId}`,
          signal,
          scope.onGap,
        )[Symbol.asyncIterator]();
        return { courseId, pages, first: await pages.next() };
      } catch (error) {
        if (closed(error)) return { courseId, error };
        throw error;
      }
    };
    const opening = async function* () {
      for await (const courseId of courseIdsOf(scope)) yield open(courseId);
    };
    // Twice the account's requests in flight: while the consumer follows the head course's further pages, the next
    // courses' quiz attempts and first pages keep the HTTP client's slots busy (it holds them to its cap, in turn).
    const width = 2 * IN_FLIGHT_PER_ACCOUNT;
    for await (const opened of inOrder<Opened | { courseId: string; error: HttpError }>(
      opening(),
      scope.signal,
      width,
    )) {
      try {
        if ('error' in opened) throw opened.error;
        for (let next = opened.first; !next.done; next = await opened.pages.next()) {
          yield { ...next.value, total: null };
        }
      } catch (error) {
        if (closed(error)) {
          await skipClosed(opened.courseId, error, scope);
          continue;
        }
        throw error;
      }
    }
  }

  async function* courseIdsOf(scope: ResourceScope): AsyncGenerator<string> {
    if (scope.courseIds) {
      yield* scope.courseIds;
      return;
    }
    for await (const page of courses(scope)) for (const course of page.items) yield course.id;
  }

  async function* courses(scope: ResourceScope): AsyncGenerator<Page<Course>> {
    // Ascending ids: courses created mid-sync land on the last page instead of shifting the pages still to read.
    const seen = new Set<string>();
    for await (const page of list(
      'course/search/',
      { ordering: 'id' },
      toCourse,
      'courses',
      scope.signal,
      scope.onGap,
    )) {
      const keep = page.items.map((c) => !seen.has(c.id));
      for (const c of page.items) seen.add(c.id);
      const found = page.items.filter((_, i) => keep[i]);
      const described = await Promise.all(found.map((c) => detailOf(c.id, scope.signal)));
      const items = found.map((c, i) => ({ ...c, description: described[i]?.description ?? c.description }));
      if (items.length > 0) yield { items, raw: page.raw.filter((_, i) => keep[i]), total: page.total };
    }
  }

  return {
    platform: 'selfcommunity',
    incremental: new Set(),

    async testConnection(signal) {
      const user = rec(await getJson(api('user/me/'), signal));
      const first = envelopeSchema.safeParse(
        await getJson(api('course/search/', { limit: '20', offset: '0', ordering: 'id' }), signal),
      );
      if (!first.success)
        throw badResponse(
          'SelfCommunity answered the course search without a list of courses. Check the community address.',
        );
      const rows = first.data.results.map(rec);
      const count = first.data.count;
      const managed = rows.filter((r) => MANAGER.has(String(r.join_status))).length;
      const who = str(user.real_name) ?? str(user.username) ?? `user ${str(user.id)}`;
      const notes: string[] = [];
      // Permissions follow the user the credentials act as: say who, so a skipped course can be put right.
      const how = {
        jwt: 'through a token Rollbook signs itself',
        oauth: 'signed in with OAuth; the access token is renewed automatically',
        token: 'with a pasted access token (OAuth tokens last 10 hours)',
      }[settings.authMode];
      notes.push(`Reading as ${nameOf(user)}, ${how}.`);
      if (rows.length > 0) {
        notes.push(
          managed === rows.length
            ? 'This user creates or manages ' +
                `${rows.length === count ? 'every course' : `all of the first ${rows.length} courses`}.`
            : `This user creates or manages ${managed} of the ` +
                `${rows.length === count ? rows.length : `first ${rows.length}`} courses. ` +
                'Learner progress is readable only for those; the others will be listed as ' +
                'skipped.',
        );
      }
      return { accountName: `${who} on ${host}`, courseCount: count, notes };
    },

    courses,
    sessions: async function* () {},
    attendance: async function* () {},

    // Members are listed only on the course dashboards, beside their progress: the progress pages bring them
    // (Page.learners), so each dashboard is read once, not once per resource.
    learners: async function* () {},

    async *progress(scope) {
      // A learner enrolled in several courses is passed on once, with the first page that lists them.
      const met = new Set<string>();
      for await (const page of dashboards(scope)) {
        const learners: NonNullable<Page<Progress>['learners']> = { items: [], raw: [] };
        page.items.forEach((row, i) => {
          if (met.has(row.learnerId)) return;
          met.add(row.learnerId);
          learners.items.push(toLearner(page.raw[i] as Raw));
          learners.raw.push(page.raw[i]);
        });
        yield learners.items.length > 0 ? { ...page, learners } : page;
      }
    },
  };
}
