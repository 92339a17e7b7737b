/**
 * Overdue (a due date passed, not completed or passed) beside Inactive (no activity for 30 days before the sync) in the
 * workspace, and leavers in the Learners directory, over exact cache rows. Overdue follows the clock without a sync.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../electron/core/store/db';
import { testCore } from '../support/core';
import { addAccount, course, learner, progress, writeLive } from './fixture';

const A = 'acc';
let now = new Date('2026-06-01T12:00:00.000Z');

describe('workspace: overdue, inactive and leavers', () => {
  const t = testCore({ now: () => now });
  let db: Db;
  beforeAll(() => {
    db = openDatabase(t.dataDir);
    addAccount(db, A, 'Acme', { platform: 'sample', seed: 1 });
    writeLive(db, A, {
      courses: [course('C1', 'Fire'), course('C2', 'GDPR')],
      learners: [
        { ...learner('L1', 'Ada', 'ada@example.com'), status: 'active', department: 'Sales', groups: ['Managers'] },
        { ...learner('L2', 'Ben', 'ben@example.com'), status: 'blocked', department: 'Ops' },
        { ...learner('L3', 'Cy', 'cy@example.com'), status: 'deleted' },
        learner('L4', 'Di', 'di@example.com'),
      ],
      progress: [
        // Overdue: a calendar date that has passed, unfinished.
        progress('C1', 'L1', 'in_progress', { dueAt: '2026-05-31', assignedAt: '2026-05-01T08:00:00.000Z' }),
        // Not overdue: due today (calendar date), and done.
        progress('C1', 'L2', 'not_started', { dueAt: '2026-06-01' }),
        progress('C1', 'L3', 'completed', { dueAt: '2026-05-01', completedAt: '2026-05-20T10:00:00.000Z' }),
        // Overdue: failed is not done; an instant that has passed.
        progress('C1', 'L4', 'failed', { dueAt: '2026-06-01T09:00:00.000Z', timeSpentS: 600 }),
        // Inactive, not overdue (no due date); an instant later today is not overdue yet.
        progress('C2', 'L1', 'in_progress', {
          startedAt: '2026-03-01T09:00:00.000Z',
          lastActivityAt: '2026-04-01T09:00:00.000Z',
        }),
        progress('C2', 'L4', 'in_progress', { dueAt: '2026-06-01T18:00:00.000Z' }),
      ],
    });
  });
  afterAll(() => {
    db.close();
    t.cleanup();
  });

  const counts = async () =>
    Object.fromEntries(
      (await t.core.call('workspace.courses', { accountIds: null })).map((c) => [c.id, [c.overdue, c.inactive]]),
    );

  it('counts Overdue against today and Inactive from the sync, apart', async () => {
    expect(await counts()).toEqual({ C1: [2, 0], C2: [0, 1] });
    expect(await t.core.call('workspace.course', { accountId: A, courseId: 'C1' })).toMatchObject({
      overdue: 2,
      inactive: 0,
    });
    const sorted = await t.core.call('workspace.coursePage', {
      accountIds: null,
      sort: { column: 'overdue', direction: 'desc' },
    });
    expect(sorted.rows.map((r) => r.id)).toEqual(['C1', 'C2']);
    // The next day, with no sync: today's calendar due dates and this evening's instant have passed.
    now = new Date('2026-06-02T12:00:00.000Z');
    try {
      expect(await counts()).toEqual({ C1: [3, 0], C2: [1, 1] });
      const page = await t.core.call('workspace.coursePage', { accountIds: null });
      expect(page.rows.map((r) => [r.id, r.overdue])).toEqual([
        ['C1', 3],
        ['C2', 1],
      ]);
    } finally {
      now = new Date('2026-06-01T12:00:00.000Z');
    }
  });

  it('a course learner and a profile carry due, overdue and the learner’s standing', async () => {
    const rows = (await t.core.call('workspace.courseLearners', { accountId: A, courseId: 'C1' })).rows;
    expect(rows.map((r) => [r.learnerId, r.dueAt, r.overdue, r.learnerStatus])).toEqual([
      ['L1', '2026-05-31', true, 'active'],
      ['L2', '2026-06-01', false, 'blocked'],
      ['L3', '2026-05-01', false, 'deleted'],
      ['L4', '2026-06-01T09:00:00.000Z', true, null],
    ]);
    const ada = await t.core.call('workspace.learner', { email: 'ada@example.com' });
    expect(ada).toMatchObject({ status: 'active', department: 'Sales', groups: ['Managers'] });
    expect(ada.courses.find((c) => c.courseId === 'C1')).toMatchObject({
      assignedAt: '2026-05-01T08:00:00.000Z',
      dueAt: '2026-05-31',
      overdue: true,
      expiresAt: null,
    });
    const di = await t.core.call('workspace.learner', { accountId: A, learnerId: 'L4' });
    expect(di).toMatchObject({ status: null, department: null, groups: [] });
    expect(di.courses.find((c) => c.courseId === 'C1')).toMatchObject({ overdue: true, timeSpentS: 600 });
  });

  it('the Learners directory hides leavers unless asked', async () => {
    const shown = await t.core.call('workspace.learners', { accountIds: null });
    expect(shown.rows.map((r) => [r.learnerId, r.status, r.department])).toEqual([
      ['L1', 'active', 'Sales'],
      ['L4', null, null],
    ]);
    const all = await t.core.call('workspace.learners', { accountIds: null, includeLeavers: true });
    expect(all.rows.map((r) => r.learnerId)).toEqual(['L1', 'L2', 'L3', 'L4']);
  });
});
