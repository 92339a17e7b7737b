/**
 * Fills a cache directly through the cache writer (the same code path sync uses to write) with a large synthetic
 * dataset: N courses, M learners, P progress rows. Used by the query, export, renderer and start-up benchmarks.
 */
import type { Course, Learner, Progress, ProgressStatus } from '../electron/core/contract/domain';
import { createAccountsRepo } from '../electron/core/store/accounts-repo';
import { createCacheWriter } from '../electron/core/store/cache-writer';
import { openDatabase } from '../electron/core/store/db';

const STATUSES: ProgressStatus[] = ['not_started', 'in_progress', 'completed', 'passed', 'failed', 'incomplete'];
const FIRST = ['Zoë', 'Łukasz', 'José', 'Siobhán', 'Ольга', 'Ahmed', 'Mei', 'Ingrid', 'Kwame', 'Priya', 'Lars', 'Ana'];
const LAST = [
  'Ångström',
  'Żółć',
  'Núñez',
  "O'Brien",
  'Иванова',
  'Haddad',
  'Chen',
  'Larsen',
  'Mensah',
  'Sharma',
  'Berg',
  'Silva',
];

export interface FillSize {
  courses: number;
  learners: number;
  progress: number;
  accounts?: number;
}

export function fillCache(dataDir: string, size: FillSize): { accountIds: string[] } {
  const db = openDatabase(dataDir);
  const accounts = createAccountsRepo(db);
  const writer = createCacheWriter(db);
  const accountIds: string[] = [];
  const accountCount = size.accounts ?? 1;
  const now = new Date('2026-06-01T00:00:00Z');
  for (let a = 0; a < accountCount; a += 1) {
    const id = `bench-${a + 1}`;
    accountIds.push(id);
    accounts.insert({
      id,
      label: `Bench ${a + 1}`,
      settings: { platform: 'sample', seed: a + 1 },
      secretLocation: 'none',
      now: now.toISOString(),
    });
    const generation = writer.begin(id);
    const courses = Math.ceil(size.courses / accountCount);
    const learners = Math.ceil(size.learners / accountCount);
    const progress = Math.ceil(size.progress / accountCount);
    const page = <T>(items: T[]) => ({ items, raw: items.map((i) => i as unknown) });

    let batch: Course[] = [];
    for (let c = 0; c < courses; c += 1) {
      batch.push({
        id: `c${c}`,
        name: `Course ${c} — ${LAST[c % LAST.length]} safety ${c % 97}`,
        type: c % 5 === 0 ? 'learning_track' : 'course',
        description: null,
        createdAt: null,
        updatedAt: null,
        url: null,
      });
      if (batch.length === 1000) {
        writer.writePage('courses', id, generation, page(batch));
        batch = [];
      }
    }
    if (batch.length) writer.writePage('courses', id, generation, page(batch));

    let lbatch: Learner[] = [];
    for (let l = 0; l < learners; l += 1) {
      const first = FIRST[l % FIRST.length]!;
      const last = LAST[Math.floor(l / FIRST.length) % LAST.length]!;
      lbatch.push({
        id: `l${l}`,
        name: `${first} ${last} ${l}`,
        email: `learner${l}@example.com`,
        firstName: first,
        lastName: last,
      });
      if (lbatch.length === 1000) {
        writer.writePage('learners', id, generation, page(lbatch));
        lbatch = [];
      }
    }
    if (lbatch.length) writer.writePage('learners', id, generation, page(lbatch));

    // Progress: learner-major so every course gets a spread of learners; deterministic statuses and dates.
    let pbatch: Progress[] = [];
    const perLearner = Math.max(1, Math.ceil(progress / learners));
    let written = 0;
    for (let l = 0; l < learners && written < progress; l += 1) {
      for (let k = 0; k < perLearner && written < progress; k += 1, written += 1) {
        const c = (l * 7 + k * 13) % courses;
        const status = STATUSES[(l + k) % STATUSES.length]!;
        const day = 1 + ((l + k) % 28);
        const at = `2026-0${1 + ((l + c) % 5)}-${String(day).padStart(2, '0')}T10:00:00.000Z`;
        pbatch.push({
          courseId: `c${c}`,
          learnerId: `l${l}`,
          status,
          rawStatus: status,
          progressPct: status === 'completed' || status === 'passed' ? 100 : (l * 37) % 100,
          score: null,
          startedAt: at,
          completedAt: status === 'completed' || status === 'passed' ? at : null,
          lastActivityAt: at,
        });
        if (pbatch.length === 5000) {
          writer.writePage('progress', id, generation, page(pbatch));
          pbatch = [];
        }
      }
    }
    if (pbatch.length) writer.writePage('progress', id, generation, page(pbatch));
    writer.commit(id, generation, now.toISOString(), {});
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { accountIds };
}
