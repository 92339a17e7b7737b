/**
 * Scheduled reports (reports/schedules.ts): a saved report written on a recurrence to a folder, and the history of
 * each delivery. A schedule names its saved report by name, not by key: deleting the report leaves the schedule,
 * whose next run then says so in its history.
 */
export const up = /* sql */ `
CREATE TABLE report_schedules (
  id            INTEGER PRIMARY KEY,
  report_name   TEXT NOT NULL,
  frequency     TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly', 'monthly')),
  weekday       INTEGER,
  month_day     INTEGER,
  time          TEXT NOT NULL,
  format        TEXT NOT NULL,
  folder        TEXT NOT NULL,
  file_pattern  TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  -- Runs due up to here have been delivered (or missed and caught up once).
  handled_until INTEGER NOT NULL
);

CREATE TABLE report_deliveries (
  id           INTEGER PRIMARY KEY,
  schedule_id  INTEGER NOT NULL REFERENCES report_schedules(id) ON DELETE CASCADE,
  due_at       INTEGER NOT NULL,
  ran_at       INTEGER NOT NULL,
  outcome      TEXT NOT NULL CHECK (outcome IN ('ok', 'stale', 'failed')),
  file         TEXT,
  message      TEXT
);
CREATE INDEX report_deliveries_by_schedule ON report_deliveries (schedule_id, id);
`;
