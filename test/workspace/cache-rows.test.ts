/**
 * Workspace queries over a hand-written cache (three platforms, exact rows): filters, sorts and search return exactly
 * the expected rows, scoping by account holds everywhere, and rows of a generation that is not live never show.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../electron/core/store/db';
import { testCore } from '../support/core';
import { addAccount, course, learner, progress, session, writeLive, writeStaging } from './fixture';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const A = 'acc-isp';
const B = 'acc-tu';
const C = 'acc-sc';

function seed(db: Db) {
  addAccount(db, A, 'Acme Learn', {
    platform: 'ispring',
    baseUrl: 'https://acme.ispringlearn.com',
    authMode: 'token',
    clientId: 'x',
    format: 'json',
  });
  addAccount(db, B, 'Studio', {
    platform: 'teamup',
    baseUrl: 'https://goteamup.com/api/v2',
    authScheme: 'bearer',
    providerId: '7',
    completionThreshold: null,
  });
  addAccount(db, C, 'Community', {
    platform: 'selfcommunity',
    baseUrl: 'https://community.example',
    authMode: 'token',
    jwtUserId: null,
  });
  writeLive(db, A, {
    courses: [
      course('IC1', 'Sécurité incendie', 'course', {
        description: 'Fire drill',
        url: 'https://acme.ispringlearn.com/c/1',
      }),
      course('IC2', 'Ångström Basics'),
      course('IC3', 'Data & GDPR', 'learning_track'),
    ],
    learners: [
      learner('IL1', 'Zoë Ångström', 'zoe.angstrom@acme.example'),
      learner('IL2', 'Ana Núñez', 'ana@acme.example'),
      learner('IL3', 'Bo Chen', 'BO.CHEN@Example.org'),
      learner('IL4', 'Dmitri Ivanov', null),
    ],
    progress: [
      progress('IC1', 'IL1', 'completed', {
        completedAt: '2026-05-30T10:00:00.000Z',
        lastActivityAt: '2026-05-30T10:00:00.000Z',
      }),
      progress('IC1', 'IL2', 'passed', {
        completedAt: '2026-05-29T10:00:00.000Z',
        lastActivityAt: '2026-05-29T10:00:00.000Z',
        progressPct: 100,
      }),
      // Started in March, silent since April: inactive at a 2026-06-01 sync (not overdue: no due date).
      progress('IC1', 'IL3', 'in_progress', {
        startedAt: '2026-03-01T09:00:00.000Z',
        lastActivityAt: '2026-04-01T09:00:00.000Z',
        progressPct: 12.5,
      }),
      progress('IC1', 'IL4', 'not_started'),
      progress('IC2', 'IL1', 'failed', {
        completedAt: '2026-05-10T10:00:00.000Z',
        lastActivityAt: '2026-05-10T10:00:00.000Z',
      }),
      progress('IC2', 'IL2', 'in_progress'),
    ],
  });
  writeLive(db, B, {
    courses: [course('TC1', 'Yoga Level 1', 'class')],
    sessions: [
      session('TS1', 'TC1', '2026-05-25T18:00:00.000Z', { status: 'held', venue: 'Studio A', capacity: 12 }),
      session('TS2', 'TC1', '2026-06-08T18:00:00.000Z', {
        name: 'Week 2',
        venue: 'Studio A',
        instructors: ['Maëlle Rousseau'],
        capacity: 12,
      }),
      session('TS3', 'TC1', '2026-06-15T18:00:00.000Z', { status: 'cancelled', capacity: 12 }),
    ],
    learners: [
      learner('TL1', 'Bo Chen', 'bo.chen@example.org'),
      learner('TL2', 'Émile Dubois', 'emile@studio.example'),
    ],
    attendance: [
      { sessionId: 'TS1', learnerId: 'TL1', courseId: 'TC1', status: 'attended', rawStatus: 'attended' },
      { sessionId: 'TS1', learnerId: 'TL2', courseId: 'TC1', status: 'no_show', rawStatus: 'noshow' },
      { sessionId: 'TS2', learnerId: 'TL1', courseId: 'TC1', status: 'registered', rawStatus: 'registered' },
      { sessionId: 'TS2', learnerId: 'TL2', courseId: 'TC1', status: 'registered', rawStatus: 'registered' },
    ],
    progress: [
      progress('TC1', 'TL1', 'in_progress', {
        rawStatus: '1/1 attended',
        progressPct: 100,
        lastActivityAt: '2026-05-25T18:00:00.000Z',
      }),
      progress('TC1', 'TL2', 'in_progress', {
        rawStatus: '0/1 attended',
        progressPct: 0,
        lastActivityAt: '2026-05-25T18:00:00.000Z',
      }),
    ],
  });
  writeLive(db, C, {
    courses: [course('SC1', 'Zoology 101')],
    learners: [learner('SL1', 'Zoe Smith', 'zoe@community.example')],
    progress: [
      progress('SC1', 'SL1', 'completed', {
        completedAt: '2026-05-31T08:00:00.000Z',
        lastActivityAt: '2026-05-31T08:00:00.000Z',
      }),
    ],
  });
  // A sync of A that is still running (or died): its rows sit beside the live ones and must never show.
  writeStaging(db, A, {
    courses: [course('IC1', 'Ghost renamed course'), course('GX', 'Ghost Course', 'ghost_type')],
    learners: [learner('GL', 'Ghost Learner', 'bo.chen@example.org')],
    progress: [
      progress('GX', 'GL', 'completed', { completedAt: '2026-06-01T11:00:00.000Z' }),
      progress('IC1', 'GL', 'failed'),
    ],
  });
}

describe('workspace queries over exact cache rows', () => {
  const t = testCore({ now: () => NOW });
  let db: Db;
  beforeAll(() => {
    db = openDatabase(t.dataDir);
    seed(db);
  });
  afterAll(() => {
    db.close();
    t.cleanup();
  });
  const names = async (input: Parameters<typeof t.core.call<'workspace.courses'>>[1]) =>
    (await t.core.call('workspace.courses', input)).map((c) => c.name);

  it('lists every live course with exact aggregates', async () => {
    const rows = await t.core.call('workspace.courses', { accountIds: null });
    // Accent-insensitive, case-insensitive order: "Ångström" sorts with the A's, not after Z.
    expect(rows.map((r) => r.name)).toEqual([
      'Ångström Basics',
      'Data & GDPR',
      'Sécurité incendie',
      'Yoga Level 1',
      'Zoology 101',
    ]);
    expect(rows.find((r) => r.id === 'IC1')).toEqual({
      accountId: A,
      accountLabel: 'Acme Learn',
      platform: 'ispring',
      id: 'IC1',
      name: 'Sécurité incendie',
      type: 'course',
      learners: 4,
      completionRate: 50,
      counts: { not_started: 1, in_progress: 1, completed: 1, passed: 1, failed: 0, incomplete: 0 },
      inactive: 1,
      overdue: 0,
      nextSessionAt: null,
      lastActivityAt: '2026-05-30T10:00:00.000Z',
    });
    expect(rows.find((r) => r.id === 'IC3')).toMatchObject({
      learners: 0,
      completionRate: null,
      inactive: 0,
      overdue: 0,
      lastActivityAt: null,
    });
    // The next session skips held and cancelled ones.
    expect(rows.find((r) => r.id === 'TC1')).toMatchObject({
      learners: 2,
      completionRate: 0,
      nextSessionAt: '2026-06-08T18:00:00.000Z',
    });
  });

  it('filters by platform, type, status and account', async () => {
    expect(await names({ accountIds: null, platforms: ['teamup'] })).toEqual(['Yoga Level 1']);
    expect(await names({ accountIds: null, platforms: ['ispring', 'selfcommunity'] })).toEqual([
      'Ångström Basics',
      'Data & GDPR',
      'Sécurité incendie',
      'Zoology 101',
    ]);
    expect(await names({ accountIds: null, types: ['learning_track', 'class'] })).toEqual([
      'Data & GDPR',
      'Yoga Level 1',
    ]);
    expect(await names({ accountIds: null, statuses: ['failed'] })).toEqual(['Ångström Basics']);
    expect(await names({ accountIds: null, statuses: ['completed'] })).toEqual(['Sécurité incendie', 'Zoology 101']);
    expect(await names({ accountIds: [B, C] })).toEqual(['Yoga Level 1', 'Zoology 101']);
    expect(await names({ accountIds: [] })).toEqual([]);
    expect(await names({ accountIds: [A], platforms: ['teamup'] })).toEqual([]);
    // By id (a saved report's course chips), within the account scope; unknown ids are simply absent.
    expect(await names({ accountIds: null, ids: ['IC1', 'TC1', 'nope'] })).toEqual([
      'Sécurité incendie',
      'Yoga Level 1',
    ]);
    expect(await names({ accountIds: [B, C], ids: ['IC1', 'TC1'] })).toEqual(['Yoga Level 1']);
    expect(await names({ accountIds: null, ids: [] })).toEqual([]);
  });

  it('sorts by every column, both directions, ties by name', async () => {
    expect(await names({ accountIds: null, sort: { column: 'name', direction: 'desc' } })).toEqual([
      'Zoology 101',
      'Yoga Level 1',
      'Sécurité incendie',
      'Data & GDPR',
      'Ångström Basics',
    ]);
    expect(await names({ accountIds: null, sort: { column: 'learners', direction: 'desc' } })).toEqual([
      'Sécurité incendie',
      'Ångström Basics',
      'Yoga Level 1',
      'Zoology 101',
      'Data & GDPR',
    ]);
    expect(await names({ accountIds: null, sort: { column: 'completionRate', direction: 'desc' } })).toEqual([
      'Zoology 101',
      'Sécurité incendie',
      'Ångström Basics',
      'Yoga Level 1',
      'Data & GDPR',
    ]);
    expect((await names({ accountIds: null, sort: { column: 'nextSessionAt', direction: 'asc' } }))[0]).toBe(
      'Yoga Level 1',
    );
    expect(await names({ accountIds: null, sort: { column: 'account', direction: 'asc' } })).toEqual([
      'Ångström Basics',
      'Data & GDPR',
      'Sécurité incendie',
      'Zoology 101',
      'Yoga Level 1',
    ]);
    expect(await names({ accountIds: null, sort: { column: 'lastActivityAt', direction: 'desc' } })).toEqual([
      'Zoology 101',
      'Sécurité incendie',
      'Yoga Level 1',
      'Ångström Basics',
      'Data & GDPR',
    ]);
    expect((await names({ accountIds: null, sort: { column: 'inactive', direction: 'desc' } }))[0]).toBe(
      'Sécurité incendie',
    );
  });

  it('searches substrings without diacritics (trigram), short queries by prefix', async () => {
    expect(await names({ accountIds: null, search: 'ngstr' })).toEqual(['Ångström Basics']);
    expect(await names({ accountIds: null, search: 'angstrom' })).toEqual(['Ångström Basics']);
    expect(await names({ accountIds: null, search: 'SECURITE' })).toEqual(['Sécurité incendie']);
    expect(await names({ accountIds: null, search: 'gdpr' })).toEqual(['Data & GDPR']);
    expect(await names({ accountIds: null, search: 'Zo' })).toEqual(['Zoology 101']);
    expect(await names({ accountIds: null, search: 'a' })).toEqual([]);
    expect(await names({ accountIds: null, search: 'da' })).toEqual(['Data & GDPR']);
    expect(await names({ accountIds: null, search: '%' })).toEqual([]);
    expect(await names({ accountIds: null, search: '"' })).toEqual([]);
    expect(await names({ accountIds: null, search: 'a "b' })).toEqual([]);
    expect(await names({ accountIds: [B], search: 'ngstr' })).toEqual([]);

    const quick = await t.core.call('workspace.search', { accountIds: null, query: 'zoe' });
    expect(quick.learners.map((l) => l.name)).toEqual(['Zoë Ångström', 'Zoe Smith']);
    expect(quick.courses).toEqual([]);
    const ngstr = await t.core.call('workspace.search', { accountIds: null, query: 'ngstr' });
    expect(ngstr.courses.map((c) => c.name)).toEqual(['Ångström Basics']);
    expect(ngstr.learners).toEqual([
      { accountId: A, learnerId: 'IL1', name: 'Zoë Ångström', email: 'zoe.angstrom@acme.example' },
    ]);
    expect(
      (await t.core.call('workspace.search', { accountIds: [C], query: 'zoe' })).learners.map((l) => l.learnerId),
    ).toEqual(['SL1']);
    expect(
      (await t.core.call('workspace.search', { accountIds: null, query: 'studio.ex' })).learners.map(
        (l) => l.learnerId,
      ),
    ).toEqual(['TL2']);
  });

  it('course detail, learners paged, filtered, sorted and searched', async () => {
    expect(await t.core.call('workspace.course', { accountId: A, courseId: 'IC1' })).toMatchObject({
      name: 'Sécurité incendie',
      description: 'Fire drill',
      url: 'https://acme.ispringlearn.com/c/1',
      sessions: 0,
    });
    await expect(t.core.call('workspace.course', { accountId: A, courseId: 'GX' })).rejects.toMatchObject({
      code: 'not_found',
    });
    const page1 = await t.core.call('workspace.courseLearners', { accountId: A, courseId: 'IC1', limit: 2 });
    expect(page1.total).toBe(4);
    expect(page1.rows.map((r) => r.name)).toEqual(['Ana Núñez', 'Bo Chen']);
    const page2 = await t.core.call('workspace.courseLearners', { accountId: A, courseId: 'IC1', limit: 2, offset: 2 });
    expect(page2.rows.map((r) => r.name)).toEqual(['Dmitri Ivanov', 'Zoë Ångström']);
    expect(page2.rows[1]).toEqual({
      learnerId: 'IL1',
      name: 'Zoë Ångström',
      email: 'zoe.angstrom@acme.example',
      status: 'completed',
      rawStatus: 'completed',
      progressPct: 100,
      startedAt: '2026-05-01T09:00:00.000Z',
      completedAt: '2026-05-30T10:00:00.000Z',
      lastActivityAt: '2026-05-30T10:00:00.000Z',
      dueAt: null,
      overdue: false,
      learnerStatus: null,
    });
    const done = await t.core.call('workspace.courseLearners', {
      accountId: A,
      courseId: 'IC1',
      statuses: ['completed', 'passed'],
    });
    expect(done).toMatchObject({ total: 2 });
    expect(done.rows.map((r) => r.learnerId)).toEqual(['IL2', 'IL1']);
    expect(
      (await t.core.call('workspace.courseLearners', { accountId: A, courseId: 'IC1', search: 'zoe' })).rows.map(
        (r) => r.learnerId,
      ),
    ).toEqual(['IL1']);
    expect(
      (
        await t.core.call('workspace.courseLearners', { accountId: A, courseId: 'IC1', search: 'example.org' })
      ).rows.map((r) => r.learnerId),
    ).toEqual(['IL3']);
    const byProgress = await t.core.call('workspace.courseLearners', {
      accountId: A,
      courseId: 'IC1',
      sort: { column: 'progressPct', direction: 'asc' },
    });
    expect(byProgress.rows.map((r) => r.progressPct)).toEqual([0, 12.5, 100, 100]);
    expect(
      (
        await t.core.call('workspace.courseLearners', {
          accountId: A,
          courseId: 'IC1',
          sort: { column: 'completedAt', direction: 'desc' },
        })
      ).rows.map((r) => r.learnerId),
    ).toEqual(['IL1', 'IL2', 'IL3', 'IL4']);
  });

  it('sessions with attendance counts and the learners × sessions matrix', async () => {
    const result = await t.core.call('workspace.courseSessions', { accountId: B, courseId: 'TC1' });
    expect(result.sessions.map((s) => [s.id, s.status, s.attending])).toEqual([
      ['TS1', 'held', 1],
      ['TS2', 'scheduled', 2],
      ['TS3', 'cancelled', 0],
    ]);
    expect(result.sessions[1]).toMatchObject({
      name: 'Week 2',
      venue: 'Studio A',
      instructors: ['Maëlle Rousseau'],
      capacity: 12,
    });
    expect(result.learners).toEqual([
      { id: 'TL1', name: 'Bo Chen' },
      { id: 'TL2', name: 'Émile Dubois' },
    ]);
    expect(result.cells).toEqual({
      TL1: { TS1: 'attended', TS2: 'registered' },
      TL2: { TS1: 'no_show', TS2: 'registered' },
    });
    expect(await t.core.call('workspace.courseSessions', { accountId: A, courseId: 'IC1' })).toEqual({
      sessions: [],
      learners: [],
      cells: {},
    });
  });

  it('one person across platforms by e-mail, case-insensitively', async () => {
    const profile = await t.core.call('workspace.learner', { email: 'Bo.Chen@example.ORG' });
    expect(profile.accounts).toBe(2);
    expect(profile.courses.map((c) => [c.accountLabel, c.courseName, c.status])).toEqual([
      ['Studio', 'Yoga Level 1', 'in_progress'],
      ['Acme Learn', 'Sécurité incendie', 'in_progress'],
    ]);
    const byId = await t.core.call('workspace.learner', { accountId: A, learnerId: 'IL4' });
    expect(byId).toMatchObject({ name: 'Dmitri Ivanov', email: null, accounts: 1 });
    expect(byId.courses.map((c) => c.courseId)).toEqual(['IC1']);
  });

  it('overview: exact totals, distribution, recent completions and attention lists', async () => {
    const all = await t.core.call('workspace.overview', {});
    expect(all.totals).toEqual({ accounts: 3, courses: 5, learners: 7, completions: 3, upcomingSessions: 1 });
    expect(all.statusDistribution).toEqual({
      not_started: 1,
      in_progress: 4,
      completed: 2,
      passed: 1,
      failed: 1,
      incomplete: 0,
    });
    expect(all.recentCompletions.map((r) => [r.learnerName, r.courseName])).toEqual([
      ['Zoe Smith', 'Zoology 101'],
      ['Zoë Ångström', 'Sécurité incendie'],
      ['Ana Núñez', 'Sécurité incendie'],
    ]);
    expect(all.mostInactive).toEqual([
      { accountId: A, id: 'IC1', name: 'Sécurité incendie', learners: 4, inactive: 1 },
    ]);
    // Most learners first (ties by plain name: this is a top-12 chart, not a list to scan alphabetically).
    expect(all.completionByCourse.map((c) => [c.name, c.completionRate])).toEqual([
      ['Sécurité incendie', 50],
      ['Yoga Level 1', 0],
      ['Ångström Basics', 0],
      ['Zoology 101', 100],
    ]);
    expect(all.freshness.map((f) => [f.label, f.platform, f.dataAsOf])).toEqual([
      ['Acme Learn', 'ispring', null],
      ['Community', 'selfcommunity', null],
      ['Studio', 'teamup', null],
    ]);
    const studio = await t.core.call('workspace.overview', { accountIds: [B] });
    expect(studio.totals).toEqual({ accounts: 1, courses: 1, learners: 2, completions: 0, upcomingSessions: 1 });
    expect(studio.recentCompletions).toEqual([]);
  });

  it('facets and the learners directory follow the selection', async () => {
    expect(await t.core.call('workspace.facets', { accountIds: [A, B] })).toEqual({
      types: [
        { value: 'class', count: 1 },
        { value: 'course', count: 2 },
        { value: 'learning_track', count: 1 },
      ],
      platforms: [
        { value: 'ispring', count: 3 },
        { value: 'teamup', count: 1 },
      ],
      accounts: [
        { value: A, label: 'Acme Learn', platform: 'ispring', count: 3 },
        { value: B, label: 'Studio', platform: 'teamup', count: 1 },
      ],
    });
    const dir = await t.core.call('workspace.learners', { accountIds: null, limit: 3 });
    expect(dir.total).toBe(7);
    expect(dir.rows.map((r) => r.name)).toEqual(['Ana Núñez', 'Bo Chen', 'Bo Chen']);
    expect(dir.rows[0]).toEqual({
      accountId: A,
      accountLabel: 'Acme Learn',
      platform: 'ispring',
      learnerId: 'IL2',
      name: 'Ana Núñez',
      email: 'ana@acme.example',
      status: null,
      department: null,
      courses: 2,
      completed: 1,
      lastActivityAt: '2026-05-29T10:00:00.000Z',
    });
    const last = await t.core.call('workspace.learners', { accountIds: null, offset: 5, limit: 3 });
    expect(last.rows.map((r) => r.name)).toEqual(['Zoë Ångström', 'Zoe Smith']);
    expect(
      (await t.core.call('workspace.learners', { accountIds: [B], search: 'emil' })).rows.map((r) => r.learnerId),
    ).toEqual(['TL2']);
    expect(
      (
        await t.core.call('workspace.learners', {
          accountIds: null,
          sort: { column: 'email', direction: 'desc' },
          limit: 1,
        })
      ).rows[0]!.email,
    ).toBe('zoe@community.example');
  });

  it('never shows rows of a generation that is not live', async () => {
    const everything = JSON.stringify([
      await t.core.call('workspace.courses', { accountIds: null }),
      await t.core.call('workspace.courses', { accountIds: null, search: 'ghost' }),
      await t.core.call('workspace.courses', { accountIds: null, types: ['ghost_type'] }),
      await t.core.call('workspace.overview', {}),
      await t.core.call('workspace.facets', {}),
      await t.core.call('workspace.search', { accountIds: null, query: 'ghost' }),
      await t.core.call('workspace.learners', { accountIds: null }),
      await t.core.call('workspace.courseLearners', { accountId: A, courseId: 'IC1' }),
      await t.core.call('workspace.learner', { email: 'bo.chen@example.org' }),
      await t.core.call('workspace.learner', { accountId: A, learnerId: 'GL' }),
    ]);
    expect(everything).not.toMatch(/ghost/i);
    // The staging rows are really there: the test would pass vacuously otherwise.
    expect(db.prepare("SELECT count(*) AS n FROM courses WHERE name LIKE 'Ghost%'").get()).toEqual({ n: 2 });
  });
});
