/**
 * The change log's kinds, table-driven: each case changes one thing between two syncs and names the changes it
 * must record. Cases an incremental run can express (it re-reads progress changed since its cursor and copies the
 * rest forward) run both ways, and both must record exactly the same changes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeRow } from '../../electron/core/contract/channels/changes';
import type { Dataset } from '../support/scripted-connector';
import { course, learner, progressRow, scriptedConnector, type Script } from '../support/scripted-connector';
import { testCore } from '../support/core';

const T1 = '2026-03-01T10:00:00.000Z';
const T2 = '2026-03-02T10:00:00.000Z';
/** After the first sync's cursor: an incremental run re-reads rows touched at this time. */
const TOUCHED = '2026-03-02T09:00:00.000Z';

function base(): Dataset {
  const session = (id: string, startsAt: string, status: 'scheduled' | 'held' | 'cancelled' = 'scheduled') => ({
    id,
    courseId: 'k1',
    name: `Session ${id}`,
    startsAt,
    endsAt: null,
    status,
    rawStatus: status,
    venue: null,
    instructors: [],
    capacity: null,
    attendingCount: null,
  });
  return {
    courses: [course('c1', 'Fire Safety'), course('c2', 'GDPR'), { ...course('k1', 'Yoga class'), type: 'class' }],
    sessions: [session('s1', '2026-03-05T09:00:00.000Z'), session('s2', '2026-03-06T09:00:00.000Z')],
    learners: [learner('l1', 'Ann'), learner('l2', 'Bob'), { ...learner('l3', 'Cy'), status: 'active' }],
    attendance: [
      { sessionId: 's1', learnerId: 'l1', courseId: 'k1', status: 'registered', rawStatus: 'registered' },
      { sessionId: 's1', learnerId: 'l2', courseId: 'k1', status: 'registered', rawStatus: 'registered' },
    ],
    progress: [
      progressRow('c1', 'l1', 'in_progress'),
      progressRow('c1', 'l2', 'in_progress'),
      { ...progressRow('c2', 'l1', 'in_progress'), score: 40, dueAt: '2026-04-01' },
      progressRow('c2', 'l3', 'completed'),
    ],
  };
}

type Expected = [kind: string, course: string | null, learner: string | null, from: string | null, to: string | null];

interface Case {
  name: string;
  /** The first sync's data, when the case needs something there. */
  before?: (data: Dataset) => void;
  change: (data: Dataset) => void;
  expected: Expected[];
  /** Whether an incremental run sees the same picture (it cannot see removals or rows it does not re-read). */
  incremental: boolean;
}

const touch = (data: Dataset, courseId: string, learnerId: string, patch: Partial<Dataset['progress'][number]>) => {
  const row = data.progress.find((p) => p.courseId === courseId && p.learnerId === learnerId)!;
  Object.assign(row, { lastActivityAt: TOUCHED, ...patch });
};

const CASES: Case[] = [
  {
    name: 'nothing changed',
    change: () => {},
    expected: [],
    incremental: true,
  },
  {
    name: 'expiries passing between the syncs (a date is valid through its day)',
    before: (d) => {
      d.progress[3]!.expiresAt = '2026-03-01';
      d.progress[1]!.certificateExpiresAt = '2026-03-02T09:59:00.000Z';
      d.progress[0]!.expiresAt = '2026-03-02';
    },
    change: () => {},
    expected: [
      ['expired', 'c2', 'l3', null, '2026-03-01'],
      ['expired', 'c1', 'l2', null, '2026-03-02T09:59:00.000Z'],
    ],
    incremental: true,
  },
  {
    name: 'a completion',
    change: (d) => touch(d, 'c1', 'l1', { status: 'completed', completedAt: TOUCHED }),
    expected: [['status_changed', 'c1', 'l1', 'in_progress', 'completed']],
    incremental: true,
  },
  {
    name: 'a status going backwards, a score and a due date',
    change: (d) => touch(d, 'c2', 'l1', { status: 'failed', score: 55.5, dueAt: '2026-04-15' }),
    expected: [
      ['status_changed', 'c2', 'l1', 'in_progress', 'failed'],
      ['score_changed', 'c2', 'l1', '40', '55.5'],
      ['due_changed', 'c2', 'l1', '2026-04-01', '2026-04-15'],
    ],
    incremental: true,
  },
  {
    name: 'a certificate',
    change: (d) => touch(d, 'c1', 'l2', { certificateIssuedAt: '2026-03-02' }),
    expected: [['certificate_issued', 'c1', 'l2', null, '2026-03-02']],
    incremental: true,
  },
  {
    name: 'an enrolment that arrives completed',
    change: (d) => d.progress.push({ ...progressRow('c1', 'l3', 'passed', TOUCHED) }),
    expected: [
      ['enrolled', 'c1', 'l3', null, 'passed'],
      ['status_changed', 'c1', 'l3', null, 'passed'],
    ],
    incremental: true,
  },
  {
    name: 'attendance marked and sessions cancelled, moved and added',
    change: (d) => {
      d.attendance[0]!.status = 'attended';
      d.attendance[1]!.status = 'no_show';
      d.sessions[0]!.startsAt = '2026-03-05T11:00:00.000Z';
      d.sessions[1]!.status = 'cancelled';
      d.sessions.push({ ...d.sessions[1]!, id: 's3', status: 'scheduled', name: 'Session s3' });
    },
    expected: [
      ['attendance_marked', 'k1', 'l1', 'registered', 'attended'],
      ['attendance_marked', 'k1', 'l2', 'registered', 'no_show'],
      ['session_moved', 'k1', null, '2026-03-05T09:00:00.000Z', '2026-03-05T11:00:00.000Z'],
      ['session_cancelled', 'k1', null, 'scheduled', 'cancelled'],
      ['session_added', 'k1', null, null, '2026-03-06T09:00:00.000Z'],
    ],
    incremental: true,
  },
  {
    name: 'a leaver',
    change: (d) => {
      d.learners[2]!.status = 'blocked';
    },
    expected: [['learner_left', null, 'l3', 'active', 'blocked']],
    incremental: true,
  },
  {
    name: 'learners, enrolments, courses and sessions removed and added',
    change: (d) => {
      d.learners = d.learners.filter((l) => l.id !== 'l2');
      d.learners.push(learner('l4', 'Dee'));
      d.progress = d.progress.filter((p) => p.learnerId !== 'l2');
      d.courses = d.courses.filter((c) => c.id !== 'c1');
      d.courses.push(course('c9', 'New course'));
      d.sessions = d.sessions.filter((s) => s.id !== 's2');
    },
    expected: [
      ['learner_removed', null, 'l2', null, null],
      ['learner_added', null, 'l4', null, null],
      ['unenrolled', 'c1', 'l2', 'in_progress', null],
      ['course_removed', 'c1', null, 'course', null],
      ['course_added', 'c9', null, null, 'course'],
      ['session_cancelled', 'k1', null, 'scheduled', 'removed'],
    ],
    incremental: false,
  },
];

const key = (c: ChangeRow): Expected => [c.kind, c.courseId, c.learnerId, c.from, c.to];
const sorted = (rows: Expected[]) => [...rows].map((r) => JSON.stringify(r)).sort();

describe('change log kinds', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  async function twoSyncs(c: Pick<Case, 'before' | 'change'>, secondMode: 'full' | 'incremental') {
    const clock = { now: new Date(T1) };
    const first = base();
    c.before?.(first);
    const state: { script: Script } = { script: { data: first, incremental: ['progress'] } };
    const t = testCore({
      inlineSync: true,
      now: () => clock.now,
      createConnector: () => scriptedConnector(state.script),
    });
    cleanups.push(t.cleanup);
    await t.core.call('accounts.add', { label: 'Acme', settings: { platform: 'sample', seed: 1 } });
    const [run] = await t.core.call('sync.run', { mode: 'full' });
    expect(run!.outcome).toBe('ok');
    const data = structuredClone(state.script.data);
    c.change(data);
    state.script = { data, incremental: ['progress'] };
    clock.now = new Date(T2);
    const [second] = await t.core.call('sync.run', { mode: secondMode });
    expect(second!.outcome).toBe('ok');
    const { rows } = await t.core.call('changes.list', { filter: {}, limit: 1000 });
    return { ...t, rows };
  }

  for (const c of CASES) {
    it(`records ${c.name}`, async () => {
      const full = await twoSyncs(c, 'full');
      expect(sorted(full.rows.map(key))).toEqual(sorted(c.expected));
      expect(full.rows.every((r) => r.at === T2 && r.accountLabel === 'Acme')).toBe(true);
      if (c.incremental) {
        const incremental = await twoSyncs(c, 'incremental');
        const shape = (rows: ChangeRow[]) =>
          sorted(rows.map((r) => [...key(r), r.learnerName, r.courseName, r.sessionId] as never));
        expect(shape(incremental.rows)).toEqual(shape(full.rows));
      }
    });
  }

  it('names removed courses and learners from the data they had', async () => {
    const { rows } = await twoSyncs(CASES.at(-1)!, 'full');
    expect(rows.find((r) => r.kind === 'learner_removed')).toMatchObject({
      learnerName: 'Bob',
      learnerEmail: 'l2@example.com',
    });
    expect(rows.find((r) => r.kind === 'unenrolled')).toMatchObject({ courseName: 'Fire Safety', learnerName: 'Bob' });
    expect(rows.find((r) => r.kind === 'session_cancelled')).toMatchObject({ sessionName: 'Session s2' });
  });

  it('records a baseline, not a flood, at the first sync; a failed sync records nothing', async () => {
    const clock = { now: new Date(T1) };
    const state: { script: Script } = { script: { data: base() } };
    const t = testCore({
      inlineSync: true,
      now: () => clock.now,
      createConnector: () => scriptedConnector(state.script),
    });
    cleanups.push(t.cleanup);
    const { account } = await t.core.call('accounts.add', { label: 'Acme', settings: { platform: 'sample', seed: 1 } });
    await t.core.call('sync.run', {});
    const first = await t.core.call('changes.syncs', {});
    expect(first.rows).toHaveLength(1);
    expect(first.rows[0]).toMatchObject({ baseline: true, total: 0, rows: { courses: 3, learners: 3, progress: 4 } });
    expect((await t.core.call('changes.list', {})).total).toBe(0);

    const data = structuredClone(state.script.data);
    data.progress[0]!.status = 'completed';
    state.script = { data, failAt: { resource: 'progress', page: 0, error: new Error('boom') } };
    clock.now = new Date(T2);
    const [failed] = await t.core.call('sync.run', {});
    expect(failed!.outcome).toBe('failed');
    expect((await t.core.call('changes.syncs', {})).total).toBe(1);
    expect((await t.core.call('changes.list', {})).total).toBe(0);

    state.script = { data };
    await t.core.call('sync.run', {});
    const summary = await t.core.call('changes.summary', {});
    expect(summary).toMatchObject({ completions: 1, counts: { status_changed: 1 } });
    expect(summary.top[0]).toMatchObject({ kind: 'status_changed', learnerId: 'l1', to: 'completed' });
    const trend = await t.core.call('changes.courseTrend', { accountId: account.id, courseId: 'c1' });
    expect(trend.points.map((p) => p.completionRate)).toEqual([0, 50]);
    expect(trend.recent).toHaveLength(1);

    // The account's changes and history go with it.
    await t.core.call('accounts.remove', { account: account.id });
    expect((await t.core.call('changes.syncs', {})).total).toBe(0);
    expect((await t.core.call('changes.courseTrend', { accountId: account.id, courseId: 'c1' })).points).toEqual([]);
  });
});
