/**
 * App settings, saved report definitions, incremental-sync cursors and full-text search.
 *
 * Search uses FTS5's trigram tokenizer with diacritics removed, so "zoe" finds "Zoë" and "ngstr" finds "Ångström"
 * (substring, not just prefix). Trigram needs three characters; shorter queries fall back to a LIKE prefix scan in
 * the repository. The FTS tables are external-content indexes kept in step by triggers.
 */
export const up = /* sql */ `
CREATE TABLE settings (
  key         TEXT PRIMARY KEY,
  value_json  TEXT NOT NULL
);

CREATE TABLE saved_reports (
  id               INTEGER PRIMARY KEY,
  name             TEXT NOT NULL UNIQUE COLLATE NOCASE,
  definition_json  TEXT NOT NULL,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);

-- Cursors are written in the same transaction as the generation flip, so a cursor never covers rows that were not
-- committed.
CREATE TABLE sync_cursors (
  account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  resource    TEXT NOT NULL,
  cursor      TEXT NOT NULL,
  PRIMARY KEY (account_id, resource)
);

CREATE VIRTUAL TABLE courses_fts USING fts5(
  name, content='courses', content_rowid='rowid', tokenize='trigram remove_diacritics 1'
);
CREATE TRIGGER courses_fts_insert AFTER INSERT ON courses BEGIN
  INSERT INTO courses_fts (rowid, name) VALUES (new.rowid, new.name);
END;
CREATE TRIGGER courses_fts_delete AFTER DELETE ON courses BEGIN
  INSERT INTO courses_fts (courses_fts, rowid, name) VALUES ('delete', old.rowid, old.name);
END;
CREATE TRIGGER courses_fts_update AFTER UPDATE OF name ON courses BEGIN
  INSERT INTO courses_fts (courses_fts, rowid, name) VALUES ('delete', old.rowid, old.name);
  INSERT INTO courses_fts (rowid, name) VALUES (new.rowid, new.name);
END;

CREATE VIRTUAL TABLE learners_fts USING fts5(
  name, email, content='learners', content_rowid='rowid', tokenize='trigram remove_diacritics 1'
);
CREATE TRIGGER learners_fts_insert AFTER INSERT ON learners BEGIN
  INSERT INTO learners_fts (rowid, name, email) VALUES (new.rowid, new.name, coalesce(new.email, ''));
END;
CREATE TRIGGER learners_fts_delete AFTER DELETE ON learners BEGIN
  INSERT INTO learners_fts (learners_fts, rowid, name, email)
    VALUES ('delete', old.rowid, old.name, coalesce(old.email, ''));
END;
CREATE TRIGGER learners_fts_update AFTER UPDATE OF name, email ON learners BEGIN
  INSERT INTO learners_fts (learners_fts, rowid, name, email)
    VALUES ('delete', old.rowid, old.name, coalesce(old.email, ''));
  INSERT INTO learners_fts (rowid, name, email) VALUES (new.rowid, new.name, coalesce(new.email, ''));
END;

-- Index what older versions already cached.
INSERT INTO courses_fts (courses_fts) VALUES ('rebuild');
INSERT INTO learners_fts (learners_fts) VALUES ('rebuild');
`;
