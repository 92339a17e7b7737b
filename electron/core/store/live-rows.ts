/**
 * Every view, count and report shows an account's live generation only: a sync writes the next generation beside it
 * and flips `accounts.live_generation` at commit, so older and half-written generations stay invisible. This join is
 * that rule, for a table aliased `alias`; it names the account `a`.
 */
export const liveJoin = (alias: string): string =>
  `JOIN accounts a ON a.id = ${alias}.account_id AND ${alias}.generation = a.live_generation`;

/**
 * The number of live rows of `table` (every data table's key starts with account_id, generation) over the accounts
 * `accountWhere` selects (on `a`), counted one account's key range at a time: joining each row to its account
 * instead costs a lookup per row, several times slower on a large cache.
 */
export const liveCountSql = (table: string, accountWhere = '1 = 1'): string =>
  `SELECT coalesce(sum((SELECT count(*) FROM ${table} t
     WHERE t.account_id = a.id AND t.generation = a.live_generation)), 0) AS n
   FROM accounts a WHERE ${accountWhere}`;

/** The live learners over the accounts `accountWhere` selects (on `a`), from the totals each commit stores. */
export const liveLearnerTotalSql = (accountWhere = '1 = 1'): string =>
  `SELECT coalesce(sum(g.learners), 0) AS n FROM generation_stats g ${liveJoin('g')} WHERE ${accountWhere}`;
