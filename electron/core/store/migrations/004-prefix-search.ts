/**
 * Type-ahead for one or two characters cannot use the trigram index (it needs three), so it is a prefix LIKE. LIKE
 * is ASCII-case-insensitive, and SQLite answers it from an index only when the index uses NOCASE: without these,
 * "sa" scans every learner (tens of ms on 200k), with them it is a range lookup.
 */
export const up = /* sql */ `
CREATE INDEX courses_by_name_nocase ON courses (name COLLATE NOCASE);
CREATE INDEX learners_by_name_nocase ON learners (name COLLATE NOCASE);
CREATE INDEX learners_by_email_nocase ON learners (email COLLATE NOCASE);
`;
