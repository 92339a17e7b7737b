/**
 * A local iSpring Learn (see /work/shared/api/ispring-learn.md, "Simulator guidance"): both auth modes checked for
 * real, expiring tokens, `pageToken`/`nextPageToken` paging, XML by default and JSON by `Accept`, the documented
 * wrappers, and a switch for every trap and every unknown the reference lists (wrapping style, booleans, omitted vs
 * empty optional elements, status vocabulary, date style, Bearer prefix, a server ignoring Accept, plain-text
 * errors, per-endpoint 403/404, `userStatuses` semantics, a trailing empty page, the `nextPageToekn` typo, the
 * bracketless array names, fractional seconds in date filters, an oversized pageSize clamped or refused).
 *
 * Strict where the reference is firm: array filters as `name[]`, date filters as RFC 3339 date-times, only the path
 * prefixes seen in the docs and client code. Page tokens resume by key, so a churn mode can add and remove users
 * between pages.
 *
 * The dataset is generated once from a seed; list queries are filtered once per distinct query and a page render
 * touches only the page's rows, so 100k progress rows cost O(page) per request.
 */
import type { IncomingMessage } from 'node:http';
import { seededRandom, startSimServer, type SimResponse, type SimServer } from './server';

export type IspringEndpoint =
  | 'token'
  | 'contents'
  | 'content'
  | 'users/v2'
  | 'users'
  | 'user'
  | 'results'
  | 'final_statuses'
  | 'enrollments'
  | 'enrollment'
  | 'departments'
  | 'department'
  | 'groups'
  | 'group';

export interface IspringSimOptions {
  seed?: number;
  courses?: number;
  learners?: number;
  /** Progress rows (learner × course results), spread over the courses. */
  results?: number;
  /** Page size when the request gives none (documented: 1000). */
  defaultPageSize?: number;
  /** Largest page served whatever `pageSize` asks. */
  pageSizeCap?: number;
  clientId?: string;
  clientSecret?: string;
  accountUrl?: string;
  login?: string;
  password?: string;
  tokenTtlSeconds?: number;
  /** `required`: only `Bearer <token>`; `optional`: the raw token too (older doc pages show it bare). */
  bearer?: 'required' | 'optional';
  /** XML booleans as `true`/`false`, `1`/`0`, or alternating row by row. */
  booleans?: 'words' | 'digits' | 'mixed';
  /** How an empty list is rendered: an empty wrapper element, or no wrapper at all. */
  emptyLists?: 'wrapper' | 'missing';
  /**
   * `documented`: §5 exactly (`<response><contentItems><contentItem>`, root `<statuses>`); `bare`: items straight under
   * `<response>` (as the non-paged lists do); `nested`: an extra `<response>` (one doc sample), `<response><statuses>`.
   */
  wrapping?: 'documented' | 'bare' | 'nested';
  /** JSON: a one-element list rendered as the element itself (a naive converter's bug). */
  jsonSingleAsObject?: boolean;
  /** Optional elements left out (documented), sent empty (`<x/>`, `""`) or null. */
  optionalElements?: 'omit' | 'empty' | 'null';
  /** `documented`: display text in final_statuses, snake_case in results; or one vocabulary everywhere. */
  statuses?: 'documented' | 'display' | 'snake';
  /**
   * Date-times: `+00:00` (samples), `Z`, the account's zone (`+02:00`), or no offset at all (`2026-01-05 14:05:00`).
   */
  dates?: 'offset' | 'utc' | 'zoned' | 'naive';
  /** Answer in this format whatever `Accept` says (a server or proxy that ignores it). */
  ignoreAccept?: 'xml' | 'json' | null;
  /** Content-Type sent with XML bodies (a mislabelled server: `text/plain`, `text/html`…). */
  xmlContentType?: string;
  /** Error bodies: the spec's ErrorResponse in the asked format, or plain text. */
  errorBodies?: 'spec' | 'text';
  /** The spec's typo on one endpoint, applied everywhere when chosen. */
  tokenField?: 'nextPageToken' | 'nextPageToekn';
  /** The last page still carries a token that leads to an empty page (unknown whether iSpring does this). */
  trailingEmptyPage?: boolean;
  /**
   * Share of users who are blocked (3) or whose employment ended (5): hidden from results unless `userStatuses` asks.
   */
  inactiveShare?: number;
  /** `userStatuses` values the server accepts; any other value answers 400. */
  userStatusValues?: number[];
  /** Endpoints answering 403 `Permission denied`: e.g. ['results'] forces the final_statuses fallback. */
  forbid?: IspringEndpoint[];
  /**
   * Endpoints that take only `Authorization: Bearer`: the X-Auth headers get 401 there. The results page documents
   * Bearer alone; whether it takes X-Auth too is unsettled, so both answers are offered.
   */
  bearerOnly?: IspringEndpoint[];
  /** Courses whose final_statuses answer 403. */
  forbiddenCourses?: string[];
  /** Endpoints that do not exist on this host (plain-text 404). */
  missing?: IspringEndpoint[];
  /**
   * The maximum pageSize is undocumented: past `pageSizeCap` the server serves the cap (`clamp`, the default) or
   * answers 400 `pageSize must be at most …` (`error`).
   */
  oversizedPageSize?: 'clamp' | 'error';
  /**
   * Array filters: `brackets` takes only the documented PHP style (`courseIds[]=a`) and answers 400 to the bare name;
   * `both` also takes the bracketless names the spec prints for some parameters.
   */
  arrayParams?: 'brackets' | 'both';
  /** Date-range filters are RFC 3339 date-times; whether fractional seconds are accepted is unsettled. */
  fractionalSeconds?: 'accept' | 'refuse';
  /**
   * `refuse`: a host that answers 400 to every date-range filter. Not documented; it stands for any date form the
   * reference leaves unsettled, so a client can be checked to tell a refused date from a refused `userStatuses`.
   */
  dateFilters?: 'accept' | 'refuse';
  /** Live data: after each page of `/users` or `/users/v2` that has a next page, users are added and removed. */
  churn?: { add: number; remove: number } | null;
  /**
   * Re-enrolments: this share of learner × course pairs also has an earlier enrollment (kept by iSpring, with its own
   * result row), served just before or just after the current one.
   */
  reenrolledShare?: number;
  /**
   * `/learners/results` types accessDate, dueDate and expirationDate as `datetime` while enrollments type them as
   * `date`: whether results send `2026-03-01` or `2026-03-01T00:00:00+00:00` is unsettled, so both are offered.
   */
  resultDates?: 'date' | 'datetime';
  /** Certificates nested (`certificate {issuedCertificateId, issueDate, expiryDate}`) or flat (older docs). */
  certificates?: 'nested' | 'flat';
  /** JSON of the non-paged `/department` list: the spec's `{departments: […]}` or the bare array a client reads. */
  departmentJson?: 'wrapped' | 'bare';
  /** A user's groups in XML: `<groups><id>…` (the spec's ArrayOfIds) or `<groups><group>…`. */
  userGroupItem?: 'id' | 'group';
  /**
   * Learners with results and enrollments whom no user list returns (outside the caller's departments, say). All but
   * the last answer `/user/{id}/v2`; the last (when there are two or more) is unknown everywhere (404).
   */
  unlistedLearners?: number;
  /**
   * Bad input the reference does not rule out: a due date before the assignment date, a certificate without a date, a
   * user status no doc lists (7), a department id no department list has, a completion status no doc lists.
   */
  oddities?: boolean;
}

/** Path prefixes seen in the docs and in client code (bare paths are the documented form); any other is a 404. */
const PREFIXES = ['', '/api/v1', '/api/v2', '/api/v3', '/index.php/api/v2'];
/** Filters that take lists, by endpoint family. */
const ARRAY_PARAMS = [
  'userIds',
  'courseIds',
  'departmentIds',
  'enrollmentIds',
  'completionStatuses',
  'userStatuses',
  'contentItemIds',
  'contentTypes',
  'departments',
  'groups',
  'logins',
  'emails',
  'learnerIds',
];
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export interface IspringCourse {
  contentItemId: string;
  title: string;
  subtitle?: string;
  description?: string;
  userId: string;
  addedDate: string;
  viewUrl: string;
  type: string;
  contentItemType: string;
}
export interface IspringUser {
  userId: string;
  /** 1 active, 3 blocked, 5 employment ended (the non-v2 endpoints report 5 as 3). */
  status: 1 | 3 | 5;
  departmentId: string;
  addedDate: string;
  lastLoginDate?: string;
  fields: [string, string][];
  groups: string[];
}
export interface IspringResult {
  userId: string;
  courseId: string;
  /** The enrollment this result belongs to (each re-enrolment has its own). */
  enrollmentId: string;
  /** snake_case, as the results API sends it. */
  completionStatus: string;
  /** Text, possibly fractional (`90.91`). */
  progress: string;
  /** Date only (the assignment date). */
  accessDate: string;
  /** Date only; only when a due date is set. */
  dueDate?: string;
  /** Date only; only when a due date is set and access locks after it. */
  expirationDate?: string;
  /** Canonical `…+00:00`; rendered in the chosen date style. Only for finished rows. */
  completionDate?: string;
  /** Only for rows ever opened (final_statuses). */
  lastViewDate?: string;
  awardedScore?: string;
  passingScore?: string;
  timeSpent?: number;
  isOverdue: boolean;
  viewsCount?: number;
}
export interface IspringEnrollment {
  enrollmentId: string;
  courseId: string;
  learnerId: string;
  /** Date only, as every enrollment date. */
  accessDate: string;
  dueDate?: string;
  expirationDate?: string;
  shouldLockAfterDueDate: boolean;
  enrollmentTypeGroup: 0 | 1;
  /** Only for active enrollments; `issueDate` is required by the spec (left out by `oddities`). */
  certificate?: { issuedCertificateId: string; issueDate?: string; expiryDate?: string };
}
export interface IspringDepartment {
  departmentId: string;
  name: string;
  parentDepartmentId?: string;
  code?: string;
}
export interface IspringGroup {
  groupId: string;
  name: string;
  isSmart: boolean;
}
export interface IspringFixture {
  courses: IspringCourse[];
  users: IspringUser[];
  /** The current enrollment's result per learner × course (what Rollbook should hold). */
  results: IspringResult[];
  /** Results of earlier enrollments that iSpring keeps: served by /learners/results beside the current ones. */
  pastResults: IspringResult[];
  /** Every enrollment, past ones included. */
  enrollments: IspringEnrollment[];
  departments: IspringDepartment[];
  groups: IspringGroup[];
  /** Users no list returns; all but the last (when ≥ 2) answer `/user/{id}/v2`. */
  unlisted: IspringUser[];
}

type ResolvedOptions = Required<Omit<IspringSimOptions, 'ignoreAccept' | 'churn'>> & {
  ignoreAccept: 'xml' | 'json' | null;
  churn: { add: number; remove: number } | null;
};

export interface IspringSimulator extends SimServer {
  data: IspringFixture;
  /** Live: changing a field changes the next answers. */
  options: ResolvedOptions;
  /** Invalidates every issued token (as if they expired). */
  expireTokens(): void;
  readonly tokensIssued: number;
  /** Requests refused for an expired or unknown token. */
  readonly expiredTokenHits: number;
}

const FIRST = [
  'Zoë',
  'Łukasz',
  'José',
  'Siobhán',
  '王',
  'Ολυμπία',
  'Ахмед',
  'Ingrid',
  'Kwame',
  'Noémie',
  'Aoife',
  'محمد',
];
const LAST = [
  'Ångström',
  'Żółć',
  'Núñez',
  "O'Brien",
  '芳',
  'Παπαδοπούλου',
  'Ибрагимов',
  'Berg, Jr.',
  'Mensah',
  'Dubois <QA>',
  'Nguyễn',
  'Øster & Søn',
];
const TYPES = ['Course', 'Course', 'LearningTrack', 'Quiz', 'iSpringSuiteModule', 'PDFDocument'];
/** Display text per snake_case status; two casings where iSpring products disagree. */
export const ISPRING_DISPLAY: Record<string, string[]> = {
  not_started: ['Not started', 'Not Started'],
  in_progress: ['In progress', 'In Progress'],
  pending: ['Pending'],
  complete: ['Complete'],
  passed: ['Passed'],
  failed: ['Failed'],
  incomplete: ['Incomplete'],
  accepted: ['Accepted'],
  declined: ['Declined'],
};
const RESULT_STATUSES = [
  'not_started',
  'in_progress',
  'in_progress',
  'complete',
  'passed',
  'passed',
  'failed',
  'incomplete',
  'pending',
  'accepted',
  'declined',
];
const FINISHED = new Set(['complete', 'passed', 'failed', 'accepted', 'declined']);
const COMPLETION_STATUSES = new Set([...RESULT_STATUSES]);

function uuid(random: () => number): string {
  const hex = () => Math.floor(random() * 16).toString(16);
  const part = (n: number) => Array.from({ length: n }, hex).join('');
  return `${part(8)}-${part(4)}-1${part(3)}-${['8', '9', 'a', 'b'][Math.floor(random() * 4)]}${part(3)}-${part(12)}`;
}

const offsetDate = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');

/**
 * Courses, users and results from a seed. Guarantees, when sizes allow: a user with a single field (only LOGIN), users
 * without names (login fallback) and one without login and names (e-mail fallback), fractional progress, one course
 * with exactly one result row and one with none (one-item and empty final_statuses lists), inactive users.
 */
export function generateIspringFixture(o: {
  seed: number;
  courses: number;
  learners: number;
  results: number;
  inactiveShare?: number;
  accountUrl?: string;
  reenrolledShare?: number;
  unlistedLearners?: number;
  oddities?: boolean;
}): IspringFixture {
  const random = seededRandom(o.seed);
  const account = o.accountUrl ?? 'https://acme.ispringlearn.com';
  const authorId = uuid(random);
  const courses: IspringCourse[] = Array.from({ length: o.courses }, (_, i) => {
    const id = uuid(random);
    return {
      contentItemId: id,
      title:
        i % 7 === 3
          ? `Sécurité incendie — module ${i + 1}, "avancé" & <révision>`
          : `Course ${i + 1}: ${['Fire Safety', 'GDPR für Einsteiger', 'Первая помощь', '新员工入职', 'Ética'][i % 5]}`,
      ...(i % 4 === 1 ? { subtitle: `Subtitle ${i + 1}` } : {}),
      ...(i % 3 === 0 ? {} : { description: `Description of course ${i + 1} — ünïcödé` }),
      userId: authorId,
      addedDate: offsetDate(Date.UTC(2025, i % 12, 1 + (i % 27), 9, 30)),
      viewUrl: `${account}/app/content/${id}`,
      type: 'Course',
      contentItemType: TYPES[i % TYPES.length]!,
    };
  });
  const inactiveShare = o.inactiveShare ?? 0.1;
  const departmentId = uuid(random);
  const users: IspringUser[] = Array.from({ length: o.learners }, (_, i) => {
    const fields: [string, string][] = [];
    if (i === 2) {
      fields.push(['LOGIN', `solo${i + 1}`]); // the only field: a one-element <fields> list
    } else {
      if (i % 19 !== 12) fields.push(['LOGIN', `user${i + 1}`]);
      if (i % 11 !== 5) fields.push(['EMAIL', `user${i + 1}@acme.example`]);
      if (i % 13 !== 7 && i % 19 !== 12) {
        fields.push(['FIRST_NAME', FIRST[i % FIRST.length]!]);
        fields.push(['LAST_NAME', LAST[(i * 5) % LAST.length]!]);
      }
      fields.push(['JOB_TITLE', i % 2 ? 'Trainee' : 'Ingénieure']);
    }
    const roll = random();
    const status: IspringUser['status'] = i < 3 ? 1 : roll < inactiveShare / 2 ? 3 : roll < inactiveShare ? 5 : 1;
    return {
      userId: uuid(random),
      status,
      departmentId,
      addedDate: offsetDate(Date.UTC(2024, i % 12, 1 + (i % 27), 8)),
      ...(i % 5 === 4 ? {} : { lastLoginDate: offsetDate(Date.UTC(2026, 0, 1 + (i % 27), 7, 45)) }),
      fields,
      groups: [], // below, from a stream of its own so the rest of the dataset stays what the seed always gave
    };
  });

  // The last course gets no rows and the one before it a single row (when there are ≥ 3 courses); the others
  // share the rest round-robin, each (user, course) pair at most once.
  const results: IspringResult[] = [];
  const L = users.length;
  const shared = o.courses >= 3 ? o.courses - 2 : o.courses;
  const single = o.courses >= 3 && o.results > 0 ? 1 : 0;
  const target = Math.min(o.results - single, shared * L);
  const row = (c: number, k: number): IspringResult => {
    const status = RESULT_STATUSES[Math.floor(random() * RESULT_STATUSES.length)]!;
    const done = FINISHED.has(status);
    const progress = done
      ? '100'
      : status === 'not_started'
        ? '0'
        : k % 3 === 0
          ? String(10 + Math.floor(random() * 80))
          : (Math.round(random() * 9899) / 100 + 1).toFixed(2).replace(/0+$/, '').replace(/\.$/, '');
    const month = 1 + (c % 5);
    const day = 1 + Math.floor(random() * 27);
    const at = (h: number, m: number) => offsetDate(Date.UTC(2026, month - 1, day, h, m));
    const scored = done && c % 2 === 0;
    return {
      userId: users[(c * 31 + k) % L]!.userId,
      courseId: courses[c]!.contentItemId,
      enrollmentId: '', // below
      completionStatus: status,
      progress,
      // The reference calls accessDate the course assignment date: days before the learner's first view.
      accessDate: new Date(Date.UTC(2026, month - 1, day) - (1 + ((c + k) % 14)) * 86_400_000)
        .toISOString()
        .slice(0, 10),
      ...(done ? { completionDate: at(12, 5) } : {}),
      ...(status === 'not_started' ? {} : { lastViewDate: at(13, 33) }),
      ...(scored ? { awardedScore: String(50 + Math.floor(random() * 500) / 10), passingScore: '60' } : {}),
      ...(status === 'not_started' ? {} : { timeSpent: Math.floor(random() * 7200) }),
      isOverdue: random() < 0.15,
    };
  };
  for (let r = 0; r < target; r += 1) results.push(row(r % shared, Math.floor(r / shared)));
  if (single) results.push(row(o.courses - 2, 0));

  // Departments, groups, enrollments, earlier enrollments and unlisted learners: their own random stream.
  const more = seededRandom(o.seed * 7919 + 13);
  const departments: IspringDepartment[] = [
    { departmentId, name: 'Head office', code: 'HQ' },
    { departmentId: uuid(more), name: 'Sales & Marketing', parentDepartmentId: departmentId },
    { departmentId: uuid(more), name: 'Équipe Nord — <terrain>', parentDepartmentId: departmentId, code: 'N1' },
    { departmentId: uuid(more), name: 'Nobody here', parentDepartmentId: departmentId },
  ];
  const groups: IspringGroup[] = [
    { groupId: uuid(more), name: 'New starters', isSmart: false },
    { groupId: uuid(more), name: 'Managers "2026"', isSmart: true },
    { groupId: uuid(more), name: 'Fire wardens & first aiders', isSmart: false },
  ];
  users.forEach((u, i) => {
    u.departmentId = departments[i % 3]!.departmentId;
    // None, one (a one-element list), two.
    u.groups = [[], [groups[0]!.groupId], [groups[1]!.groupId, groups[2]!.groupId]][i % 3]!;
  });

  const day = (date: string, days: number) => new Date(Date.parse(date) + days * 86_400_000).toISOString().slice(0, 10);
  const enrollments: IspringEnrollment[] = [];
  results.forEach((r, i) => {
    r.enrollmentId = uuid(more);
    // A due date on most, some already past; access locks after it (an expiration date) on some of those.
    const due = i % 4 !== 3;
    const lock = due && i % 3 === 0;
    if (due) r.dueDate = day(r.accessDate, 14 + (i % 40));
    if (lock) r.expirationDate = day(r.dueDate!, 30);
    const done = r.completionStatus === 'passed' || r.completionStatus === 'complete';
    const certified = done && i % 2 === 0 && r.completionDate !== undefined;
    enrollments.push({
      enrollmentId: r.enrollmentId,
      courseId: r.courseId,
      learnerId: r.userId,
      accessDate: r.accessDate,
      ...(due ? { dueDate: r.dueDate } : {}),
      ...(lock ? { expirationDate: r.expirationDate } : {}),
      shouldLockAfterDueDate: lock,
      enrollmentTypeGroup: i % 5 === 0 ? 1 : 0,
      ...(certified
        ? {
            certificate: {
              issuedCertificateId: uuid(more),
              issueDate: r.completionDate!.slice(0, 10),
              ...(i % 4 === 0 ? { expiryDate: day(r.completionDate!, 365) } : {}),
            },
          }
        : {}),
    });
    r.viewsCount = r.completionStatus === 'not_started' ? 0 : 1 + (i % 9);
  });

  // Earlier enrollments of some pairs: assigned a year before, left open or failed, never certified.
  const pastResults: IspringResult[] = [];
  const share = o.reenrolledShare ?? 0.1;
  const every = share > 0 ? Math.max(1, Math.round(1 / share)) : 0;
  results.forEach((r, i) => {
    if (!every || i % every !== every - 1) return;
    const accessDate = day(r.accessDate, -365);
    const past: IspringResult = {
      userId: r.userId,
      courseId: r.courseId,
      enrollmentId: uuid(more),
      completionStatus: i % 2 ? 'in_progress' : 'failed',
      progress: i % 2 ? '40' : '100',
      accessDate,
      dueDate: day(accessDate, 30),
      ...(i % 2 ? {} : { completionDate: `${day(accessDate, 20)}T10:00:00+00:00` }),
      lastViewDate: `${day(accessDate, 20)}T10:00:00+00:00`,
      timeSpent: 600,
      isOverdue: true,
      viewsCount: 3,
    };
    pastResults.push(past);
    enrollments.push({
      enrollmentId: past.enrollmentId,
      courseId: past.courseId,
      learnerId: past.userId,
      accessDate,
      dueDate: past.dueDate,
      shouldLockAfterDueDate: false,
      enrollmentTypeGroup: 0,
    });
  });

  // Learners no list returns, each with one result on the first course.
  const unlisted: IspringUser[] = [];
  for (let i = 0; i < (o.unlistedLearners ?? 0) && courses.length > 0; i += 1) {
    const user: IspringUser = {
      userId: uuid(more),
      status: 5,
      departmentId: departments[1]!.departmentId,
      addedDate: '2024-02-01T08:00:00+00:00',
      fields: [
        ['LOGIN', `leaver${i + 1}`],
        ['FIRST_NAME', 'Rémi'],
        ['LAST_NAME', `Leaver ${i + 1}`],
      ],
      groups: [],
    };
    unlisted.push(user);
    const result: IspringResult = {
      userId: user.userId,
      courseId: courses[0]!.contentItemId,
      enrollmentId: uuid(more),
      completionStatus: 'complete',
      progress: '100',
      accessDate: '2025-06-02',
      completionDate: '2025-06-20T11:00:00+00:00',
      lastViewDate: '2025-06-20T11:00:00+00:00',
      isOverdue: false,
    };
    results.push(result);
    enrollments.push({
      enrollmentId: result.enrollmentId,
      courseId: result.courseId,
      learnerId: user.userId,
      accessDate: result.accessDate,
      shouldLockAfterDueDate: false,
      enrollmentTypeGroup: 0,
    });
  }

  if (o.oddities && results.length >= 3 && users.length >= 2) {
    const current = (r: IspringResult) => enrollments.find((e) => e.enrollmentId === r.enrollmentId)!;
    // Due before assigned.
    const [a, b, c] = results;
    a!.dueDate = day(a!.accessDate, -10);
    current(a!).dueDate = a!.dueDate;
    // A certificate without its (required) issue date.
    current(b!).certificate = { issuedCertificateId: uuid(more), expiryDate: '2027-01-31' };
    // A completion status no doc lists.
    c!.completionStatus = 'archived';
    users[0]!.status = 7 as IspringUser['status'];
    users[1]!.departmentId = uuid(more);
  }
  return { courses, users, results, pastResults, enrollments, departments, groups, unlisted };
}

// --------------------------------------------------------------------------------------------------- rendering

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A value the renderer can place in XML or JSON: `undefined` = an optional element without a value. */
type Value = string | number | boolean | undefined | Value[] | { [key: string]: Value } | List;
/** A list of repeated `<item>` elements (XML) / an array (JSON). */
class List {
  constructor(
    readonly item: string,
    readonly values: Value[],
  ) {}

  /** Lets JSON.stringify render a page directly when no JSON trap is switched on (the 100k-row fast path). */
  toJSON(): Value[] {
    return this.values;
  }
}

interface Renderer {
  booleans: 'words' | 'digits';
  optional: 'omit' | 'empty' | 'null';
  singleAsObject: boolean;
}

function xmlOf(name: string, value: Value, r: Renderer): string {
  if (value === undefined) return r.optional === 'omit' ? '' : `<${name}/>`;
  if (value instanceof List) return `<${name}>${value.values.map((v) => xmlOf(value.item, v, r)).join('')}</${name}>`;
  if (Array.isArray(value)) return value.map((v) => xmlOf(name, v, r)).join('');
  if (typeof value === 'boolean')
    return `<${name}>${r.booleans === 'words' ? String(value) : value ? '1' : '0'}</${name}>`;
  if (typeof value === 'object')
    return `<${name}>${Object.entries(value)
      .map(([k, v]) => xmlOf(k, v, r))
      .join('')}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function jsonOf(value: Value, r: Renderer): unknown {
  // Documented JSON (optional keys left out, real booleans, real arrays) is what JSON.stringify does by itself.
  if (r.optional === 'omit' && r.booleans === 'words' && !r.singleAsObject) return value;
  if (value instanceof List) {
    const items = value.values.map((v) => jsonOf(v, r));
    return r.singleAsObject && items.length === 1 ? items[0] : items;
  }
  if (Array.isArray(value)) return value.map((v) => jsonOf(v, r));
  if (typeof value === 'boolean') return r.booleans === 'words' ? value : value ? 1 : 0;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) {
        if (r.optional === 'empty') out[k] = '';
        else if (r.optional === 'null') out[k] = null;
        continue;
      }
      out[k] = jsonOf(v, r);
    }
    return out;
  }
  return value;
}

// ------------------------------------------------------------------------------------------------------ server

export async function startIspringSimulator(options: IspringSimOptions = {}): Promise<IspringSimulator> {
  const o: ResolvedOptions = {
    seed: 1,
    courses: 6,
    learners: 20,
    results: 60,
    defaultPageSize: 1000,
    pageSizeCap: 1000,
    clientId: 'f0e1d2c3-0000-1111-2222-333344445555',
    clientSecret: 'isp-client-secret-ÄÖ-123',
    accountUrl: 'https://acme.ispringlearn.com',
    login: 'admin@acme.example',
    password: 'legacy-p@ss-word',
    tokenTtlSeconds: 1800,
    bearer: 'optional',
    booleans: 'words',
    emptyLists: 'wrapper',
    wrapping: 'documented',
    jsonSingleAsObject: false,
    optionalElements: 'omit',
    statuses: 'documented',
    dates: 'offset',
    ignoreAccept: null,
    xmlContentType: 'application/xml; charset=utf-8',
    errorBodies: 'spec',
    tokenField: 'nextPageToken',
    trailingEmptyPage: false,
    inactiveShare: 0.1,
    userStatusValues: [1, 3, 5],
    forbid: [],
    bearerOnly: [],
    forbiddenCourses: [],
    missing: [],
    oversizedPageSize: 'clamp',
    arrayParams: 'brackets',
    fractionalSeconds: 'accept',
    dateFilters: 'accept',
    reenrolledShare: 0.1,
    resultDates: 'date',
    certificates: 'nested',
    departmentJson: 'wrapped',
    userGroupItem: 'id',
    unlistedLearners: 0,
    oddities: false,
    ...options,
    churn: options.churn ?? null,
  };
  const data = generateIspringFixture(o);
  const userStatus = new Map([...data.users, ...data.unlisted].map((u) => [u.userId, u.status]));
  /**
   * What /learners/results serves: every current result, each earlier enrollment's result just before or just after
   * its current one (alternately), so a client that lets the last row win is wrong either way.
   */
  const served: IspringResult[] = [];
  {
    const past = new Map(data.pastResults.map((r) => [`${r.userId}/${r.courseId}`, r]));
    let n = 0;
    for (const r of data.results) {
      const earlier = past.get(`${r.userId}/${r.courseId}`);
      if (earlier && n++ % 2 === 0) served.push(earlier, r);
      else if (earlier) served.push(r, earlier);
      else served.push(r);
    }
  }
  const courseTitle = new Map(data.courses.map((c) => [c.contentItemId, c.title]));
  const courseIds = new Set(data.courses.map((c) => c.contentItemId));
  /** Result rows per course, built once (final_statuses is not paged: a course's rows go out in one answer). */
  const byCourse = new Map<string, IspringResult[]>();
  for (const r of data.results) {
    const list = byCourse.get(r.courseId);
    if (list) list.push(r);
    else byCourse.set(r.courseId, [r]);
  }
  const tokens = new Map<string, number>();
  let churned = 0;
  /** Between two pages of the user list: new users join at the end, the earliest leave. */
  function churn(c: { add: number; remove: number }): void {
    for (let i = 0; i < c.add; i += 1) {
      churned += 1;
      const userId = `0000${churned.toString(16).padStart(4, '0')}-7e57-11f0-8000-000000c4a17e`;
      data.users.push({
        userId,
        status: 1,
        departmentId: data.users[0]?.departmentId ?? userId,
        addedDate: '2026-01-05T09:00:00+00:00',
        fields: [['LOGIN', `joiner${churned}`]],
        groups: [],
      });
      userStatus.set(userId, 1);
    }
    churned += c.remove;
    data.users.splice(0, c.remove);
  }
  let tokensIssued = 0;
  let expiredTokenHits = 0;
  let tokenCounter = 0;
  /** Filtered result lists per distinct filter query; a handful at a time. */
  const queryCache = new Map<string, IspringResult[]>();

  const formatOf = (req: IncomingMessage): 'xml' | 'json' => {
    if (o.ignoreAccept) return o.ignoreAccept;
    return String(req.headers.accept ?? '').includes('application/json') ? 'json' : 'xml';
  };
  const renderer = (row: number): Renderer => ({
    booleans: o.booleans === 'mixed' ? (row % 2 ? 'digits' : 'words') : o.booleans,
    optional: o.optionalElements,
    singleAsObject: o.jsonSingleAsObject,
  });

  /** Renders a date-time in the chosen style (data holds `…+00:00`). */
  const dt = (value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    const ms = Date.parse(value);
    switch (o.dates) {
      case 'offset':
        return value;
      case 'utc':
        return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
      case 'zoned':
        return new Date(ms + 2 * 3600_000).toISOString().replace(/\.\d{3}Z$/, '+02:00');
      case 'naive':
        return new Date(ms)
          .toISOString()
          .replace('T', ' ')
          .replace(/\.\d{3}Z$/, '');
    }
  };

  function send(
    req: IncomingMessage,
    format: 'xml' | 'json',
    xmlBody: string,
    json: unknown,
    status = 200,
  ): SimResponse {
    if (format === 'json')
      return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(json) };
    return { status, contentType: o.xmlContentType, body: `<?xml version="1.0" encoding="UTF-8"?>\n${xmlBody}` };
  }

  function error(req: IncomingMessage, status: number, message: string): SimResponse {
    if (o.errorBodies === 'text') return { status, contentType: 'text/plain; charset=utf-8', body: message };
    const format = formatOf(req);
    return send(
      req,
      format,
      `<response><code>${status}</code><message>${escapeXml(message)}</message></response>`,
      { code: status, message },
      status,
    );
  }
  const notFound = (message = 'Not Found'): SimResponse => ({
    status: 404,
    contentType: 'text/plain; charset=utf-8',
    body: message,
  });

  /**
   * One page of a list endpoint. The token is base64 of `<offset>.<last key>` (the docs' tokens look like base64 of
   * the last id): O(1) to resume, and a token from another list is refused with 400.
   */
  function pageOf<T>(
    rows: T[],
    keyOf: (row: T) => string,
    url: URL,
  ): { rows: T[]; next: string | null } | 'bad' | 'oversized' {
    const sizeParam = url.searchParams.get('pageSize');
    if (sizeParam !== null && !/^[1-9]\d*$/.test(sizeParam)) return 'bad';
    const asked = sizeParam === null ? Math.min(o.defaultPageSize, o.pageSizeCap) : Number(sizeParam);
    if (asked > o.pageSizeCap && o.oversizedPageSize === 'error') return 'oversized';
    const size = Math.min(asked, o.pageSizeCap);
    const token = url.searchParams.get('pageToken');
    let start = 0;
    if (token) {
      const [offset, ...rest] = Buffer.from(token, 'base64').toString('utf8').split('.');
      const key = rest.join('.');
      start = Number(offset);
      if (!Number.isInteger(start) || start < 1 || key === '') return 'bad';
      // Keyset paging: resume after the last row served, wherever it now is (rows may have come and gone since).
      if (start > rows.length || keyOf(rows[start - 1]!) !== key) {
        const at = rows.findIndex((row) => keyOf(row) === key);
        if (at >= 0) start = at + 1;
        else if (churned === 0)
          return 'bad'; // a token from another list
        else start = Math.min(start, rows.length); // the row itself left: resume where it was
      }
    }
    const slice = rows.slice(start, start + size);
    const end = start + slice.length;
    const more = end < rows.length || (o.trailingEmptyPage && slice.length > 0);
    return {
      rows: slice,
      next:
        more && slice.length > 0 ? Buffer.from(`${end}.${keyOf(slice[slice.length - 1]!)}`).toString('base64') : null,
    };
  }

  /** A paged list answer in the chosen wrapping. */
  function listAnswer(
    req: IncomingMessage,
    wrapper: string,
    item: string,
    xmlItems: Value[],
    jsonItems: Value[],
    next: string | null,
  ): SimResponse {
    const format = formatOf(req);
    const r = renderer(0);
    const tokenName = o.tokenField;
    if (format === 'json') {
      const body: Record<string, unknown> = { [wrapper]: jsonOf(new List(item, jsonItems), r) };
      if (next) body[tokenName] = next;
      else if (o.wrapping === 'nested') body[tokenName] = null;
      return send(req, format, '', o.wrapping === 'nested' ? { response: body } : body);
    }
    const items = xmlItems.map((v, i) => xmlOf(item, v, renderer(i))).join('');
    const list =
      items === ''
        ? o.emptyLists === 'wrapper' && o.wrapping !== 'bare'
          ? `<${wrapper}/>`
          : ''
        : o.wrapping === 'bare'
          ? items
          : `<${wrapper}>${items}</${wrapper}>`;
    const token = next ? `<${tokenName}>${next}</${tokenName}>` : o.wrapping === 'bare' ? `<${tokenName}/>` : '';
    const inner = `${list}${token}`;
    const doc =
      o.wrapping === 'nested'
        ? `<response><response>${inner}</response></response>`
        : inner === ''
          ? '<response/>'
          : `<response>${inner}</response>`;
    return send(req, format, doc, null);
  }

  /**
   * A non-paged list: XML items straight under `<response>`; JSON the spec's wrapper object or the bare array.
   */
  function bareList(
    req: IncomingMessage,
    wrapper: string,
    item: string,
    values: Value[],
    json: 'wrapped' | 'bare',
  ): SimResponse {
    const list = jsonOf(new List(item, values), renderer(0));
    return send(
      req,
      formatOf(req),
      `<response>${values.map((v, i) => xmlOf(item, v, renderer(i))).join('')}</response>`,
      json === 'wrapped' ? { [wrapper]: list } : list,
    );
  }

  const courseValue = (c: IspringCourse): Value => ({
    contentItemId: c.contentItemId,
    title: c.title,
    subtitle: c.subtitle,
    description: c.description,
    userId: c.userId,
    addedDate: dt(c.addedDate),
    viewUrl: c.viewUrl,
    type: c.type,
    contentItemType: c.contentItemType,
  });

  const userValue = (u: IspringUser, v2: boolean): Value => ({
    userId: u.userId,
    role: 'learner',
    roleId: '00000000-0000-0000-0000-000000000001',
    departmentId: u.departmentId,
    // The non-v2 endpoints report "employment ended" (5) as inactive (3).
    status: v2 ? u.status : u.status === 5 ? 3 : u.status,
    fields: new List(
      'field',
      u.fields.map(([name, value]) => ({ name, value })),
    ),
    addedDate: dt(u.addedDate),
    lastLoginDate: dt(u.lastLoginDate),
    userRoles: new List('userRole', [{ roleId: '00000000-0000-0000-0000-000000000001', roleType: 'learner' }]),
    groups: u.groups.length ? new List(o.userGroupItem, u.groups) : undefined,
  });

  /** A date-only value of a result, in the chosen style (see `resultDates`). */
  const resultDate = (date: string | undefined) =>
    date === undefined || o.resultDates === 'date' ? date : `${date}T00:00:00+00:00`;

  const enrollmentValue = (e: IspringEnrollment): Value => ({
    enrollmentId: e.enrollmentId,
    courseId: e.courseId,
    learnerId: e.learnerId,
    accessDate: e.accessDate,
    dueDate: e.dueDate,
    expirationDate: e.expirationDate,
    shouldLockAfterDueDate: e.shouldLockAfterDueDate,
    enrollmentTypeGroup: e.enrollmentTypeGroup,
    ...(o.certificates === 'nested'
      ? { certificate: e.certificate }
      : {
          issuedCertificateId: e.certificate?.issuedCertificateId,
          certIssueDate: e.certificate?.issueDate,
          certExpiryDate: e.certificate?.expiryDate,
        }),
  });
  const departmentValue = (d: IspringDepartment): Value => ({
    departmentId: d.departmentId,
    name: d.name,
    parentDepartmentId: d.parentDepartmentId,
    code: d.code,
    subordination: { subordinationType: 'no_supervisor' },
    coSubordination: { subordinationType: 'no_supervisor' },
  });
  const groupValue = (g: IspringGroup): Value => ({ groupId: g.groupId, name: g.name, isSmart: g.isSmart });

  const displayStatus = (r: IspringResult, i: number) => {
    const texts = ISPRING_DISPLAY[r.completionStatus] ?? [r.completionStatus];
    return texts[i % texts.length]!;
  };

  const resultValue = (r: IspringResult, i: number): Value => ({
    userId: r.userId,
    courseId: r.courseId,
    courseTitle: courseTitle.get(r.courseId),
    enrollmentId: r.enrollmentId,
    accessDate: resultDate(r.accessDate),
    dueDate: resultDate(r.dueDate),
    expirationDate: resultDate(r.expirationDate),
    completionStatus: o.statuses === 'display' ? displayStatus(r, i) : r.completionStatus,
    isOverdue: r.isOverdue,
    completionDate: dt(r.completionDate),
    timeSpent: r.timeSpent,
    awardedScore: r.awardedScore,
    passingScore: r.passingScore,
    progress: r.progress,
    viewsCount: r.viewsCount,
  });

  const finalStatusValue = (r: IspringResult, i: number): Value => ({
    userId: r.userId,
    status: o.statuses === 'snake' ? r.completionStatus : displayStatus(r, i),
    progress: r.progress,
    completionDate: dt(r.completionDate),
    lastViewDate: dt(r.lastViewDate),
  });

  /** `name[]` (documented); the bare `name` too only when `arrayParams` is `both` (the spec drops the brackets). */
  const many = (url: URL, name: string): string[] => [
    ...url.searchParams.getAll(`${name}[]`),
    ...(o.arrayParams === 'both' ? url.searchParams.getAll(name) : []),
  ];
  /**
   * The documented spelling only: a bare array name is a 400 in `brackets` mode rather than a filter silently dropped.
   */
  const misspelt = (url: URL): string | null =>
    o.arrayParams === 'brackets' ? (ARRAY_PARAMS.find((name) => url.searchParams.has(name)) ?? null) : null;

  function filteredResults(url: URL): IspringResult[] | string {
    const userIds = many(url, 'userIds');
    const courseIdsFilter = many(url, 'courseIds');
    const completion = many(url, 'completionStatuses');
    const statusesAsked = many(url, 'userStatuses');
    const range = (field: string) =>
      [url.searchParams.get(`${field}[startDate]`), url.searchParams.get(`${field}[endDate]`)] as const;
    const [cFrom, cTo] = range('completionDate');
    const [aFrom, aTo] = range('accessDate');
    if (userIds.some((id) => !/^[0-9a-f-]{36}$/i.test(id))) return 'a bad UUID in userIds';
    if (completion.some((s) => !COMPLETION_STATUSES.has(s))) return 'an unknown completion status';
    if (statusesAsked.some((s) => !o.userStatusValues.includes(Number(s)))) return 'an unknown user status';
    const dates = [cFrom, cTo, aFrom, aTo];
    const rfc3339 = (v: string) => RFC3339.test(v) && (o.fractionalSeconds === 'accept' || !v.includes('.'));
    if (dates.some((v) => v !== null && !rfc3339(v))) return 'a date that is not an RFC 3339 date-time';
    if (o.dateFilters === 'refuse' && dates.some((v) => v !== null)) return 'a date this server does not take';
    const times = dates.map((v) => (v === null ? null : Date.parse(v)));
    if (times.some((t) => t !== null && Number.isNaN(t))) return 'a bad date';
    const key = [userIds, courseIdsFilter, completion, statusesAsked, times].map((x) => JSON.stringify(x)).join('|');
    const cached = queryCache.get(key);
    if (cached) return cached;
    const statuses = new Set((statusesAsked.length ? statusesAsked : ['1']).map(Number));
    const users = new Set(userIds);
    const coursesWanted = new Set(courseIdsFilter);
    const wanted = new Set(completion);
    const [tcFrom, tcTo, taFrom, taTo] = times;
    const inRange = (value: string | undefined, from: number | null, to: number | null) => {
      if (from === null && to === null) return true;
      if (value === undefined) return false;
      const t = Date.parse(value);
      return (from === null || t >= from) && (to === null || t <= to);
    };
    const everyone = [1, 3, 5].every((s) => statuses.has(s));
    const rows =
      !everyone || users.size || coursesWanted.size || wanted.size || times.some((t) => t !== null)
        ? served.filter(
            (r) =>
              statuses.has(userStatus.get(r.userId) ?? 1) &&
              (!users.size || users.has(r.userId)) &&
              (!coursesWanted.size || coursesWanted.has(r.courseId)) &&
              (!wanted.size || wanted.has(r.completionStatus)) &&
              inRange(r.completionDate, tcFrom!, tcTo!) &&
              inRange(r.accessDate, taFrom!, taTo!),
          )
        : served; // the full list is served as is: no copy of a 100k-row array per query
    if (queryCache.size >= 16) queryCache.clear();
    queryCache.set(key, rows);
    return rows;
  }

  function authorised(req: IncomingMessage): boolean {
    const auth = req.headers.authorization;
    if (auth !== undefined) {
      const bearer = /^Bearer\s+(\S+)$/i.exec(auth);
      const value = bearer ? bearer[1]! : o.bearer === 'optional' ? auth.trim() : null;
      const expiry = value === null ? undefined : tokens.get(value);
      if (expiry === undefined || expiry < Date.now()) {
        expiredTokenHits += 1;
        return false;
      }
      return true;
    }
    const h = req.headers;
    return (
      h['x-auth-account-url'] === o.accountUrl && h['x-auth-email'] === o.login && h['x-auth-password'] === o.password
    );
  }

  const sim = await startSimServer((req, url, body) => {
    if (url.pathname === '/api/v3/token') {
      if (req.method !== 'POST') return error(req, 400, 'Bad Request');
      if (o.missing.includes('token')) return notFound();
      if (o.forbid.includes('token')) return error(req, 403, 'Permission denied');
      if (!String(req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded'))
        return error(req, 400, 'Bad Request');
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'client_credentials' || !form.get('client_id'))
        return error(req, 400, 'Bad Request');
      if (form.get('client_id') !== o.clientId || form.get('client_secret') !== o.clientSecret)
        return error(req, 401, 'Unauthorized');
      tokenCounter += 1;
      const token = Buffer.from(`tok-${o.seed}-${tokenCounter}-${Date.now()}`).toString('base64url');
      tokens.set(token, Date.now() + o.tokenTtlSeconds * 1000);
      tokensIssued += 1;
      const answer = { access_token: token, expires_in: o.tokenTtlSeconds, token_type: 'bearer' };
      const format = formatOf(req);
      return send(req, format, xmlOf('response', answer, renderer(0)), answer);
    }

    // Paths work bare (documented) and under the prefixes seen in the wild; no other.
    const prefix = /^(?:\/index\.php)?\/api\/v\d+(?=\/)/.exec(url.pathname)?.[0] ?? '';
    if (!PREFIXES.includes(prefix)) return notFound();
    const path = url.pathname.slice(prefix.length);
    if (req.method !== 'GET') return notFound();
    if (!authorised(req)) return error(req, 401, 'Unauthorized');
    const wrongName = misspelt(url);
    if (wrongName) return error(req, 400, `Bad Request: ${wrongName} takes the form ${wrongName}[]=…`);
    const gate = (endpoint: IspringEndpoint): SimResponse | null =>
      o.missing.includes(endpoint)
        ? notFound()
        : o.bearerOnly.includes(endpoint) && req.headers.authorization === undefined
          ? error(req, 401, 'Unauthorized')
          : o.forbid.includes(endpoint)
            ? error(req, 403, 'Permission denied')
            : null;

    if (path === '/contents') {
      const refused = gate('contents');
      if (refused) return refused;
      const p = pageOf(data.courses, (c) => c.contentItemId, url);
      if (p === 'bad') return error(req, 400, 'Bad Request');
      if (p === 'oversized') return error(req, 400, `Bad Request: pageSize must be at most ${o.pageSizeCap}`);
      const items = p.rows.map(courseValue);
      return listAnswer(req, 'contentItems', 'contentItem', items, items, p.next);
    }
    if (path === '/content') {
      // Not paged: every item straight under <response>; JSON is a bare array.
      const refused = gate('content');
      if (refused) return refused;
      const items = data.courses.map(courseValue);
      const format = formatOf(req);
      return send(
        req,
        format,
        `<response>${items.map((v, i) => xmlOf('contentItem', v, renderer(i))).join('')}</response>`,
        items.map((v) => jsonOf(v, renderer(0))),
      );
    }
    if (path === '/users/v2' || path === '/users') {
      const v2 = path === '/users/v2';
      const refused = gate(v2 ? 'users/v2' : 'users');
      if (refused) return refused;
      const p = pageOf(data.users, (u) => u.userId, url);
      if (p === 'bad') return error(req, 400, 'Bad Request');
      if (p === 'oversized') return error(req, 400, `Bad Request: pageSize must be at most ${o.pageSizeCap}`);
      const items = p.rows.map((u) => userValue(u, v2));
      if (o.churn && p.next) churn(o.churn);
      return listAnswer(req, 'userProfiles', 'userProfile', items, items, p.next);
    }
    if (path === '/learners/results') {
      const refused = gate('results');
      if (refused) return refused;
      const rows = filteredResults(url);
      if (typeof rows === 'string') return error(req, 400, `Bad Request: ${rows}`);
      const p = pageOf(rows, (r) => r.enrollmentId, url);
      if (p === 'bad') return error(req, 400, 'Bad Request');
      if (p === 'oversized') return error(req, 400, `Bad Request: pageSize must be at most ${o.pageSizeCap}`);
      const items = p.rows.map(resultValue);
      return listAnswer(req, 'results', 'result', items, items, p.next);
    }
    if (path === '/enrollments' || path === '/enrollment') {
      const paged = path === '/enrollments';
      const refused = gate(paged ? 'enrollments' : 'enrollment');
      if (refused) return refused;
      const wanted = (name: string) => new Set(many(url, name));
      const [courses, learners, ids] = [wanted('courseIds'), wanted('learnerIds'), wanted('enrollmentIds')];
      const rows =
        courses.size || learners.size || ids.size
          ? data.enrollments.filter(
              (e) =>
                (!courses.size || courses.has(e.courseId)) &&
                (!learners.size || learners.has(e.learnerId)) &&
                (!ids.size || ids.has(e.enrollmentId)),
            )
          : data.enrollments;
      if (!paged) return bareList(req, 'enrollments', 'enrollment', rows.map(enrollmentValue), 'wrapped');
      const p = pageOf(rows, (e) => e.enrollmentId, url);
      if (p === 'bad') return error(req, 400, 'Bad Request');
      if (p === 'oversized') return error(req, 400, `Bad Request: pageSize must be at most ${o.pageSizeCap}`);
      const items = p.rows.map(enrollmentValue);
      return listAnswer(req, 'enrollments', 'enrollment', items, items, p.next);
    }
    if (path === '/departments' || path === '/department') {
      const paged = path === '/departments';
      const refused = gate(paged ? 'departments' : 'department');
      if (refused) return refused;
      if (!paged)
        return bareList(req, 'departments', 'department', data.departments.map(departmentValue), o.departmentJson);
      const p = pageOf(data.departments, (d) => d.departmentId, url);
      if (p === 'bad') return error(req, 400, 'Bad Request');
      if (p === 'oversized') return error(req, 400, `Bad Request: pageSize must be at most ${o.pageSizeCap}`);
      const items = p.rows.map(departmentValue);
      return listAnswer(req, 'departments', 'department', items, items, p.next);
    }
    if (path === '/groups' || path === '/group') {
      const paged = path === '/groups';
      const refused = gate(paged ? 'groups' : 'group');
      if (refused) return refused;
      if (!paged) return bareList(req, 'groups', 'group', data.groups.map(groupValue), 'bare');
      const p = pageOf(data.groups, (g) => g.groupId, url);
      if (p === 'bad') return error(req, 400, 'Bad Request');
      if (p === 'oversized') return error(req, 400, `Bad Request: pageSize must be at most ${o.pageSizeCap}`);
      const items = p.rows.map(groupValue);
      return listAnswer(req, 'groups', 'group', items, items, p.next);
    }
    const single = /^\/user\/([^/]+?)(\/v2)?$/.exec(path);
    if (single) {
      const refused = gate('user');
      if (refused) return refused;
      const id = decodeURIComponent(single[1]!);
      const fetchable = data.unlisted.slice(0, data.unlisted.length >= 2 ? -1 : undefined);
      const user = [...data.users, ...fetchable].find((u) => u.userId === id);
      if (!user) return notFound('User not found');
      // XML `<response><userProfile>…`; JSON a bare User (what a real client reads; the spec wraps it in `response`).
      const value = userValue(user, single[2] !== undefined);
      return send(
        req,
        formatOf(req),
        `<response>${xmlOf('userProfile', value, renderer(0))}</response>`,
        jsonOf(value, renderer(0)),
      );
    }
    const finals = /^\/content\/([^/]+)\/final_statuses$/.exec(path);
    if (finals) {
      if (o.missing.includes('final_statuses')) return notFound();
      const courseId = decodeURIComponent(finals[1]!);
      if (!courseIds.has(courseId)) return notFound('Unknown content item');
      if (o.forbid.includes('final_statuses') || o.forbiddenCourses.includes(courseId))
        return error(req, 403, 'Permission denied');
      const rows = (byCourse.get(courseId) ?? []).map(finalStatusValue);
      const format = formatOf(req);
      if (format === 'json') {
        const list = jsonOf(new List('status', rows), renderer(0));
        return send(req, format, '', o.wrapping === 'nested' ? { statuses: list } : list);
      }
      const items = rows.map((v, i) => xmlOf('status', v, renderer(i))).join('');
      const statuses = items === '' && o.emptyLists === 'missing' ? '' : `<statuses>${items}</statuses>`;
      const doc =
        o.wrapping === 'documented'
          ? statuses || '<statuses/>'
          : o.wrapping === 'nested'
            ? `<response>${statuses}</response>`
            : `<response>${items}</response>`;
      return send(req, format, doc, null);
    }
    return notFound();
  });

  const out = Object.assign(sim, { data, options: o, expireTokens: () => tokens.clear() });
  // Counters stay live (Object.assign would copy a getter's value once).
  Object.defineProperties(out, {
    tokensIssued: { get: () => tokensIssued, enumerable: true },
    expiredTokenHits: { get: () => expiredTokenHits, enumerable: true },
  });
  return out as IspringSimulator;
}
