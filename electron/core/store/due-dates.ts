/**
 * What "overdue" and "leaver" mean in every query (workspace views and reports), so the Courses count, the learner
 * view and the completions report never disagree.
 *
 * A due date is either a calendar date (`2026-06-30`, as iSpring gives it) or an instant. A calendar date has passed
 * once the computer's own day is after it (due on the 30th is not overdue on the 30th, wherever the user is); an
 * instant has passed once `now` is after it. Both compare as ISO text, which keeps calendar order.
 */

/** SQL: the progress row `p` has a due date that has passed and is not done (completed or passed). Binds @now, @today. */
export const overdueSql = (p: string): string =>
  `(${p}.due_at IS NOT NULL AND ${p}.status NOT IN ('completed', 'passed') ` +
  `AND CASE WHEN length(${p}.due_at) = 10 THEN ${p}.due_at < @today ELSE ${p}.due_at < @now END)`;

/** SQL: the learner `l` (LEFT JOINed: may be missing) is not a leaver (blocked or deleted on the platform). */
export const notLeaverSql = (l: string): string => `(${l}.status IS NULL OR ${l}.status NOT IN ('blocked', 'deleted'))`;

export const isLeaver = (status: string | null | undefined): boolean => status === 'blocked' || status === 'deleted';

/** The computer's calendar day at `now` (an ISO instant), as YYYY-MM-DD. */
export function localDay(now: string): string {
  const date = new Date(now);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The parameters overdueSql binds. */
export const dueParams = (now: string): { now: string; today: string } => ({ now, today: localDay(now) });
