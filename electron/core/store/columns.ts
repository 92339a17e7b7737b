/**
 * The columns of each synced resource's table, declared once. The cache writer derives its staging tables, its
 * inserts, the key-ordered move and the copy-forward of incremental runs from these lists, and
 * test/core/schema.test.ts checks them against the tables the migrations build. Adding a column is an entry here and
 * a migration that adds it.
 */
import type { SyncResource } from '../contract/channels/sync';
import type { Connector, Page } from '../providers/types';

/** The row type a connector yields for `resource` (Course for 'courses', …). */
export type RowOf<R extends SyncResource> = ReturnType<Connector[R]> extends AsyncIterable<Page<infer T>> ? T : never;

export type SqlValue = string | number | null;

/** A column as a migration declares it: name, type and nullability (defaults and checks stay in the migration). */
export interface ColumnDef {
  readonly name: string;
  readonly type: 'TEXT' | 'INTEGER' | 'REAL';
  readonly notNull: boolean;
}

/**
 * One column filled from the connector's row: its name, its type as the migration writes it, and how it is read.
 * The read's result type follows the declared type, so a nullable field cannot feed a NOT NULL column.
 */
type ColumnSpec<T> =
  | readonly [name: string, type: 'TEXT NOT NULL', read: (row: T) => string]
  | readonly [name: string, type: 'TEXT', read: (row: T) => string | null]
  | readonly [name: string, type: 'INTEGER NOT NULL' | 'REAL NOT NULL', read: (row: T) => number]
  | readonly [name: string, type: 'INTEGER' | 'REAL', read: (row: T) => number | null];

interface ResourceSpec<T> {
  readonly table: string;
  /** The primary key after (account_id, generation). */
  readonly key: readonly string[];
  readonly columns: readonly ColumnSpec<T>[];
}

const RESOURCE_SPECS: { readonly [R in SyncResource]: ResourceSpec<RowOf<R>> } = {
  courses: {
    table: 'courses',
    key: ['id'],
    columns: [
      ['id', 'TEXT NOT NULL', (c) => c.id],
      ['name', 'TEXT NOT NULL', (c) => c.name],
      ['type', 'TEXT NOT NULL', (c) => c.type],
      ['description', 'TEXT', (c) => c.description],
      ['created_at', 'TEXT', (c) => c.createdAt],
      ['updated_at', 'TEXT', (c) => c.updatedAt],
      ['url', 'TEXT', (c) => c.url],
    ],
  },
  sessions: {
    table: 'course_sessions',
    key: ['id'],
    columns: [
      ['id', 'TEXT NOT NULL', (s) => s.id],
      ['course_id', 'TEXT NOT NULL', (s) => s.courseId],
      ['name', 'TEXT', (s) => s.name],
      ['starts_at', 'TEXT NOT NULL', (s) => s.startsAt],
      ['ends_at', 'TEXT', (s) => s.endsAt],
      ['status', 'TEXT NOT NULL', (s) => s.status],
      ['raw_status', 'TEXT', (s) => s.rawStatus],
      ['venue', 'TEXT', (s) => s.venue],
      ['instructors_json', 'TEXT NOT NULL', (s) => JSON.stringify(s.instructors)],
      ['capacity', 'INTEGER', (s) => s.capacity],
      ['attending_count', 'INTEGER', (s) => s.attendingCount],
      ['time_zone', 'TEXT', (s) => s.timeZone ?? null],
    ],
  },
  learners: {
    table: 'learners',
    key: ['id'],
    columns: [
      ['id', 'TEXT NOT NULL', (l) => l.id],
      ['name', 'TEXT NOT NULL', (l) => l.name],
      ['email', 'TEXT', (l) => l.email],
      ['first_name', 'TEXT', (l) => l.firstName],
      ['last_name', 'TEXT', (l) => l.lastName],
      ['status', 'TEXT', (l) => l.status ?? null],
      ['department', 'TEXT', (l) => l.department ?? null],
      ['groups_json', 'TEXT NOT NULL', (l) => JSON.stringify(l.groups ?? [])],
    ],
  },
  attendance: {
    table: 'attendance',
    key: ['session_id', 'learner_id'],
    columns: [
      ['session_id', 'TEXT NOT NULL', (a) => a.sessionId],
      ['learner_id', 'TEXT NOT NULL', (a) => a.learnerId],
      ['course_id', 'TEXT NOT NULL', (a) => a.courseId],
      ['status', 'TEXT NOT NULL', (a) => a.status],
      ['raw_status', 'TEXT NOT NULL', (a) => a.rawStatus],
    ],
  },
  progress: {
    table: 'progress',
    key: ['course_id', 'learner_id'],
    columns: [
      ['course_id', 'TEXT NOT NULL', (p) => p.courseId],
      ['learner_id', 'TEXT NOT NULL', (p) => p.learnerId],
      ['status', 'TEXT NOT NULL', (p) => p.status],
      ['raw_status', 'TEXT', (p) => p.rawStatus],
      ['progress_pct', 'REAL', (p) => p.progressPct],
      ['score', 'REAL', (p) => p.score],
      ['started_at', 'TEXT', (p) => p.startedAt],
      ['completed_at', 'TEXT', (p) => p.completedAt],
      ['last_activity_at', 'TEXT', (p) => p.lastActivityAt],
      ['assigned_at', 'TEXT', (p) => p.assignedAt ?? null],
      ['due_at', 'TEXT', (p) => p.dueAt ?? null],
      ['expires_at', 'TEXT', (p) => p.expiresAt ?? null],
      ['time_spent_s', 'INTEGER', (p) => p.timeSpentS ?? null],
      ['passing_score', 'REAL', (p) => p.passingScore ?? null],
      ['enrollment_id', 'TEXT', (p) => p.enrollmentId ?? null],
      ['certificate_issued_at', 'TEXT', (p) => p.certificateIssuedAt ?? null],
      ['certificate_expires_at', 'TEXT', (p) => p.certificateExpiresAt ?? null],
    ],
  },
};

/** A resource's table as the writer uses it. */
export interface ResourceTable<T> {
  readonly table: string;
  /** Every column in table order: account_id, generation, the row's columns, raw_json. */
  readonly columns: readonly ColumnDef[];
  /**
   * Primary-key order: account_id, generation, then the resource's key. Staged rows are moved into the table in this
   * order, so its B-tree inserts are appends.
   */
  readonly key: readonly string[];
  /** The row's own columns' readers, in `columns` order (after account_id and generation). */
  readonly reads: readonly ((row: T) => SqlValue)[];
}

const def = (name: string, type: string): ColumnDef => ({
  name,
  type: type.split(' ')[0] as ColumnDef['type'],
  notNull: type.endsWith(' NOT NULL'),
});

/** Every data row is scoped by account and sync generation, and keeps the provider's own JSON beside its columns. */
const SCOPE = [def('account_id', 'TEXT NOT NULL'), def('generation', 'INTEGER NOT NULL')];
const RAW = def('raw_json', 'TEXT NOT NULL');

function resourceTable<T>(spec: ResourceSpec<T>): ResourceTable<T> {
  return {
    table: spec.table,
    columns: [...SCOPE, ...spec.columns.map(([name, type]) => def(name, type)), RAW],
    key: [...SCOPE.map((c) => c.name), ...spec.key],
    reads: spec.columns.map((column) => column[2]),
  };
}

export const RESOURCE_TABLES = Object.fromEntries(
  Object.entries(RESOURCE_SPECS).map(([resource, spec]) => [resource, resourceTable(spec as ResourceSpec<unknown>)]),
) as { readonly [R in SyncResource]: ResourceTable<RowOf<R>> };
