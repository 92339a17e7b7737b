/**
 * The changes report's digest: the counts a coordinator forwards ("From 2 to 8 March: 42 completions, 3 failed,
 * 7 no-shows …"), tallied while the export streams its rows, printed above the detail in the PDF.
 */
import type { ChangeKind } from '../contract/channels/changes';
import type { ReportDefinition } from '../contract/channels/reports';
import type { ReportValue } from '../store/report-queries';

/** The digest's headline items, in the order they read; each counts rows `matches` accepts. */
const ITEMS: { label: (n: number) => string; matches: (kind: ChangeKind, to: ReportValue) => boolean }[] = [
  {
    label: (n) => `${n} completion${n === 1 ? '' : 's'}`,
    matches: (k, to) => k === 'status_changed' && (to === 'completed' || to === 'passed'),
  },
  { label: (n) => `${n} failed`, matches: (k, to) => k === 'status_changed' && to === 'failed' },
  {
    label: (n) => `${n} no-show${n === 1 ? '' : 's'}`,
    matches: (k, to) => k === 'attendance_marked' && to === 'no_show',
  },
  { label: (n) => `${n} attended`, matches: (k, to) => k === 'attendance_marked' && to === 'attended' },
  { label: (n) => `${n} new enrolment${n === 1 ? '' : 's'}`, matches: (k) => k === 'enrolled' },
  { label: (n) => `${n} certificate${n === 1 ? '' : 's'} issued`, matches: (k) => k === 'certificate_issued' },
  { label: (n) => `${n} expired`, matches: (k) => k === 'expired' },
  { label: (n) => `${n} leaver${n === 1 ? '' : 's'}`, matches: (k) => k === 'learner_left' },
  { label: (n) => `${n} new learner${n === 1 ? '' : 's'}`, matches: (k) => k === 'learner_added' },
  { label: (n) => `${n} session${n === 1 ? '' : 's'} cancelled`, matches: (k) => k === 'session_cancelled' },
  { label: (n) => `${n} session${n === 1 ? '' : 's'} moved`, matches: (k) => k === 'session_moved' },
];

export const CHANGE_KIND_LABELS: Record<ChangeKind, string> = {
  learner_added: 'Learner added',
  learner_removed: 'Learner removed',
  learner_left: 'Learner left',
  enrolled: 'Enrolled',
  unenrolled: 'Unenrolled',
  status_changed: 'Status changed',
  score_changed: 'Score changed',
  due_changed: 'Due date changed',
  certificate_issued: 'Certificate issued',
  expired: 'Expired',
  attendance_marked: 'Attendance marked',
  session_added: 'Session added',
  session_cancelled: 'Session cancelled',
  session_moved: 'Session moved',
  course_added: 'Course added',
  course_removed: 'Course removed',
};

export interface ChangeDigest {
  headline: string;
  /** "Status changed: 45", one line per kind present, in the kinds' order. */
  lines: string[];
}

export function createChangeDigest(definition: Pick<ReportDefinition, 'from' | 'to'>) {
  const items = new Array<number>(ITEMS.length).fill(0);
  const kinds = new Map<ChangeKind, number>();
  let total = 0;
  return {
    add(kind: ChangeKind, to: ReportValue): void {
      total += 1;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      ITEMS.forEach((item, i) => {
        if (item.matches(kind, to)) items[i]! += 1;
      });
    },
    digest(locale: string): ChangeDigest {
      const n = (value: number) => value.toLocaleString(locale);
      const period =
        definition.from && definition.to
          ? `From ${definition.from} to ${definition.to}`
          : definition.from
            ? `Since ${definition.from}`
            : definition.to
              ? `Until ${definition.to}`
              : 'All recorded changes';
      const parts = ITEMS.flatMap((item, i) =>
        items[i]! > 0 ? [item.label(items[i]!).replace(/^\d+/, n(items[i]!))] : [],
      );
      const headline =
        total === 0
          ? `${period}: no changes.`
          : `${period}: ${parts.length ? parts.join(', ') : `${n(total)} changes`} (${n(total)} changes in all).`;
      const lines = (Object.keys(CHANGE_KIND_LABELS) as ChangeKind[])
        .filter((kind) => kinds.has(kind))
        .map((kind) => `${CHANGE_KIND_LABELS[kind]}: ${n(kinds.get(kind)!)}`);
      return { headline, lines };
    },
  };
}
