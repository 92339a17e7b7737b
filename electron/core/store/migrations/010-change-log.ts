/**
 * What changed at each sync (issue #24), computed at the generation flip by diffing the previous live generation
 * against the new one, in the flip's transaction (store/change-log.ts).
 *
 * `change_syncs`: one row per sync that committed, with its counts per kind (the timeline's group headers, totals
 * for filters by account, kind and date without counting changes, and the "12,000 statuses changed" summary of a
 * mass change). An account's first sync is one `baseline` row and no changes.
 * `changes`: one row per change. Names and e-mails are copied in: a removed course or learner is gone from the live
 * generation, and its change must still say who and what. `at` is this computer's clock at the flip; `occurred_at`
 * is the platform's own time where it gives one (kept as given, even "from the future").
 * `course_history`: per sync, one small snapshot per course (the course view's trend), pruned by age.
 * Everything is the account's: removing an account removes its changes and history (ON DELETE CASCADE).
 */
export const up = /* sql */ `
CREATE TABLE change_syncs (
  id           INTEGER PRIMARY KEY,
  account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  run_id       INTEGER,
  generation   INTEGER NOT NULL,
  at           TEXT NOT NULL,
  baseline     INTEGER NOT NULL DEFAULT 0,
  total        INTEGER NOT NULL,
  counts_json  TEXT NOT NULL DEFAULT '{}',
  /** A baseline's size: {"courses": n, "learners": n, ...}. */
  rows_json    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX change_syncs_by_account ON change_syncs (account_id, id);
CREATE INDEX change_syncs_by_at ON change_syncs (at);

CREATE TABLE changes (
  id             INTEGER PRIMARY KEY,
  sync_id        INTEGER NOT NULL REFERENCES change_syncs(id) ON DELETE CASCADE,
  account_id     TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  at             TEXT NOT NULL,
  kind           TEXT NOT NULL,
  course_id      TEXT,
  course_name    TEXT,
  learner_id     TEXT,
  learner_name   TEXT,
  learner_email  TEXT,
  session_id     TEXT,
  session_name   TEXT,
  from_value     TEXT,
  to_value       TEXT,
  occurred_at    TEXT
);
-- The view lists newest first ((at, id) descending): each filter it opens with has an index in that order, so a
-- screenful is a range scan that stops after its rows, however many changes are logged.
CREATE INDEX changes_by_at ON changes (at, id);
CREATE INDEX changes_by_sync ON changes (sync_id);
CREATE INDEX changes_by_account ON changes (account_id, at, id);
CREATE INDEX changes_by_kind ON changes (kind, at, id);
-- A course's, a learner's or an e-mail's changes: one seek per month (change-queries.ts lists the months). The month
-- comes first so that pruning, which deletes the oldest changes, and a sync, which adds changes at one time, touch
-- only one month's part of these indexes; keyed by course or learner alone, each would touch pages across the whole
-- index (1M changes pruned: 95 s of CPU, mostly reading and rewriting those pages).
CREATE INDEX changes_by_course ON changes (substr(at, 1, 7), account_id, course_id, at, id);
CREATE INDEX changes_by_learner ON changes (substr(at, 1, 7), account_id, learner_id, at, id);
CREATE INDEX changes_by_email ON changes (substr(at, 1, 7), lower(learner_email), at, id);

-- Keyed by course then time, with no other index: a trend is one key range, and pruning (a scan that deletes in key
-- order) costs a tenth of deleting through a second index's scattered entries.
CREATE TABLE course_history (
  account_id       TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  course_id        TEXT NOT NULL,
  at               TEXT NOT NULL,
  learners         INTEGER NOT NULL,
  not_started      INTEGER NOT NULL,
  in_progress      INTEGER NOT NULL,
  completed        INTEGER NOT NULL,
  passed           INTEGER NOT NULL,
  failed           INTEGER NOT NULL,
  incomplete       INTEGER NOT NULL,
  completion_rate  REAL,
  attendance_rate  REAL,
  PRIMARY KEY (account_id, course_id, at)
) WITHOUT ROWID;
`;
