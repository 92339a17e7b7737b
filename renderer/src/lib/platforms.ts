/**
 * How platforms, statuses and attendance look in the window. The core's constants are runtime code the renderer
 * may not import, so the lists live here, checked against the core's types.
 */
import type { ReportKind } from '$contract/channels';
import type { AttendanceStatus, LearnerStatus, Platform, ProgressStatus } from '$contract/domain';

export const PLATFORM_ORDER = ['ispring', 'teamup', 'selfcommunity', 'sample'] as const satisfies readonly Platform[];

export const PLATFORMS: Record<Platform, { label: string; mark: string; hue: string; product: string }> = {
  ispring: { label: 'iSpring Learn', mark: 'iS', hue: 'var(--p-ispring)', product: 'iSpring Learn' },
  teamup: { label: 'TeamUp', mark: 'TU', hue: 'var(--p-teamup)', product: 'TeamUp' },
  selfcommunity: { label: 'SelfCommunity', mark: 'SC', hue: 'var(--p-selfcommunity)', product: 'SelfCommunity' },
  sample: { label: 'Sample data', mark: 'Sa', hue: 'var(--p-sample)', product: 'the sample data set' },
};

/** A learner's standing on the platform; "unknown" where the platform does not say. */
export const LEARNER_STATUS_LABELS: Record<LearnerStatus | 'unknown', string> = {
  active: 'Active',
  blocked: 'Blocked',
  deleted: 'Deleted',
  unknown: '—',
};

export const STATUS_ORDER = [
  'completed',
  'passed',
  'in_progress',
  'not_started',
  'incomplete',
  'failed',
] as const satisfies readonly ProgressStatus[];

export const STATUSES: Record<ProgressStatus, { label: string; tone: string }> = {
  not_started: { label: 'Not started', tone: 'neutral' },
  in_progress: { label: 'In progress', tone: 'info' },
  completed: { label: 'Completed', tone: 'ok' },
  passed: { label: 'Passed', tone: 'teal' },
  failed: { label: 'Failed', tone: 'danger' },
  incomplete: { label: 'Incomplete', tone: 'warn' },
};

export const ATTENDANCE: Record<AttendanceStatus, { label: string; glyph: string; tone: string }> = {
  attended: { label: 'Attended', glyph: '●', tone: 'ok' },
  no_show: { label: 'No-show', glyph: '✕', tone: 'danger' },
  registered: { label: 'Registered', glyph: '○', tone: 'info' },
  waitlisted: { label: 'Waitlisted', glyph: '◌', tone: 'neutral' },
  late_cancelled: { label: 'Late cancel', glyph: '◐', tone: 'warn' },
  cancelled: { label: 'Cancelled', glyph: '–', tone: 'neutral' },
};

export const attendanceMeta = (status: string) =>
  ATTENDANCE[status as AttendanceStatus] ?? { label: status, glyph: '?', tone: 'neutral' };

/** Course types as platforms send them (`learning_track`) → "Learning track". */
export function typeLabel(type: string): string {
  const text = type.replace(/[_-]+/g, ' ').trim();
  return text ? text[0]!.toUpperCase() + text.slice(1) : 'Other';
}

export const REPORT_TITLES: Record<ReportKind, string> = {
  completions: 'Completions',
  attendance: 'Attendance',
  courses: 'Course summary',
  learner: 'Learner transcript',
  changes: 'Changes',
};
