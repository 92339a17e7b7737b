/**
 * A small cache with the names reports must survive: Unicode, commas, quotes, newlines and formula-looking text.
 */
import type { Course, Learner, Progress } from '../../electron/core/contract/domain';
import type { Dataset } from './scripted-connector';

export const HOSTILE_LEARNERS: Learner[] = [
  { id: 'L1', name: 'Zoë Ångström', email: 'zoe@example.com', firstName: 'Zoë', lastName: 'Ångström' },
  { id: 'L2', name: 'O\'Brien, Siobhán "Shiv"', email: 'shiv@example.com', firstName: null, lastName: null },
  { id: 'L3', name: 'Line\nBreak Łukasz', email: 'lukasz@example.com', firstName: null, lastName: null },
  { id: 'L4', name: '=HYPERLINK("http://evil.example","click")', email: '+evil@example.com', firstName: null, lastName: null },
  { id: 'L5', name: '王芳', email: 'wang@example.com', firstName: null, lastName: null },
  { id: 'L6', name: '@SUM(A1:A9)', email: '-minus@example.com', firstName: null, lastName: null },
  { id: 'L7', name: 'Ολυμπία Παπαδοπούλου', email: null, firstName: null, lastName: null },
];

export function reportDataset(extraLearners = 0): Dataset {
  const courses: Course[] = [
    { id: 'C1', name: 'Fire Safety, Level 1', type: 'course', description: null, createdAt: null, updatedAt: null, url: null },
    { id: 'C2', name: 'Data "Protection"', type: 'course', description: null, createdAt: null, updatedAt: null, url: null },
  ];
  const learners = [...HOSTILE_LEARNERS];
  for (let i = 0; i < extraLearners; i += 1) {
    learners.push({ id: `X${i}`, name: `Learner ${String(i).padStart(5, '0')}`, email: `x${i}@example.com`, firstName: null, lastName: null });
  }
  const statuses: Progress['status'][] = ['completed', 'in_progress', 'passed', 'failed', 'not_started', 'incomplete', 'completed'];
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
