/**
 * Child process for the crash test of the generation flip: stages a new generation of the account "Acme" in which
 * every progress row's status is flipped (a mass change: the flip's change log is as long as it gets), prints
 * "flip" and commits it, then prints "done". The parent SIGKILLs it somewhere inside the commit.
 * Usage: node --import tsx test/support/flip-child.ts DATA_DIR
 */
import { createCacheWriter } from '../../electron/core/store/cache-writer';
import { openDatabase } from '../../electron/core/store/db';

const [dataDir] = process.argv.slice(2);
const db = openDatabase(dataDir!);
const account = db.prepare<[], string>("SELECT id FROM accounts WHERE label = 'Acme'").pluck().get()!;
const writer = createCacheWriter(db);
const live = writer.liveGeneration(account);
const copy = (table: string) =>
  db.prepare(`SELECT * FROM ${table} WHERE account_id = ? AND generation = ?`).all(account, live) as Record<
    string,
    unknown
  >[];
const generation = writer.begin(account);
const courses = copy('courses').map((c) => ({ ...c, createdAt: null, updatedAt: null }));
writer.writePage('courses', account, generation, { items: courses, raw: courses });
const learners = copy('learners').map((l) => ({ ...l, firstName: null, lastName: null }));
writer.writePage('learners', account, generation, { items: learners, raw: learners });
const progress = copy('progress').map((p) => ({
  courseId: p.course_id,
  learnerId: p.learner_id,
  status: p.status === 'completed' ? 'in_progress' : 'completed',
  rawStatus: null,
  progressPct: null,
  score: null,
  startedAt: null,
  completedAt: null,
  lastActivityAt: null,
}));
writer.writePage('progress', account, generation, { items: progress, raw: progress });
for (const resource of ['courses', 'learners', 'progress'] as const) writer.flush(resource);
process.stdout.write('flip\n');
writer.commit(account, generation, new Date().toISOString(), null);
process.stdout.write('done\n');
db.close();
