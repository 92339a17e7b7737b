/**
 * A local SelfCommunity API v2 (courses): static access tokens and HS256 JWTs verified with the community secret,
 * limit/offset pagination with absolute next links, JSON-array filters, manager-only dashboard routes (403
 * otherwise), course status (404 when invisible), the `{"errors": [...]}` body, and trailing slashes.
 */
import { jwtVerify } from 'jose';
import { seededRandom, startSimServer, type SimResponse, type SimServer } from './server';

export interface SelfcommunitySimOptions {
  seed?: number;
  courses?: number;
  users?: number;
  /** Learners joined per course. */
  membersPerCourse?: number;
  /** The user every token acts as (static tokens), and the JWT signing secret. */
  managerId?: number;
  accessToken?: string;
  jwtSecret?: string;
  /** Courses the caller does not manage (403 on the dashboard routes). */
  unmanagedCourses?: number[];
  maxLimit?: number;
}

export interface SelfcommunityFixture {
  courses: { id: number; name: string; slug: string; type: string; privacy: string; description?: string; created_at: string; created_by: { id: number } }[];
  users: { id: number; username: string; real_name: string; avatar: string | null }[];
  members: { course: number; user: number; join_status: 'joined' | 'manager' | 'creator'; user_completion_rate: number; joined_at: string; last_active_at: string | null }[];
}

export interface SelfcommunitySimulator extends SimServer {
  data: SelfcommunityFixture;
  options: Required<SelfcommunitySimOptions>;
  /** JWT subjects seen (user_id claims), for tests. */
  jwtSubjects: number[];
}

const NAMES = ['Zoë Ångström', 'Łukasz Żółć', 'José Núñez', "Siobhán O'Brien", '王芳', 'Ολυμπία Παπαδοπούλου', 'Ахмед Ибрагимов', ''];

export function generateSelfcommunityFixture(o: { seed: number; courses: number; users: number; membersPerCourse: number; managerId: number }): SelfcommunityFixture {
  const random = seededRandom(o.seed);
  const users = Array.from({ length: o.users }, (_, i) => ({
    id: 100 + i,
    username: `member${i}`,
    real_name: NAMES[i % NAMES.length]!, // '' = no real name set: clients fall back to the username
    avatar: i % 3 ? `https://cdn.example/avatars/${i}.png` : null,
  }));
  const courses = Array.from({ length: o.courses }, (_, i) => ({
    id: 40 + i,
    name: i % 4 === 1 ? `Comunità: corso "avanzato" ${i + 1}` : `Community course ${i + 1}`,
    slug: `community-course-${i + 1}`,
    type: ['self-paced', 'structured', 'scheduled'][i % 3]!,
    privacy: i % 5 === 4 ? 'private' : 'open',
    ...(i % 2 ? {} : { description: `About course ${i + 1}` }),
    created_at: `2025-0${1 + (i % 9)}-16T14:52:24.400913+01:00`,
    created_by: { id: o.managerId },
  }));
  const members: SelfcommunityFixture['members'] = [];
  for (const course of courses) {
    for (let k = 0; k < Math.min(o.membersPerCourse, users.length); k += 1) {
      const user = users[(course.id * 7 + k) % users.length]!;
      const roll = random();
      const rate = roll < 0.3 ? 100 : roll < 0.45 ? 0 : Math.round(random() * 99 * 10) / 10;
      members.push({
        course: course.id,
        user: user.id,
        join_status: 'joined',
        user_completion_rate: rate,
        joined_at: `2026-02-${String(1 + (k % 27)).padStart(2, '0')}T09:00:00.000000+00:00`,
        last_active_at: rate === 0 && random() < 0.7 ? null : `2026-03-${String(1 + (k % 27)).padStart(2, '0')}T18:30:00.123456+01:00`,
      });
    }
  }
  return { courses, users, members };
}

export async function startSelfcommunitySimulator(options: SelfcommunitySimOptions = {}): Promise<SelfcommunitySimulator> {
  const o: Required<SelfcommunitySimOptions> = {
    seed: 1,
    courses: 5,
    users: 30,
    membersPerCourse: 12,
    managerId: 7,
    accessToken: 'sc-access-token-Qm93x1',
    jwtSecret: 'sc-jwt-signing-secret-ÅÄÖ-0123456789',
    unmanagedCourses: [],
    maxLimit: 100,
    ...options,
  };
  const data = generateSelfcommunityFixture(o);
  const jwtSubjects: number[] = [];
  let baseUrl = '';

  const errors = (status: number, code: string, message: string): SimResponse => ({
    status,
    contentType: 'application/json',
    body: JSON.stringify({ errors: [{ code, message }] }),
  });

  function page<T>(url: URL, rows: T[], map: (r: T) => unknown = (r) => r): SimResponse {
    const limit = Math.min(Math.max(1, Number(url.searchParams.get('limit') ?? 20) || 20), o.maxLimit);
    const offset = Math.max(0, Number(url.searchParams.get('offset') ?? 0) || 0);
    const link = (off: number) => {
      const u = new URL(url.pathname + url.search, baseUrl);
      u.searchParams.set('limit', String(limit));
      u.searchParams.set('offset', String(off));
      return u.toString();
    };
    return {
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({
        count: rows.length,
        next: offset + limit < rows.length ? link(offset + limit) : null,
        previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
        results: rows.slice(offset, offset + limit).map(map),
      }),
    };
  }

  /** JSON-array filter strings (`["joined","manager"]`) or a bare value. */
  const statuses = (url: URL, fallback: string[]): string[] => {
    const raw = url.searchParams.get('statuses');
    if (!raw) return fallback;
    try {
      const parsed = JSON.parse(raw) as unknown;
      return Array.isArray(parsed) ? parsed.map(String) : [String(parsed)];
    } catch {
      return [raw];
    }
  };

  const sim = await startSimServer(async (req, url) => {
    if (!url.pathname.endsWith('/')) return { status: 404, contentType: 'text/html', body: '<h1>Not Found</h1>' };
    const auth = /^Bearer\s+(.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    let caller: number | null = null;
    if (auth === o.accessToken) caller = o.managerId;
    else if (auth) {
      try {
        const { payload } = await jwtVerify(auth, new TextEncoder().encode(o.jwtSecret), { algorithms: ['HS256'] });
        if (payload.token_type !== 'access' || typeof payload.user_id !== 'number' || !payload.jti) throw new Error('claims');
        caller = payload.user_id;
        jwtSubjects.push(caller);
      } catch {
        caller = null;
      }
    }
    if (caller === null) return errors(401, 'not_authenticated', 'Authentication credentials were not provided or are invalid.');

    const path = url.pathname;
    const manages = (courseId: number) => caller === o.managerId && !o.unmanagedCourses.includes(courseId);
    if (path === '/api/v2/user/me/') {
      return { status: 200, contentType: 'application/json', body: JSON.stringify({ id: caller, username: `user${caller}`, real_name: 'Coordinator Ćwik', email: 'coordinator@community.example', role: 'admin' }) };
    }
    if (path === '/api/v2/user/') return page(url, data.users);
    if (path === '/api/v2/course/search/' || path === '/api/v2/course/') {
      return page(url, data.courses, (c) => ({ ...c, join_status: manages(c.id) ? 'creator' : 'joined', user_completion_rate: 0, categories: [] }));
    }
    const status = /^\/api\/v2\/course\/(\d+)\/status\/$/.exec(path);
    if (status) {
      const course = data.courses.find((c) => c.id === Number(status[1]));
      if (!course) return errors(404, 'not_found', 'Not found.');
      return { status: 200, contentType: 'application/json', body: JSON.stringify({ status: manages(course.id) ? 'creator' : 'joined' }) };
    }
    const users = /^\/api\/v2\/course\/(\d+)\/users\/$/.exec(path);
    if (users) {
      const courseId = Number(users[1]);
      if (!data.courses.some((c) => c.id === courseId)) return errors(404, 'not_found', 'Not found.');
      if (!manages(courseId)) return errors(403, 'permission_denied', 'You do not have permission to perform this action.');
      const wanted = statuses(url, ['manager', 'joined']);
      const rows = data.members.filter((m) => m.course === courseId && wanted.includes(m.join_status));
      const byId = new Map(data.users.map((u) => [u.id, u]));
      return page(url, rows, (m) => {
        const u = byId.get(m.user)!;
        return { id: u.id, username: u.username, real_name: u.real_name, avatar: u.avatar, join_status: m.join_status, user_completion_rate: m.user_completion_rate, last_active_at: m.last_active_at, joined_at: m.joined_at };
      });
    }
    return errors(404, 'not_found', 'Not found.');
  });
  baseUrl = sim.url;
  return Object.assign(sim, { data, options: o, jwtSubjects }) as SelfcommunitySimulator;
}
