/**
 * What coordinators act on (issue #22): assignment, due and expiry dates, certificates and time spent per progress
 * row; a learner's status, department and groups; a session's venue time zone. Existing rows keep their data with
 * nulls here until the next sync reads the new fields. Date-only values are stored as `YYYY-MM-DD`.
 */
export const up = /* sql */ `
ALTER TABLE progress ADD COLUMN assigned_at TEXT;
ALTER TABLE progress ADD COLUMN due_at TEXT;
ALTER TABLE progress ADD COLUMN expires_at TEXT;
ALTER TABLE progress ADD COLUMN time_spent_s INTEGER;
ALTER TABLE progress ADD COLUMN passing_score REAL;
ALTER TABLE progress ADD COLUMN enrollment_id TEXT;
ALTER TABLE progress ADD COLUMN certificate_issued_at TEXT;
ALTER TABLE progress ADD COLUMN certificate_expires_at TEXT;

ALTER TABLE learners ADD COLUMN status TEXT;
ALTER TABLE learners ADD COLUMN department TEXT;
ALTER TABLE learners ADD COLUMN groups_json TEXT NOT NULL DEFAULT '[]';

ALTER TABLE course_sessions ADD COLUMN time_zone TEXT;
`;
