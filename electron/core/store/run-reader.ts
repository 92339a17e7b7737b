import type { Attendance, AttendanceStatus, CourseSession, SessionStatus } from '../contract/domain';
import type { CachedRunReader } from '../providers/types';
import type { Db } from './db';

/**
 * Reads back what the current run has staged (TeamUp derives course progress from sessions and attendance; reading
 * the staging generation avoids fetching them twice).
 */
export function createRunReader(db: Db, accountId: string, generation: number): CachedRunReader {
  const sessions = db.prepare<
    [string, number, string],
    {
      id: string;
      course_id: string;
      name: string | null;
      starts_at: string;
      ends_at: string | null;
      status: SessionStatus;
      raw_status: string | null;
      venue: string | null;
      instructors_json: string;
      capacity: number | null;
      attending_count: number | null;
    }
  >('SELECT * FROM course_sessions WHERE account_id = ? AND generation = ? AND course_id = ? ORDER BY starts_at');
  const attendance = db.prepare<
    [string, number, string],
    {
      session_id: string;
      learner_id: string;
      course_id: string;
      status: AttendanceStatus;
      raw_status: string;
    }
  >(
    'SELECT session_id, learner_id, course_id, status, raw_status FROM attendance ' +
      'WHERE account_id = ? AND generation = ? AND course_id = ?',
  );
  const syncsBefore = db.prepare<[string], number>('SELECT count(*) FROM change_syncs WHERE account_id = ?').pluck();
  return {
    syncsBefore: () => syncsBefore.get(accountId) ?? 0,
    sessionsOf: (courseId): CourseSession[] =>
      sessions.all(accountId, generation, courseId).map((r) => ({
        id: r.id,
        courseId: r.course_id,
        name: r.name,
        startsAt: r.starts_at,
        endsAt: r.ends_at,
        status: r.status,
        rawStatus: r.raw_status,
        venue: r.venue,
        instructors: JSON.parse(r.instructors_json) as string[],
        capacity: r.capacity,
        attendingCount: r.attending_count,
      })),
    attendanceOf: (courseId): Attendance[] =>
      attendance.all(accountId, generation, courseId).map((r) => ({
        sessionId: r.session_id,
        learnerId: r.learner_id,
        courseId: r.course_id,
        status: r.status,
        rawStatus: r.raw_status,
      })),
  };
}
