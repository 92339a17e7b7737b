/**
 * Every person × requirement status, computed in one pass over the cache and kept in memory until its basis
 * changes: an account's live generation (a sync, a full resync, a removal), the requirements' revision (an edit,
 * an exemption) or the calendar day. Reads then cost a scan of typed arrays (people × requirements bytes), never
 * SQL per cell: the matrix, the summary, the actions list and the reports all read one computed state, so they
 * cannot disagree. Recomputing reads only the progress rows of the requirements' courses.
 */
import type { ComplianceStatus } from '../contract/channels/compliance';
import { COMPLIANCE_STATUSES } from '../contract/channels/compliance';
import { writeTransaction, type Db } from '../store/db';
import type { RequirementsRepo, StoredExemption, StoredRequirement } from '../store/requirements-repo';
import { dayOf, isoDay, localDay, Tally, type Rule } from './rules';

/** A status's index in COMPLIANCE_STATUSES, as the typed arrays hold it; NONE = not in the audience. */
export const NONE = 255;
export const STATUS_CODE = Object.fromEntries(COMPLIANCE_STATUSES.map((s, i) => [s, i])) as Record<
  ComplianceStatus,
  number
>;

export interface Person {
  key: string;
  name: string;
  email: string | null;
  accountIds: string[];
  department: string | null;
  groups: string[];
  /** Lower-case name and e-mail, for search. */
  haystack: string;
}

export interface ComputedRequirement {
  requirement: StoredRequirement;
  /** Per person (index into `people`): a status code, or NONE. */
  status: Uint8Array;
  /** Per person: the cell's day number, NaN for none. */
  date: Float64Array;
  /** Cells per status code over the whole audience. */
  counts: number[];
  people: number;
  exemptions: Map<string, StoredExemption>;
}

export interface ComplianceModel {
  today: number;
  /** Sorted by name, then e-mail. */
  people: Person[];
  byKey: Map<string, number>;
  /** Sorted by name. */
  requirements: ComputedRequirement[];
  /** The learner ids of each person, per account (the person view reads their rows). */
  learners: Map<number, { accountId: string; learnerId: string }[]>;
  courseNames: Map<string, string>;
  accounts: Map<string, { label: string; generation: number }>;
  /** Every action cell in urgency order (queries.ts sortedActions), made on first use. */
  actionOrder?: Float64Array;
}

const courseKey = (accountId: string, courseId: string) => `${accountId}\u0000${courseId}`;
export { courseKey };

interface LearnerRow {
  account_id: string;
  id: string;
  name: string;
  email: string | null;
  status: string | null;
  department: string | null;
  groups_json: string;
}

/** Builds the model from the cache, recording the people seen for the first time (not on a read-only cache). */
export function computeModel(db: Db, repo: RequirementsRepo, now: Date): ComplianceModel {
  const today = localDay(now);
  const todayIso = isoDay(today)!;
  const accountRows = db
    .prepare<[], { id: string; label: string; live_generation: number }>(
      'SELECT id, label, live_generation FROM accounts',
    )
    .all();
  const accounts = new Map(accountRows.map((a) => [a.id, { label: a.label, generation: a.live_generation }]));
  const requirements = repo.list();
  // Nobody is in an audience: the Overview asks after every sync, and reading every learner would be wasted.
  if (requirements.length === 0) {
    return {
      today,
      people: [],
      byKey: new Map(),
      requirements: [],
      learners: new Map(),
      courseNames: new Map(),
      accounts,
    };
  }
  const exemptions = repo.exemptions();

  // People: one per lower-case e-mail across accounts; a learner without one is a person of its own.
  const people: Person[] = [];
  const byKey = new Map<string, number>();
  const learnerIndex = new Map<string, Map<string, number>>();
  const learners = new Map<number, { accountId: string; learnerId: string }[]>();
  /** Per account: the people active there (an account audience). */
  const activeIn = new Map<string, number[]>();
  const activeDepartments = new Map<string, number[]>();
  const activeGroups = new Map<string, number[]>();
  const push = (map: Map<string, number[]>, key: string, person: number) => {
    const list = map.get(key);
    if (list) list.push(person);
    else map.set(key, [person]);
  };
  const learnerRows = db
    .prepare<[], LearnerRow>(
      `SELECT l.account_id, l.id, l.name, l.email, l.status, l.department, l.groups_json
       FROM learners l JOIN accounts a ON a.id = l.account_id AND l.generation = a.live_generation`,
    )
    .all();
  for (const row of learnerRows) {
    // Shown lower-case as well: which account's spelling came first would otherwise decide.
    const email = row.email?.trim().toLowerCase() || null;
    const key = email ?? `#${row.account_id}/${row.id}`;
    let index = byKey.get(key);
    if (index === undefined) {
      index = people.length;
      byKey.set(key, index);
      people.push({ key, name: row.name, email, accountIds: [], department: null, groups: [], haystack: '' });
    }
    const person = people[index]!;
    if (!person.accountIds.includes(row.account_id)) person.accountIds.push(row.account_id);
    if (!person.department && row.department) person.department = row.department;
    const groups = row.groups_json === '[]' ? [] : (JSON.parse(row.groups_json) as string[]);
    for (const g of groups) if (!person.groups.includes(g)) person.groups.push(g);
    let map = learnerIndex.get(row.account_id);
    if (!map) learnerIndex.set(row.account_id, (map = new Map()));
    map.set(row.id, index);
    const own = learners.get(index);
    if (own) own.push({ accountId: row.account_id, learnerId: row.id });
    else learners.set(index, [{ accountId: row.account_id, learnerId: row.id }]);
    // Leavers (blocked, deleted) are in no audience; a platform that does not say counts as active.
    if (row.status === null || row.status === 'active') {
      push(activeIn, row.account_id, index);
      if (row.department) push(activeDepartments, row.department.toLowerCase(), index);
      for (const g of groups) push(activeGroups, g.toLowerCase(), index);
    }
  }
  // E-mails named in an audience or an exemption but not (yet) in any account are people too: not started.
  const ensure = (email: string) => {
    const key = email.toLowerCase();
    let index = byKey.get(key);
    if (index === undefined) {
      index = people.length;
      byKey.set(key, index);
      people.push({ key, name: email, email, accountIds: [], department: null, groups: [], haystack: '' });
    }
    return index;
  };
  for (const r of requirements) for (const e of r.audience.emails) ensure(e);

  // Sort people once; the typed arrays below follow this order, so a page of the matrix is a slice.
  const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
  const order = people
    .map((_, i) => i)
    .sort((a, b) => {
      const pa = people[a]!;
      const pb = people[b]!;
      return collator.compare(pa.name, pb.name) || (pa.email ?? pa.key).localeCompare(pb.email ?? pb.key);
    });
  const remap = new Int32Array(people.length);
  order.forEach((old, i) => (remap[old] = i));
  const sorted = order.map((old) => people[old]!);
  for (const p of sorted) p.haystack = `${p.name}\u0000${p.email ?? ''}`.toLowerCase();
  byKey.clear();
  sorted.forEach((p, i) => byKey.set(p.key, i));
  const sortedLearners = new Map<number, { accountId: string; learnerId: string }[]>();
  for (const [old, list] of learners) sortedLearners.set(remap[old]!, list);
  for (const map of learnerIndex.values()) for (const [id, old] of map) map.set(id, remap[old]!);
  const remapAll = (map: Map<string, number[]>) => {
    for (const list of map.values()) for (let i = 0; i < list.length; i += 1) list[i] = remap[list[i]!]!;
  };
  remapAll(activeIn);
  remapAll(activeDepartments);
  remapAll(activeGroups);
  const count = sorted.length;

  // Audiences.
  const members = requirements.map((r) => {
    const inAudience = new Uint8Array(count);
    const { accounts: audienceAccounts, departments, groups, emails } = r.audience;
    const everyone = !audienceAccounts.length && !departments.length && !groups.length && !emails.length;
    const accountIds = everyone ? [...new Set(r.courses.map((c) => c.accountId))] : audienceAccounts;
    for (const id of accountIds) for (const p of activeIn.get(id) ?? []) inAudience[p] = 1;
    for (const d of departments) for (const p of activeDepartments.get(d.toLowerCase()) ?? []) inAudience[p] = 1;
    for (const g of groups) for (const p of activeGroups.get(g.toLowerCase()) ?? []) inAudience[p] = 1;
    for (const e of emails) inAudience[byKey.get(e.toLowerCase())!] = 1;
    return inAudience;
  });

  // First seen: the start of "due N days after" where no assignment date is given.
  const seen = new Map(repo.firstSeen().map((s) => [s.person_key, dayOf(s.first_seen)]));
  const unseen: string[] = [];
  for (let p = 0; p < count; p += 1) {
    if (!seen.has(sorted[p]!.key) && members.some((m) => m[p] === 1)) unseen.push(sorted[p]!.key);
  }
  if (unseen.length && !db.readonly) {
    try {
      writeTransaction(db, () => repo.markSeen(unseen, todayIso))();
    } catch (error) {
      // A cache that turned read-only under us: today stands in, unrecorded.
      if (!String((error as { code?: unknown }).code).startsWith('SQLITE_READONLY')) throw error;
    }
  }

  // Each requirement's rule, and per person the day they became required to do it (Situation.since) before that.
  const rules: Rule[] = requirements.map((r) => ({
    dueDays: r.dueDays,
    renewMonths: r.renewMonths,
    windowDays: r.windowDays,
  }));
  const created = requirements.map((r) => dayOf(r.createdAt));
  const firstSeen = new Float64Array(count);
  for (let p = 0; p < count; p += 1) firstSeen[p] = seen.get(sorted[p]!.key) ?? today;

  // Progress rows of every required course, read once per course however many requirements share it, and folded
  // straight into each requirement's tally.
  const tallies = rules.map((rule) => new Tally(count, rule));
  const users = new Map<string, number[]>();
  requirements.forEach((r, ri) => {
    for (const c of r.courses) {
      const key = courseKey(c.accountId, c.courseId);
      const list = users.get(key);
      if (list) {
        if (!list.includes(ri)) list.push(ri);
      } else users.set(key, [ri]);
    }
  });
  const courseNames = new Map<string, string>();
  const nameOf = db.prepare<[string, number, string], { name: string }>(
    'SELECT name FROM courses WHERE account_id = ? AND generation = ? AND id = ?',
  );
  const rowsOf = db
    .prepare<[string, number, string]>(
      // Only what the rules read for the row's kind (2 done, 1 started, 0 not started): a done row's completion,
      // expiry and certificate expiry, another row's assignment and due date. Dates come as text and dayOf reads
      // them: cheaper than SQLite's julianday() and fewer values to hand over than one column per date.
      `SELECT learner_id, kind,
         CASE WHEN kind = 2 THEN completed_at ELSE assigned_at END,
         CASE WHEN kind = 2 THEN expires_at ELSE due_at END,
         CASE WHEN kind = 2 THEN certificate_expires_at END
       FROM (SELECT *, CASE WHEN status IN ('completed', 'passed') THEN 2 WHEN status = 'not_started' THEN 0 ELSE 1 END
               AS kind
             FROM progress WHERE account_id = ? AND generation = ? AND course_id = ?)`,
    )
    .raw();
  for (const [key, requirementIndexes] of users) {
    const [accountId, courseId] = key.split('\u0000') as [string, string];
    const account = accounts.get(accountId);
    if (!account) continue;
    const name = nameOf.get(accountId, account.generation, courseId)?.name;
    if (name === undefined) continue;
    courseNames.set(key, name);
    const index = learnerIndex.get(accountId);
    if (!index) continue;
    // All of a course's rows at once: better-sqlite3's all() costs markedly less per row than iterate().
    for (const raw of rowsOf.all(accountId, account.generation, courseId)) {
      const row = raw as [string, number, string | null, string | null, string | null];
      const person = index.get(row[0]);
      if (person === undefined) continue;
      const kind = row[1];
      const first = dayOf(row[2]);
      const second = dayOf(row[3]);
      const third = kind === 2 ? dayOf(row[4]) : NaN;
      for (const ri of requirementIndexes) {
        if (members[ri]![person] !== 1) continue;
        if (kind === 2) tallies[ri]!.done(person, first, second, third);
        else tallies[ri]!.open(person, Math.max(firstSeen[person]!, created[ri]!), kind === 1, first, second);
      }
    }
  }

  const exemptionsBy = new Map<number, Map<string, StoredExemption>>();
  for (const e of exemptions) {
    let map = exemptionsBy.get(e.requirementId);
    if (!map) exemptionsBy.set(e.requirementId, (map = new Map()));
    map.set(e.email, e);
  }

  const computed = requirements.map((requirement, ri): ComputedRequirement => {
    const status = new Uint8Array(count).fill(NONE);
    const date = new Float64Array(count).fill(NaN);
    const counts = new Array<number>(COMPLIANCE_STATUSES.length).fill(0);
    const inAudience = members[ri]!;
    const tally = tallies[ri]!;
    const exempt = exemptionsBy.get(requirement.id) ?? new Map<string, StoredExemption>();
    const situation = { today, since: today, exemptUntil: NaN };
    let audience = 0;
    for (let p = 0; p < count; p += 1) {
      if (inAudience[p] !== 1) continue;
      audience += 1;
      situation.since = Math.max(firstSeen[p]!, created[ri]!);
      const email = exempt.size ? sorted[p]!.email : null;
      const exemption = email ? exempt.get(email.toLowerCase()) : undefined;
      const ends = exemption ? (exemption.endsOn === null ? Infinity : dayOf(exemption.endsOn)) : NaN;
      situation.exemptUntil = ends >= today ? ends : NaN;
      const verdict = tally.verdict(p, situation);
      const code = STATUS_CODE[verdict.status];
      status[p] = code;
      date[p] = verdict.date;
      counts[code]! += 1;
    }
    return { requirement, status, date, counts, people: audience, exemptions: exempt };
  });

  return { today, people: sorted, byKey, requirements: computed, learners: sortedLearners, courseNames, accounts };
}

/** What the model depends on besides the clock: a change here means recompute. */
export function modelBasis(db: Db, repo: RequirementsRepo): string {
  const generations = db
    .prepare<[], { id: string; live_generation: number }>('SELECT id, live_generation FROM accounts ORDER BY id')
    .all()
    .map((a) => `${a.id}:${a.live_generation}`)
    .join(',');
  return `${repo.revision()}|${generations}`;
}
