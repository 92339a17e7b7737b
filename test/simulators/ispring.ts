/**
 * A local iSpring Learn: both auth modes, XML by default and JSON on request, token paging, the documented list
 * wrappings and XML traps (switchable), plain-text 404s, and 403s per endpoint. Data from a seeded generator.
 */
import { randomUUID } from 'node:crypto';
import { seededRandom, startSimServer, type SimResponse, type SimServer } from './server';

export interface IspringSimOptions {
  seed?: number;
  courses?: number;
  learners?: number;
  /** Progress rows (learner × course results); spread over the courses. */
  results?: number;
  pageSizeCap?: number;
  clientId?: string;
  clientSecret?: string;
  accountUrl?: string;
  login?: string;
  password?: string;
  tokenTtlSeconds?: number;
  /** XML booleans as `true`/`false` or `1`/`0`. */
  booleans?: 'words' | 'digits';
  /** How an empty list is rendered: an empty wrapper element, or no wrapper at all. */
  emptyLists?: 'wrapper' | 'missing';
  /** Endpoints answering 403: e.g. ['results'] forces the final_statuses fallback. */
  forbid?: ('results' | 'final_statuses' | 'contents' | 'users')[];
  /** Courses whose final_statuses answer 403. */
  forbiddenCourses?: string[];
}

export interface IspringFixture {
  courses: { contentItemId: string; title: string; description?: string; addedDate: string; viewUrl: string; contentItemType: string }[];
  users: { userId: string; fields: [string, string][] }[];
  results: { userId: string; courseId: string; completionStatus: string; progress: string; accessDate: string; completionDate?: string; lastViewDate?: string; awardedScore?: string; isOverdue: boolean }[];
}

export interface IspringSimulator extends SimServer {
  data: IspringFixture;
  options: Required<Omit<IspringSimOptions, 'forbid' | 'forbiddenCourses'>> & Pick<IspringSimOptions, 'forbid' | 'forbiddenCourses'>;
  /** Invalidates every issued token (as if they expired). */
  expireTokens(): void;
  tokensIssued: number;
}

const FIRST = ['Zoë', 'Łukasz', 'José', 'Siobhán', '王', 'Ολυμπία', 'Ахмед', 'Ingrid', 'Kwame', 'Noémie'];
const LAST = ['Ångström', 'Żółć', 'Núñez', "O'Brien", '芳', 'Παπαδοπούλου', 'Ибрагимов', 'Berg, Jr.', 'Mensah', 'Dubois "Nono"'];
const DISPLAY: Record<string, string[]> = {
  not_started: ['Not started', 'Not Started'],
  in_progress: ['In progress', 'In Progress'],
  complete: ['Complete', 'Completed'],
  passed: ['Passed'],
  failed: ['Failed'],
  incomplete: ['Incomplete'],
};

function uuid(random: () => number): string {
  const hex = () => Math.floor(random() * 16).toString(16);
  const part = (n: number) => Array.from({ length: n }, hex).join('');
  return `${part(8)}-${part(4)}-1${part(3)}-${part(4)}-${part(12)}`;
}

export function generateIspringFixture(o: { seed: number; courses: number; learners: number; results: number }): IspringFixture {
  const random = seededRandom(o.seed);
  const courses = Array.from({ length: o.courses }, (_, i) => ({
    contentItemId: uuid(random),
    title: i % 7 === 3 ? `Sécurité incendie — module ${i + 1}, "avancé"` : `Course ${i + 1}: ${['Fire Safety', 'GDPR', 'First Aid', 'Onboarding'][i % 4]}`,
    ...(i % 3 === 0 ? {} : { description: `Description of course ${i + 1}` }),
    addedDate: new Date(Date.UTC(2025, i % 12, 1 + (i % 27), 9, 30)).toISOString().replace('.000Z', '+00:00'),
    viewUrl: `https://acme.ispringlearn.com/app/course/${i + 1}`,
    contentItemType: i % 5 === 4 ? 'LearningTrack' : 'Course',
  }));
  const users = Array.from({ length: o.learners }, (_, i) => {
    const fields: [string, string][] = [['LOGIN', `user${i + 1}`]];
    if (i % 11 !== 5) fields.push(['EMAIL', `user${i + 1}@acme.example`]);
    if (i % 13 !== 7) {
      fields.push(['FIRST_NAME', FIRST[i % FIRST.length]!]);
      fields.push(['LAST_NAME', LAST[(i * 3) % LAST.length]!]);
    }
    fields.push(['JOB_TITLE', 'Trainee']);
    return { userId: uuid(random), fields };
  });
  const statuses = ['not_started', 'in_progress', 'complete', 'passed', 'failed', 'incomplete'];
  const results: IspringFixture['results'] = [];
  const perCourse = Math.max(1, Math.ceil(o.results / Math.max(1, o.courses)));
  outer: for (let c = 0; c < courses.length; c += 1) {
    for (let k = 0; k < perCourse; k += 1) {
      if (results.length >= o.results) break outer;
      const user = users[(c * 31 + k) % users.length]!;
      if (k >= users.length) break;
      const status = statuses[Math.floor(random() * statuses.length)]!;
      const done = status === 'complete' || status === 'passed' || status === 'failed';
      const progress = done ? '100' : status === 'not_started' ? '0' : (Math.round(random() * 9999) / 100).toFixed(2).replace(/\.?0+$/, '');
      const day = 1 + Math.floor(random() * 27);
      results.push({
        userId: user.userId,
        courseId: courses[c]!.contentItemId,
        completionStatus: status,
        progress,
        accessDate: `2026-0${1 + (c % 5)}-${String(day).padStart(2, '0')}`,
        ...(done ? { completionDate: `2026-0${1 + (c % 5)}-${String(day).padStart(2, '0')}T14:05:00+02:00` } : {}),
        ...(status === 'not_started' ? {} : { lastViewDate: `2026-0${1 + (c % 5)}-${String(day).padStart(2, '0')}T15:00:00+00:00` }),
        ...(done && c % 2 === 0 ? { awardedScore: String(50 + Math.floor(random() * 50)) } : {}),
        isOverdue: random() < 0.1,
      });
    }
  }
  return { courses, users, results };
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function toXml(name: string, value: unknown, booleans: 'words' | 'digits'): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => toXml(name, v, booleans)).join('');
  if (typeof value === 'boolean') return `<${name}>${booleans === 'words' ? String(value) : value ? '1' : '0'}</${name}>`;
  if (value && typeof value === 'object') {
    return `<${name}>${Object.entries(value).map(([k, v]) => toXml(k, v, booleans)).join('')}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export async function startIspringSimulator(options: IspringSimOptions = {}): Promise<IspringSimulator> {
  const o = {
    seed: 1,
    courses: 6,
    learners: 20,
    results: 60,
    pageSizeCap: 1000,
    clientId: 'f0e1d2c3-0000-1111-2222-333344445555',
    clientSecret: 'isp-client-secret-ÄÖ-123',
    accountUrl: 'https://acme.ispringlearn.com',
    login: 'admin@acme.example',
    password: 'legacy-p@ss-word',
    tokenTtlSeconds: 1800,
    booleans: 'words' as const,
    emptyLists: 'wrapper' as const,
    ...options,
  };
  const data = generateIspringFixture(o);
  const tokens = new Map<string, number>();
  let tokensIssued = 0;

  const respond = (req: { headers: Record<string, string | string[] | undefined> }, root: string, body: unknown, json: unknown): SimResponse => {
    const accept = String(req.headers.accept ?? '');
    if (accept.includes('application/json')) return { status: 200, contentType: 'application/json', body: JSON.stringify(json) };
    return { status: 200, contentType: 'application/xml', body: `<?xml version="1.0" encoding="UTF-8"?>\n${toXml(root, body, o.booleans)}` };
  };
  const error = (req: { headers: Record<string, string | string[] | undefined> }, status: number, message: string): SimResponse => {
    const accept = String(req.headers.accept ?? '');
    if (accept.includes('application/json')) return { status, contentType: 'application/json', body: JSON.stringify({ code: status, message }) };
    return { status, contentType: 'application/xml', body: `<?xml version="1.0"?><response><code>${status}</code><message>${escapeXml(message)}</message></response>` };
  };

  function page<T>(rows: T[], url: URL): { rows: T[]; next: string | null } {
    const size = Math.min(Number(url.searchParams.get('pageSize') ?? 1000) || 1000, o.pageSizeCap);
    const token = url.searchParams.get('pageToken');
    const start = token ? Number(Buffer.from(token, 'base64').toString('utf8').split(':')[1]) : 0;
    const slice = rows.slice(start, start + size);
    const end = start + slice.length;
    return { rows: slice, next: end < rows.length ? Buffer.from(`offset:${end}`).toString('base64') : null };
  }

  const sim = await startSimServer((req, url, body) => {
    const path = url.pathname.replace(/^\/api\/v\d+/, '');
    if (req.method === 'POST' && url.pathname === '/api/v3/token') {
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'client_credentials') return error(req, 400, 'Bad Request');
      if (form.get('client_id') !== o.clientId || form.get('client_secret') !== o.clientSecret) return error(req, 401, 'Unauthorized');
      const token = randomUUID().replace(/-/g, '');
      tokens.set(token, Date.now() + o.tokenTtlSeconds * 1000);
      tokensIssued += 1;
      return { status: 200, contentType: 'application/json', body: JSON.stringify({ access_token: token, expires_in: o.tokenTtlSeconds, token_type: 'bearer' }) };
    }

    // Auth: a Bearer token, or the three legacy headers.
    const auth = String(req.headers.authorization ?? '');
    if (auth) {
      const token = auth.replace(/^Bearer\s+/i, '');
      const expiry = tokens.get(token);
      if (!expiry || expiry < Date.now()) return error(req, 401, 'Unauthorized');
    } else {
      const h = req.headers;
      if (h['x-auth-account-url'] !== o.accountUrl || h['x-auth-email'] !== o.login || h['x-auth-password'] !== o.password) {
        return error(req, 401, 'Unauthorized');
      }
    }

    if (path === '/contents') {
      if (o.forbid?.includes('contents')) return error(req, 403, 'Permission denied');
      const { rows, next } = page(data.courses, url);
      return respond(req, 'response', { contentItems: rows.length ? { contentItem: rows } : undefined, nextPageToken: next ?? undefined }, { contentItems: rows, ...(next ? { nextPageToken: next } : {}) });
    }
    if (path === '/users/v2') {
      if (o.forbid?.includes('users')) return error(req, 403, 'Permission denied');
      const { rows, next } = page(data.users, url);
      const xmlUsers = rows.map((u) => ({ userId: u.userId, role: 'learner', status: 1, fields: { field: u.fields.map(([name, value]) => ({ name, value })) } }));
      const jsonUsers = rows.map((u) => ({ userId: u.userId, role: 'learner', status: 1, fields: u.fields.map(([name, value]) => ({ name, value })) }));
      return respond(req, 'response', { userProfiles: rows.length ? { userProfile: xmlUsers } : undefined, nextPageToken: next ?? undefined }, { userProfiles: jsonUsers, ...(next ? { nextPageToken: next } : {}) });
    }
    if (path === '/learners/results') {
      if (o.forbid?.includes('results')) return error(req, 403, 'Permission denied');
      let rows = data.results;
      const completedFrom = url.searchParams.get('completionDate[startDate]');
      const accessFrom = url.searchParams.get('accessDate[startDate]');
      if (completedFrom) rows = rows.filter((r) => r.completionDate && Date.parse(r.completionDate) >= Date.parse(completedFrom));
      if (accessFrom) rows = rows.filter((r) => Date.parse(r.accessDate) >= Date.parse(accessFrom));
      const p = page(rows, url);
      const items = p.rows.map((r) => ({
        userId: r.userId,
        courseId: r.courseId,
        courseTitle: data.courses.find((c) => c.contentItemId === r.courseId)?.title,
        accessDate: r.accessDate,
        completionStatus: r.completionStatus,
        isOverdue: r.isOverdue,
        progress: r.progress,
        completionDate: r.completionDate,
        awardedScore: r.awardedScore,
      }));
      if (items.length === 0 && o.emptyLists === 'missing') return respond(req, 'response', {}, { results: [] });
      return respond(req, 'response', { results: items.length ? { result: items } : '', nextPageToken: p.next ?? undefined }, { results: items, ...(p.next ? { nextPageToken: p.next } : {}) });
    }
    const finals = /^\/content\/([^/]+)\/final_statuses$/.exec(path);
    if (finals) {
      const courseId = decodeURIComponent(finals[1]!);
      if (!data.courses.some((c) => c.contentItemId === courseId)) return { status: 404, contentType: 'text/plain', body: 'Unknown content item' };
      if (o.forbid?.includes('final_statuses') || o.forbiddenCourses?.includes(courseId)) return error(req, 403, 'Permission denied');
      const rows = data.results
        .filter((r) => r.courseId === courseId)
        .map((r, i) => ({
          userId: r.userId,
          status: DISPLAY[r.completionStatus]![i % DISPLAY[r.completionStatus]!.length]!,
          progress: r.progress,
          completionDate: r.completionDate,
          lastViewDate: r.lastViewDate,
        }));
      return respond(req, 'statuses', rows.length ? { status: rows } : '', rows);
    }
    return { status: 404, contentType: 'text/plain', body: 'Not found' };
  });

  const out = Object.assign(sim, { data, options: o, expireTokens: () => tokens.clear() });
  Object.defineProperty(out, 'tokensIssued', { get: () => tokensIssued });
  return out as IspringSimulator;
}
