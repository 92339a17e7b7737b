/**
 * Initial schema. Every data row is scoped by account and by sync *generation*: a sync writes a new generation
 * beside the live one and flips `accounts.live_generation` at the end in one transaction, so readers never see a
 * half-updated account (see core/sync). Raw provider JSON is kept beside the normalised columns.
 */
export const up = /* sql */ `
CREATE TABLE accounts (
  id               TEXT PRIMARY KEY,
  platform         TEXT NOT NULL CHECK (platform IN ('ispring', 'teamup', 'selfcommunity', 'sample')),
  label            TEXT NOT NULL UNIQUE COLLATE NOCASE,
  settings_json    TEXT NOT NULL,
  secret_location  TEXT NOT NULL DEFAULT 'none' CHECK (secret_location IN ('keychain', 'session', 'none')),
  needs_reconnect  INTEGER NOT NULL DEFAULT 0,
  live_generation  INTEGER NOT NULL DEFAULT 0,
  last_synced_at   TEXT,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);

CREATE TABLE courses (
  account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  generation   INTEGER NOT NULL,
  id           TEXT NOT NULL,
  name         TEXT NOT NULL,
  type         TEXT NOT NULL,
  description  TEXT,
  created_at   TEXT,
  updated_at   TEXT,
  url          TEXT,
  raw_json     TEXT NOT NULL,
  PRIMARY KEY (account_id, generation, id)
);

CREATE TABLE course_sessions (
  account_id       TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  generation       INTEGER NOT NULL,
  id               TEXT NOT NULL,
  course_id        TEXT NOT NULL,
  name             TEXT,
  starts_at        TEXT NOT NULL,
  ends_at          TEXT,
  status           TEXT NOT NULL,
  raw_status       TEXT,
  venue            TEXT,
  instructors_json TEXT NOT NULL DEFAULT '[]',
  capacity         INTEGER,
  attending_count  INTEGER,
  raw_json         TEXT NOT NULL,
  PRIMARY KEY (account_id, generation, id)
);
CREATE INDEX course_sessions_by_course ON course_sessions (account_id, generation, course_id, starts_at);

CREATE TABLE learners (
  account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  generation  INTEGER NOT NULL,
  id          TEXT NOT NULL,
  name        TEXT NOT NULL,
  email       TEXT,
  first_name  TEXT,
  last_name   TEXT,
  raw_json    TEXT NOT NULL,
  PRIMARY KEY (account_id, generation, id)
);
CREATE INDEX learners_by_email ON learners (lower(email));

CREATE TABLE progress (
  account_id        TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  generation        INTEGER NOT NULL,
  course_id         TEXT NOT NULL,
  learner_id        TEXT NOT NULL,
  status            TEXT NOT NULL,
  raw_status        TEXT,
  progress_pct      REAL,
  score             REAL,
  started_at        TEXT,
  completed_at      TEXT,
  last_activity_at  TEXT,
  raw_json          TEXT NOT NULL,
  PRIMARY KEY (account_id, generation, course_id, learner_id)
);
CREATE INDEX progress_by_learner ON progress (account_id, generation, learner_id);

CREATE TABLE attendance (
  account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  generation  INTEGER NOT NULL,
  session_id  TEXT NOT NULL,
  learner_id  TEXT NOT NULL,
  course_id   TEXT NOT NULL,
  status      TEXT NOT NULL,
  raw_status  TEXT NOT NULL,
  raw_json    TEXT NOT NULL,
  PRIMARY KEY (account_id, generation, session_id, learner_id)
);
CREATE INDEX attendance_by_course ON attendance (account_id, generation, course_id, learner_id);

CREATE TABLE sync_runs (
  id             INTEGER PRIMARY KEY,
  account_id     TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  generation     INTEGER NOT NULL,
  mode           TEXT NOT NULL CHECK (mode IN ('full', 'incremental')),
  started_at     TEXT NOT NULL,
  ended_at       TEXT,
  outcome        TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'partial', 'failed', 'cancelled')),
  counts_json    TEXT NOT NULL DEFAULT '{}',
  skipped_json   TEXT NOT NULL DEFAULT '[]',
  error_code     TEXT,
  error_message  TEXT
);
CREATE INDEX sync_runs_by_account ON sync_runs (account_id, started_at DESC);
`;
