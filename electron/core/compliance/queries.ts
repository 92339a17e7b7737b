/**
 * Reads of the computed model (model.ts) for the views and reports: filtered people, counts, matrix pages and the
 * action list. All are scans of the model's typed arrays.
 */
import {
  ACTION_STATUSES,
  COMPLIANCE_STATUSES,
  type ActionRow,
  type ComplianceCell,
  type ComplianceCounts,
  type ComplianceFilter,
  type ComplianceSummary,
  type CompliancePerson,
  type MatrixRow,
} from '../contract/channels/compliance';
import { isoDay } from './rules';
import { NONE, STATUS_CODE, type ComplianceModel, type ComputedRequirement, type Person } from './model';

export interface Selection {
  columns: ComputedRequirement[];
  /** Person indexes, in name order. */
  rows: number[];
}

/** The requirements shown and the people that pass every filter (in at least one shown requirement's audience). */
export function select(model: ComplianceModel, filters: ComplianceFilter): Selection {
  const wanted = filters.requirementIds ? new Set(filters.requirementIds) : null;
  const columns = model.requirements.filter((r) => !wanted || wanted.has(r.requirement.id));
  const accounts = filters.accountIds?.length ? new Set(filters.accountIds) : null;
  const departments = filters.departments?.length ? new Set(filters.departments.map((d) => d.toLowerCase())) : null;
  const statuses = filters.statuses?.length ? new Set(filters.statuses.map((s) => STATUS_CODE[s])) : null;
  const search = filters.search?.toLowerCase() || null;
  const rows: number[] = [];
  for (let p = 0; p < model.people.length; p += 1) {
    let inAny = false;
    let statusHit = statuses === null;
    for (const column of columns) {
      const code = column.status[p]!;
      if (code === NONE) continue;
      inAny = true;
      if (!statusHit && statuses!.has(code)) statusHit = true;
    }
    if (!inAny || !statusHit) continue;
    const person = model.people[p]!;
    if (accounts && !person.accountIds.some((id) => accounts.has(id))) continue;
    if (departments && !(person.department && departments.has(person.department.toLowerCase()))) continue;
    if (search && !person.haystack.includes(search)) continue;
    rows.push(p);
  }
  return { columns, rows };
}

/** Whether `select` would keep everyone in the shown audiences: counts can then come precomputed. */
const narrowsPeople = (f: ComplianceFilter) =>
  Boolean(f.accountIds?.length || f.departments?.length || f.statuses?.length || f.search);

const zeroCounts = (): ComplianceCounts =>
  Object.fromEntries(COMPLIANCE_STATUSES.map((s) => [s, 0])) as ComplianceCounts;

const countsOf = (codes: readonly number[]): ComplianceCounts => {
  const counts = zeroCounts();
  COMPLIANCE_STATUSES.forEach((s, i) => (counts[s] = codes[i] ?? 0));
  return counts;
};

export function summary(model: ComplianceModel, filters: ComplianceFilter): ComplianceSummary {
  const selection = select(model, filters);
  const narrowed = narrowsPeople(filters);
  const totals = zeroCounts();
  const requirements = selection.columns.map((column) => {
    let codes = column.counts;
    let people = column.people;
    if (narrowed) {
      codes = new Array<number>(COMPLIANCE_STATUSES.length).fill(0);
      people = 0;
      for (const p of selection.rows) {
        const code = column.status[p]!;
        if (code === NONE) continue;
        people += 1;
        codes[code]! += 1;
      }
    }
    const counts = countsOf(codes);
    for (const s of COMPLIANCE_STATUSES) totals[s] += counts[s];
    const eligible = people - counts.exempt;
    const r = column.requirement;
    return {
      id: r.id,
      name: r.name,
      people,
      counts,
      compliantShare: eligible > 0 ? Math.round(((counts.compliant + counts.expiring) / eligible) * 1000) / 10 : null,
      coursesNotInCache: r.courses.filter((c) => !model.courseNames.has(`${c.accountId}\u0000${c.courseId}`)).length,
    };
  });
  const departments = new Set<string>();
  for (const p of selection.rows) {
    const department = model.people[p]!.department;
    if (department) departments.add(department);
  }
  return {
    asOf: isoDay(model.today)!,
    requirements,
    totals,
    people: selection.rows.length,
    departments: [...departments].sort((a, b) => a.localeCompare(b)),
  };
}

export const personOf = (p: Person): CompliancePerson => ({
  key: p.key,
  name: p.name,
  email: p.email,
  accountIds: p.accountIds,
  department: p.department,
});

export function cellOf(column: ComputedRequirement, p: number): ComplianceCell | null {
  const code = column.status[p]!;
  return code === NONE ? null : { status: COMPLIANCE_STATUSES[code]!, date: isoDay(column.date[p]!) };
}

export function matrixPage(model: ComplianceModel, selection: Selection, offset: number, limit: number) {
  const rows: MatrixRow[] = selection.rows.slice(offset, offset + limit).map((p) => ({
    ...personOf(model.people[p]!),
    cells: selection.columns.map((column) => cellOf(column, p)),
  }));
  return {
    asOf: isoDay(model.today)!,
    requirements: selection.columns.map((c) => ({ id: c.requirement.id, name: c.requirement.name })),
    total: selection.rows.length,
    offset,
    rows,
  };
}

const ACTION_CODES = new Set(ACTION_STATUSES.map((s) => STATUS_CODE[s]));
/** Per status code (0–255): 1 for an action status, 2 for a late one (overdue, expired); a lookup in the hot loop. */
const ACTION_KIND = new Uint8Array(256);
for (const code of ACTION_CODES) ACTION_KIND[code] = 1;
ACTION_KIND[STATUS_CODE.overdue] = ACTION_KIND[STATUS_CODE.expired] = 2;

/** A sort key packs the late flag, the day (shifted to be positive) and the cell (requirement × person). */
const DAY_BITS = 2 ** 20;
const DAY_SHIFT = 2 ** 19;

/**
 * Every action cell of the model, most urgent first: overdue and expired (the longest late first), then due and
 * expiring by date. Sorted once per model as numbers (late flag, day, cell packed into one double), so a filter is
 * a pass over this list, not a sort.
 */
export function sortedActions(model: ComplianceModel): Float64Array {
  const people = model.people.length;
  const cells = model.requirements.length * people;
  let count = 0;
  for (const { status } of model.requirements)
    for (let p = 0; p < people; p += 1) if (ACTION_KIND[status[p]!]) count += 1;
  const keys = new Float64Array(count);
  let k = 0;
  model.requirements.forEach((column, ci) => {
    const { status, date } = column;
    for (let p = 0; p < people; p += 1) {
      const kind = ACTION_KIND[status[p]!]!;
      if (kind === 0) continue;
      const at = date[p]!;
      const day = Number.isNaN(at) ? DAY_BITS - 1 : Math.min(DAY_BITS - 1, Math.max(0, at + DAY_SHIFT));
      keys[k++] = ((kind === 2 ? 0 : DAY_BITS) + day) * cells + ci * people + p;
    }
  });
  return keys.sort();
}

/**
 * The action cells `filters` keep, in `sortedActions` order, as cell numbers (column × people + person: see
 * actionRow); a status filter narrows to those statuses. Numbers, not objects: a big cache has ~200k action cells.
 */
export function actionCells(model: ComplianceModel, filters: ComplianceFilter): Int32Array {
  const sorted = (model.actionOrder ??= sortedActions(model));
  const selection = select(model, { ...filters, statuses: undefined });
  const people = model.people.length;
  const cells = model.requirements.length * people;
  const chosen = new Uint8Array(people);
  for (const p of selection.rows) chosen[p] = 1;
  const columns = new Uint8Array(model.requirements.length);
  for (const c of selection.columns) columns[model.requirements.indexOf(c)] = 1;
  const only = filters.statuses?.length ? new Set(filters.statuses.map((s) => STATUS_CODE[s])) : null;
  const out = new Int32Array(sorted.length);
  let n = 0;
  for (let i = 0; i < sorted.length; i += 1) {
    const cell = sorted[i]! % cells;
    const column = Math.floor(cell / people);
    const person = cell - column * people;
    if (chosen[person] !== 1 || columns[column] !== 1) continue;
    if (only && !only.has(model.requirements[column]!.status[person]!)) continue;
    out[n++] = cell;
  }
  return out.slice(0, n);
}

/** The action row of a cell number from actionCells. */
export function actionRow(model: ComplianceModel, cell: number): ActionRow {
  const people = model.people.length;
  const column = Math.floor(cell / people);
  const p = cell - column * people;
  const computed = model.requirements[column]!;
  const person = model.people[p]!;
  const date = computed.date[p]!;
  return {
    requirementId: computed.requirement.id,
    requirement: computed.requirement.name,
    key: person.key,
    name: person.name,
    email: person.email,
    status: COMPLIANCE_STATUSES[computed.status[p]!] as ActionRow['status'],
    date: isoDay(date),
    days: Number.isNaN(date) ? null : date - model.today,
  };
}

export function attention(model: ComplianceModel, accountIds: string[] | null) {
  const selection = select(model, accountIds ? { accountIds } : {});
  const counts = { overdue: 0, expired: 0, due: 0, expiring: 0 };
  const people = new Set<number>();
  for (const column of selection.columns) {
    for (const p of selection.rows) {
      const code = column.status[p]!;
      if (!ACTION_CODES.has(code)) continue;
      counts[COMPLIANCE_STATUSES[code] as keyof typeof counts] += 1;
      people.add(p);
    }
  }
  return { asOf: isoDay(model.today)!, counts, people: people.size };
}
