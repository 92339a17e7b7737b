/**
 * Every view, count and report shows an account's live generation only: a sync writes the next generation beside it
 * and flips `accounts.live_generation` at commit, so older and half-written generations stay invisible. This join is
 * that rule, for a table aliased `alias`; it names the account `a`.
 */
export const liveJoin = (alias: string): string => `JOIN accounts a ON a.id = ${alias}.account_id AND ${alias}.generation = a.live_generation`;
