/**
 * What a report's summary shows, whatever the format: the selection, the filters, how old each account's data is,
 * and the split by status (the PDF's header and charts, the XLSX's Summary sheet).
 */
import type { ReportColumn, ReportDefinition } from '../contract/channels/reports';
import { PROGRESS_STATUSES, type ProgressStatus } from '../contract/domain';
import type { ReportQueries, ReportValue } from '../store/report-queries';

export interface ReportSummary {
  selection: string;
  filters: string[];
  freshness: { label: string; dataAsOf: string | null }[];
  generatedAt: Date;
  /** Rows in the whole report (a PDF may show fewer). */
  total: number;
  statusCounts: Partial<Record<ProgressStatus, number>>;
  /** Completion rate by course, the courses with the most learners first. */
  bars: { label: string; value: number }[];
}

export interface SummarySources {
  queries: ReportQueries;
  now: () => Date;
  accountLabels: (ids: string[] | null) => string;
}

/** How many courses the completion-rate chart shows. */
const TOP_COURSES = 12;

export function describeFilters(def: ReportDefinition): string[] {
  const out: string[] = [];
  if (def.platforms?.length) out.push(`platforms: ${def.platforms.join(', ')}`);
  if (def.courseIds?.length) out.push(`courses: ${def.courseIds.join(', ')}`);
  if (def.statuses?.length) out.push(`statuses: ${def.statuses.join(', ')}`);
  if (def.from || def.to) out.push(`dates: ${def.from ?? '…'} to ${def.to ?? '…'}`);
  if (def.learnerSearch) out.push(`learner: "${def.learnerSearch}"`);
  if (def.overdue) out.push('overdue only');
  if (def.dueBefore) out.push(`due before ${def.dueBefore}`);
  if (def.expiresBefore) out.push(`expires before ${def.expiresBefore}`);
  // Hidden is the default, so only the exception is named.
  if (def.includeLeavers) out.push('leavers (blocked, deleted) shown');
  if (def.learnerEmail) out.push(`learner e-mail: ${def.learnerEmail}`);
  return out;
}

/** One row as the tally reads it: the value under a REPORT_COLUMNS key, undefined for a column the report lacks. */
export type RowValue = (key: string) => ReportValue | undefined;

/** A RowValue over value arrays in `columns` order, pointed at each row in turn: no allocation per row. */
export function valuesReader(columns: ReportColumn[]): (row: ReportValue[]) => RowValue {
  const index = new Map(columns.map((c, i) => [c.key, i]));
  let current: ReportValue[] = [];
  const value: RowValue = (key) => {
    const i = index.get(key);
    return i === undefined ? undefined : current[i];
  };
  return (row) => {
    current = row;
    return value;
  };
}

/**
 * Counts rows while an export streams them, so the summary costs no second pass: learner statuses (a course
 * summary row carries one count per status), and per course its learners and how many of them are done.
 */
export function createStatusTally(definition: ReportDefinition) {
  const statusCounts: Partial<Record<ProgressStatus, number>> = {};
  const byCourse = new Map<string, { name: string; learners: number; done: number }>();
  let total = 0;
  return {
    add(value: RowValue): void {
      total += 1;
      const status = value('status') as ProgressStatus | undefined;
      if (status) statusCounts[status] = (statusCounts[status] ?? 0) + 1;
      if (definition.kind === 'courses') {
        for (const s of PROGRESS_STATUSES) statusCounts[s] = (statusCounts[s] ?? 0) + Number(value(s) ?? 0);
        byCourse.set(`${value('account')}/${value('course_id')}`, {
          name: String(value('course_name')),
          learners: Number(value('learners')),
          done: Number(value('completed')) + Number(value('passed')),
        });
      } else if (value('course_name') !== undefined && status) {
        const key = `${value('account')}/${value('course_id') ?? value('course_name')}`;
        const entry = byCourse.get(key) ?? { name: String(value('course_name')), learners: 0, done: 0 };
        entry.learners += 1;
        if (status === 'completed' || status === 'passed') entry.done += 1;
        byCourse.set(key, entry);
      }
    },
    get total(): number {
      return total;
    },
    /** The summary of every row added so far. */
    summary(sources: SummarySources): ReportSummary {
      const bars = [...byCourse.values()]
        .filter((c) => c.learners > 0)
        .sort((a, b) => b.learners - a.learners)
        .slice(0, TOP_COURSES)
        .map((c) => ({ label: c.name, value: Math.round((c.done / c.learners) * 1000) / 10 }));
      return {
        selection: sources.accountLabels(definition.accountIds),
        filters: describeFilters(definition),
        freshness: sources.queries.freshness(definition),
        generatedAt: sources.now(),
        total,
        statusCounts,
        bars,
      };
    },
  };
}
export type StatusTally = ReturnType<typeof createStatusTally>;
