import type { Db } from './db';
import { liveCountSql, liveJoin, liveLearnerTotalSql } from './live-rows';

export interface CacheCounts {
  accounts: number;
  courses: number;
  learners: number;
  progress: number;
  sessions: number;
  attendance: number;
}

/** Row counts of the live generation of every account (what the user can see). */
export function createStatsRepo(db: Db) {
  const liveCount = (table: string) => db.prepare<[], { n: number }>(liveCountSql(table));
  const statements = {
    accounts: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM accounts'),
    courses: liveCount('courses'),
    // Stored at each commit (generation_stats), like the progress total below.
    learners: db.prepare<[], { n: number }>(liveLearnerTotalSql()),
    // From the per-course aggregates each commit stores (a row per course with progress, its row count in
    // `learners`): counting every live progress row was most of the About page's wait; this reads a row per course.
    progress: db.prepare<[], { n: number }>(
      `SELECT coalesce(sum(s.learners), 0) AS n FROM course_stats s ${liveJoin('s')}`,
    ),
    sessions: liveCount('course_sessions'),
    attendance: liveCount('attendance'),
  };
  return {
    counts: (): CacheCounts => ({
      accounts: statements.accounts.get()!.n,
      courses: statements.courses.get()!.n,
      learners: statements.learners.get()!.n,
      progress: statements.progress.get()!.n,
      sessions: statements.sessions.get()!.n,
      attendance: statements.attendance.get()!.n,
    }),
  };
}
