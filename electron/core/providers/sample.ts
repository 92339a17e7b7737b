/**
 * The embedded "sample" provider: a realistic, deterministic training catalogue that needs no network and no
 * secret. It is what a new user explores before adding a real account, and what CLI demos run on. Same seed and
 * same anchor day → same dataset. The app passes its clock (`init.now`) so the demo always has recent completions
 * and upcoming sessions; without one the anchor is a fixed day, so a seed alone pins the dataset.
 */
import type { SampleSettings } from '../contract/accounts';
import type {
  Attendance,
  AttendanceStatus,
  Course,
  CourseSession,
  Learner,
  Progress,
  ProgressStatus,
} from '../contract/domain';
import type { Connector, ConnectorInit, Page, ResourceScope } from './types';
import { applySampleDrift } from './sample-drift';

const PAGE_SIZE = 100;
const DAY = 86_400_000;
export const SAMPLE_FIXED_ANCHOR = new Date('2026-06-01T00:00:00Z');

const FIRST_NAMES = [
  'Zoë',
  'Łukasz',
  'José',
  'Siobhán',
  'Olympía',
  'Ahmed',
  'Mei',
  'Ingrid',
  'Kwame',
  'Priya',
  'Lars',
  'Ana',
  'Søren',
  'Chloé',
  'Mateus',
  'Aoife',
  'Yusuf',
  'Hana',
  'Björn',
  'Fatima',
  'Noémie',
  'Dmitri',
  'Ximena',
  'Kenji',
  'Amara',
  'Renée',
  'Tomás',
  'Małgorzata',
  'Oğuz',
  'Nguyễn',
  'Émile',
  'Zsófia',
  'Ikaika',
  'Thandiwe',
  'Joaquín',
  'Elif',
];
const LAST_NAMES = [
  'Ångström',
  'Żółć',
  'Núñez',
  "O'Brien",
  'Papadopoulou',
  'Ibrahim',
  'Chen',
  'Larsen',
  'Mensah',
  'Sharma',
  'Berg',
  'Silva',
  'Kjær',
  'Lefèvre',
  'Gonçalves',
  'Ní Bhriain',
  'Öztürk',
  'Tanaka',
  'Sørensen',
  'Haddad',
  'Dubois',
  'Ivanova',
  'Hernández',
  'Watanabe',
  'Okafor',
  'Müller',
  'García',
  'Wiśniewska',
  'Yılmaz',
  'Trần',
  'Lévesque',
  'Horváth',
  'Kahananui',
  'Dlamini',
  'Peña',
  'Şahin',
];
/** Some learners have names in their own scripts. */
const NATIVE_NAMES = [
  '王芳',
  '李娜',
  'Ολυμπία Παπαδοπούλου',
  'Ахмед Ибрагимов',
  'יעל כהן',
  'محمد الأحمد',
  '佐藤 健',
  'Σοφία Νικολάου',
];

const LMS_COURSES: [string, string][] = [
  ['Fire Safety Essentials', 'course'],
  ['Data Protection & GDPR', 'course'],
  ['Anti-Bribery and Corruption', 'course'],
  ['First Aid at Work — Refresher', 'course'],
  ['Manual Handling', 'course'],
  ['Information Security Awareness', 'course'],
  ['Diversity, Equity & Inclusion', 'course'],
  ['Onboarding: Welcome to the Team', 'learning_track'],
  ['Leadership Foundations', 'learning_track'],
  ['Customer Service Excellence', 'course'],
  ['Food Hygiene Level 2', 'course'],
  ['Working at Height', 'course'],
  ['Quarterly Compliance Assessment', 'assessment'],
  ['Product Knowledge: Spring Range', 'course'],
  ['Mental Health First Aid', 'course'],
  ['Sales Conversations, "Done Right"', 'course'],
];
const CLASS_COURSES = [
  'Reformer Pilates — Beginners (6 weeks)',
  'Yoga Teacher Training: Module 2',
  'Spin Instructor Certification',
  'HIIT Coaching Workshop',
  'Barre Fundamentals',
  'Prenatal Yoga Course',
  'Strength & Conditioning Level 1',
  'Mindfulness for Managers',
];
const VENUES = ['Studio A', 'Studio B', 'Main Hall', 'Rooftop Terrace', 'Online (Zoom)'];
/** Each class runs in its venue's zone; the sessions' times stay UTC (CourseSession.timeZone). */
const CLASS_TIME_ZONES = ['Europe/Dublin', 'America/New_York', 'Europe/Rome', 'Australia/Sydney'];
const DEPARTMENTS = ['Operations', 'Sales', 'Customer Care', 'Finance', 'People & Culture', 'Engineering', 'Kitchen'];
const GROUPS = ['New starters', 'Managers', 'First aiders', 'Fire wardens', 'Night shift', 'Lisbon office'];

/**
 * What each LMS course asks of a learner, by its index in LMS_COURSES: days to finish after assignment (null: no due
 * date), how long a completion stays valid (null: for good), whether it issues a certificate, and its pass mark.
 */
interface CourseRules {
  dueDays: number | null;
  validDays: number | null;
  certificate: boolean;
  passingScore: number | null;
}
const NO_RULES: CourseRules = { dueDays: null, validDays: null, certificate: false, passingScore: null };
const COURSE_RULES: Record<number, Partial<CourseRules>> = {
  0: { dueDays: 30, validDays: 120, certificate: true },
  1: { dueDays: 45, validDays: 365, certificate: true },
  2: { dueDays: 60, validDays: 365 },
  3: { dueDays: 30, validDays: 150, certificate: true },
  4: { dueDays: 30 },
  5: { dueDays: 40, validDays: 180, certificate: true },
  7: { dueDays: 14 },
  8: { certificate: true },
  10: { dueDays: 21, validDays: 90, certificate: true },
  11: { dueDays: 30, validDays: 100, certificate: true },
  12: { dueDays: 20, validDays: 120, passingScore: 70 },
  14: { validDays: 365, certificate: true },
};
/** The class that certifies (instructors): its certificate lasts two years. */
const CERTIFYING_CLASS = 2;
const INSTRUCTORS = [
  'Maëlle Rousseau',
  'Jonas Lindqvist',
  'Adaeze Nwosu',
  'Carmen Ruiz',
  'Hiroshi Mori',
  'Nora Ó Súilleabháin',
];

/** mulberry32: tiny, fast, good enough for demo data, and identical on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ascii = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ł/g, 'l')
    .replace(/Ł/g, 'L')
    .replace(/ø/g, 'o')
    .replace(/æ/g, 'ae')
    .replace(/ß/g, 'ss')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();

export interface SampleDataset {
  courses: Course[];
  sessions: CourseSession[];
  learners: Learner[];
  attendance: Attendance[];
  progress: Progress[];
}

/**
 * The fields coordinators act on (due dates, expiry, certificates, departments, leavers) come from a second stream, so
 * adding them left every earlier field of a seed's dataset as it was.
 */
function coordinatorRandom(seed: number) {
  const random = prng(seed * 7919 + 101);
  return {
    random,
    pick: <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!,
    int: (min: number, max: number) => min + Math.floor(random() * (max - min + 1)),
  };
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Status, department and groups: about one in twenty-five blocked and one in sixty deleted (leavers). */
function learnerDetails(
  extra: ReturnType<typeof coordinatorRandom>,
): Pick<Learner, 'status' | 'department' | 'groups'> {
  const roll = extra.random();
  const status = roll < 0.04 ? 'blocked' : roll < 0.057 ? 'deleted' : 'active';
  const department = extra.random() < 0.05 ? null : extra.pick(DEPARTMENTS);
  const groups = new Set<string>();
  for (let n = extra.int(0, 2); n > 0; n -= 1) groups.add(extra.pick(GROUPS));
  return { status, department, groups: [...groups].sort() };
}

/**
 * Assignment, due and expiry dates, certificates and time spent for one LMS progress row. Due and expiry dates are
 * calendar dates (as iSpring gives them); assignment and issue dates are instants.
 */
function lmsCoordinatorFields(
  extra: ReturnType<typeof coordinatorRandom>,
  rules: CourseRules,
  row: Pick<Progress, 'status' | 'startedAt' | 'completedAt' | 'progressPct'> & { learnerId: string; courseId: string },
  day0: number,
): Partial<Progress> {
  const started = row.startedAt === null ? null : Date.parse(row.startedAt);
  const assigned = (started ?? day0 - extra.int(0, 100) * DAY) - extra.int(0, 14) * DAY;
  const finished = row.status === 'completed' || row.status === 'passed';
  const completed = finished && row.completedAt !== null ? Date.parse(row.completedAt) : null;
  const expires = completed !== null && rules.validDays !== null ? isoDay(completed + rules.validDays * DAY) : null;
  const minutes = started === null ? 0 : Math.max(1, Math.round(((row.progressPct ?? 0) / 100) * extra.int(20, 180)));
  return {
    assignedAt: new Date(assigned).toISOString(),
    dueAt: rules.dueDays === null ? null : isoDay(assigned + rules.dueDays * DAY),
    expiresAt: expires,
    timeSpentS: started === null ? null : minutes * 60 + extra.int(0, 59),
    passingScore: rules.passingScore,
    enrollmentId: `E-${row.courseId}-${row.learnerId}`,
    certificateIssuedAt: rules.certificate && completed !== null ? new Date(completed).toISOString() : null,
    certificateExpiresAt: rules.certificate ? expires : null,
  };
}

export function generateSampleDataset(seed: number, anchor: Date): SampleDataset {
  const random = prng(seed * 7919 + 17);
  const extra = coordinatorRandom(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const day0 = Math.floor(anchor.getTime() / DAY) * DAY;
  const iso = (ms: number) => new Date(ms).toISOString();

  const learners: Learner[] = [];
  const usedEmails = new Set<string>();
  for (let i = 0; i < 500; i += 1) {
    const id = `L${1000 + i}`;
    let firstName: string | null = pick(FIRST_NAMES);
    let lastName: string | null = pick(LAST_NAMES);
    let name = `${firstName} ${lastName}`;
    if (random() < 0.04) {
      name = pick(NATIVE_NAMES);
      firstName = null;
      lastName = null;
    }
    let email: string | null = `${ascii(firstName ?? 'learner')}.${ascii(lastName ?? id)}@example.org`;
    while (usedEmails.has(email)) email = email.replace('@', `${int(1, 9)}@`);
    usedEmails.add(email);
    if (random() < 0.03) email = null; // some platforms do not expose every e-mail
    learners.push({ id, name, email, firstName, lastName, ...learnerDetails(extra) });
  }

  const courses: Course[] = [];
  const progress: Progress[] = [];
  LMS_COURSES.forEach(([title, type], index) => {
    const id = `C${100 + index}`;
    const createdAt = day0 - int(120, 400) * DAY;
    courses.push({
      id,
      name: title,
      type,
      description: `${title}: mandatory training for all staff.`,
      createdAt: iso(createdAt),
      updatedAt: iso(createdAt + int(1, 100) * DAY),
      url: `https://sample.rollbook.invalid/courses/${id}`,
    });
    const enrolled = int(40, 220);
    const start = int(0, learners.length - 1);
    for (let k = 0; k < enrolled; k += 1) {
      const learner = learners[(start + k * 7) % learners.length]!;
      const roll = random();
      const status: ProgressStatus =
        roll < 0.42
          ? 'completed'
          : roll < 0.5
            ? 'passed'
            : roll < 0.55
              ? 'failed'
              : roll < 0.78
                ? 'in_progress'
                : roll < 0.82
                  ? 'incomplete'
                  : 'not_started';
      const startedAt = status === 'not_started' ? null : day0 - int(5, 110) * DAY + int(8, 17) * 3_600_000;
      const done = status === 'completed' || status === 'passed' || status === 'failed';
      const completedAt = done && startedAt !== null ? startedAt + int(0, 20) * DAY : null;
      const lastActivityAt = completedAt ?? (startedAt !== null ? startedAt + int(0, 40) * DAY : null);
      const pct = done ? 100 : status === 'not_started' ? 0 : Math.round(random() * 950) / 10;
      const row: Progress = {
        learnerId: learner.id,
        courseId: id,
        status,
        rawStatus: status,
        progressPct: pct,
        score: type === 'assessment' && done ? int(40, 100) : null,
        startedAt: startedAt === null ? null : iso(startedAt),
        completedAt: completedAt === null ? null : iso(Math.min(completedAt, day0)),
        lastActivityAt: lastActivityAt === null ? null : iso(Math.min(lastActivityAt, day0)),
      };
      progress.push({ ...row, ...lmsCoordinatorFields(extra, { ...NO_RULES, ...COURSE_RULES[index] }, row, day0) });
    }
  });

  const sessions: CourseSession[] = [];
  const attendance: Attendance[] = [];
  CLASS_COURSES.forEach((title, index) => {
    const id = `K${200 + index}`;
    courses.push({
      id,
      name: title,
      type: 'class',
      description: null,
      createdAt: iso(day0 - 90 * DAY),
      updatedAt: null,
      url: null,
    });
    const count = int(6, 10);
    const firstSession = day0 - int(2, count - 1) * 7 * DAY + int(9, 18) * 3_600_000;
    const capacity = pick([12, 16, 20, 24]);
    const roster = Array.from(
      { length: int(8, capacity) },
      (_, k) => learners[(index * 37 + k * 11) % learners.length]!,
    );
    const held = new Map<string, number>();
    const attended = new Map<string, number>();
    const timeZone = extra.pick(CLASS_TIME_ZONES);
    // Learners past the roster wait for a place in upcoming sessions.
    const waitlist = Array.from(
      { length: extra.int(0, 3) },
      (_, k) => learners[(index * 37 + (roster.length + k) * 11) % learners.length]!,
    );
    for (let n = 0; n < count; n += 1) {
      const startsAt = firstSession + n * 7 * DAY;
      const cancelled = random() < 0.08;
      const isHeld = !cancelled && startsAt <= day0;
      const sessionId = `${id}-S${n + 1}`;
      sessions.push({
        id: sessionId,
        courseId: id,
        name: `${title.split(' (')[0]} — session ${n + 1}`,
        startsAt: iso(startsAt),
        endsAt: iso(startsAt + 75 * 60_000),
        status: cancelled ? 'cancelled' : isHeld ? 'held' : 'scheduled',
        rawStatus: cancelled ? 'cancelled' : 'active',
        venue: pick(VENUES),
        instructors: [pick(INSTRUCTORS)],
        capacity,
        attendingCount: cancelled ? 0 : roster.length,
        timeZone,
      });
      if (cancelled) continue;
      if (!isHeld) {
        for (const learner of waitlist) {
          attendance.push({
            learnerId: learner.id,
            sessionId,
            courseId: id,
            status: 'waitlisted',
            rawStatus: 'waiting',
          });
        }
      }
      for (const learner of roster) {
        let status: AttendanceStatus = 'registered';
        if (isHeld) {
          const roll = random();
          status = roll < 0.82 ? 'attended' : roll < 0.95 ? 'no_show' : 'late_cancelled';
          held.set(learner.id, (held.get(learner.id) ?? 0) + 1);
          if (status === 'attended') attended.set(learner.id, (attended.get(learner.id) ?? 0) + 1);
        }
        attendance.push({ learnerId: learner.id, sessionId, courseId: id, status, rawStatus: status });
      }
    }
    const lastSession = sessions.filter((s) => s.courseId === id && s.status !== 'cancelled').at(-1);
    const ended = lastSession ? Date.parse(lastSession.endsAt!) <= day0 : false;
    for (const learner of roster) {
      const h = held.get(learner.id) ?? 0;
      const a = attended.get(learner.id) ?? 0;
      const share = h === 0 ? 0 : (a / h) * 100;
      const status: ProgressStatus =
        h === 0 ? 'not_started' : ended ? (share >= 80 ? 'completed' : 'incomplete') : 'in_progress';
      const certified = index === CERTIFYING_CLASS && status === 'completed' && lastSession;
      progress.push({
        learnerId: learner.id,
        courseId: id,
        status,
        rawStatus: `${a}/${h} attended`,
        progressPct: Math.round(share * 10) / 10,
        score: null,
        startedAt: iso(firstSession),
        completedAt: status === 'completed' && lastSession ? lastSession.endsAt : null,
        lastActivityAt: h > 0 ? iso(Math.min(day0, firstSession + (h - 1) * 7 * DAY)) : null,
        assignedAt: iso(firstSession - extra.int(7, 21) * DAY),
        timeSpentS: a * 75 * 60,
        enrollmentId: `E-${id}-${learner.id}`,
        certificateIssuedAt: certified ? lastSession.endsAt : null,
        certificateExpiresAt: certified ? isoDay(Date.parse(lastSession.endsAt!) + 730 * DAY) : null,
      });
    }
  });

  return { courses, sessions, learners, attendance, progress };
}

async function* paged<T>(rows: T[], signal: AbortSignal): AsyncIterable<Page<T>> {
  for (let i = 0; i < rows.length; i += PAGE_SIZE) {
    signal.throwIfAborted();
    const items = rows.slice(i, i + PAGE_SIZE);
    // The "raw" record is what a provider would have sent: here, the same object tagged with its origin.
    yield { items, raw: items.map((item) => ({ source: 'sample', ...item })), total: rows.length };
  }
}

export function createSampleConnector(init: ConnectorInit<SampleSettings>): Connector {
  let dataset: SampleDataset | undefined;
  // Each sync after the first is the sample's "next day" (sample-drift.ts), counted from the syncs already committed.
  const data = (scope?: ResourceScope) =>
    (dataset ??= applySampleDrift(
      generateSampleDataset(init.settings.seed, init.now?.() ?? SAMPLE_FIXED_ANCHOR),
      init.settings.seed,
      scope?.cached?.syncsBefore?.() ?? 0,
    ));
  return {
    platform: 'sample',
    incremental: new Set(),
    testConnection: async () => ({
      accountName: `Sample data (seed ${init.settings.seed})`,
      courseCount: data().courses.length,
      notes: ['Built-in demo data: no network or secret needed.'],
    }),
    courses: (scope) => paged(data(scope).courses, scope.signal),
    sessions: (scope) => paged(data().sessions, scope.signal),
    learners: (scope) => paged(data().learners, scope.signal),
    attendance: (scope) => paged(data().attendance, scope.signal),
    progress: (scope) => paged(data().progress, scope.signal),
  };
}
