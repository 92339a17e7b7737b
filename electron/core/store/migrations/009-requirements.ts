/**
 * Compliance (issue #23): the coordinator's requirements and exemptions. These are user data, not synced data: no
 * table here references accounts, so removing an account (which cascades to its cached rows) or clearing the cache
 * keeps every requirement; a course of a removed or never-synced account shows as "not in the cache".
 * `compliance_people` remembers the day each person (lower-case e-mail) was first seen, the start of a requirement's
 * "due N days after first seen" where no platform gives an assignment date.
 */
export const up = /* sql */ `
CREATE TABLE requirements (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
  due_days      INTEGER,
  renew_months  INTEGER,
  window_days   INTEGER NOT NULL DEFAULT 30,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);

CREATE TABLE requirement_courses (
  requirement_id  INTEGER NOT NULL REFERENCES requirements(id) ON DELETE CASCADE,
  -- No foreign key to accounts, on purpose: see above.
  account_id      TEXT NOT NULL,
  course_id       TEXT NOT NULL,
  PRIMARY KEY (requirement_id, account_id, course_id)
);

CREATE TABLE requirement_audience (
  requirement_id  INTEGER NOT NULL REFERENCES requirements(id) ON DELETE CASCADE,
  kind            TEXT NOT NULL CHECK (kind IN ('account', 'department', 'group', 'email')),
  value           TEXT NOT NULL,
  PRIMARY KEY (requirement_id, kind, value)
);

CREATE TABLE requirement_exemptions (
  id              INTEGER PRIMARY KEY,
  requirement_id  INTEGER NOT NULL REFERENCES requirements(id) ON DELETE CASCADE,
  email           TEXT NOT NULL,
  reason          TEXT NOT NULL,
  note            TEXT,
  ends_on         TEXT,
  created_at      TEXT NOT NULL,
  UNIQUE (requirement_id, email)
);

CREATE TABLE compliance_people (
  person_key  TEXT PRIMARY KEY,
  first_seen  TEXT NOT NULL
);

-- Bumped by every change to requirements or exemptions: computed statuses are valid for one revision.
CREATE TABLE compliance_revision (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  revision  INTEGER NOT NULL
);
INSERT INTO compliance_revision (id, revision) VALUES (1, 0);

-- Each requirement's standing after the syncs (issue #24's trends), kept as long as the change log's history.
CREATE TABLE compliance_history (
  requirement_id  INTEGER NOT NULL REFERENCES requirements(id) ON DELETE CASCADE,
  at              TEXT NOT NULL,
  people          INTEGER NOT NULL,
  counts_json     TEXT NOT NULL,
  compliant_share REAL,
  PRIMARY KEY (requirement_id, at)
) WITHOUT ROWID;
`;
