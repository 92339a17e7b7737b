/**
 * Reading iSpring Learn responses: XML (the server's default) and JSON, parsed by what the body really is rather than
 * by what was asked for, and normalised onto the domain model. Every documented trap is handled here (see
 * /work/shared/api/ispring-learn.md §10): lists wrapped three ways, one-item and empty lists, the element `status`
 * being both a list item and a field, booleans as `true`/`0`, fractional progress as text, optional elements left
 * out, display-text vs snake_case statuses, date-times with offsets next to date-only values.
 */
import { XMLParser, type MatcherView } from 'fast-xml-parser';
import type { Course, IsoDate, Learner, LearnerStatus, Progress, ProgressStatus } from '../contract/domain';
import { HttpError } from '../http/errors';
import type { HttpResponse } from '../http/types';

export type Raw = Record<string, unknown>;

/** Elements that are list items wherever they appear, so a single one still becomes a one-element list. */
const LIST_ITEMS = new Set([
  'contentItem',
  'userProfile',
  'result',
  'field',
  'enrollment',
  'department',
  'group',
  'userRole',
  'module',
]);

const xml = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Ids (UUIDs, sometimes digits), progress (`90.91`) and booleans (`true`/`0`) stay text; conversion is deliberate.
  parseTagValue: false,
  trimValues: true,
  // Entities, set here rather than left to the library's defaults: a document with a DOCTYPE never reaches the parser
  // (see parseBody), so the only entities are XML's five built-in ones (`&amp;` in "Health &amp; Safety"), decoded in
  // one pass. The limits on declared entities are a second wall should a DOCTYPE ever get through. The built-ins count
  // against the two expansion totals too, and a large page holds many, so those stay open: a built-in never grows the
  // text (the length limit counts growth).
  processEntities: {
    enabled: true,
    maxEntityCount: 1,
    maxEntitySize: 1,
    maxExpansionDepth: 1,
    maxTotalExpansions: Number.POSITIVE_INFINITY,
    maxExpandedLength: 100_000,
  },
  htmlEntities: false,
  // Callbacks get the parser's path object instead of a path string built for every element and value: the strings
  // were a noticeable share of parsing a results page. Only `status` needs the path (below).
  jPath: false,
  // `<status>` is the item of `<statuses>` (final_statuses) and, inside it, the status text. Only the item is a list;
  // a bare `<response><status>…` (items straight under the root) is the same item.
  isArray: (name, path) => {
    if (LIST_ITEMS.has(name)) return true;
    if (name !== 'status') return false;
    const parts = (path as MatcherView).toArray(); // jPath: false above
    const parent = parts[parts.length - 2];
    return parent === 'statuses' || (parent === 'response' && parts.length === 2);
  },
});

/** Whether a DOCTYPE stands before the root element (after the declaration, processing instructions, comments). */
function declaresDoctype(body: string): boolean {
  let i = 0;
  for (;;) {
    while (i < body.length && /\s/.test(body[i]!)) i += 1;
    const close = body.startsWith('<?', i) ? '?>' : body.startsWith('<!--', i) ? '-->' : null;
    const at = close ? body.indexOf(close, i) : -1;
    if (at < 0) break;
    i = at + close!.length;
  }
  return body.slice(i, i + 9).toUpperCase() === '<!DOCTYPE';
}

const asRecord = (value: unknown): Raw =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Raw) : {};
const isObject = (value: unknown): value is Raw => !!value && typeof value === 'object' && !Array.isArray(value);

/** Where a response came from, for messages: the path only (queries can carry personal data). */
const where = (response: HttpResponse): string => {
  try {
    return new URL(response.url).pathname;
  } catch {
    return 'the API';
  }
};

/**
 * Parses a body as XML or JSON by sniffing its first character (a server or proxy may ignore `Accept` or label the
 * body wrongly), falling back to the Content-Type. Unreadable bodies and HTML pages become `bad_response`.
 */
export function parseBody(response: HttpResponse): unknown {
  const type = (response.headers['content-type'] ?? '').toLowerCase();
  const body = response.body.replace(/^\uFEFF/, '').trim();
  const first = body[0];
  const looksXml = first === '<' || (first === undefined && type.includes('xml'));
  const looksJson = first === '{' || first === '[';
  const kind = looksXml ? 'XML' : looksJson || type.includes('json') ? 'JSON' : 'text';
  const fail = (detail: string, cause?: unknown) =>
    new HttpError(
      'bad_response',
      `iSpring Learn sent a response Rollbook cannot read (${detail}) for ${where(response)}. Try again; ` +
        'if it keeps happening, check the API address in the account settings.',
      response.status,
      body.slice(0, 120),
      cause === undefined ? undefined : { cause },
    );
  if (body === '') throw fail('an empty body');
  if (looksXml) {
    if (/^<!doctype html|^<html[\s>]/i.test(body)) throw fail('a web page instead of API data');
    // API data never declares a DTD; one that does is where entity bombs and external entities live.
    if (declaresDoctype(body)) throw fail('a DOCTYPE declaration, which API data never has');
    let doc: Raw;
    try {
      doc = xml.parse(body, true) as Raw;
    } catch (error) {
      throw fail('malformed XML', error);
    }
    const roots = Object.keys(doc);
    if (roots.length === 0) throw fail('malformed XML');
    if (roots.some((root) => root.toLowerCase() === 'html')) throw fail('a web page instead of API data');
    return doc;
  }
  if (kind === 'JSON') {
    try {
      return JSON.parse(body) as unknown;
    } catch (error) {
      throw fail('malformed JSON', error);
    }
  }
  throw fail(`plain text where XML or JSON was expected`);
}

/** Unwraps `<response>` (and the doubled `<response><response>` one doc sample shows); JSON may mirror it. */
export function bodyOf(doc: unknown): unknown {
  let node = doc;
  for (let depth = 0; depth < 3; depth += 1) {
    const record = asRecord(node);
    if (!('response' in record)) break;
    node = record.response;
  }
  return node;
}

function asList(value: unknown): Raw[] {
  if (Array.isArray(value)) return value.filter(isObject);
  if (isObject(value)) return [value];
  // An empty element (`<results/>`, `<results></results>`) parses to '' and means "none".
  return [];
}

/** Items as records; null when one of them is not a record (a page of something else, not a shorter list). */
function records(values: unknown[]): Raw[] | null {
  return values.every(isObject) ? (values as Raw[]) : null;
}

/**
 * The items of a list response, whichever way it is wrapped: `{wrapper: [...]}`, `<wrapper><item/>…</wrapper>`,
 * items straight under the root, a JSON array, a one-item list turned into an object, an empty or missing wrapper.
 * Returns null when the document holds none of these (a page of something else), so the caller can refuse it: an
 * item that is not a record, a wrapper holding text or other elements, or (`paged`) a bare JSON array where the
 * documented answer is the wrapper object with its token.
 */
export function listOf(doc: unknown, wrapper: string, item: string, idField?: string, paged = false): Raw[] | null {
  const body = bodyOf(doc);
  if (Array.isArray(body)) return paged ? null : records(body);
  if (body === '' || body === null || body === undefined) return []; // `<response/>`
  if (!isObject(body)) return null;
  if (wrapper in body) {
    const inner = body[wrapper];
    if (Array.isArray(inner)) return records(inner);
    // An empty element (`<results/>`) parses to '' and means "none"; JSON null or text is not a list.
    if (inner === '') return [];
    if (!isObject(inner)) return null;
    // JSON from a naive converter: a one-element list became the element itself (whose fields may include one named
    // like the item: a final status has a `status`).
    if (idField && text(inner[idField]) !== null) return [inner];
    // XML: the wrapper holds only its items.
    if (!(item in inner) || Object.keys(inner).some((key) => key !== item)) return null;
    const items = inner[item];
    return Array.isArray(items) ? records(items) : isObject(items) ? [items] : null;
  }
  // A bare JSON list of one, collapsed into the item itself.
  if (idField && text(body[idField]) !== null) return [body];
  if (item in body) {
    const items = body[item];
    return Array.isArray(items) ? records(items) : isObject(items) ? [items] : null;
  }
  // A page with nothing in it may leave the list out altogether and keep only the (empty) token.
  const others = Object.keys(body).filter((key) => key !== 'nextPageToken' && key !== 'nextPageToekn');
  return others.length === 0 ? [] : null;
}

/** The next page's token, or null at the end. The spec also spells it `nextPageToekn`; some types make it a number. */
export function nextPageToken(doc: unknown): string | null {
  const body = asRecord(bodyOf(doc));
  const token = body.nextPageToken ?? body.nextPageToekn;
  if (typeof token === 'number' && Number.isFinite(token)) return String(token);
  return typeof token === 'string' && token.trim() !== '' ? token.trim() : null;
}

/** The access token from `/api/v3/token` (JSON, or XML under `<response>`). */
export function tokenOf(doc: unknown): { accessToken: string; expiresInSeconds: number | null } | null {
  const body = asRecord(bodyOf(doc));
  const accessToken = text(body.access_token ?? body.accessToken);
  if (!accessToken) return null;
  return { accessToken, expiresInSeconds: decimal(body.expires_in ?? body.expiresIn) };
}

// ------------------------------------------------------------------------------------------------------- scalars

/** Text or null: missing, `null`, empty elements (`<x/>` → '') and nested objects all mean "not given". */
export function text(value: unknown): string | null {
  if (value === undefined || value === null || typeof value === 'object') return null;
  const s = String(value).trim();
  return s === '' ? null : s;
}

/** Decimal from `90.91`, `20`, `100`, `90,91` or a JSON number; never truncated to an integer. */
export function decimal(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  const s = text(value);
  if (s === null) return null;
  const n = Number(s.replace(',', '.'));
  return Number.isFinite(n) ? n : null;
}

/** `true`/`false`, `1`/`0` (both appear in XML for the same field), JSON booleans or numbers. */
export function bool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  const s = text(value)?.toLowerCase();
  if (s === 'true' || s === '1' || s === 'yes') return true;
  if (s === 'false' || s === '0' || s === 'no') return false;
  return null;
}

/**
 * ISO-8601 UTC from what iSpring sends: date-times with an offset (`2019-10-26T12:35:10+00:00`), date-only values
 * (`2019-09-26`, midnight UTC), and, tolerated, `Z`, `+0200`, a space for `T`, no offset at all (read as UTC: the
 * samples all carry +00:00) or epoch seconds/milliseconds.
 */
export function isoDate(value: unknown): string | null {
  const s = text(value);
  if (!s) return null;
  let ms: number;
  if (/^\d{10}$/.test(s)) ms = Number(s) * 1000;
  else if (/^\d{13}$/.test(s)) ms = Number(s);
  else if (/^\d{4}-\d{2}-\d{2}$/.test(s)) ms = Date.parse(`${s}T00:00:00Z`);
  else {
    const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(s);
    if (!m) return null;
    const zone =
      m[3] === undefined ? 'Z' : m[3].toUpperCase() === 'Z' ? 'Z' : m[3].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
    ms = Date.parse(`${m[1]}T${m[2]}${zone}`);
  }
  return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : null;
}

/**
 * A calendar date (`YYYY-MM-DD`) for values that are dates, not moments: enrollment and certificate dates are typed
 * `date`, and the results page sends the same assignment, due and expiry dates (typed `datetime` there). A date-time
 * gives the date it was written in (its own offset), never one shifted through UTC or the computer's zone.
 */
export function calendarDate(value: unknown): IsoDate | null {
  const s = text(value);
  const m = s ? /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/.exec(s) : null;
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const check = new Date(Date.UTC(year, month - 1, day));
  // 2026-02-30 is no date: refused rather than rolled over into March.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

// ------------------------------------------------------------------------------------------------------ statuses

const STATUS_WORDS: Record<string, ProgressStatus> = {
  not_started: 'not_started',
  not_attempted: 'not_started',
  assigned: 'not_started',
  in_progress: 'in_progress',
  started: 'in_progress',
  attempted: 'in_progress',
  // Submitted and waiting for review (assignments): the learner is not done yet.
  pending: 'in_progress',
  complete: 'completed',
  completed: 'completed',
  passed: 'passed',
  // An accepted assignment counts as passed, a declined one as failed.
  accepted: 'passed',
  failed: 'failed',
  not_passed: 'failed',
  declined: 'failed',
  incomplete: 'incomplete',
};

/**
 * One vocabulary for both of iSpring's: display text from final_statuses (`In progress`, `In Progress`, `Passed`) and
 * snake_case from the results API (`in_progress`). Unknown or missing values fall back on the progress figure.
 */
export function normaliseStatus(raw: string | null, progressPct: number | null = null): ProgressStatus {
  const key = (raw ?? '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  const known = STATUS_WORDS[key];
  if (known) return known;
  if (progressPct === null || progressPct <= 0) return 'not_started';
  return progressPct >= 100 ? 'completed' : 'in_progress';
}

// ----------------------------------------------------------------------------------------------- domain mapping

/** Thrown for an item that cannot be keyed (no id): the page is refused rather than half stored. */
export class MissingIdError extends Error {}

function required(item: Raw, field: string): string {
  const value = text(item[field]);
  if (!value) throw new MissingIdError(`an item without ${field}`);
  return value;
}

/**
 * `Course` → `course`, `LearningTrack` → `learning_track`, `PDFDocument` → `pdf_document`, `iSpringSuiteModule` →
 * `ispring_suite_module`.
 */
export function snakeType(type: string): string {
  return type
    .trim()
    .replace(/^iSpring/, 'Ispring')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[\s-]+/g, '_')
    .toLowerCase();
}

export function toCourse(item: Raw): Course {
  const id = required(item, 'contentItemId');
  return {
    id,
    name: text(item.title) ?? `Untitled item ${id}`,
    type: snakeType(text(item.contentItemType) ?? text(item.type) ?? 'course'),
    description: text(item.description) ?? text(item.subtitle),
    createdAt: isoDate(item.addedDate),
    updatedAt: null,
    url: text(item.viewUrl),
  };
}

/** User fields are name/value pairs (`<fields><field><name>EMAIL</name><value>…`), found by name. */
export function userFields(item: Raw): Map<string, string> {
  const fields = new Map<string, string>();
  const raw = item.fields;
  const record = asRecord(raw);
  // A list, `<fields><field>…`, or a one-pair list collapsed into the pair itself.
  const pairs = Array.isArray(raw) ? raw.filter(isObject) : 'name' in record ? [record] : asList(record.field);
  for (const pair of pairs) {
    const name = text(pair.name);
    const value = text(pair.value);
    if (name && value) fields.set(name.toUpperCase(), value);
  }
  // The spec (wrongly, per the docs and real clients) models fields as an object: { EMAIL: "…" }. Accept that too.
  if (pairs.length === 0) {
    for (const [name, value] of Object.entries(record)) {
      const v = text(value);
      if (v && name !== 'field') fields.set(name.toUpperCase(), v);
    }
  }
  return fields;
}

/** Department and group names by id, for turning a user's ids into names. */
export interface DirectoryNames {
  departments: ReadonlyMap<string, string>;
  groups: ReadonlyMap<string, string>;
}

/**
 * User status: 1 active, 3 blocked, 5 employment ended (shown as deleted: the user is gone). The non-v2 endpoints
 * report 5 as 3, so there a 3 may be either; it reads as blocked. Values no doc lists are unknown.
 */
export function learnerStatus(value: unknown): LearnerStatus | null {
  switch (decimal(value)) {
    case 1:
      return 'active';
    case 3:
      return 'blocked';
    case 5:
      return 'deleted';
    default:
      return null;
  }
}

/**
 * A user's groups, as ids or as `{groupId, name}` objects: a JSON array, `<groups><id>…` (the spec's ArrayOfIds),
 * `<groups><group>…`, or a one-element list collapsed into its element.
 */
export function groupRefsOf(value: unknown): { id: string | null; name: string | null }[] {
  const record = asRecord(value);
  const inner = Array.isArray(value) ? value : (record.id ?? record.groupId ?? record.group ?? value);
  const items = Array.isArray(inner) ? inner : [inner];
  const refs: { id: string | null; name: string | null }[] = [];
  for (const item of items) {
    if (isObject(item)) {
      const ref = { id: text(item.groupId ?? item.id), name: text(item.name) };
      if (ref.id || ref.name) refs.push(ref);
    } else if (text(item)) refs.push({ id: text(item), name: null });
  }
  return refs;
}

export function toLearner(item: Raw, names?: DirectoryNames): Learner {
  const id = required(item, 'userId');
  const fields = userFields(item);
  const firstName = fields.get('FIRST_NAME') ?? text(item.firstName) ?? null;
  const lastName = fields.get('LAST_NAME') ?? text(item.lastName) ?? null;
  const email = fields.get('EMAIL') ?? text(item.email) ?? null;
  const login = fields.get('LOGIN') ?? text(item.login);
  const fullName = [firstName, lastName].filter(Boolean).join(' ');
  const departmentId = text(item.departmentId);
  // Names only: an id that no list names stays unknown rather than showing as a UUID.
  const groups = groupRefsOf(item.groups)
    .map((ref) => ref.name ?? (ref.id ? names?.groups.get(ref.id) : undefined))
    .filter((name): name is string => !!name);
  return {
    id,
    name: fullName || login || email || id,
    email,
    firstName,
    lastName,
    status: learnerStatus(item.status),
    department: (departmentId && names?.departments.get(departmentId)) || null,
    groups: [...new Set(groups)],
  };
}

/** A department or group of a directory list (an item without an id names nothing and is passed over). */
export function toNamed(idField: 'departmentId' | 'groupId') {
  return (item: Raw): { id: string | null; name: string | null } => ({
    id: text(item[idField]),
    name: text(item.name),
  });
}

const percent = (value: unknown): number | null => {
  const n = decimal(value);
  return n === null ? null : Math.min(100, Math.max(0, n));
};

/** The dates an enrollment sets: assignment, due and expiry, with a due date before the assignment left unknown. */
export interface EnrollmentDates {
  assignedAt: IsoDate | null;
  dueAt: IsoDate | null;
  expiresAt: IsoDate | null;
}

function enrollmentDates(item: Raw): EnrollmentDates {
  const assignedAt = calendarDate(item.accessDate);
  const dueAt = calendarDate(item.dueDate);
  // Due before assigned cannot both be right; the assignment date is the required one, so the due date is dropped.
  return {
    assignedAt,
    dueAt: dueAt && assignedAt && dueAt < assignedAt ? null : dueAt,
    expiresAt: calendarDate(item.expirationDate),
  };
}

/** An enrollment of `/enrollments` (one per assignment of a course to a learner; re-enrolments are new ones). */
export interface Enrollment extends EnrollmentDates {
  enrollmentId: string;
  learnerId: string;
  courseId: string;
  certificateIssuedAt: IsoDate | null;
  certificateExpiresAt: IsoDate | null;
}

export function toEnrollment(item: Raw): Enrollment {
  // The certificate is nested in the spec and flat (`certIssueDate`, `certExpiryDate`) in older docs.
  const certificate = asRecord(item.certificate);
  return {
    enrollmentId: required(item, 'enrollmentId'),
    learnerId: required(item, 'learnerId'),
    courseId: required(item, 'courseId'),
    ...enrollmentDates(item),
    certificateIssuedAt: calendarDate(certificate.issueDate ?? item.certIssueDate),
    certificateExpiresAt: calendarDate(certificate.expiryDate ?? item.certExpiryDate),
  };
}

/** Whole seconds from the results' `timeSpent` (documented as integer seconds; a fraction is rounded). */
function seconds(value: unknown): number | null {
  const n = decimal(value);
  return n === null || n < 0 ? null : Math.round(n);
}

/** A row of `/learners/results` (snake_case statuses). */
export function toProgressFromResult(item: Raw): Progress {
  const rawStatus = text(item.completionStatus);
  const progressPct = percent(item.progress);
  const status = normaliseStatus(rawStatus, progressPct);
  const completedAt = isoDate(item.completionDate);
  // accessDate is the course assignment date (the reference's filter is "time range for course assignment date"),
  // not a start or an activity: it is the assignment date only. The results API has no view date, so the only
  // activity is completion.
  return {
    learnerId: required(item, 'userId'),
    courseId: required(item, 'courseId'),
    status,
    rawStatus,
    progressPct,
    score: decimal(item.awardedScore),
    startedAt: null,
    completedAt,
    lastActivityAt: isoDate(item.lastViewDate) ?? completedAt,
    ...enrollmentDates(item),
    timeSpentS: seconds(item.timeSpent),
    passingScore: decimal(item.passingScore),
    enrollmentId: text(item.enrollmentId),
    // Certificates are only on enrollments.
    certificateIssuedAt: null,
    certificateExpiresAt: null,
  };
}

/** A `<status>` of `/content/{id}/final_statuses` (display-text statuses; completionDate and lastViewDate optional). */
export function toProgressFromFinalStatus(item: Raw, courseId: string): Progress {
  const rawStatus = text(item.status);
  const progressPct = percent(item.progress);
  const completedAt = isoDate(item.completionDate);
  const lastViewedAt = isoDate(item.lastViewDate);
  return {
    learnerId: required(item, 'userId'),
    courseId,
    status: normaliseStatus(rawStatus, progressPct),
    rawStatus,
    progressPct,
    score: decimal(item.awardedScore ?? item.score),
    startedAt: null,
    completedAt,
    lastActivityAt: latest(lastViewedAt, completedAt),
    // Not on this page; the enrollments fill them in where they can be read.
    assignedAt: null,
    dueAt: null,
    expiresAt: null,
    timeSpentS: null,
    passingScore: null,
    enrollmentId: null,
    certificateIssuedAt: null,
    certificateExpiresAt: null,
  };
}

function latest(a: string | null, b: string | null): string | null {
  if (!a) return b;
  if (!b) return a;
  return a > b ? a : b;
}
