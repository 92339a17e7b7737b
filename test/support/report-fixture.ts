/**
 * A small cache with the names reports must survive: Unicode, commas, quotes, newlines and formula-looking text.
 */
import type { Attendance, Course, Learner, Progress } from '../../electron/core/contract/domain';
import type { Dataset } from './scripted-connector';

export const HOSTILE_LEARNERS: Learner[] = [
  { id: 'L1', name: 'Zoë Ångström', email: 'zoe@example.com', firstName: 'Zoë', lastName: 'Ångström' },
  { id: 'L2', name: 'O\'Brien, Siobhán "Shiv"', email: 'shiv@example.com', firstName: null, lastName: null },
  { id: 'L3', name: 'Line\nBreak Łukasz', email: 'lukasz@example.com', firstName: null, lastName: null },
  {
    id: 'L4',
    name: '=HYPERLINK("http://evil.example","click")',
    email: '+evil@example.com',
    firstName: null,
    lastName: null,
  },
  { id: 'L5', name: '王芳', email: 'wang@example.com', firstName: null, lastName: null },
  { id: 'L6', name: '@SUM(A1:A9)', email: '-minus@example.com', firstName: null, lastName: null },
  { id: 'L7', name: 'Ολυμπία Παπαδοπούλου', email: null, firstName: null, lastName: null },
];

export function reportDataset(extraLearners = 0): Dataset {
  const courses: Course[] = [
    {
      id: 'C1',
      name: 'Fire Safety, Level 1',
      type: 'course',
      description: null,
      createdAt: null,
      updatedAt: null,
      url: null,
    },
    {
      id: 'C2',
      name: 'Data "Protection"',
      type: 'course',
      description: null,
      createdAt: null,
      updatedAt: null,
      url: null,
    },
  ];
  const learners = [...HOSTILE_LEARNERS];
  for (let i = 0; i < extraLearners; i += 1) {
    learners.push({
      id: `X${i}`,
      name: `Learner ${String(i).padStart(5, '0')}`,
      email: `x${i}@example.com`,
      firstName: null,
      lastName: null,
    });
  }
  const statuses: Progress['status'][] = [
    'completed',
    'in_progress',
    'passed',
    'failed',
    'not_started',
    'incomplete',
    'completed',
  ];
  const progress: Progress[] = [];
  learners.forEach((l, i) => {
    const status = statuses[i % statuses.length]!;
    const done = status === 'completed' || status === 'passed';
    progress.push({
      courseId: i % 2 ? 'C2' : 'C1',
      learnerId: l.id,
      status,
      rawStatus: i === 3 ? '=1+1' : status,
      progressPct: done ? 100 : (i * 7.5) % 100,
      score: null,
      startedAt: '2026-03-01T08:00:00.000Z',
      completedAt: done ? `2026-03-${String(10 + (i % 15)).padStart(2, '0')}T09:30:00.000Z` : null,
      lastActivityAt: `2026-03-${String(10 + (i % 15)).padStart(2, '0')}T09:30:00.000Z`,
    });
  });
  return { courses, sessions: [], learners, attendance: [], progress };
}

/**
 * The report dataset plus TeamUp-style sessions and attendance on "Fire Safety" (C1), whose learners are L1, L3,
 * L5 and L7: two sessions held, one cancelled, one upcoming (relative to REPORT_NOW).
 */
export const REPORT_NOW = '2026-04-01T00:00:00.000Z';

export function sessionsDataset(): Dataset {
  const data = reportDataset();
  const session = (id: string, startsAt: string, status: 'held' | 'cancelled' | 'scheduled') => ({
    id,
    courseId: 'C1',
    name: `Session ${id}`,
    startsAt,
    endsAt: startsAt.replace('T09:', 'T11:'),
    status,
    rawStatus: status,
    venue: null,
    instructors: [],
    capacity: null,
    attendingCount: null,
  });
  data.sessions = [
    session('S1', '2026-03-02T09:00:00.000Z', 'held'),
    session('S2', '2026-03-09T09:00:00.000Z', 'held'),
    session('S3', '2026-03-16T09:00:00.000Z', 'cancelled'),
    session('S4', '2026-05-01T09:00:00.000Z', 'scheduled'),
  ];
  const marks: [string, string, Attendance['status']][] = [
    ['S1', 'L1', 'attended'],
    ['S1', 'L3', 'attended'],
    ['S1', 'L5', 'no_show'],
    ['S1', 'L7', 'attended'],
    ['S2', 'L1', 'attended'],
    ['S2', 'L3', 'no_show'],
    ['S2', 'L5', 'no_show'],
    ['S2', 'L7', 'late_cancelled'],
    ['S3', 'L1', 'cancelled'],
    ['S4', 'L1', 'registered'],
    ['S4', 'L3', 'registered'],
  ];
  data.attendance = marks.map(([sessionId, learnerId, status]) => ({
    sessionId,
    learnerId,
    courseId: 'C1',
    status,
    rawStatus: status,
  }));
  return data;
}

/** A second account where Zoë appears again, under a differently capitalised e-mail. */
export function secondAccountDataset(): Dataset {
  return {
    courses: [
      {
        id: 'E1',
        name: 'Ethics at Work',
        type: 'course',
        description: null,
        createdAt: null,
        updatedAt: null,
        url: null,
      },
    ],
    sessions: [],
    learners: [
      { id: 'Z9', name: 'Zoë Ångström', email: 'ZOE@Example.com', firstName: 'Zoë', lastName: 'Ångström' },
      { id: 'P1', name: 'Pat Jones', email: 'pat@example.com', firstName: null, lastName: null },
    ],
    attendance: [],
    progress: [
      {
        courseId: 'E1',
        learnerId: 'Z9',
        status: 'passed',
        rawStatus: 'PASSED',
        progressPct: 100,
        score: 91,
        startedAt: '2026-02-01T10:00:00.000Z',
        completedAt: '2026-02-20T10:00:00.000Z',
        lastActivityAt: '2026-02-20T10:00:00.000Z',
      },
      {
        courseId: 'E1',
        learnerId: 'P1',
        status: 'in_progress',
        rawStatus: 'IN_PROGRESS',
        progressPct: 40,
        score: null,
        startedAt: '2026-02-01T10:00:00.000Z',
        completedAt: null,
        lastActivityAt: '2026-03-20T10:00:00.000Z',
      },
    ],
  };
}
