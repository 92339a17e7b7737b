/**
 * One way to turn a search box into SQL for course names and learner names/e-mails: the trigram FTS5 indexes for
 * 3+ characters (substring, diacritics-insensitive), a LIKE scan below that (the trigram index cannot answer it).
 */

/** FTS5 trigram needs 3+ characters; the query is one quoted phrase (substring match, no operators). */
export function ftsPhrase(query: string): string | null {
  const q = query.trim();
  return [...q].length >= 3 ? `"${q.replace(/"/g, '""')}"` : null;
}

const escapeLike = (query: string) => query.trim().replace(/[\\%_]/g, (c) => `\\${c}`);

export interface TextMatch {
  /** A WHERE fragment using `@<param>`. */
  sql: string;
  value: string;
}

/**
 * @param alias  the table alias in the caller's query (`c` for courses, `l` for learners)
 * @param short  how 1–2 character queries match: as a prefix (type-ahead) or anywhere (report filters)
 */
export function textMatch(
  kind: 'course' | 'learner',
  alias: string,
  query: string,
  param = 'q',
  short: 'prefix' | 'substring' = 'prefix',
): TextMatch {
  const phrase = ftsPhrase(query);
  const table = kind === 'course' ? 'courses_fts' : 'learners_fts';
  if (phrase)
    return { sql: `${alias}.rowid IN (SELECT rowid FROM ${table} WHERE ${table} MATCH @${param})`, value: phrase };
  const like = `${alias}.%s LIKE @${param} ESCAPE '\\'`;
  const sql =
    kind === 'course'
      ? like.replace('%s', 'name')
      : `(${like.replace('%s', 'name')} OR ${like.replace('%s', 'email')})`;
  return { sql, value: `${short === 'substring' ? '%' : ''}${escapeLike(query)}%` };
}

/**
 * The same match as a row source that yields matches as it finds them, for "the first few matches" queries: with a
 * phrase the trigram index drives the join (a `rowid IN (…)` filter would collect every match before a LIMIT
 * applies: all 200k rows that contain "lear"); a short query is a LIKE prefix, answered by the NOCASE indexes.
 */
export function textSource(
  kind: 'course' | 'learner',
  alias: string,
  query: string,
  param = 'q',
): { from: string; where: string; value: string } {
  const table = kind === 'course' ? 'courses' : 'learners';
  const phrase = ftsPhrase(query);
  if (phrase)
    return {
      from: `${table}_fts f JOIN ${table} ${alias} ON ${alias}.rowid = f.rowid`,
      where: `${table}_fts MATCH @${param}`,
      value: phrase,
    };
  const match = textMatch(kind, alias, query, param);
  return { from: `${table} ${alias}`, where: match.sql, value: match.value };
}
