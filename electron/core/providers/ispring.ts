/**
 * iSpring Learn connector (see /work/shared/api/ispring-learn.md). Speaks both auth modes (API-key tokens and the
 * legacy X-Auth headers), asks for the account's format but reads whatever comes back (./ispring-parse), pages with
 * `pageToken`/`nextPageToken`, and streams every resource one page at a time.
 */
import type { IspringSettings } from '../contract/accounts';
import type { Course, Learner, Progress } from '../contract/domain';
import { HttpError } from '../http/errors';
import type { HttpResponse } from '../http/types';
import { EnrollmentIndex } from './ispring-enrollments';
import {
  listOf,
  MissingIdError,
  nextPageToken,
  parseBody,
  text,
  toCourse,
  toEnrollment,
  toLearner,
  toNamed,
  toProgressFromFinalStatus,
  toProgressFromResult,
  tokenOf,
  type DirectoryNames,
  type Enrollment,
  type Raw,
} from './ispring-parse';
import { ListingCheck } from './listing';
import { inOrder, ReadingAhead } from './parallel';
import type { ConnectionInfo, Connector, ConnectorInit, Page, ResourceScope, RunPlan } from './types';

export { normaliseStatus, parseBody } from './ispring-parse';

/** The API default; the server is tuned for it and anything larger is undocumented. */
const PAGE_SIZE = 1000;
/** Empty pages that still carry a token, in a row, before a listing counts as a runaway. */
const MAX_EMPTY_PAGES = 3;
/**
 * Results pages read ahead while the enrollment list is still being read (progress needs that list whole before its
 * first row is kept). About 1.5 MB a page held; past these the results chain waits for the enrollments.
 */
const RESULTS_AHEAD_PAGES = 16;
/** Documented token life when the answer leaves `expires_in` out. */
const DEFAULT_TOKEN_TTL_S = 1800;
/**
 * Incremental windows reach back this much further than the previous run's start: the cursor is our clock, the
 * filter is the server's, and the docs do not say whether dates are UTC or the account's time zone (±14 h).
 */
const WINDOW_OVERLAP_MS = 24 * 60 * 60_000;
/** Statuses that can still change without a new completion date; an incremental run re-reads all of them. */
const OPEN_STATUSES = ['not_started', 'in_progress', 'pending', 'incomplete'];
/**
 * `/learners/results` shows active users only unless `userStatuses` says otherwise (1 active, 3 blocked, 5 employment
 * ended; 5 is a /v2 value). Reports need every learner the user list shows, so ask for all; a server that refuses a
 * value (400) is asked again with fewer, and finally with none.
 */
const USER_STATUS_FILTERS = [['1', '3', '5'], ['1', '3'], []] as const;

/** `paged`: the documented answer is the wrapper object with a token; a bare list there is not the end of one. */
type Endpoint = { path: string; wrapper: string; item: string; idField: string; paged?: boolean };
const CONTENTS: Endpoint[] = [
  { path: '/contents', wrapper: 'contentItems', item: 'contentItem', idField: 'contentItemId', paged: true },
  // The non-paged list predates /contents; some regional or older hosts may only have it.
  { path: '/content', wrapper: 'contentItems', item: 'contentItem', idField: 'contentItemId' },
];
const USERS: Endpoint[] = [
  { path: '/users/v2', wrapper: 'userProfiles', item: 'userProfile', idField: 'userId', paged: true },
  { path: '/users', wrapper: 'userProfiles', item: 'userProfile', idField: 'userId', paged: true },
];
const ENROLLMENTS: Endpoint[] = [
  { path: '/enrollments', wrapper: 'enrollments', item: 'enrollment', idField: 'enrollmentId', paged: true },
  { path: '/enrollment', wrapper: 'enrollments', item: 'enrollment', idField: 'enrollmentId' },
];
const DEPARTMENTS: Endpoint[] = [
  { path: '/departments', wrapper: 'departments', item: 'department', idField: 'departmentId', paged: true },
  { path: '/department', wrapper: 'departments', item: 'department', idField: 'departmentId' },
];
const GROUPS: Endpoint[] = [
  { path: '/groups', wrapper: 'groups', item: 'group', idField: 'groupId', paged: true },
  { path: '/group', wrapper: 'groups', item: 'group', idField: 'groupId' },
];
/** A user's own record, for learners with results whom no user list returned; v2 tells blocked from deleted. */
const USER_PATHS = (id: string) => [`/user/${encodeURIComponent(id)}/v2`, `/user/${encodeURIComponent(id)}`];
const RESULTS: Endpoint = {
  path: '/learners/results',
  wrapper: 'results',
  item: 'result',
  idField: 'userId',
  paged: true,
};

/** `https://host`, `https://host/` or `https://host/api/v2`: paths are appended as given. */
function normaliseBase(baseUrl: string): string {
  return baseUrl.trim().replace(/\/+$/, '');
}

/** The token endpoint is always `/api/v3/token`, whatever version prefix the base URL carries for the data calls. */
function tokenUrlFor(base: string): string {
  return `${base.replace(/\/api\/v\d+$/i, '').replace(/\/index\.php$/i, '')}/api/v3/token`;
}

const hostOf = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

export function createIspringConnector(init: ConnectorInit<IspringSettings>): Connector {
  const { settings, secret, http } = init;
  const now = init.now ?? (() => new Date());
  const base = normaliseBase(settings.baseUrl);
  const host = hostOf(base);
  const accept = settings.format === 'xml' ? 'application/xml' : 'application/json';
  http.redact(secret);

  // ------------------------------------------------------------------------------------------------ errors

  const worded = new WeakSet<object>();
  /** Words an error once: a token-request error passing up through a data request keeps its token wording. */
  function word(error: unknown, path: string, phase: 'token' | 'api'): unknown {
    if (!(error instanceof HttpError) || worded.has(error)) return error;
    const out = explain(error, { path, phase });
    worded.add(out as object);
    return out;
  }

  /** Rewrites a transport/HTTP error into one that names iSpring Learn and says what to do. Never adds a secret. */
  function explain(error: HttpError, context: { path: string; phase: 'token' | 'api' }): HttpError {
    if (error.stoppedBy) return error; // one of Rollbook's own limits: the message already says which, and why
    const keep = (code: HttpError['code'], message: string) =>
      new HttpError(code, message, error.status, error.excerpt, { cause: error });
    const status = error.status === undefined ? '' : ` (HTTP ${error.status})`;
    if (context.phase === 'token') {
      switch (error.code) {
        case 'auth_failed':
        case 'bad_response':
          if (error.status === 400 || error.status === 401) {
            return keep(
              'auth_failed',
              `iSpring Learn rejected the client ID or secret${status}. ` +
                'Check the API key in your iSpring Learn account (client ID and secret) ' +
                'and enter them again.',
            );
          }
          break;
        case 'forbidden':
          return keep(
            'forbidden',
            `iSpring Learn refused to issue an API token${status}: the API key may be disabled, ` +
              `or the account's plan has no REST API access. Ask the account owner to check the API key.`,
          );
        case 'not_found':
          return keep(
            'not_found',
            `There is no iSpring Learn token service at ${host}${status}. ` +
              'Check the API address (for example https://api-learn.ispringlearn.com), ' +
              'or use login and password if the account predates API keys.',
          );
      }
    }
    switch (error.code) {
      case 'auth_failed':
        return settings.authMode === 'legacy'
          ? keep(
              'auth_failed',
              `iSpring Learn rejected the login or password${status}. Check the login (it may differ from ` +
                `the e-mail), the password and the account URL ${settings.accountUrl}.`,
            )
          : keep(
              'auth_failed',
              `iSpring Learn refused a freshly issued access token${status} for ${context.path}. ` +
                'The API key may have been revoked or lack access; check it in your iSpring Learn account.',
            );
      case 'forbidden':
        return keep(
          'forbidden',
          `iSpring Learn refused access to ${context.path}${status}: ` +
            `this ${settings.authMode === 'legacy' ? 'user' : 'API key'} has no REST API access or lacks ` +
            'the permission. Use an account administrator, and check that the plan includes the API.',
        );
      case 'not_found':
        return keep(
          'not_found',
          `iSpring Learn has no ${context.path} at ${base}${status}. ` +
            'Check the API address in the account settings (for example ' +
            'https://api-learn.ispringlearn.com).',
        );
      case 'network': {
        // The HTTP layer says why (refused, unresolvable, dropped); keep that, drop its generic advice.
        const reason = /: (the [^(]+?) \(/.exec(error.message)?.[1] ?? 'the network failed';
        if (reason.includes('dropped'))
          return keep(
            'network',
            `iSpring Learn at ${host} dropped the connection. Try again; ` +
              'if it keeps happening, check your internet connection or proxy.',
          );
        return keep(
          'network',
          `iSpring Learn at ${host} is unreachable (${reason}). ` +
            'Check the API address in the account settings and your internet connection.',
        );
      }
      case 'timeout':
        return keep(
          'timeout',
          `iSpring Learn at ${host} did not answer in time${status}. Check your connection, or try again later.`,
        );
      case 'rate_limited':
        return keep(
          'rate_limited',
          `iSpring Learn kept asking Rollbook to slow down${status}. Try the sync again later.`,
        );
      case 'server_error':
        return keep(
          'server_error',
          `iSpring Learn had a server error${status} on ${context.path}. ` +
            'Try again later; if it persists, contact iSpring support.',
        );
      case 'bad_response':
        if (error.status !== undefined && error.status >= 400 && error.status < 500) {
          return keep(
            'bad_response',
            `iSpring Learn refused the request to ${context.path}${status}. ` +
              `Please report this to Rollbook's developers.`,
          );
        }
        return error;
      default:
        return error; // cancelled, and bad_response already worded by the parser
    }
  }

  // -------------------------------------------------------------------------------------------------- auth

  let token: { value: string; renewAt: number } | null = null;
  let tokenInFlight: Promise<string> | null = null;

  async function fetchToken(signal: AbortSignal): Promise<string> {
    if (settings.authMode !== 'token') throw new Error('token auth is not configured');
    const form = new URLSearchParams({
      client_id: settings.clientId,
      client_secret: secret,
      grant_type: 'client_credentials',
    });
    const url = tokenUrlFor(base);
    let response: HttpResponse;
    try {
      // Retried like any request: a wrong secret (400/401) is never retried, so it is still reported at once, and a
      // token service that is briefly busy (429, 5xx) must not fail a sync that every other request would survive.
      response = await http.request({
        method: 'POST',
        url,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: form.toString(),
        signal,
      });
    } catch (error) {
      throw word(error, '/api/v3/token', 'token');
    }
    const issued = tokenOf(parseBody(response));
    if (!issued) {
      throw new HttpError(
        'bad_response',
        'iSpring Learn answered the token request without an access token. ' +
          'Check the API address in the account settings.',
        response.status,
      );
    }
    http.redact(issued.accessToken);
    const ttlMs =
      (issued.expiresInSeconds && issued.expiresInSeconds > 0 ? issued.expiresInSeconds : DEFAULT_TOKEN_TTL_S) * 1000;
    // Renew well before expiry (5 minutes early for the usual 30) so a long sync never sends a dying token.
    token = { value: issued.accessToken, renewAt: now().getTime() + ttlMs - Math.min(5 * 60_000, ttlMs / 6) };
    return issued.accessToken;
  }

  /** One token request at a time, shared by every caller that needs it. */
  function currentToken(signal: AbortSignal): Promise<string> {
    if (token && now().getTime() < token.renewAt) return Promise.resolve(token.value);
    tokenInFlight ??= fetchToken(signal).finally(() => {
      tokenInFlight = null;
    });
    return tokenInFlight;
  }

  async function authHeaders(signal: AbortSignal): Promise<{ headers: Record<string, string>; token: string | null }> {
    if (settings.authMode === 'legacy') {
      // Documented names; X-Auth-Email carries the login despite its name.
      return {
        headers: {
          'X-Auth-Account-Url': settings.accountUrl,
          'X-Auth-Email': settings.login,
          'X-Auth-Password': secret,
        },
        token: null,
      };
    }
    // The token is tied to the account, so no X-Auth-Account-Url in this mode.
    const value = await currentToken(signal);
    return { headers: { Authorization: `Bearer ${value}` }, token: value };
  }

  // ----------------------------------------------------------------------------------------------- requests

  /** GET → parsed document. In token mode a 401 means the token died early: get a new one and retry once. */
  async function get(path: string, params: URLSearchParams, signal: AbortSignal): Promise<unknown> {
    const query = params.toString();
    const url = `${base}${path}${query ? `?${query}` : ''}`;
    let used: string | null = null;
    const send = async () => {
      const auth = await authHeaders(signal);
      used = auth.token;
      return http.request({ url, headers: { Accept: accept, ...auth.headers }, signal });
    };
    try {
      let response: HttpResponse;
      try {
        response = await send();
      } catch (error) {
        const expired =
          error instanceof HttpError &&
          error.code === 'auth_failed' &&
          settings.authMode === 'token' &&
          !worded.has(error);
        if (!expired) throw error;
        // Only drop the token this request used; a concurrent request may already have renewed it.
        if (token?.value === used) token = null;
        response = await send();
      }
      return parseBody(response);
    } catch (error) {
      throw word(error, path, 'api');
    }
  }

  /** Refuses a page whose shape is not the expected list (a proxy page, an error object with HTTP 200, …). */
  function itemsOf(doc: unknown, endpoint: Endpoint): Raw[] {
    const items = listOf(doc, endpoint.wrapper, endpoint.item, endpoint.idField, endpoint.paged);
    if (items === null) {
      throw new HttpError(
        'bad_response',
        `iSpring Learn answered ${endpoint.path} without a ${endpoint.wrapper} list, ` +
          'so Rollbook cannot read it. Try again; if it keeps happening, check the API address.',
      );
    }
    return items;
  }

  function mapPage<T>(raw: Raw[], map: (item: Raw) => T, path: string): Page<T> {
    try {
      return { items: raw.map(map), raw };
    } catch (error) {
      if (!(error instanceof MissingIdError)) throw error;
      throw new HttpError(
        'bad_response',
        `iSpring Learn sent ${error.message} in ${path}, so Rollbook cannot store it. ` +
          'Try again later; if it keeps happening, report it to iSpring support.',
      );
    }
  }

  /** Big non-paged answers are handed on in page-sized slices so the writer's batches stay bounded. */
  function* slices<T>(page: Page<T>): Generator<Page<T>> {
    for (let start = 0; start < page.items.length; start += PAGE_SIZE) {
      yield { items: page.items.slice(start, start + PAGE_SIZE), raw: page.raw.slice(start, start + PAGE_SIZE) };
    }
  }

  /** Whether to name a page size (the documented default); dropped if the server refuses it. */
  let sendPageSize = true;

  /**
   * Pages of one paged endpoint, one request per page, the next requested only when the consumer asks for it.
   * Stops when the token is missing or empty. Clients are advised to stop on an empty page too, as a safety net
   * against endless tokens; stopping at one that still hands out a token could drop the rest of the list, so a few in
   * a row are followed and more end the listing. A token already followed is a server loop and fails the listing, as
   * does one running past the page ceiling: iSpring reports no total, so those are the only bounds.
   */
  async function* paged<T>(
    endpoint: Endpoint,
    map: (item: Raw) => T,
    signal: AbortSignal,
    filters: [string, string][] = [],
  ): AsyncGenerator<Page<T>> {
    let pageToken: string | null = null;
    let empties = 0;
    /** The next page, asked for before this one was mapped and handed on. */
    let ahead: Promise<unknown> | null = null;
    const check = new ListingCheck({ platform: 'iSpring Learn', what: endpoint.wrapper, maxPages: init.maxPages });
    const ask = (sized: boolean) => {
      const params = new URLSearchParams([...(sized ? [['pageSize', String(PAGE_SIZE)]] : []), ...filters]);
      if (pageToken) params.set('pageToken', pageToken);
      return get(endpoint.path, params, signal);
    };
    for (;;) {
      const asked = ahead;
      ahead = null;
      if (!asked) check.visit(pageToken ?? '');
      signal.throwIfAborted();
      // Two lists read side by side may both be refused; each asks again without a size, once.
      const sized = sendPageSize;
      let doc: unknown;
      try {
        doc = await (asked ?? ask(sized));
      } catch (error) {
        // The maximum pageSize is undocumented: a server refusing ours is asked again without one (its own default,
        // which it must accept), and is never sent one again.
        const refused = error instanceof HttpError && error.status === 400 && /pageSize/i.test(error.excerpt ?? '');
        if (!(refused && sized && pageToken === null)) throw error;
        sendPageSize = false;
        check.forget('');
        continue;
      }
      const raw = itemsOf(doc, endpoint);
      pageToken = nextPageToken(doc);
      check.read(null, []);
      if (!pageToken) {
        if (raw.length > 0) yield* slices(mapPage(raw, map, endpoint.path));
        return;
      }
      empties = raw.length === 0 ? empties + 1 : 0;
      if (empties > MAX_EMPTY_PAGES) {
        throw new HttpError(
          'bad_response',
          `iSpring Learn kept sending empty pages of ${endpoint.wrapper} that link to more ` +
            `(${empties} in a row), so the list would never end. ` +
            'Rollbook stopped reading it and kept the previous data; try again later.',
        );
      }
      // The chain of page tokens is a listing's whole wait over a network: the next page leaves before this one is
      // mapped and handed on, so that work is not on the chain. One page more is held.
      check.visit(pageToken);
      ahead = ask(sendPageSize);
      ahead.catch(() => undefined);
      if (raw.length > 0) yield* slices(mapPage(raw, map, endpoint.path));
    }
  }

  /** The first endpoint that exists: a 404 on the first page moves on to the older equivalent. */
  async function* firstAvailable<T>(
    endpoints: Endpoint[],
    map: (item: Raw) => T,
    signal: AbortSignal,
  ): AsyncGenerator<Page<T>> {
    for (const [index, endpoint] of endpoints.entries()) {
      let started = false;
      try {
        for await (const page of paged(endpoint, map, signal)) {
          started = true;
          yield page;
        }
        return;
      } catch (error) {
        const missing =
          error instanceof HttpError && error.code === 'not_found' && !started && index < endpoints.length - 1;
        if (!missing) throw error;
      }
    }
  }

  // ----------------------------------------------------------------------------------------------- progress

  /** Whether /learners/results is usable (learnt on first use: a 403/404 there switches to final_statuses). */
  let resultsAvailable: boolean | null = null;
  /** Set when the results page turned the legacy headers away (401) while the same login reads courses. */
  let resultsNeedToken = false;

  /**
   * Whether an error on the first results page means "use final_statuses": a 403/404, or, with legacy credentials, a
   * 401 (the results page documents only Bearer tokens) while the same login still reads the course list.
   */
  async function resultsUnavailable(error: unknown, signal: AbortSignal): Promise<boolean> {
    if (!(error instanceof HttpError)) return false;
    if (error.code === 'forbidden' || error.code === 'not_found') return true;
    if (error.code !== 'auth_failed' || settings.authMode !== 'legacy') return false;
    // The login is good if the course list answers; a bad login fails there too and keeps its own error.
    for (const endpoint of CONTENTS) {
      try {
        await get(endpoint.path, new URLSearchParams([['pageSize', '1']]), signal);
        resultsNeedToken = true;
        return true;
      } catch (probe) {
        if (!(probe instanceof HttpError) || probe.code !== 'not_found') return false;
      }
    }
    return false;
  }
  let userStatusFilter = 0;

  /** Whether the results page takes this `userStatuses` filter on its own (a one-row page). */
  async function statusesTaken(statuses: [string, string][], signal: AbortSignal): Promise<boolean> {
    try {
      await get(RESULTS.path, new URLSearchParams([...statuses, ['pageSize', '1']]), signal);
      return true;
    } catch (error) {
      if (error instanceof HttpError && error.status === 400) return false;
      throw error;
    }
  }

  /**
   * Pages of /learners/results with one set of filters. A 400 on the very first page is either a refused
   * `userStatuses` value (retried with the next, smaller status filter) or a refused filter of the caller's; a page
   * with the status filter alone tells which. The latter returns false so the caller can read without its filters.
   * Nothing has been yielded by then.
   */
  async function* resultPages(
    signal: AbortSignal,
    filters: [string, string][],
    skip?: (item: Raw) => boolean,
  ): AsyncGenerator<Page<Progress>, boolean> {
    for (;;) {
      const statuses: [string, string][] = USER_STATUS_FILTERS[userStatusFilter]!.map((s) => ['userStatuses[]', s]);
      let started = false;
      try {
        for await (const page of paged(RESULTS, toProgressFromResult, signal, [...statuses, ...filters])) {
          started = true;
          if (!skip) {
            yield page;
            continue;
          }
          const keep = page.items.map((_, i) => !skip(page.raw[i] as Raw));
          const items = page.items.filter((_, i) => keep[i]);
          if (items.length > 0) yield { items, raw: page.raw.filter((_, i) => keep[i]) };
        }
        return true;
      } catch (error) {
        if (!(error instanceof HttpError) || error.status !== 400 || started) throw error;
        if (filters.length > 0 && (await statusesTaken(statuses, signal))) return false;
        if (userStatusFilter >= USER_STATUS_FILTERS.length - 1) throw error;
        userStatusFilter += 1;
      }
    }
  }

  async function* progressFromResults(scope: ResourceScope): AsyncGenerator<Page<Progress>> {
    if (!scope.since) {
      yield* resultPages(scope.signal, []);
      return;
    }
    const sinceMs = Date.parse(scope.since);
    if (!Number.isFinite(sinceMs)) {
      yield* resultPages(scope.signal, []);
      return;
    }
    // The API filters by completion and access dates only; progress of a learner still working changes without
    // either. So an incremental window is: everything completed in the window, plus every row still open (those are
    // re-read in full). Rows finished before the window cannot have changed without a new completion date.
    // Whole seconds: the filter is an RFC 3339 date-time, and whether fractions are accepted is not documented.
    const windowStart = new Date(sinceMs - WINDOW_OVERLAP_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (!(yield* resultPages(scope.signal, [['completionDate[startDate]', windowStart]]))) {
      // The server refused the date itself (a form the reference leaves unsettled): read everything instead.
      yield* resultPages(scope.signal, []);
      return;
    }
    const inWindow = (item: Raw) => {
      const done = Date.parse(text(item.completionDate) ?? '');
      return Number.isFinite(done) && done >= Date.parse(windowStart);
    };
    const openRead = yield* resultPages(
      scope.signal,
      OPEN_STATUSES.map((s) => ['completionStatuses[]', s]),
      inWindow,
    );
    if (!openRead) {
      throw new HttpError(
        'bad_response',
        'iSpring Learn refused the completion status filter on /learners/results (HTTP 400), so open courses ' +
          "could not be re-read. Run a full sync; please report this to Rollbook's developers.",
        400,
      );
    }
  }

  async function finalStatusesOf(
    courseId: string,
    signal: AbortSignal,
  ): Promise<Page<Progress> | { skip: string } | null> {
    const path = `/content/${encodeURIComponent(courseId)}/final_statuses`;
    let doc: unknown;
    try {
      doc = await get(path, new URLSearchParams(), signal);
    } catch (error) {
      // A plain-text 404 `Unknown content item`: deleted since the course list was read.
      if (error instanceof HttpError && error.code === 'not_found') return null;
      if (error instanceof HttpError && error.code === 'forbidden') {
        return {
          skip:
            "iSpring Learn refused access to this course's statuses (HTTP 403): " +
            'the user needs "Can edit" access to it.',
        };
      }
      throw error;
    }
    const raw = itemsOf(doc, {
      path: '/content/{id}/final_statuses',
      wrapper: 'statuses',
      item: 'status',
      idField: 'userId',
    });
    return mapPage(raw, (item) => toProgressFromFinalStatus(item, courseId), path);
  }

  async function* courseIdsOf(scope: ResourceScope): AsyncGenerator<string> {
    if (scope.courseIds) {
      yield* scope.courseIds;
      return;
    }
    for await (const page of firstAvailable(CONTENTS, toCourse, scope.signal))
      for (const course of page.items) yield course.id;
  }

  /**
   * One request per course, a few in flight side by side (inOrder, answered in course order), so an account with a
   * thousand courses is not a thousand sequential round trips; never more than that is held.
   */
  async function* progressFromFinalStatuses(scope: ResourceScope): AsyncGenerator<Page<Progress>> {
    const asking = async function* () {
      for await (const courseId of courseIdsOf(scope)) {
        yield async (signal: AbortSignal) => ({ courseId, value: await finalStatusesOf(courseId, signal) });
      }
    };
    for await (const { courseId, value } of inOrder(asking(), scope.signal)) {
      if (value === null) continue;
      if ('skip' in value) {
        scope.onSkip?.({ courseId, reason: value.skip });
        continue;
      }
      if (value.items.length > 0) yield* slices(value);
    }
  }

  // --------------------------------------------------------------------------------------- learners and names

  /**
   * Whether an error means "this list is not for this user" rather than a failed sync: a 403 (department admins and
   * custom roles), a 404 (an older host), or a legacy login turned away (401) where the reference documents only Bearer
   * tokens. A login that is wrong everywhere fails on the lists read before.
   */
  const unreadable = (error: unknown): boolean =>
    error instanceof HttpError &&
    (error.code === 'forbidden' ||
      error.code === 'not_found' ||
      (error.code === 'auth_failed' && settings.authMode === 'legacy'));

  /** Department or group names by id; none when the list is not readable (the learners then have no names for them). */
  async function namesFrom(
    endpoints: Endpoint[],
    idField: 'departmentId' | 'groupId',
    signal: AbortSignal,
  ): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    try {
      for await (const page of firstAvailable(endpoints, toNamed(idField), signal))
        for (const { id, name } of page.items) if (id && name) names.set(id, name);
    } catch (error) {
      if (!unreadable(error)) throw error;
    }
    return names;
  }

  /** Names for the learners read last (a learner fetched by id later is named the same way). */
  let directory: DirectoryNames = { departments: new Map(), groups: new Map() };
  /** Ids of every learner the user list returned, once it has been read whole in this connector's life. */
  let listedLearners: Set<string> | null = null;

  async function* learners(scope: ResourceScope): AsyncGenerator<Page<Learner>> {
    const [departments, groups] = await Promise.all([
      namesFrom(DEPARTMENTS, 'departmentId', scope.signal),
      namesFrom(GROUPS, 'groupId', scope.signal),
    ]);
    directory = { departments, groups };
    const seen = new Set<string>();
    for await (const page of firstAvailable(USERS, (item) => toLearner(item, directory), scope.signal)) {
      for (const learner of page.items) seen.add(learner.id);
      yield page;
    }
    listedLearners = seen;
  }

  /**
   * A learner that progress names but no user list returned (outside the caller's departments, deleted, joined since):
   * asked for by id, and if iSpring has no record either, kept under a name that says so. Never a nameless row.
   */
  async function learnerById(id: string, signal: AbortSignal): Promise<{ learner: Learner; raw: unknown }> {
    for (const path of USER_PATHS(id)) {
      try {
        const doc = await get(path, new URLSearchParams(), signal);
        const item = listOf(doc, 'userProfiles', 'userProfile', 'userId')?.find((u) => text(u.userId) === id);
        if (item) return { learner: toLearner(item, directory), raw: item };
      } catch (error) {
        if (!unreadable(error)) throw error;
      }
    }
    const learner: Learner = {
      id,
      name: `Unknown learner (${id})`,
      email: null,
      firstName: null,
      lastName: null,
      status: null,
      department: null,
      groups: [],
    };
    return { learner, raw: { userId: id, note: 'Not in any iSpring Learn user list, and not found by id.' } };
  }

  /** Adds to a page the learners it names that the user list did not return (see learnerById). */
  async function withUnlistedLearners(page: Page<Progress>, signal: AbortSignal): Promise<Page<Progress>> {
    const known = listedLearners;
    if (!known) return page;
    const missing = [...new Set(page.items.map((p) => p.learnerId))].filter((id) => !known.has(id));
    if (missing.length === 0) return page;
    const found = { items: [] as Learner[], raw: [] as unknown[] };
    for (const id of missing) {
      const { learner, raw } = await learnerById(id, signal);
      known.add(id);
      found.items.push(learner);
      found.raw.push(raw);
    }
    return { ...page, learners: found };
  }

  // ------------------------------------------------------------------------------------------------ enrollments

  /**
   * Every enrollment, one paged listing (the API has no date filter for it, so incremental runs read it whole too),
   * into a compact index of each learner × course's current enrollment. Null when this user cannot list enrollments:
   * progress then keeps the results' own dates, and no certificates.
   */
  async function readEnrollments(signal: AbortSignal): Promise<EnrollmentIndex | null> {
    const index = new EnrollmentIndex();
    // An enrollment without its ids cannot be placed; it is passed over rather than failing the sync.
    const lenient = (item: Raw): Enrollment | null => {
      try {
        return toEnrollment(item);
      } catch (error) {
        if (error instanceof MissingIdError) return null;
        throw error;
      }
    };
    try {
      for await (const page of firstAvailable(ENROLLMENTS, lenient, signal))
        for (const enrollment of page.items) if (enrollment) index.add(enrollment);
    } catch (error) {
      if (!unreadable(error)) throw error;
      return null;
    }
    return index;
  }

  /**
   * Keeps, of a page's rows, the current enrollment's (an earlier enrollment's row never overwrites a later one), and
   * fills in the enrollment's dates and certificate. Without an enrollment list the rows themselves are compared.
   */
  function current(page: Page<Progress>, index: EnrollmentIndex, listed: boolean): Page<Progress> | null {
    const items: Progress[] = [];
    const raw: unknown[] = [];
    page.items.forEach((row, i) => {
      if (!index.admits(row, !listed)) return;
      const e = listed ? index.current(row.learnerId, row.courseId, row.enrollmentId) : null;
      items.push(
        e
          ? {
              ...row,
              // The enrollment's dates are typed `date`; they win over the results' copies.
              assignedAt: e.assignedAt ?? row.assignedAt ?? null,
              dueAt: e.dueAt ?? row.dueAt ?? null,
              expiresAt: e.expiresAt ?? row.expiresAt ?? null,
              certificateIssuedAt: e.certificateIssuedAt,
              certificateExpiresAt: e.certificateExpiresAt,
            }
          : row,
      );
      raw.push(page.raw[i]);
    });
    return items.length > 0 ? { items, raw } : null;
  }

  // ----------------------------------------------------------------------------------------------- connector

  async function* courses(scope: ResourceScope): AsyncGenerator<Page<Course>> {
    yield* firstAvailable(CONTENTS, toCourse, scope.signal);
  }

  /**
   * The enrollment list and the results, started by beginRun beside the courses and learners: two chains of page
   * tokens that depend on nothing read before them, so they need not wait for those steps or for each other.
   */
  let early: {
    since: string | null;
    enrollments: Promise<EnrollmentIndex | null>;
    results: ReadingAhead<Page<Progress>> | null;
  } | null = null;

  function beginRun(plan: RunPlan): () => void {
    const stop = new AbortController();
    const onAbort = () => stop.abort(plan.signal.reason);
    plan.signal.addEventListener('abort', onAbort, { once: true });
    const since = plan.since.progress ?? null;
    const enrollments = readEnrollments(stop.signal);
    // Its failure is the progress step's to report, when that step takes it.
    enrollments.catch(() => undefined);
    const results =
      resultsAvailable === false
        ? null
        : new ReadingAhead(progressFromResults({ signal: stop.signal, since }), RESULTS_AHEAD_PAGES);
    early = { since, enrollments, results };
    return () => {
      plan.signal.removeEventListener('abort', onAbort);
      early = null;
      results?.stop();
      stop.abort(new Error('The sync ended before these lists were used.'));
    };
  }

  async function* progress(scope: ResourceScope): AsyncGenerator<Page<Progress>> {
    const ahead = early?.since === (scope.since ?? null) ? early : null;
    if (early && !ahead) early.results?.stop();
    early = null;
    const enrollments = await (ahead?.enrollments ?? readEnrollments(scope.signal));
    const index = enrollments ?? new EnrollmentIndex();
    // Two sources. /learners/results is one paged call for every course, with snake_case statuses, scores and date
    // filters (so incremental windows work): preferred. /content/{id}/final_statuses is one call per course and only
    // needs "Can edit" on each item, so users whose role cannot read results (403) still get progress that way. A
    // 403/404 on the first results page is therefore not fatal; after rows have been yielded it is.
    if (resultsAvailable !== false) {
      let started = false;
      try {
        for await (const page of ahead?.results ?? progressFromResults(scope)) {
          started = true;
          const kept = current(page, index, enrollments !== null);
          if (kept) yield await withUnlistedLearners(kept, scope.signal);
        }
        resultsAvailable = true;
        return;
      } catch (error) {
        if (started || !(await resultsUnavailable(error, scope.signal))) throw error;
        resultsAvailable = false;
      }
    }
    // final_statuses has no date filter: an incremental run reads it in full (the sync upserts what it gets). It gives
    // one row per learner, the current one; the enrollments add the dates where they could be read.
    for await (const page of progressFromFinalStatuses(scope)) {
      const kept = enrollments ? current(page, enrollments, true) : page;
      if (kept) yield await withUnlistedLearners(kept, scope.signal);
    }
  }

  /** Which progress source this account can use, in words for the user. */
  async function progressNote(signal: AbortSignal, firstCourseId: string | null): Promise<string> {
    try {
      await get(RESULTS.path, new URLSearchParams([['pageSize', '1']]), signal);
      resultsAvailable = true;
      return (
        'Progress comes from the learner results API (one paged call for ' +
        'all courses; incremental syncs supported).'
      );
    } catch (error) {
      if (!(await resultsUnavailable(error, signal))) throw error;
      resultsAvailable = false;
    }
    if (!firstCourseId)
      return (
        'The learner results API is not available to this user; ' +
        'Rollbook will read per-course final statuses instead.'
      );
    const probe = await finalStatusesOf(firstCourseId, signal);
    if (probe && 'skip' in probe) {
      return (
        'Neither the learner results API nor per-course final statuses are allowed for this ' +
        'user: progress cannot be synced. Use an account administrator.'
      );
    }
    if (resultsNeedToken) {
      return (
        'The learner results API does not take a login and password (HTTP 401 there); ' +
        'Rollbook reads per-course final statuses instead (one request per course, full syncs only). ' +
        'Sign in with an API key (client ID and secret) for incremental syncs.'
      );
    }
    return (
      'The learner results API is not allowed for this user; ' +
      'Rollbook reads per-course final statuses instead (one request per course, ' +
      'full syncs only).'
    );
  }

  /** Whether the enrollment list (certificates, date-only due dates) can be read; null when it can. */
  async function enrollmentNote(signal: AbortSignal): Promise<string | null> {
    try {
      // The paged list only: the older non-paged one answers with every enrollment at once.
      await get(ENROLLMENTS[0]!.path, new URLSearchParams([['pageSize', '1']]), signal);
      return null;
    } catch (error) {
      // Missing here, the older non-paged list may still answer when progress is read.
      if (error instanceof HttpError && error.code === 'not_found') return null;
      if (!unreadable(error)) throw error;
    }
    return (
      'This user cannot list enrollments, so certificates are not synced; assignment, due and expiry dates come ' +
      'from the learner results where those are readable. Use an account administrator for certificates.'
    );
  }

  return {
    platform: 'ispring',
    incremental: new Set(['progress']),

    async testConnection(signal): Promise<ConnectionInfo> {
      let courseCount = 0;
      let firstCourseId: string | null = null;
      let accountHost: string | null = settings.authMode === 'legacy' ? hostOf(settings.accountUrl) : null;
      for await (const page of courses({ signal })) {
        courseCount += page.items.length;
        firstCourseId ??= page.items[0]?.id ?? null;
        // The API has no "account info" call; a course's view link names the account's own address.
        if (!accountHost) for (const course of page.items) if (course.url) accountHost = hostOf(course.url);
      }
      const notes = [await progressNote(signal, firstCourseId)];
      const enrollments = await enrollmentNote(signal);
      if (enrollments) notes.push(enrollments);
      return { accountName: accountHost ?? host, courseCount, notes };
    },
    courses,
    sessions: async function* () {},
    attendance: async function* () {},
    learners,
    progress,
    beginRun,
  };
}
