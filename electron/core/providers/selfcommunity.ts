/**
 * SelfCommunity connector (API v2, courses). Authenticates with a user's Bearer access token, or signs its own
 * short-lived HS256 JWT with the community's secret, acting as a chosen user. Learner progress comes from each
 * course's dashboard table (`/course/{id}/users/`), which only the course's creator or managers may read: courses
 * the identity cannot manage are reported as skipped, not as a failed sync.
 *
 * Not incremental: no SelfCommunity list filters by modification time, so every run reads everything.
 */
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import type { SelfcommunitySettings } from '../contract/accounts';
import type { Course, Learner, Progress, ProgressStatus } from '../contract/domain';
import { HttpError } from '../http/errors';
import type { Connector, ConnectorInit, Page, ResourceScope } from './types';

const PAGE_SIZE = 100;
/** Our own JWTs live 30 minutes and are re-signed a minute before they expire. */
const JWT_LIFETIME_S = 30 * 60;

type Raw = Record<string, unknown>;
const rec = (v: unknown): Raw => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {});
const str = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));
const iso = (v: unknown): string | null => {
  const s = str(v);
  if (!s) return null;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
};

/** 100% → completed; 0% with no activity → not started; anything else → in progress. */
export function selfcommunityStatus(rate: number | null, lastActiveAt: string | null): ProgressStatus {
  if (rate !== null && rate >= 100) return 'completed';
  if ((rate === null || rate === 0) && !lastActiveAt) return 'not_started';
  return 'in_progress';
}

export function createSelfcommunityConnector(init: ConnectorInit<SelfcommunitySettings>): Connector {
  const { settings, secret, http } = init;
  const now = init.now ?? (() => new Date());
  const base = settings.baseUrl.replace(/\/+$/, '').replace(/\/api\/v2$/, '');
  const origin = new URL(base).origin;
  let jwt: { token: string; exp: number } | null = null;
  http.redact(secret);

  async function bearer(): Promise<string> {
    if (settings.authMode !== 'jwt') return secret;
    const nowS = Math.floor(now().getTime() / 1000);
    if (jwt && jwt.exp - 60 > nowS) return jwt.token;
    if (!settings.jwtUserId) {
      throw new HttpError('auth_failed', 'SelfCommunity JWT mode needs the id of the user to act as (a course manager). Set it in the account settings.');
    }
    const exp = nowS + JWT_LIFETIME_S;
    const token = await new SignJWT({ user_id: settings.jwtUserId, token_type: 'access' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setJti(randomUUID())
      .setIssuedAt(nowS)
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(secret));
    http.redact(token);
    jwt = { token, exp };
    return token;
  }

  async function getJson(url: string, signal: AbortSignal): Promise<unknown> {
    const send = async () =>
      http.request({ url, headers: { Authorization: `Bearer ${await bearer()}`, Accept: 'application/json' }, signal });
    let response;
    try {
      response = await send();
    } catch (error) {
      // A JWT we signed can be refused for clock skew: sign a fresh one once, like the SDK refreshes on 401.
      if (!(error instanceof HttpError && error.code === 'auth_failed' && settings.authMode === 'jwt' && jwt)) throw error;
      jwt = null;
      response = await send();
    }
    try {
      return JSON.parse(response.body) as unknown;
    } catch (error) {
      throw new HttpError('bad_response', `SelfCommunity sent a response Rollbook cannot read (malformed JSON) for ${new URL(url).pathname}. Try again later.`, response.status, response.body.slice(0, 120), { cause: error });
    }
  }

  /** limit/offset lists: follows absolute `next` links (same host only); also accepts a plain array. */
  async function* list<T>(path: string, params: Record<string, string>, map: (raw: Raw) => T, scope: { signal: AbortSignal }): AsyncIterable<Page<T>> {
    let url: string | null = `${base}${path}?${new URLSearchParams({ limit: String(PAGE_SIZE), offset: '0', ...params })}`;
    const seen = new Set<string>();
    while (url) {
      scope.signal.throwIfAborted();
      const body = await getJson(url, scope.signal);
      const results = Array.isArray(body) ? body : rec(body).results;
      if (!Array.isArray(results)) throw new HttpError('bad_response', `SelfCommunity answered ${path} without a results list.`);
      const raw = results.map(rec);
      const count = rec(body).count;
      if (raw.length > 0) yield { items: raw.map(map), raw, total: typeof count === 'number' ? count : null };
      const next = Array.isArray(body) ? null : str(rec(body).next);
      if (next && new URL(next, base).origin !== origin) {
        throw new HttpError('bad_response', `SelfCommunity pointed the next page at another host (${new URL(next).host}); Rollbook stopped rather than send your token there.`);
      }
      url = next && raw.length > 0 && !seen.has(next) ? new URL(next, base).toString() : null;
      if (url) seen.add(url);
    }
  }

  const explain = (error: unknown): never => {
    if (!(error instanceof HttpError)) throw error;
    switch (error.code) {
      case 'auth_failed':
        throw new HttpError(
          'auth_failed',
          settings.authMode === 'jwt'
            ? 'SelfCommunity rejected the signed token (HTTP 401). Check the JWT secret key (Integrations → JWT in make.selfcommunity.io) and the user id.'
            : 'SelfCommunity rejected the access token (HTTP 401). It may have expired: create a new one and replace the secret.',
          error.status,
          error.excerpt,
        );
      case 'forbidden':
        throw new HttpError('forbidden', 'SelfCommunity refused access (HTTP 403): the Community APIs may be off for this community, or this user lacks the permission.', error.status, error.excerpt);
      case 'network':
      case 'timeout':
        throw new HttpError(error.code, `Could not reach SelfCommunity at ${new URL(base).host}. ${error.message}`, error.status, error.excerpt);
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
    type: str(raw.type) ?? 'self-paced',
    description: str(raw.description),
    createdAt: iso(raw.created_at),
    updatedAt: null,
    url: str(raw.slug) ? `${base}/course/${str(raw.id)}/${str(raw.slug)}/` : null,
  });
  const toLearner = (raw: Raw): Learner => ({
    id: str(raw.id) ?? '',
    name: str(raw.real_name) ?? str(raw.username) ?? `User ${str(raw.id)}`,
    // E-mail is only on /user/me/ and the admin account search; ordinary user objects do not carry it.
    email: str(raw.email),
    firstName: null,
    lastName: null,
  });
  const toProgress = (courseId: string) => (raw: Raw): Progress => {
    const rate = typeof raw.user_completion_rate === 'number' ? raw.user_completion_rate : raw.user_completion_rate == null ? null : Number(raw.user_completion_rate);
    const lastActiveAt = iso(raw.last_active_at);
    const status = selfcommunityStatus(Number.isFinite(rate) ? rate : null, lastActiveAt);
    return {
      learnerId: str(raw.id) ?? '',
      courseId,
      status,
      rawStatus: rate === null ? str(raw.join_status) : `${Math.round(rate * 100) / 100}%`,
      progressPct: rate,
      score: null,
      startedAt: iso(raw.joined_at),
      // The API has no completion timestamp; the last lesson completion is the best available answer.
      completedAt: status === 'completed' ? lastActiveAt : null,
      lastActivityAt: lastActiveAt,
    };
  };

  /** Explains a 403 on a course dashboard with the caller's join status (the seed endpoint). */
  async function whyForbidden(courseId: string, signal: AbortSignal): Promise<string> {
    try {
      const status = str(rec(await getJson(`${base}/api/v2/course/${encodeURIComponent(courseId)}/status/`, signal)).status);
      return `not a manager of this course (your status: ${status ?? 'not a member'}); only its creator or managers can read learner progress.`;
    } catch {
      return 'SelfCommunity refused access to this course\'s learner table (HTTP 403).';
    }
  }

  return {
    platform: 'selfcommunity',
    incremental: new Set(),

    async testConnection(signal) {
      try {
        const me = rec(await getJson(`${base}/api/v2/user/me/`, signal));
        const courses = rec(await getJson(`${base}/api/v2/course/search/?limit=1&offset=0`, signal));
        const who = str(me.real_name) ?? str(me.username) ?? `user ${str(me.id)}`;
        return {
          accountName: `SelfCommunity (${new URL(base).host}) as ${who}`,
          courseCount: typeof courses.count === 'number' ? courses.count : null,
          notes: str(me.role) === 'admin' ? [] : ['Learner progress is readable only for courses this user created or manages.'],
        };
      } catch (error) {
        return explain(error);
      }
    },

    courses: (scope) => guarded(() => list('/api/v2/course/search/', {}, toCourse, scope)),
    learners: (scope) => guarded(() => list('/api/v2/user/', {}, toLearner, scope)),
    sessions: () => guarded(async function* () {}),
    attendance: () => guarded(async function* () {}),
    progress: (scope: ResourceScope) =>
      guarded(async function* () {
        for (const courseId of scope.courseIds ?? []) {
          try {
            yield* list(`/api/v2/course/${encodeURIComponent(courseId)}/users/`, { statuses: JSON.stringify(['joined']) }, toProgress(courseId), scope);
          } catch (error) {
            if (error instanceof HttpError && error.code === 'forbidden') {
              scope.onSkip?.({ courseId, reason: await whyForbidden(courseId, scope.signal) });
              continue;
            }
            if (error instanceof HttpError && error.code === 'not_found') continue; // removed since the course list
            throw error;
          }
        }
      }),
  };
}
