/**
 * Per-generation totals, stored at commit beside the per-course ones (course_stats). The Overview's learner count
 * walked every learner's key on each visit, and on the first visit after a start read all of those index pages
 * from disk, on the view the window opens with.
 */
export const up = /* sql */ `
CREATE TABLE generation_stats (
  account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  generation  INTEGER NOT NULL,
  learners    INTEGER NOT NULL,
  PRIMARY KEY (account_id, generation)
);

-- Caches written by older versions get their totals now.
INSERT INTO generation_stats
SELECT a.id, a.live_generation,
  (SELECT count(*) FROM learners l WHERE l.account_id = a.id AND l.generation = a.live_generation)
FROM accounts a WHERE a.live_generation > 0;
`;
