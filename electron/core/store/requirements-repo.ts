/**
 * Requirements and exemptions (migration 009): the coordinator's own data. Callers wrap writes in writeTransaction;
 * every write bumps the compliance revision, which tells the computed statuses (compliance/model.ts) they are stale.
 */
import type { Db } from './db';

export interface StoredRequirement {
  id: number;
  name: string;
  dueDays: number | null;
  renewMonths: number | null;
  windowDays: number;
  createdAt: string;
  updatedAt: string;
  courses: { accountId: string; courseId: string }[];
  audience: { accounts: string[]; departments: string[]; groups: string[]; emails: string[] };
}

export interface StoredExemption {
  id: number;
  requirementId: number;
  email: string;
  reason: string;
  note: string | null;
  endsOn: string | null;
  createdAt: string;
}

export interface RequirementWrite {
  name: string;
  dueDays: number | null;
  renewMonths: number | null;
  windowDays: number;
  courses: { accountId: string; courseId: string }[];
  audience: { accounts: string[]; departments: string[]; groups: string[]; emails: string[] };
}

interface RequirementRow {
  id: number;
  name: string;
  due_days: number | null;
  renew_months: number | null;
  window_days: number;
  created_at: string;
  updated_at: string;
}

interface ExemptionRow {
  id: number;
  requirement_id: number;
  email: string;
  reason: string;
  note: string | null;
  ends_on: string | null;
  created_at: string;
}

const AUDIENCE_KINDS = { account: 'accounts', department: 'departments', group: 'groups', email: 'emails' } as const;

const toExemption = (row: ExemptionRow): StoredExemption => ({
  id: row.id,
  requirementId: row.requirement_id,
  email: row.email,
  reason: row.reason,
  note: row.note,
  endsOn: row.ends_on,
  createdAt: row.created_at,
});

export type RequirementsRepo = ReturnType<typeof createRequirementsRepo>;

export function createRequirementsRepo(db: Db) {
  const all = db.prepare<[], RequirementRow>('SELECT * FROM requirements ORDER BY name COLLATE NOCASE');
  const courses = db.prepare<[], { requirement_id: number; account_id: string; course_id: string }>(
    'SELECT requirement_id, account_id, course_id FROM requirement_courses ORDER BY requirement_id, rowid',
  );
  const audience = db.prepare<[], { requirement_id: number; kind: keyof typeof AUDIENCE_KINDS; value: string }>(
    'SELECT requirement_id, kind, value FROM requirement_audience ORDER BY requirement_id, kind, value',
  );
  const insert = db.prepare(
    `INSERT INTO requirements (name, due_days, renew_months, window_days, created_at, updated_at)
     VALUES (@name, @dueDays, @renewMonths, @windowDays, @now, @now)`,
  );
  const update = db.prepare(
    `UPDATE requirements SET name = @name, due_days = @dueDays, renew_months = @renewMonths,
       window_days = @windowDays, updated_at = @now WHERE id = @id`,
  );
  const insertCourse = db.prepare(
    'INSERT OR IGNORE INTO requirement_courses (requirement_id, account_id, course_id) VALUES (?, ?, ?)',
  );
  const insertAudience = db.prepare(
    'INSERT OR IGNORE INTO requirement_audience (requirement_id, kind, value) VALUES (?, ?, ?)',
  );
  const clearCourses = db.prepare('DELETE FROM requirement_courses WHERE requirement_id = ?');
  const clearAudience = db.prepare('DELETE FROM requirement_audience WHERE requirement_id = ?');
  const remove = db.prepare('DELETE FROM requirements WHERE id = ?');
  const bump = db.prepare('UPDATE compliance_revision SET revision = revision + 1 WHERE id = 1');
  const revision = db.prepare<[], { revision: number }>('SELECT revision FROM compliance_revision WHERE id = 1');
  const exemptions = db.prepare<[], ExemptionRow>(
    'SELECT * FROM requirement_exemptions ORDER BY requirement_id, email',
  );
  const exemptionById = db.prepare<[number], ExemptionRow>('SELECT * FROM requirement_exemptions WHERE id = ?');
  const upsertExemption = db.prepare(
    `INSERT INTO requirement_exemptions (requirement_id, email, reason, note, ends_on, created_at)
     VALUES (@requirementId, @email, @reason, @note, @endsOn, @now)
     ON CONFLICT (requirement_id, email) DO UPDATE SET reason = excluded.reason, note = excluded.note,
       ends_on = excluded.ends_on`,
  );
  const exemptionOf = db.prepare<[number, string], ExemptionRow>(
    'SELECT * FROM requirement_exemptions WHERE requirement_id = ? AND email = ?',
  );
  const removeExemption = db.prepare('DELETE FROM requirement_exemptions WHERE id = ?');
  const firstSeen = db.prepare<[], { person_key: string; first_seen: string }>(
    'SELECT person_key, first_seen FROM compliance_people',
  );
  const insertSeen = db.prepare('INSERT OR IGNORE INTO compliance_people (person_key, first_seen) VALUES (?, ?)');

  const writeLists = (id: number, r: RequirementWrite) => {
    clearCourses.run(id);
    clearAudience.run(id);
    for (const c of r.courses) insertCourse.run(id, c.accountId, c.courseId);
    for (const [kind, key] of Object.entries(AUDIENCE_KINDS)) {
      for (const value of r.audience[key]) insertAudience.run(id, kind, value);
    }
  };

  return {
    list(): StoredRequirement[] {
      const byId = new Map<number, StoredRequirement>();
      for (const row of all.all()) {
        byId.set(row.id, {
          id: row.id,
          name: row.name,
          dueDays: row.due_days,
          renewMonths: row.renew_months,
          windowDays: row.window_days,
          createdAt: row.created_at,
          updatedAt: row.updated_at,
          courses: [],
          audience: { accounts: [], departments: [], groups: [], emails: [] },
        });
      }
      for (const c of courses.all()) {
        byId.get(c.requirement_id)?.courses.push({ accountId: c.account_id, courseId: c.course_id });
      }
      for (const a of audience.all()) byId.get(a.requirement_id)?.audience[AUDIENCE_KINDS[a.kind]].push(a.value);
      return [...byId.values()];
    },
    /** By name (any case) or by id given as text. */
    find(ref: string): StoredRequirement | undefined {
      const list = this.list();
      return (
        list.find((r) => r.name.toLowerCase() === ref.toLowerCase()) ?? list.find((r) => String(r.id) === ref.trim())
      );
    },
    insert(r: RequirementWrite, now: string): number {
      const id = Number(insert.run({ ...r, now }).lastInsertRowid);
      writeLists(id, r);
      bump.run();
      return id;
    },
    update(id: number, r: RequirementWrite, now: string): void {
      update.run({ ...r, id, now });
      writeLists(id, r);
      bump.run();
    },
    remove(id: number): boolean {
      const removed = remove.run(id).changes > 0;
      bump.run();
      return removed;
    },
    revision: () => revision.get()!.revision,
    exemptions: () => exemptions.all().map(toExemption),
    exemption: (id: number) => {
      const row = exemptionById.get(id);
      return row ? toExemption(row) : undefined;
    },
    /** Adds, or replaces the one the person already has on that requirement. */
    putExemption(e: Omit<StoredExemption, 'id' | 'createdAt'>, now: string): StoredExemption {
      upsertExemption.run({ ...e, now });
      bump.run();
      return toExemption(exemptionOf.get(e.requirementId, e.email)!);
    },
    removeExemption(id: number): boolean {
      const removed = removeExemption.run(id).changes > 0;
      bump.run();
      return removed;
    },
    firstSeen: () => firstSeen.all(),
    /** Records people seen for the first time (`day`); those already known keep their day. */
    markSeen(keys: Iterable<string>, day: string): void {
      for (const key of keys) insertSeen.run(key, day);
    },
  };
}
