/**
 * How a change reads in the window: a label per kind and one line per change ("in progress → completed"). Statuses
 * read as everywhere else in the app.
 */
import type { ChangeKind, ChangeRow } from '$contract/channels/changes';
import { formats } from './format.svelte';
import { ATTENDANCE, STATUSES } from './platforms';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T/;

/** `many`: how a count of them reads ("12,000 statuses changed"). */
export const KIND_META: Record<ChangeKind, { label: string; tone: string; many: string }> = {
  learner_added: { label: 'Learner added', tone: 'info', many: 'learners added' },
  learner_removed: { label: 'Learner removed', tone: 'neutral', many: 'learners removed' },
  learner_left: { label: 'Learner left', tone: 'warn', many: 'learners left' },
  enrolled: { label: 'Enrolled', tone: 'info', many: 'enrolments' },
  unenrolled: { label: 'Unenrolled', tone: 'neutral', many: 'unenrolments' },
  status_changed: { label: 'Status changed', tone: 'info', many: 'statuses changed' },
  score_changed: { label: 'Score changed', tone: 'neutral', many: 'scores changed' },
  due_changed: { label: 'Due date changed', tone: 'warn', many: 'due dates changed' },
  certificate_issued: { label: 'Certificate issued', tone: 'ok', many: 'certificates issued' },
  expired: { label: 'Expired', tone: 'danger', many: 'expiries passed' },
  attendance_marked: { label: 'Attendance marked', tone: 'info', many: 'attendance marks' },
  session_added: { label: 'Session added', tone: 'info', many: 'sessions added' },
  session_cancelled: { label: 'Session cancelled', tone: 'warn', many: 'sessions cancelled' },
  session_moved: { label: 'Session moved', tone: 'warn', many: 'sessions moved' },
  course_added: { label: 'Course added', tone: 'info', many: 'courses added' },
  course_removed: { label: 'Course removed', tone: 'neutral', many: 'courses removed' },
};

/** A status, attendance mark or plain value as the app shows it elsewhere. */
function value(kind: ChangeKind, raw: string | null): string {
  if (raw === null) return '—';
  if (kind === 'attendance_marked') return ATTENDANCE[raw as keyof typeof ATTENDANCE]?.label ?? raw;
  if (kind === 'status_changed' || kind === 'enrolled' || kind === 'unenrolled')
    return STATUSES[raw as keyof typeof STATUSES]?.label ?? raw;
  if (DAY.test(raw)) return formats.calendar(raw);
  if (TIMESTAMP.test(raw)) return formats.dateTime(raw);
  return raw;
}

/** The change's headline: completions and failures read as such, not as a bare "status changed". */
export function kindLabel(row: Pick<ChangeRow, 'kind' | 'to'>): string {
  if (row.kind === 'status_changed' && (row.to === 'completed' || row.to === 'passed')) return 'Completed';
  if (row.kind === 'status_changed' && row.to === 'failed') return 'Failed';
  if (row.kind === 'attendance_marked' && row.to === 'no_show') return 'No-show';
  return KIND_META[row.kind].label;
}

export function kindTone(row: Pick<ChangeRow, 'kind' | 'to'>): string {
  if (row.kind === 'status_changed' && (row.to === 'completed' || row.to === 'passed')) return 'ok';
  if (row.kind === 'status_changed' && row.to === 'failed') return 'danger';
  if (row.kind === 'attendance_marked' && row.to === 'no_show') return 'danger';
  return KIND_META[row.kind].tone;
}

/** "In progress → Completed", "→ Registered", "Attended (was Registered)". */
export function fromTo(row: Pick<ChangeRow, 'kind' | 'from' | 'to'>): string {
  const from = row.from === null ? null : value(row.kind, row.from);
  const to = row.to === null ? null : value(row.kind, row.to);
  if (from && to) return `${from} → ${to}`;
  return to ?? (from ? `was ${from}` : '');
}
