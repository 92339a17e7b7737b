/**
 * iSpring Learn connector. Speaks both auth modes (API-key tokens and legacy X-Auth headers), both formats (XML is
 * the server default; JSON on request) and survives the API's documented quirks: lists wrapped three different
 * ways, single-item and empty lists, booleans as true/0, fractional progress, omitted optional elements, display-text
 * vs snake_case statuses, and plain-text 404 bodies.
 */
import { XMLParser } from 'fast-xml-parser';
import type { IspringSettings } from '../contract/accounts';
import type { Course, Learner, Progress, ProgressStatus } from '../contract/domain';
import { HttpError } from '../http/errors';
import type { HttpResponse } from '../http/types';
import type { Connector, ConnectorInit, Page, ResourceScope } from './types';

/** The API default; fewer, larger pages are what the server is tuned for. */
const PAGE_SIZE = 1000;
/** Tokens live 30 minutes; renew a little early so a long sync never sends a dying token. */
const TOKEN_RENEW_MS = 25 * 60_000;

type Raw = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------- parsing (both formats)

/** Elements that are list items wherever they appear (single items must still become lists). */
const LIST_ITEMS = new Set(['contentItem', 'userProfile', 'result', 'field', 'enrollment', 'department', 'group']);

const xml = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  parseTagValue: false, // ids, progress and booleans stay strings; we convert deliberately
  trimValues: true,
  // `status` is both the item of <statuses> and a field inside it: only the former is a list.
  isArray: (name, jpath) => LIST_ITEMS.has(name) || jpath === 'statuses.status',
});

export function parseBody(response: HttpResponse): unknown {
  const type = response.headers['content-type'] ?? '';
  const text = response.body.trim();
  const looksXml = type.includes('xml') || (!type.includes('json') && text.startsWith('<'));
  try {
    if (looksXml) {
      const doc = xml.parse(text, true) as Raw;
      if (Object.keys(doc).length === 0) throw new Error('empty XML document');
      return doc;
    }
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(
      'bad_response',
      `iSpring Learn sent a response Rollbook cannot read (${looksXml ? 'malformed XML' : 'malformed JSON'}) for ${new URL(response.url).pathname}. Try again; if it persists, the server may be misconfigured.`,
      response.status,
      text.slice(0, 120),
      { cause: error },
    );
  }
}

const asRecord = (value: unknown): Raw => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Raw) : {});

/** A list wherever it sits: `[…]`, a single object, an empty wrapper (`''`) or nothing at all. */
function asList(value: unknown): Raw[] {
  if (Array.isArray(value)) return value.map(asRecord);
  if (value && typeof value === 'object') return [value as Raw];
  return [];
}

/** Unwraps `<response>` (XML) and finds the list under its plural wrapper or directly inside. */
function listOf(doc: unknown, wrapper: string, item: string): Raw[] {
  if (Array.isArray(doc)) return doc.map(asRecord);
  const root = asRecord(doc);
  const body = root.response !== undefined ? asRecord(root.response) : root;
  if (body[wrapper] !== undefined) {
    const inner = body[wrapper];
    return Array.isArray(inner) ? inner.map(asRecord) : asList(asRecord(inner)[item]);
  }
  return asList(body[item]);
}

function nextToken(doc: unknown): string | null {
  const root = asRecord(doc);
  const body = root.response !== undefined ? asRecord(root.response) : root;
  // The spec also spells it `nextPageToekn` on one endpoint.
  const token = body.nextPageToken ?? body.nextPageToekn;
  return typeof token === 'string' && token.trim() !== '' ? token.trim() : typeof token === 'number' ? String(token) : null;
}

const text = (value: unknown): string | null => {
  if (value === undefined || value === null) return null;
  const s = String(typeof value === 'object' ? '' : value).trim();
  return s === '' ? null : s;
};

const decimal = (value: unknown): number | null => {
  const s = text(value);
  if (s === null) return null;
  const n = Number(s.replace(',', '.'));
  return Number.isFinite(n) ? n : null;
};

/** Date-times carry offsets (`+00:00`), enrollment dates are date-only: both become ISO-8601 UTC. */
export function isoDate(value: unknown): string | null {
  const s = text(value);
  if (!s) return null;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** Display text (`In progress`) and snake_case (`in_progress`) onto one vocabulary; case-insensitive. */
export function normaliseStatus(raw: string | null): ProgressStatus {
  const key = (raw ?? '').trim().toLowerCase().replace(/[\s-]+/g, '_');
  switch (key) {
    case 'complete':
    case 'completed':
      return 'completed';
    case 'passed':
    case 'accepted':
      return 'passed';
    case 'failed':
    case 'declined':
      return 'failed';
    case 'incomplete':
      return 'incomplete';
    case 'in_progress':
    case 'pending':
      return 'in_progress';
    default:
      return 'not_started';
  }
}

/** `Course` → `course`, `LearningTrack` → `learning_track`. */
const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

function toCourse(item: Raw): Course {
  const type = text(item.contentItemType) ?? text(item.type) ?? 'course';
  return {
    id: text(item.contentItemId) ?? '',
    name: text(item.title) ?? '(untitled)',
    type: snake(type),
    description: text(item.description),
    createdAt: isoDate(item.addedDate),
    updatedAt: null,
    url: text(item.viewUrl),
  };
}

/** User fields are a name/value list (`<fields><field><name>EMAIL</name>…`), found by name, not by property. */
function userFields(item: Raw): Map<string, string> {
  const fields = new Map<string, string>();
  const raw = item.fields;
  const list = Array.isArray(raw) ? raw : asList(asRecord(raw).field);
  for (const field of list.map(asRecord)) {
    const name = text(field.name);
    const value = text(field.value);
    if (name && value) fields.set(name.toUpperCase(), value);
  }
  // Tolerate the spec's (wrong) object form too: { EMAIL: "…" }.
  if (list.length === 0) for (const [k, v] of Object.entries(asRecord(raw))) if (text(v)) fields.set(k.toUpperCase(), text(v)!);
  return fields;
}

function toLearner(item: Raw): Learner {
  const f = userFields(item);
  const firstName = f.get('FIRST_NAME') ?? null;
  const lastName = f.get('LAST_NAME') ?? null;
  const email = f.get('EMAIL') ?? null;
  const id = text(item.userId) ?? '';
  const name = [firstName, lastName].filter(Boolean).join(' ') || f.get('LOGIN') || email || id;
  return { id, name, email, firstName, lastName };
}

function toProgressFromResult(item: Raw): Progress {
  const rawStatus = text(item.completionStatus);
  return {
    learnerId: text(item.userId) ?? '',
    courseId: text(item.courseId) ?? '',
    status: normaliseStatus(rawStatus),
    rawStatus,
    progressPct: decimal(item.progress),
    score: decimal(item.awardedScore),
    startedAt: isoDate(item.accessDate),
    completedAt: isoDate(item.completionDate),
    lastActivityAt: isoDate(item.completionDate) ?? isoDate(item.accessDate),
  };
}

function toProgressFromFinalStatus(item: Raw, courseId: string): Progress {
  const rawStatus = text(item.status);
  return {
    learnerId: text(item.userId) ?? '',
    courseId,
    status: normaliseStatus(rawStatus),
    rawStatus,
    progressPct: decimal(item.progress),
    score: null,
    startedAt: null,
    completedAt: isoDate(item.completionDate),
    lastActivityAt: isoDate(item.lastViewDate) ?? isoDate(item.completionDate),
  };
}

// ------------------------------------------------------------------------------------------------------- connector

export function createIspringConnector(init: ConnectorInit<IspringSettings>): Connector {
  const { settings, secret, http } = init;
  const now = init.now ?? (() => new Date());
  const base = settings.baseUrl.replace(/\/+$/, '');
  const accept = settings.format === 'xml' ? 'application/xml' : 'application/json';
  let token: { value: string; renewAt: number } | null = null;
  http.redact(secret);

  async function fetchToken(signal: AbortSignal): Promise<string> {
    if (settings.authMode !== 'token') throw new Error('unreachable');
    const origin = new URL(base).origin;
    const body = new URLSearchParams({ client_id: settings.clientId, client_secret: secret, grant_type: 'client_credentials' });
    const response = await http.request({
      method: 'POST',
      url: `${origin}/api/v3/token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: body.toString(),
      signal,
      retry: false,
    });
    const doc = parseBody(response);
    const root = asRecord(asRecord(doc).response ?? doc);
    const value = text(root.access_token);
    if (!value) throw new HttpError('bad_response', 'iSpring Learn answered the token request without an access token.', response.status);
    http.redact(value);
    const ttlMs = (decimal(root.expires_in) ?? 1800) * 1000;
    token = { value, renewAt: now().getTime() + Math.min(TOKEN_RENEW_MS, ttlMs * 0.8) };
    return value;
  }

  async function authHeaders(signal: AbortSignal): Promise<Record<string, string>> {
    if (settings.authMode === 'legacy') {
      return { 'X-Auth-Account-Url': settings.accountUrl, 'X-Auth-Email': settings.login, 'X-Auth-Password': secret };
    }
    const value = token && token.renewAt > now().getTime() ? token.value : await fetchToken(signal);
    return { Authorization: `Bearer ${value}` };
  }

  /** GET with auth; in token mode a 401 means the token died early: get a new one and retry once. */
  async function get(path: string, params: URLSearchParams, signal: AbortSignal): Promise<unknown> {
    const url = `${base}${path}${params.size ? `?${params}` : ''}`;
    const send = async () => http.request({ url, headers: { accept, ...(await authHeaders(signal)) }, signal });
    try {
      return parseBody(await send());
    } catch (error) {
      if (error instanceof HttpError && error.code === 'auth_failed' && settings.authMode === 'token' && token) {
        token = null;
        return parseBody(await send());
      }
      throw error;
    }
  }

  async function* paged<T>(
    path: string,
    wrapper: string,
    item: string,
    map: (raw: Raw) => T,
    scope: ResourceScope,
    filters: [string, string][] = [],
  ): AsyncIterable<Page<T>> {
    let pageToken: string | null = null;
    const seen = new Set<string>();
    do {
      scope.signal.throwIfAborted();
      const params = new URLSearchParams([['pageSize', String(PAGE_SIZE)], ...filters]);
      if (pageToken) params.set('pageToken', pageToken);
      const doc = await get(path, params, scope.signal);
      const raw = listOf(doc, wrapper, item);
      if (raw.length > 0) yield { items: raw.map(map), raw };
      pageToken = nextToken(doc);
      // Safety nets: stop on an empty page or a token we have already followed.
      if (raw.length === 0 || (pageToken && seen.has(pageToken))) break;
      if (pageToken) seen.add(pageToken);
    } while (pageToken);
  }

  const explain = (error: unknown): never => {
    if (!(error instanceof HttpError)) throw error;
    const host = new URL(base).host;
    switch (error.code) {
      case 'auth_failed':
        throw new HttpError(
          'auth_failed',
          settings.authMode === 'token'
            ? 'iSpring Learn rejected the client ID or client secret (HTTP 401). Check the API key under Account settings → API in iSpring Learn.'
            : 'iSpring Learn rejected the login or password (HTTP 401). Check them by signing in to iSpring Learn.',
          error.status,
          error.excerpt,
        );
      case 'forbidden':
        throw new HttpError(
          'forbidden',
          'iSpring Learn refused access (HTTP 403): this user has no REST API access or lacks the permission. The API needs the Business plan and an administrator role.',
          error.status,
          error.excerpt,
        );
      case 'network':
      case 'timeout':
        throw new HttpError(error.code, `Could not reach iSpring Learn at ${host}. ${error.message}`, error.status, error.excerpt);
      default:
        throw error;
    }
  };
  const guarded = <T>(iterable: AsyncIterable<T>): AsyncIterable<T> => ({
    async *[Symbol.asyncIterator]() {
      try {
        yield* iterable;
      } catch (error) {
        explain(error);
      }
    },
  });

  /** Probes whether the account may use the results API (one call covering every course). */
  async function resultsAllowed(signal: AbortSignal): Promise<boolean> {
    try {
      await get('/learners/results', new URLSearchParams({ pageSize: '1' }), signal);
      return true;
    } catch (error) {
      if (error instanceof HttpError && (error.code === 'forbidden' || error.code === 'not_found')) return false;
      throw error;
    }
  }

  async function* progressViaFinalStatuses(scope: ResourceScope): AsyncIterable<Page<Progress>> {
    for (const courseId of scope.courseIds ?? []) {
      scope.signal.throwIfAborted();
      let doc: unknown;
      try {
        doc = await get(`/content/${encodeURIComponent(courseId)}/final_statuses`, new URLSearchParams(), scope.signal);
      } catch (error) {
        if (error instanceof HttpError && error.code === 'not_found') continue; // deleted since the course list
        if (error instanceof HttpError && error.code === 'forbidden') {
          scope.onSkip?.({ courseId, reason: 'iSpring Learn refused access to this course\'s statuses (HTTP 403: "Can edit" access is needed).' });
          continue;
        }
        throw error;
      }
      const raw = listOf(doc, 'statuses', 'status');
      if (raw.length > 0) yield { items: raw.map((r) => toProgressFromFinalStatus(r, courseId)), raw };
    }
  }

  return {
    platform: 'ispring',
    // New completions and new enrolments since the last run come from date windows on the results API; a full
    // refresh (always available) also catches progress changes of learners still in progress.
    incremental: new Set(['progress']),

    async testConnection(signal) {
      try {
        let courses = 0;
        for await (const page of paged('/contents', 'contentItems', 'contentItem', toCourse, { signal })) courses += page.items.length;
        const notes = (await resultsAllowed(signal))
          ? ['Progress from the learner results API.']
          : ['The learner results API is not allowed for this user; Rollbook will read per-course final statuses instead.'];
        const accountUrl = settings.authMode === 'legacy' ? settings.accountUrl : base;
        return { accountName: `iSpring Learn (${new URL(accountUrl).host})`, courseCount: courses, notes };
      } catch (error) {
        return explain(error);
      }
    },

    courses: (scope) => guarded(paged('/contents', 'contentItems', 'contentItem', toCourse, scope)),
    sessions: () => guarded((async function* () {})()),
    attendance: () => guarded((async function* () {})()),
    learners: (scope) => guarded(paged('/users/v2', 'userProfiles', 'userProfile', toLearner, scope)),

    progress: (scope) =>
      guarded(
        (async function* () {
          // One paged call for every course is far cheaper than a call per course, but it needs permission for
          // the results API. Accounts that only have "Can edit" on items fall back to per-course final statuses,
          // which is the endpoint the product was first specified from.
          if (!(await resultsAllowed(scope.signal))) {
            yield* progressViaFinalStatuses(scope);
            return;
          }
          if (scope.since) {
            // Incremental: rows completed or accessed since the last run (deep-object date filters).
            for (const field of ['completionDate', 'accessDate']) {
              yield* paged('/learners/results', 'results', 'result', toProgressFromResult, scope, [[`${field}[startDate]`, scope.since]]);
            }
            return;
          }
          yield* paged('/learners/results', 'results', 'result', toProgressFromResult, scope);
        })(),
      ),
  };
}
