/**
 * A local SelfCommunity API v2, the course/reporting subset (shared/api/selfcommunity.md §10 "Simulator checklist"):
 * static access tokens and HS256 JWTs verified with the community secret (expiry against a switchable clock),
 * limit/offset pagination with absolute `next`/`previous` links, JSON-array `statuses`/`categories` filters,
 * creator/manager-only routes answering 403, course status answering 404 for invisible courses, the
 * `{"errors": [...]}` body (or DRF's `{"detail": ...}`), `view` variants and `?user=` impersonation on course detail,
 * join_status null, privacy "" (draft), datetimes with microseconds and offsets, and trailing slashes.
 *
 * Paging is strict: `limit`/`offset` must be whole numbers. A churn knob moves learners in and out of a course
 * between the pages of its dashboard.
 *
 * Where the doc only guesses, a knob picks the variant (error body style, next-link form, the shape of
 * /user/{id}/courses/, whether an admin may read courses it does not manage, an oversized `limit` clamped or refused).
 *
 * OAuth 2.0 as django-oauth-toolkit serves it (docs/api/authentication/oauth.md): `/oauth/authorize/` approves at once
 * and redirects to the (loopback) redirect_uri with `code` and `state`, as a browser already signed in would;
 * `/oauth/token/` takes the authorization_code (verifying PKCE S256 when the authorize request carried a challenge),
 * password and refresh_token grants, answers `{access_token, expires_in: 36000, token_type, scope, refresh_token}`,
 * rotates the refresh token (the old one, and its access token, stop working) and a stale access token is a 401.
 *
 * Scale: course members are not stored but computed from (seed, course, position), and pages are slices of virtual
 * lists, so a page costs O(limit) whatever the dataset size (only `search=` and last_active_at ordering scan, the
 * latter once per course).
 */
import { jwtVerify } from 'jose';
import { createHash, randomBytes } from 'node:crypto';
import { seededRandom, startSimServer, type SimResponse, type SimServer } from './server';

export type JoinStatus = 'creator' | 'manager' | 'joined' | 'invited' | 'requested' | null;
const JOIN_STATUSES = ['creator', 'manager', 'joined', 'invited', 'requested', 'payment_waiting'];

export interface SelfcommunitySimOptions {
  seed?: number;
  courses?: number;
  /** Community members (learners); ids from 100. */
  users?: number;
  /** Learners (join_status "joined") per course, capped at `users`. */
  membersPerCourse?: number;
  /** The coordinator (community admin) that `accessToken` acts as; creator of most courses. */
  managerId?: number;
  /** Another teacher: creator of `unmanagedCourses`. */
  otherManagerId?: number;
  accessToken?: string;
  /** A plain member's token (acts as user 100): manages nothing. */
  learnerToken?: string;
  /** The community's JWT signing secret (Integrations → JWT). */
  jwtSecret?: string;
  /** Created by `otherManagerId`; the coordinator is only "joined" there, so dashboard routes answer 403. */
  unmanagedCourses?: number[];
  maxLimit?: number;
  defaultLimit?: number;
  /** The OAuth application registered in make.selfcommunity.io. */
  oauthClientId?: string;
  /** null: a public client (no secret, as a desktop app should be registered); else a confidential one. */
  oauthClientSecret?: string | null;
  /** username → password, for the password grant (the coordinator's by default). */
  passwords?: Record<string, string>;
}

/** Switchable at runtime. */
export interface SelfcommunityKnobs {
  /** Dashboard routes answer 403 for these courses whatever the caller's role. */
  forbidden: Set<number>;
  /** Deleted (or secret to everyone): gone from lists, 404 everywhere. */
  hidden: Set<number>;
  /** Static Bearer tokens → the user they act as. */
  tokens: Map<string, number>;
  /** The server's clock for JWT expiry. */
  now: () => Date;
  /** Unknown #5: the SDK's `{"errors": [...]}` wrapper, or DRF's plain `{"detail": "..."}`. */
  errorStyle: 'errors' | 'detail';
  /** `absolute` as documented; `relative` and `other-scheme` (Django behind a TLS proxy) as tolerance variants. */
  nextLinks: 'absolute' | 'relative' | 'other-scheme';
  /** Unknown #9: docs say a plain list, the SDK reads `results`. */
  userCoursesShape: 'list' | 'paginated';
  /** Unknown #1: may a community admin read manager-only routes of courses it does not manage? */
  adminBypass: boolean;
  /** The community preference `content_availability`: course lists readable without a token. */
  contentAvailability: boolean;
  maxLimit: number;
  defaultLimit: number;
  /** Unknown #4: the maximum `limit` is undocumented; past it the server clamps (the doc's guess) or answers 400. */
  oversizedLimit: 'clamp' | 'error';
  /** Live data: after each page of a course's dashboard that has a next page, learners join and leave. */
  churn: { add: number; remove: number } | null;
  /** OAuth: the user a browser sign-in approves as (the coordinator by default). */
  authorizeAs: number;
  /** OAuth: the signed-in user clicks "Deny" (redirects with error=access_denied). */
  authorizeDenied: boolean;
  /** OAuth: seconds an access token lives (DOT's default, as documented). */
  accessTokenLifetimeS: number;
  /** OAuth: whether the server knows PKCE (an older server ignores code_challenge and code_verifier). */
  pkce: boolean;
}

/** What the OAuth server holds. */
export interface SelfcommunityOauthState {
  /** access token → its user and expiry (ms). */
  access: Map<string, { user: number; expiresAt: number }>;
  /** refresh token → its user and the access token issued with it. */
  refresh: Map<string, { user: number; access: string }>;
  /** Every POST /oauth/token/ grant_type, in order (including refused ones). */
  grants: string[];
  /** What the last /oauth/authorize/ request carried. */
  lastAuthorize: URLSearchParams | null;
}

export interface SimUser {
  id: number;
  username: string;
  /** '' when the member set no real name. */
  real_name: string;
  avatar: string | null;
  ext_id: string | null;
  date_joined: string;
  /** Served only by /user/me/ and the admin /account/search/. */
  email: string;
  role: 'admin' | 'moderator' | null;
  deleted: boolean;
  /** A community custom field (only some members have one). */
  job?: string;
}

export interface SimCourse {
  id: number;
  name: string;
  slug: string;
  type: 'self-paced' | 'structured' | 'scheduled';
  /** '' = draft (managers only). */
  privacy: '' | 'open' | 'private' | 'secret';
  description: string;
  created_at: string;
  created_by: number;
  categories: number[];
  hide_member_count: boolean;
  /** Serialised with the pre-2025 schema: no user_completion_rate, deleted, hide_member_count, meta fields. */
  legacy: boolean;
}

export interface SimMember {
  course: number;
  user: number;
  join_status: 'joined';
  /** Integer percent mostly; some fractional (unknown #8). */
  user_completion_rate: number;
  joined_at: string;
  /** null before the first completed lesson. */
  last_active_at: string | null;
}

export interface SelfcommunityDataset {
  courses: SimCourse[];
  /** Members (learners), then `staff` are the coordinator and the other teacher. */
  users: SimUser[];
  staff: SimUser[];
  course(id: number): SimCourse | undefined;
  user(id: number): SimUser | undefined;
  learnerCount(courseId: number): number;
  /** The k-th learner of a course (k in join order), computed on demand. */
  learner(courseId: number, k: number): SimMember;
  /** Materialises a course's learners (small datasets, tests). */
  learnersOf(courseId: number): SimMember[];
  /** Live data: `add` learners join the course (last in join order) and its `remove` earliest learners leave. */
  churn(courseId: number, add: number, remove: number): void;
  /** The course's published quiz lessons in course order (a check-in quiz on some, a final quiz on every other). */
  quizzes(courseId: number): { lessonId: number; sectionId: number; name: string }[];
  /**
   * The k-th learner's attempt on a quiz lesson (one each; `uncompleted` = started, not finished). A learner at
   * 100% passed every quiz; some others failed the final one, so they can never reach 100%.
   */
  attempt(
    courseId: number,
    k: number,
    lessonId: number,
  ): { result: 'uncompleted' | 'completed' | 'failed'; grade: number };
  /** Staff join statuses per course (creator, plus the coordinator as "joined" where it does not manage). */
  staffStatus(courseId: number, userId: number): JoinStatus;
  isLearner(courseId: number, userId: number): boolean;
}

export interface SelfcommunitySimulator extends SimServer {
  data: SelfcommunityDataset;
  options: Required<SelfcommunitySimOptions>;
  knobs: SelfcommunityKnobs;
  /** `user_id` of every JWT accepted, in order. */
  jwtSubjects: number[];
  oauth: SelfcommunityOauthState;
}

const FIRST_COURSE = 40;
const FIRST_USER = 100;
const LESSONS = 6;
const NAMES = [
  'Zoë Ångström',
  'Łukasz Żółć',
  'José Núñez',
  "Siobhán O'Brien",
  '王芳',
  'Ολυμπία Παπαδοπούλου',
  'Ахмед Ибрагимов',
  '',
];
const COURSE_NAMES = [
  'Onboarding für Führungskräfte',
  'Comunità: corso "avanzato"',
  'Sécurité incendie',
  '日本語ビジネス入門',
  'Ασφάλεια δεδομένων',
  'Community basics',
];
const DAY = 86_400_000;

/** SelfCommunity's datetime form: microseconds and a UTC offset (`2025-01-16T14:52:24.400913+01:00`). */
export function scTime(ms: number, offsetMinutes = 60, micros = 0): string {
  const local = new Date(ms + offsetMinutes * 60_000);
  const pad = (n: number) => String(Math.floor(n)).padStart(2, '0');
  const frac = String(local.getUTCMilliseconds() * 1000 + micros).padStart(6, '0');
  const abs = Math.abs(offsetMinutes);
  return `${local.toISOString().slice(0, 19)}.${frac}${offsetMinutes < 0 ? '-' : '+'}${pad(abs / 60)}:${pad(abs % 60)}`;
}

const mix = (seed: number, a: number, b: number) =>
  (Math.imul(seed, 0x9e3779b1) ^ Math.imul(a + 1, 0x85ebca6b) ^ Math.imul(b + 1, 0xc2b2ae35)) >>> 0;

export function generateSelfcommunityDataset(o: Required<SelfcommunitySimOptions>): SelfcommunityDataset {
  const staff: SimUser[] = [
    {
      id: o.managerId,
      username: 'coordinator',
      real_name: 'Coordinator Ćwik',
      avatar: null,
      ext_id: 'crm-staff-1',
      date_joined: scTime(Date.UTC(2023, 0, 9, 8)),
      email: 'coordinator@community.example',
      role: 'admin',
      deleted: false,
    },
    {
      id: o.otherManagerId,
      username: 'teacher.thordis',
      real_name: 'Þórdís Teacher',
      avatar: null,
      ext_id: null,
      date_joined: scTime(Date.UTC(2023, 1, 1, 8)),
      email: 'thordis@community.example',
      role: 'moderator',
      deleted: false,
    },
  ];
  const users: SimUser[] = Array.from({ length: o.users }, (_, i) => ({
    id: FIRST_USER + i,
    username: `member${i}`,
    real_name: NAMES[i % NAMES.length]!,
    avatar: i % 3 ? `https://cdn.example/avatars/${i}.png` : null,
    ext_id: i % 4 === 0 ? `crm-${i}` : null,
    date_joined: scTime(Date.UTC(2024, 0, 1) + i * 3_600_000, 60, i % 1000),
    email: `member${i}@learners.example`,
    role: null,
    deleted: false,
    ...(i % 5 === 2 ? { job: 'Pâtissière' } : {}),
  }));
  const unmanaged = new Set(o.unmanagedCourses);
  const courses: SimCourse[] = Array.from({ length: o.courses }, (_, i) => {
    const id = FIRST_COURSE + i;
    return {
      id,
      name: `${COURSE_NAMES[i % COURSE_NAMES.length]} ${i + 1}`,
      slug: `course-${i + 1}`,
      type: (['self-paced', 'structured', 'scheduled'] as const)[i % 3]!,
      privacy: i % 11 === 10 ? '' : i % 7 === 6 ? 'secret' : i % 5 === 4 ? 'private' : 'open',
      description: i % 2 ? '' : `Über den Kurs ${i + 1} — “quoted” & <b>bold</b>`,
      created_at: scTime(Date.UTC(2025, i % 12, 16, 13, 52, 24, 400), 60, 913),
      created_by: unmanaged.has(id) ? o.otherManagerId : o.managerId,
      categories: [1 + (i % 3)],
      hide_member_count: i % 8 === 3,
      legacy: i % 6 === 5,
    };
  });
  const courseById = new Map(courses.map((c) => [c.id, c]));
  const userById = new Map([...staff, ...users].map((u) => [u.id, u]));
  const perCourse = Math.min(o.membersPerCourse, users.length);
  /** The join positions (k) of each course's current learners; churn moves them along. */
  const spans = new Map<number, { from: number; to: number }>();
  const span = (courseId: number) => spans.get(courseId) ?? { from: 0, to: perCourse };

  const learner = (courseId: number, k: number): SimMember => {
    const c = courseId - FIRST_COURSE;
    const random = seededRandom(mix(o.seed, c, k));
    const roll = random();
    const rate =
      roll < 0.3
        ? 100
        : roll < 0.45
          ? 0
          : roll < 0.5
            ? Math.round(random() * 9999) / 100
            : 1 + Math.floor(random() * 99);
    const joined = Date.UTC(2026, 0, 5, 8) + c * DAY + k * 37 * 60_000;
    const active =
      rate === 0 ? (random() < 0.7 ? null : joined + 2 * 3_600_000) : joined + Math.floor((1 + random() * 20) * DAY);
    return {
      course: courseId,
      user: users[(c * 7 + k) % users.length]!.id,
      join_status: 'joined',
      user_completion_rate: rate,
      joined_at: scTime(joined, 0, k % 1000),
      last_active_at: active === null ? null : scTime(active, 60, (k * 7) % 1000),
    };
  };

  const quizzes = (courseId: number) => {
    const i = courseId - FIRST_COURSE;
    const list: { lessonId: number; sectionId: number; name: string }[] = [];
    if (i % 4 === 0) list.push({ lessonId: courseId * 100 + 13, sectionId: courseId * 10 + 1, name: 'Check-in quiz' });
    if (i % 2 === 0) list.push({ lessonId: courseId * 100 + 23, sectionId: courseId * 10 + 2, name: 'Final quiz' });
    return list;
  };

  return {
    courses,
    users,
    staff,
    quizzes,
    attempt(courseId, k, lessonId) {
      const rate = learner(courseId, span(courseId).from + k).user_completion_rate;
      const final = lessonId % 100 === 23;
      if (rate === 100) return { result: 'completed', grade: 60 + ((k * 7) % 41) };
      if (final && rate >= 50 && k % 3 === 0) return { result: 'failed', grade: 20 + (k % 39) };
      if (!final && rate > 0 && k % 5 === 1) return { result: 'failed', grade: 10 + (k % 40) };
      if (!final && rate >= 50) return { result: 'completed', grade: 75 };
      return { result: 'uncompleted', grade: 0 };
    },
    course: (id) => courseById.get(id),
    user: (id) => userById.get(id),
    learnerCount: (courseId) => (courseById.has(courseId) ? span(courseId).to - span(courseId).from : 0),
    learner: (courseId, k) => learner(courseId, span(courseId).from + k),
    learnersOf: (courseId) => {
      const { from, to } = span(courseId);
      return Array.from({ length: courseById.has(courseId) ? to - from : 0 }, (_, k) => learner(courseId, from + k));
    },
    churn(courseId, add, remove) {
      const { from, to } = span(courseId);
      // Never more members than users: a window wider than the user list would list someone twice.
      const end = Math.min(to + add, from + remove + users.length);
      spans.set(courseId, { from: Math.min(from + remove, end), to: end });
    },
    staffStatus(courseId, userId) {
      const course = courseById.get(courseId);
      if (!course) return null;
      if (course.created_by === userId) return 'creator';
      // The coordinator follows the courses other teachers run, without managing them.
      if (userId === o.managerId && course.created_by !== o.managerId) return 'joined';
      return null;
    },
    isLearner(courseId, userId) {
      if (!courseById.has(courseId) || users.length === 0) return false;
      const index = userId - FIRST_USER;
      if (index < 0 || index >= users.length) return false;
      const k = (((index - (courseId - FIRST_COURSE) * 7) % users.length) + users.length) % users.length;
      const { from, to } = span(courseId);
      // The member positions (k) this user holds are k, k + n, k + 2n…: is one of them inside the current window?
      const first = k >= from ? k : k + Math.ceil((from - k) / users.length) * users.length;
      return first < to;
    },
  };
}

/** A list the server pages through without materialising it. */
interface Rows<T> {
  length: number;
  at(i: number): T;
}
const rowsOf = <T>(array: readonly T[]): Rows<T> => ({ length: array.length, at: (i) => array[i]! });
function concat<T>(a: Rows<T>, b: Rows<T>): Rows<T> {
  return { length: a.length + b.length, at: (i) => (i < a.length ? a.at(i) : b.at(i - a.length)) };
}

export async function startSelfcommunitySimulator(
  options: SelfcommunitySimOptions = {},
): Promise<SelfcommunitySimulator> {
  const o: Required<SelfcommunitySimOptions> = {
    seed: 1,
    courses: 5,
    users: 30,
    membersPerCourse: 12,
    managerId: 7,
    otherManagerId: 8,
    accessToken: 'sc-access-token-Qm93x1',
    learnerToken: 'sc-learner-token-Zr81pq',
    jwtSecret: 'sc-jwt-signing-secret-ÅÄÖ-0123456789',
    unmanagedCourses: [],
    maxLimit: 100,
    defaultLimit: 20,
    oauthClientId: 'rollbook-desktop-app',
    oauthClientSecret: null,
    passwords: { coordinator: 'coordinator-pässword' },
    ...options,
  };
  const data = generateSelfcommunityDataset(o);
  const knobs: SelfcommunityKnobs = {
    forbidden: new Set(),
    hidden: new Set(),
    tokens: new Map([
      [o.accessToken, o.managerId],
      ...(data.users.length > 0 ? [[o.learnerToken, FIRST_USER] as [string, number]] : []),
    ]),
    now: () => new Date(),
    errorStyle: 'errors',
    nextLinks: 'absolute',
    userCoursesShape: 'list',
    adminBypass: false,
    contentAvailability: false,
    maxLimit: o.maxLimit,
    defaultLimit: o.defaultLimit,
    oversizedLimit: 'clamp',
    churn: null,
    authorizeAs: o.managerId,
    authorizeDenied: false,
    accessTokenLifetimeS: 36_000,
    pkce: true,
  };
  const jwtSubjects: number[] = [];
  const oauth: SelfcommunityOauthState = { access: new Map(), refresh: new Map(), grants: [], lastAuthorize: null };
  /** code → what it was issued for (one use each). */
  const codes = new Map<string, { user: number; redirectUri: string; challenge: string | null }>();
  const jwtKey = new TextEncoder().encode(o.jwtSecret);
  let origin = '';

  const json = (status: number, body: unknown): SimResponse => ({
    status,
    contentType: 'application/json',
    body: JSON.stringify(body),
  });
  const fail = (status: number, code: string, message: string): SimResponse =>
    json(status, knobs.errorStyle === 'detail' ? { detail: message, code } : { errors: [{ code, message }] });
  const fieldError = (field: string, message: string): SimResponse =>
    json(
      400,
      knobs.errorStyle === 'detail'
        ? { [field]: [message] }
        : { errors: [{ field, messages: [{ code: 'invalid', message }] }] },
    );
  const notFound = () => fail(404, 'not_found', 'Not found.');
  const denied = () => fail(403, 'permission_denied', 'You do not have permission to perform this action.');

  // ---- identity -------------------------------------------------------------------------------------------------

  async function identify(header: string | undefined): Promise<{ caller: number | null } | SimResponse> {
    if (!header) return { caller: null };
    const token = /^Bearer\s+(\S+)$/.exec(header)?.[1];
    if (!token) return fail(401, 'authentication_failed', 'Invalid Authorization header. Use "Bearer <token>".');
    const fixed = knobs.tokens.get(token);
    if (fixed !== undefined) return { caller: fixed };
    const issued = oauth.access.get(token);
    if (issued) {
      if (issued.expiresAt <= knobs.now().getTime()) return json(401, { detail: 'Access token expired.' });
      return { caller: issued.user };
    }
    if (token.split('.').length !== 3) return fail(401, 'authentication_failed', 'Invalid token.');
    try {
      const { payload } = await jwtVerify(token, jwtKey, {
        algorithms: ['HS256'],
        currentDate: knobs.now(),
        requiredClaims: ['exp', 'iat', 'jti', 'user_id', 'token_type'],
      });
      if (payload.token_type !== 'access') throw new Error('not an access token');
      if (typeof payload.user_id !== 'number' || !Number.isInteger(payload.user_id))
        throw new Error('user_id is not an integer');
      if (!data.user(payload.user_id)) return fail(401, 'user_not_found', 'User not found');
      jwtSubjects.push(payload.user_id);
      return { caller: payload.user_id };
    } catch {
      return fail(401, 'token_not_valid', 'Given token not valid for any token type');
    }
  }

  const isAdmin = (caller: number | null) => caller !== null && data.user(caller)?.role === 'admin';
  const joinStatus = (course: SimCourse, caller: number | null): JoinStatus =>
    caller === null
      ? null
      : (data.staffStatus(course.id, caller) ?? (data.isLearner(course.id, caller) ? 'joined' : null));
  const isManager = (course: SimCourse, caller: number | null) => {
    const s = joinStatus(course, caller);
    return s === 'creator' || s === 'manager';
  };
  /** May read the creator/manager-only routes. */
  const manages = (course: SimCourse, caller: number | null) =>
    !knobs.forbidden.has(course.id) && (isManager(course, caller) || (knobs.adminBypass && isAdmin(caller)));
  const visible = (course: SimCourse, caller: number | null) => {
    if (knobs.hidden.has(course.id)) return false;
    if (course.privacy === '') return isManager(course, caller);
    if (course.privacy === 'secret')
      return joinStatus(course, caller) !== null || (knobs.adminBypass && isAdmin(caller));
    return true;
  };

  // ---- shapes ---------------------------------------------------------------------------------------------------

  const userMinimal = (u: SimUser) => ({
    id: u.id,
    username: u.username,
    real_name: u.real_name,
    avatar: u.avatar,
    community_badge: false,
    deleted: u.deleted,
  });
  const userFull = (u: SimUser) => ({
    ...userMinimal(u),
    ext_id: u.ext_id,
    date_joined: u.date_joined,
    bio: '',
    location: '',
    description: '',
    gender: 'Unspecified',
    website: null,
    followings_counter: null,
    followers_counter: 0,
    posts_counter: 0,
    tags: [],
    reputation: 0,
    reg_approved: true,
    company_name: null,
    company_role: null,
    ...(u.job ? { job: u.job } : {}),
  });
  const category = (id: number) => ({
    id,
    name: ['Sicurezza', 'Führung', 'Café & Co'][id - 1] ?? `Category ${id}`,
    slug: `cat-${id}`,
    active: true,
  });

  const averageRate = new Map<number, number>();
  const avgCompletion = (courseId: number) => {
    if (!averageRate.has(courseId)) {
      let sum = 0;
      const n = data.learnerCount(courseId);
      for (let k = 0; k < n; k += 1) sum += data.learner(courseId, k).user_completion_rate;
      averageRate.set(courseId, n ? Math.round(sum / n) : 0);
    }
    return averageRate.get(courseId)!;
  };
  const rateOf = (course: SimCourse, userId: number | null): number => {
    if (userId === null || !data.isLearner(course.id, userId)) return 0;
    const index = userId - FIRST_USER;
    const k = (((index - (course.id - FIRST_COURSE) * 7) % data.users.length) + data.users.length) % data.users.length;
    return data.learner(course.id, k).user_completion_rate;
  };

  /** Course Minimal (search results), as this caller sees it. */
  function courseMinimal(c: SimCourse, caller: number | null) {
    const creator = data.user(c.created_by)!;
    return {
      id: c.id,
      name: c.name,
      slug: c.slug,
      type: c.type,
      privacy: c.privacy,
      ...(c.legacy
        ? {}
        : {
            hide_member_count: c.hide_member_count,
            meta_title: null,
            meta_description: null,
            deleted: false,
            user_completion_rate: rateOf(c, caller),
          }),
      image_bigger: `https://cdn.example/course/${c.id}/bigger.png`,
      image_big: `https://cdn.example/course/${c.id}/big.png`,
      image_medium: null,
      image_small: null,
      join_status: joinStatus(c, caller),
      created_at: c.created_at,
      // Older communities still serialise the full User here.
      created_by: c.legacy ? userFull(creator) : userMinimal(creator),
      categories: c.categories.map(category),
      ...(c.hide_member_count ? {} : { member_count: data.learnerCount(c.id) + 1 }),
    };
  }
  const course = (c: SimCourse, caller: number | null) => ({
    ...courseMinimal(c, caller),
    description: c.description,
    enforce_lessons_order: c.id % 2 === 0,
    new_comment_notification_enabled: true,
    sections_order: [c.id * 10 + 1, c.id * 10 + 2],
  });
  const sections = (c: SimCourse, completed: number | null) =>
    [1, 2].map((s) => ({
      id: c.id * 10 + s,
      name: `Sezione ${s}`,
      dripped_at: c.type === 'scheduled' ? scTime(Date.UTC(2026, 1, s)) : null,
      drip_delay: c.type === 'structured' ? (s - 1) * 7 : 0,
      lessons_order: [1, 2, 3].map((l) => c.id * 100 + s * 10 + l),
      num_lessons: 3,
      lessons: [1, 2, 3].map((l) => {
        const id = c.id * 100 + s * 10 + l;
        const quiz = data.quizzes(c.id).find((q) => q.lessonId === id);
        return {
          id,
          name: quiz?.name ?? `Lezione ${s}.${l}`,
          type: quiz ? 'quiz' : 'lesson',
          status: 'published',
          comments_enabled: true,
          completion_status: completed !== null && (s - 1) * 3 + l <= completed ? 'completed' : 'uncompleted',
          ...(completed === null ? {} : { locked: false }),
        };
      }),
      ...(completed === null
        ? {}
        : {
            num_lessons_completed: Math.max(0, Math.min(3, completed - (s - 1) * 3)),
            locked: false,
            available_date: null,
          }),
    }));

  // ---- lists ----------------------------------------------------------------------------------------------------

  function link(url: URL, limit: number, offset: number): string {
    const u = new URL(url.pathname + url.search, origin);
    u.searchParams.set('limit', String(limit));
    u.searchParams.set('offset', String(offset));
    if (knobs.nextLinks === 'relative') return u.pathname + u.search;
    if (knobs.nextLinks === 'other-scheme') u.protocol = u.protocol === 'http:' ? 'https:' : 'http:';
    return u.toString();
  }
  /** DRF's LimitOffsetPagination: whole numbers only (anything else is a 400 here, not silently the default). */
  function paging(url: URL): { limit: number; offset: number } | SimResponse {
    const limitParam = url.searchParams.get('limit');
    const offsetParam = url.searchParams.get('offset');
    if (limitParam !== null && !/^[1-9]\d*$/.test(limitParam))
      return fieldError('limit', 'A valid positive integer is required.');
    if (offsetParam !== null && !/^\d+$/.test(offsetParam)) return fieldError('offset', 'A valid integer is required.');
    const asked = limitParam === null ? knobs.defaultLimit : Number(limitParam);
    if (asked > knobs.maxLimit && knobs.oversizedLimit === 'error')
      return fieldError('limit', `Ensure this value is less than or equal to ${knobs.maxLimit}.`);
    return { limit: Math.min(asked, knobs.maxLimit), offset: offsetParam === null ? 0 : Number(offsetParam) };
  }
  function paginate<T>(url: URL, rows: Rows<T>, map: (row: T) => unknown) {
    const { limit, offset } = paging(url) as { limit: number; offset: number };
    const results: unknown[] = [];
    for (let i = offset; i < Math.min(rows.length, offset + limit); i += 1) results.push(map(rows.at(i)));
    return {
      count: rows.length,
      next: offset + limit < rows.length ? link(url, limit, offset + limit) : null,
      previous: offset > 0 ? link(url, limit, Math.max(0, offset - limit)) : null,
      results,
    };
  }

  /** `statuses`: a JSON array (`["joined","manager"]`), or one bare value; the comma form is refused (unknown #6). */
  function parseStatuses(url: URL, allowed: readonly string[], fallback: string[]): string[] | SimResponse {
    const raw = url.searchParams.get('statuses');
    if (raw === null) return fallback;
    let values: unknown[];
    try {
      const parsed = JSON.parse(raw) as unknown;
      values = Array.isArray(parsed) ? parsed : [parsed];
    } catch {
      values = [raw];
    }
    const bad = values.find((v) => typeof v !== 'string' || !allowed.includes(v));
    return bad === undefined ? (values as string[]) : fieldError('statuses', `"${String(bad)}" is not a valid choice.`);
  }
  function parseCategories(url: URL): number[] | null | SimResponse {
    const raw = url.searchParams.get('categories');
    if (raw === null) return null;
    try {
      const parsed = JSON.parse(raw) as unknown;
      const list = Array.isArray(parsed) ? parsed : [parsed];
      if (list.every((v) => Number.isInteger(v))) return list as number[];
    } catch {
      // falls through to the field error
    }
    return fieldError('categories', 'Enter a list of category ids, e.g. [1,4].');
  }

  const courseOrder: Record<string, (a: SimCourse, b: SimCourse) => number> = {
    id: (a, b) => a.id - b.id,
    '-id': (a, b) => b.id - a.id,
    name: (a, b) => a.name.localeCompare(b.name),
    '-name': (a, b) => b.name.localeCompare(a.name),
    created_at: (a, b) => a.created_at.localeCompare(b.created_at),
    '-created_at': (a, b) => b.created_at.localeCompare(a.created_at),
  };
  /**
   * Visible to `caller`; `statuses` filters on `subject`'s join status (the caller's, or the user whose courses these
   * are).
   */
  function courseList(
    url: URL,
    caller: number | null,
    defaultStatuses: string[] | null,
    subject = caller,
  ): SimCourse[] | SimResponse {
    const statuses = parseStatuses(url, JOIN_STATUSES, defaultStatuses ?? []);
    if (!Array.isArray(statuses)) return statuses;
    const categories = parseCategories(url);
    if (categories !== null && !Array.isArray(categories)) return categories;
    const search = url.searchParams.get('search')?.toLowerCase() ?? '';
    const createdBy = Number(url.searchParams.get('created_by') ?? Number.NaN);
    // DRF's OrderingFilter drops unknown fields instead of failing.
    const order = courseOrder[url.searchParams.get('ordering') ?? ''] ?? courseOrder['-id']!;
    return data.courses
      .filter((c) => visible(c, caller))
      .filter((c) => statuses.length === 0 || statuses.includes(String(joinStatus(c, subject))))
      .filter((c) => !categories || c.categories.some((id) => categories.includes(id)))
      .filter((c) => !search || `${c.name} ${c.description}`.toLowerCase().includes(search))
      .filter((c) => Number.isNaN(createdBy) || c.created_by === createdBy)
      .sort(order);
  }

  /** The course's dashboard rows ("Course User Dashboard"), staff first, then learners in the asked order. */
  const activeOrder = new Map<number, Int32Array>();
  function dashboardRows(
    c: SimCourse,
    statuses: string[],
    ordering: string,
  ): Rows<{ user: SimUser; status: JoinStatus; member: SimMember | null }> {
    const staff = data.staff
      .map((u) => ({ user: u, status: data.staffStatus(c.id, u.id), member: null }))
      .filter((r) => r.status !== null && r.status !== 'joined' && statuses.includes(r.status));
    const n = statuses.includes('joined') ? data.learnerCount(c.id) : 0;
    let position = (i: number) => n - 1 - i; // -joined_at (default): members join in k order
    if (ordering === 'joined_at') position = (i) => i;
    if (ordering === 'last_active_at' || ordering === '-last_active_at') {
      if (!activeOrder.has(c.id)) {
        const keys = Array.from({ length: data.learnerCount(c.id) }, (_, k) => {
          const at = data.learner(c.id, k).last_active_at;
          // PostgreSQL: NULLs sort last ascending
          return { k, at: at === null ? Number.POSITIVE_INFINITY : Date.parse(at) };
        });
        keys.sort((a, b) => a.at - b.at || a.k - b.k);
        activeOrder.set(
          c.id,
          Int32Array.from(keys, (x) => x.k),
        );
      }
      const sorted = activeOrder.get(c.id)!;
      position = ordering === 'last_active_at' ? (i) => sorted[i]! : (i) => sorted[n - 1 - i]!;
    }
    const learners: Rows<{ user: SimUser; status: JoinStatus; member: SimMember | null }> = {
      length: n,
      at: (i) => {
        const member = data.learner(c.id, position(i));
        return { user: data.user(member.user)!, status: 'joined', member };
      },
    };
    return concat(rowsOf(staff), learners);
  }
  const dashboardRow = (r: { user: SimUser; status: JoinStatus; member: SimMember | null }, c: SimCourse) => ({
    id: r.user.id,
    username: r.user.username,
    real_name: r.user.real_name,
    avatar: r.user.avatar,
    join_status: r.status,
    user_completion_rate: r.member?.user_completion_rate ?? 0,
    last_active_at: r.member?.last_active_at ?? null,
    joined_at: r.member?.joined_at ?? c.created_at,
  });

  // ---- OAuth 2.0 ------------------------------------------------------------------------------------------------

  const oauthError = (status: number, error: string, description: string): SimResponse =>
    json(status, { error, error_description: description });
  const opaque = () => randomBytes(20).toString('base64url');
  /** RFC 8252 §7.3: a loopback redirect may use any port; the registered one is http://127.0.0.1/… */
  const loopback = (uri: string) => {
    try {
      const u = new URL(uri);
      return u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === '[::1]');
    } catch {
      return false;
    }
  };

  function authorize(method: string, url: URL): SimResponse {
    if (method !== 'GET') return fail(405, 'method_not_allowed', `Method "${method}" not allowed.`);
    oauth.lastAuthorize = new URLSearchParams(url.searchParams);
    const q = url.searchParams;
    const redirectUri = q.get('redirect_uri') ?? '';
    // DOT shows an error page (no redirect) when the client or its redirect URI is wrong.
    if (q.get('client_id') !== o.oauthClientId)
      return { status: 400, contentType: 'text/html', body: '<h1>Error: invalid_client</h1>' };
    if (!loopback(redirectUri))
      return {
        status: 400,
        contentType: 'text/html',
        body: '<h1>Error: invalid_request (Mismatching redirect URI)</h1>',
      };
    const back = new URL(redirectUri);
    const state = q.get('state');
    if (state !== null) back.searchParams.set('state', state);
    const challenge = knobs.pkce ? q.get('code_challenge') : null;
    if (q.get('response_type') !== 'code') back.searchParams.set('error', 'unsupported_response_type');
    else if (challenge !== null && q.get('code_challenge_method') !== 'S256')
      back.searchParams.set('error', 'invalid_request');
    else if (knobs.authorizeDenied) back.searchParams.set('error', 'access_denied');
    else {
      const code = opaque();
      codes.set(code, { user: knobs.authorizeAs, redirectUri, challenge });
      back.searchParams.set('code', code);
    }
    return { status: 302, contentType: 'text/html', body: '', headers: { location: back.toString() } };
  }

  function issue(user: number): SimResponse {
    const access = opaque();
    const refresh = opaque();
    oauth.access.set(access, { user, expiresAt: knobs.now().getTime() + knobs.accessTokenLifetimeS * 1000 });
    oauth.refresh.set(refresh, { user, access });
    return json(200, {
      access_token: access,
      expires_in: knobs.accessTokenLifetimeS,
      token_type: 'Bearer',
      scope: 'read write',
      refresh_token: refresh,
    });
  }

  function token(req: { method?: string; headers: Record<string, unknown> }, body: string): SimResponse {
    if (req.method !== 'POST') return fail(405, 'method_not_allowed', `Method "${req.method}" not allowed.`);
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
      return oauthError(400, 'invalid_request', 'The token request must be form-encoded.');
    const form = new URLSearchParams(body);
    const grant = form.get('grant_type') ?? '';
    oauth.grants.push(grant);
    // Client authentication: client_id in the body (public client), plus the secret for a confidential one
    // (in the body or as HTTP Basic).
    let clientId = form.get('client_id');
    let clientSecret = form.get('client_secret');
    const basic = /^Basic\s+(\S+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (basic) {
      const [id, secret] = Buffer.from(basic, 'base64').toString('utf8').split(':');
      clientId = decodeURIComponent(id ?? '');
      clientSecret = decodeURIComponent(secret ?? '');
    }
    if (clientId !== o.oauthClientId || (o.oauthClientSecret !== null && clientSecret !== o.oauthClientSecret))
      return oauthError(401, 'invalid_client', 'Client authentication failed.');
    switch (grant) {
      case 'authorization_code': {
        const code = codes.get(form.get('code') ?? '');
        if (!code) return oauthError(400, 'invalid_grant', 'Invalid code.');
        codes.delete(form.get('code')!);
        if (form.get('redirect_uri') !== code.redirectUri)
          return oauthError(400, 'invalid_grant', 'Mismatching redirect URI.');
        if (code.challenge !== null) {
          const verifier = form.get('code_verifier') ?? '';
          const computed = createHash('sha256').update(verifier).digest('base64url');
          if (computed !== code.challenge) return oauthError(400, 'invalid_grant', 'Code verifier mismatch.');
        }
        return issue(code.user);
      }
      case 'password': {
        const username = form.get('username') ?? '';
        const user = [...data.staff, ...data.users].find((u) => u.username === username);
        if (!user || o.passwords[username] === undefined || o.passwords[username] !== form.get('password'))
          return oauthError(400, 'invalid_grant', 'Invalid credentials given.');
        return issue(user.id);
      }
      case 'refresh_token': {
        const presented = form.get('refresh_token') ?? '';
        const held = oauth.refresh.get(presented);
        if (!held) return oauthError(400, 'invalid_grant', 'Invalid refresh token.');
        // Rotation (DOT's ROTATE_REFRESH_TOKEN): the old pair stops working.
        oauth.refresh.delete(presented);
        oauth.access.delete(held.access);
        return issue(held.user);
      }
      default:
        return oauthError(400, 'unsupported_grant_type', `Grant type "${grant}" is not supported.`);
    }
  }

  // ---- routes ---------------------------------------------------------------------------------------------------

  const sim = await startSimServer(async (req, url, body) => {
    const path = url.pathname;
    if (!path.endsWith('/'))
      return {
        status: 404,
        contentType: 'text/html',
        body: '<h1>Not Found</h1><p>The requested resource was not found on this server.</p>',
      };

    if (path === '/oauth/authorize/') return authorize(req.method ?? 'GET', url);
    if (path === '/oauth/token/') return token(req, body);

    if (path === '/api/v2/jwt/verify_token/') {
      if (req.method !== 'POST') return fail(405, 'method_not_allowed', `Method "${req.method}" not allowed.`);
      let token: unknown;
      try {
        token = (JSON.parse(body) as { token?: unknown }).token;
      } catch {
        return fieldError('token', 'This field is required.');
      }
      try {
        await jwtVerify(String(token), jwtKey, { algorithms: ['HS256'], currentDate: knobs.now() });
        return json(200, {});
      } catch {
        return json(401, { detail: 'Token is invalid or expired', code: 'token_not_valid' });
      }
    }
    if (req.method !== 'GET') return fail(405, 'method_not_allowed', `Method "${req.method}" not allowed.`);

    const who = await identify(req.headers.authorization);
    if ('status' in who) return who;
    const { caller } = who;
    const anonymousOk =
      knobs.contentAvailability && (path === '/api/v2/course/search/' || /^\/api\/v2\/course\/\d+\/$/.test(path));
    if (caller === null && !anonymousOk)
      return fail(401, 'not_authenticated', 'Authentication credentials were not provided.');

    if (url.searchParams.has('limit') || url.searchParams.has('offset')) {
      const refused = paging(url);
      if ('status' in refused) return refused;
    }
    if (path === '/api/v2/user/me/') {
      const me = data.user(caller!)!;
      return json(200, {
        ...userFull(me),
        email: me.email,
        email_isvalid: true,
        role: me.role,
        permission: { manage_courses: me.role === 'admin' },
      });
    }
    if (path === '/api/v2/user/') {
      return json(200, paginate(url, concat(rowsOf(data.staff), rowsOf(data.users)), userFull));
    }
    const userPath = /^\/api\/v2\/user\/(\d+)\/(courses\/)?$/.exec(path);
    if (userPath) {
      const user = data.user(Number(userPath[1]));
      if (!user) return notFound();
      if (!userPath[2]) return json(200, userFull(user));
      const mine = courseList(url, caller, ['manager', 'joined'], user.id);
      if (!Array.isArray(mine)) return mine;
      const withCount = (c: SimCourse) => ({ ...course(c, caller), member_count: data.learnerCount(c.id) + 1 });
      return json(
        200,
        knobs.userCoursesShape === 'list' ? mine.map(withCount) : paginate(url, rowsOf(mine), withCount),
      );
    }
    if (path === '/api/v2/account/search/') {
      if (!isAdmin(caller)) return denied();
      const given = ['username', 'email', 'ext_id'].filter((k) => url.searchParams.has(k));
      if (given.length !== 1)
        return fieldError('non_field_errors', 'Specify exactly one of username, email or ext_id (with provider).');
      const value = url.searchParams.get(given[0]!)!;
      const user = [...data.staff, ...data.users].find(
        (u) => String(u[given[0] as 'username' | 'email' | 'ext_id']) === value,
      );
      return user ? json(200, { ...userFull(user), email: user.email }) : notFound();
    }

    if (path === '/api/v2/course/search/' || path === '/api/v2/course/') {
      const joined = path === '/api/v2/course/';
      const list = courseList(url, caller, joined ? ['manager', 'joined'] : null);
      if (!Array.isArray(list)) return list;
      return json(
        200,
        paginate(url, rowsOf(list), (c) => (joined ? course(c, caller) : courseMinimal(c, caller))),
      );
    }

    const coursePath = /^\/api\/v2\/course\/(\d+)\/(?:(status|users|join|quiz)\/)?$/.exec(path);
    if (!coursePath) return notFound();
    const c = data.course(Number(coursePath[1]));
    if (!c || !visible(c, caller)) return notFound();

    switch (coursePath[2]) {
      case 'status':
        return json(200, { status: joinStatus(c, caller) });
      case 'users': {
        if (!manages(c, caller)) return denied();
        const statuses = parseStatuses(url, ['creator', 'manager', 'joined'], ['manager', 'joined']);
        if (!Array.isArray(statuses)) return statuses;
        const ordering = url.searchParams.get('ordering') ?? '-joined_at';
        let rows = dashboardRows(c, statuses, ordering);
        const search = url.searchParams.get('search')?.toLowerCase();
        if (search) {
          const hits: ReturnType<typeof rows.at>[] = [];
          for (let i = 0; i < rows.length; i += 1) {
            const r = rows.at(i);
            if (`${r.user.username} ${r.user.real_name}`.toLowerCase().includes(search)) hits.push(r);
          }
          rows = rowsOf(hits);
        }
        const page = paginate(url, rows, (r) => dashboardRow(r, c));
        if (knobs.churn && page.next) {
          data.churn(c.id, knobs.churn.add, knobs.churn.remove);
          activeOrder.delete(c.id);
        }
        return json(200, page);
      }
      case 'quiz': {
        // Course Quiz Dashboard (course/get_course_dashboard_quiz.md): every attempt, quiz by quiz, for managers.
        if (!manages(c, caller)) return denied();
        const quizzes = data.quizzes(c.id);
        const n = data.learnerCount(c.id);
        const rows: Rows<{ quiz: (typeof quizzes)[number]; k: number; block: number }> = {
          length: quizzes.length * n,
          at: (i) => ({ quiz: quizzes[Math.floor(i / n)]!, k: i % n, block: Math.floor(i / n) }),
        };
        return json(
          200,
          paginate(url, rows, ({ quiz, k, block }) => {
            const member = data.learner(c.id, k);
            const attempt = data.attempt(c.id, k, quiz.lessonId);
            return {
              id: c.id * 1_000_000 + block * 100_000 + k,
              course_id: c.id,
              section_id: quiz.sectionId,
              lesson_id: quiz.lessonId,
              name: quiz.name,
              created_at: scTime(Date.parse(member.joined_at) + (block + 1) * 2 * DAY),
              grade: attempt.grade,
              result: attempt.result,
              user: userMinimal(data.user(member.user)!),
            };
          }),
        );
      }
      case 'join': {
        if (c.hide_member_count && !manages(c, caller)) return denied();
        const statuses = parseStatuses(url, ['creator', 'manager', 'joined'], ['manager', 'joined']);
        if (!Array.isArray(statuses)) return statuses;
        return json(
          200,
          paginate(url, dashboardRows(c, statuses, 'joined_at'), (r) => userMinimal(r.user)),
        );
      }
      default: {
        const view = url.searchParams.get('view') ?? 'user';
        if (view === 'edit') {
          if (!manages(c, caller)) return denied();
          return json(200, {
            ...course(c, caller),
            sections: sections(c, null),
            num_lessons: LESSONS,
            num_sections: 2,
          });
        }
        if (view === 'dashboard') {
          if (!manages(c, caller)) return denied();
          return json(200, { ...courseMinimal(c, caller), avg_completion_rate: avgCompletion(c.id) });
        }
        if (view !== 'user') return fieldError('view', `"${view}" is not a valid choice.`);
        // `?user=` answers as that member would see it; only the course's managers may ask (§7 step 3).
        const as = url.searchParams.get('user');
        if (as !== null && !manages(c, caller)) return denied();
        const subject = as === null ? caller : Number(as);
        if (as !== null && (subject === null || !data.isLearner(c.id, subject))) return notFound();
        // Non-members of a private course get the lock screen: Minimal data, still 200.
        if (joinStatus(c, subject) === null) return json(200, courseMinimal(c, caller));
        const rate = rateOf(c, subject);
        const done = Math.round((rate / 100) * LESSONS);
        return json(200, {
          ...course(c, caller),
          user_completion_rate: rate,
          sections: sections(c, done),
          num_lessons: LESSONS,
          num_sections: 2,
          num_lessons_completed: done,
        });
      }
    }
  });
  origin = sim.url;
  return Object.assign(sim, { data, options: o, knobs, jwtSubjects, oauth }) as SelfcommunitySimulator;
}
