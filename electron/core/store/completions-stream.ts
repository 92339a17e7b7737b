/**
 * The completions report for exports, without the learner join. Looking up each row's learner in SQLite (two B-tree
 * seeks: the learners key, then its row) was about half of the query's time; reading the scope's learners once into
 * a map and sorting each course block here gives the same rows in the same order (test/reports/order.test.ts
 * compares both against one full sort) for markedly less CPU per large export.
 * The map costs memory in proportion to learners, not rows, so past `learnerLimit` learners the caller keeps the SQL
 * join instead: memory stays flat whatever the cache holds.
 */
import type { Db } from './db';
import type { CompletionsByCourse, ReportValue } from './report-queries';

/** About 170 bytes of heap per learner: the limit keeps a map near 50 MB for the length of an export. */
export const LEARNER_MAP_LIMIT = 300_000;

const LEARNER_SLICE = 4096;

/**
 * SQLite's order for TEXT: code points (= UTF-8 bytes), after folding ASCII letters when `nocase` (NOCASE folds
 * nothing else, so 'É' and 'é' stay apart). JS's own `<` compares UTF-16 units, which puts astral characters
 * (surrogate pairs) before U+E000..U+FFFF: the shift below moves them after.
 */
function sqliteCompare(a: string, b: string, nocase: boolean): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (nocase) {
      if (x >= 65 && x <= 90) x += 32;
      if (y >= 65 && y <= 90) y += 32;
      if (x === y) continue;
    }
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

/** Where the sort keys sit in a report row (REPORT_COLUMNS.completions). */
const LEARNER_NAME = 5;
const LEARNER_ID = 4;
const COURSE_ID = 2;
const LEARNER_EMAIL = 6;
const DEPARTMENT = 20;

/** ORDER BY learner_name COLLATE NOCASE, learner_id, course_id: the SQL path's order within a block. */
function compareRows(a: ReportValue[], b: ReportValue[]): number {
  return (
    sqliteCompare(a[LEARNER_NAME] as string, b[LEARNER_NAME] as string, true) ||
    sqliteCompare(a[LEARNER_ID] as string, b[LEARNER_ID] as string, false) ||
    sqliteCompare(a[COURSE_ID] as string, b[COURSE_ID] as string, false)
  );
}

/** Block boundaries: equal under NOCASE. */
const nocaseEqual = (a: string, b: string) => a === b || (a.length === b.length && sqliteCompare(a, b, true) === 0);

/** Per account: learner id → index into the arrays below (small integers: no object per learner). */
export interface Learners {
  byAccount: Map<string, Map<string, number>>;
  names: string[];
  emails: (string | null)[];
  departments: (string | null)[];
  /** Blocked or deleted on the platform (1), else 0. */
  leavers: number[];
}

/** One course of the report, in report order, with the generation of its account the report reads. */
export interface CourseRow {
  accountId: string;
  generation: number;
  label: string;
  platform: string;
  courseId: string;
  courseName: string;
}

/** The report's courses in report order (already filtered by its scope: courseOrder in report-queries). */
export function readCourses(db: Db, query: CompletionsByCourse): CourseRow[] {
  return db.prepare<Record<string, unknown>, CourseRow>(query.courses).all(query.params);
}

/** The accounts the courses belong to, with the generation read for each. */
export function scopeOf(courses: CourseRow[]): Map<string, number> {
  return new Map(courses.map((c) => [c.accountId, c.generation]));
}

/** Whether the learners of the accounts in `scope` (at its generations) fit the map (`limit`). */
export function learnersFit(db: Db, scope: Map<string, number>, limit: number): boolean {
  // The total each commit stores (generation_stats); counting walks every learner's key, from disk when cold.
  const count = db.prepare<{ account: string; generation: number }, { n: number }>(
    `SELECT coalesce((SELECT learners FROM generation_stats WHERE account_id = @account AND generation = @generation),
       (SELECT count(*) FROM learners WHERE account_id = @account AND generation = @generation)) AS n`,
  );
  let total = 0;
  for (const [account, generation] of scope) {
    total += count.get({ account, generation })!.n;
    if (total > limit) return false;
  }
  return true;
}

/** id, name, e-mail, department, leaver (1/0; null without a status). */
type LearnerTuple = [string, string, string | null, string | null, number | null];

/**
 * The learners of the accounts in `scope`, at its generations. `onSlice` runs between reads (a worker's stop check).
 */
export function loadLearners(db: Db, scope: Map<string, number>, onSlice?: () => void): Learners {
  // Read in slices along the key (keyset pages): stepping from C++ with all() is cheaper than iterate(), and a slice
  // at a time keeps all() from building one array of every learner.
  const sliceOf = (after: string) =>
    db
      .prepare<[string, number, ...string[]], LearnerTuple>(
        "SELECT id, name, email, department, status IN ('blocked', 'deleted') FROM learners WHERE account_id = ? " +
          `AND generation = ?${after} ORDER BY id LIMIT ${LEARNER_SLICE}`,
      )
      .raw();
  const first = sliceOf('');
  const next = sliceOf(' AND id > ?');
  const learners: Learners = { byAccount: new Map(), names: [], emails: [], departments: [], leavers: [] };
  for (const [account, generation] of scope) {
    const byId = new Map<string, number>();
    for (let after: string | null = null; ;) {
      const rows: LearnerTuple[] =
        after === null ? first.all(account, generation) : next.all(account, generation, after);
      for (const [id, name, email, department, leaver] of rows) {
        byId.set(id, learners.names.length);
        learners.names.push(name);
        learners.emails.push(email);
        learners.departments.push(department);
        learners.leavers.push(leaver ?? 0);
      }
      if (rows.length < LEARNER_SLICE) break;
      onSlice?.();
      after = rows[rows.length - 1]![0];
    }
    learners.byAccount.set(account, byId);
  }
  return learners;
}

/**
 * Where each block starts in the course list: a block is the courses of one account label and one course name, both
 * ignoring case as NOCASE does, and its rows are sorted together. A run of whole blocks can be written on its own.
 */
export function blockStarts(courses: CourseRow[]): number[] {
  const starts: number[] = [];
  courses.forEach((course, i) => {
    const previous = courses[i - 1];
    if (
      !previous ||
      !(nocaseEqual(course.label, previous.label) && nocaseEqual(course.courseName, previous.courseName))
    )
      starts.push(i);
  });
  return starts;
}

/**
 * The rows of a run of courses in REPORT_COLUMNS.completions order; the run must start at a block (blockStarts) and
 * end before one, and the courses come in report order, so the rows come exactly as the single query's ORDER BY
 * would give them.
 */
export function completionsReader(
  db: Db,
  query: CompletionsByCourse,
  learners: Learners,
): (courses: CourseRow[]) => Generator<ReportValue[]> {
  const progress = db.prepare(query.progress).raw();
  const { names, emails, departments, leavers } = learners;
  const { hideLeavers } = query;
  return function* (courses) {
    let block: ReportValue[][] = [];
    let previous: CourseRow | null = null;
    for (const course of courses) {
      if (
        previous &&
        !(nocaseEqual(course.label, previous.label) && nocaseEqual(course.courseName, previous.courseName))
      ) {
        yield* block.sort(compareRows);
        block = [];
      }
      previous = course;
      const ids = learners.byAccount.get(course.accountId);
      // all() over iterate(): one course's rows are few, and stepping from C++ in one call is cheaper.
      const rows = progress.all({
        ...query.params,
        kAccount: course.accountId,
        kGeneration: course.generation,
        kCourse: course.courseId,
      }) as ReportValue[][];
      // Filled in place: the row array SQLite made is the report row, and the course's strings are shared.
      for (const row of rows) {
        const learnerId = row[LEARNER_ID] as string;
        const at = ids?.get(learnerId);
        if (hideLeavers && at !== undefined && leavers[at] === 1) continue;
        row[0] = course.label;
        row[1] = course.platform;
        row[COURSE_ID] = course.courseId;
        row[3] = course.courseName;
        row[LEARNER_NAME] = at === undefined ? learnerId : names[at]!;
        if (at !== undefined) {
          row[LEARNER_EMAIL] = emails[at]!;
          row[DEPARTMENT] = departments[at]!;
        }
        block.push(row);
      }
    }
    yield* block.sort(compareRows);
  };
}

/** Rows in REPORT_COLUMNS.completions order, or null when the scope has too many learners for the map. */
export function streamCompletions(
  db: Db,
  query: CompletionsByCourse,
  learnerLimit: number,
): IterableIterator<ReportValue[]> | null {
  const courses = readCourses(db, query);
  // The accounts come from the course list, so the scope is decided in one place; an account without courses has
  // no rows to fill.
  const scope = scopeOf(courses);
  if (!learnersFit(db, scope, learnerLimit)) return null;
  return completionsReader(db, query, loadLearners(db, scope))(courses);
}
