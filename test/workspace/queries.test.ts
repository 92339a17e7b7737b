import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSampleDataset } from '../../electron/core/providers/sample';
import { testCore } from '../support/core';

const NOW = new Date('2026-06-01T12:00:00Z');

describe('workspace queries (two sample accounts)', () => {
  // The sample data is anchored on the injected clock, which a sync worker does not take (it syncs at real time).
  const t = testCore({ now: () => NOW, inlineSync: true });
  let a1 = '';
  let a2 = '';
  const d1 = generateSampleDataset(1, NOW);
  beforeAll(async () => {
    a1 = (await t.core.call('accounts.add', { label: 'North', settings: { platform: 'sample', seed: 1 } })).account.id;
    a2 = (await t.core.call('accounts.add', { label: 'South', settings: { platform: 'sample', seed: 2 } })).account.id;
    await t.core.call('sync.run', {});
  });
  afterAll(() => t.cleanup());

  it('overview totals match the data, scoped by selection', async () => {
    const one = await t.core.call('workspace.overview', { accountIds: [a1] });
    expect(one.totals).toMatchObject({ accounts: 1, courses: 24, learners: 500 });
    const completions = d1.progress.filter((p) => p.status === 'completed' || p.status === 'passed').length;
    expect(one.totals.completions).toBe(completions);
    expect(one.statusDistribution.failed).toBe(d1.progress.filter((p) => p.status === 'failed').length);
    expect(one.totals.upcomingSessions).toBe(
      d1.sessions.filter((s) => s.status !== 'cancelled' && s.startsAt > NOW.toISOString()).length,
    );
    expect(one.recentCompletions).toHaveLength(10);
    expect(one.recentCompletions[0]!.completedAt >= one.recentCompletions[9]!.completedAt).toBe(true);
    expect(one.freshness).toEqual([expect.objectContaining({ label: 'North', lastOutcome: 'ok' })]);
    const all = await t.core.call('workspace.overview', {});
    expect(all.totals).toMatchObject({ accounts: 2, courses: 48, learners: 1000 });
  });

  it('courses: filters, sort and search change the rows as expected', async () => {
    const byName = await t.core.call('workspace.courses', { accountIds: [a1] });
    expect(byName).toHaveLength(24);
    expect(byName.map((c) => c.name)).toEqual(
      [...byName.map((c) => c.name)].sort((x, y) => x.localeCompare(y, 'en', { sensitivity: 'base' })),
    );
    const classes = await t.core.call('workspace.courses', {
      accountIds: [a1],
      types: ['class'],
      sort: { column: 'learners', direction: 'desc' },
    });
    expect(classes).toHaveLength(8);
    expect(
      classes.every((c) => c.type === 'class' && (c.nextSessionAt === null || c.nextSessionAt > NOW.toISOString())),
    ).toBe(true);
    expect(classes.map((c) => c.learners)).toEqual([...classes.map((c) => c.learners)].sort((x, y) => y - x));
    const fire = d1.courses.find((c) => c.name.startsWith('Fire'))!;
    const fireRow = byName.find((c) => c.id === fire.id)!;
    const fireProgress = d1.progress.filter((p) => p.courseId === fire.id);
    expect(fireRow.learners).toBe(fireProgress.length);
    expect(fireRow.counts.completed).toBe(fireProgress.filter((p) => p.status === 'completed').length);
    // Search: substring and diacritics-insensitive (trigram FTS), prefix for short queries.
    expect((await t.core.call('workspace.courses', { accountIds: [a1], search: 'safety' })).map((c) => c.name)).toEqual(
      ['Fire Safety Essentials'],
    );
    expect(
      (await t.core.call('workspace.courses', { accountIds: [a1], search: 'ire saf' })).map((c) => c.name),
    ).toEqual(['Fire Safety Essentials']);
    expect((await t.core.call('workspace.courses', { accountIds: [a1], search: 'Fi' })).map((c) => c.name)).toEqual([
      'Fire Safety Essentials',
      'First Aid at Work — Refresher',
    ]);
    const failed = await t.core.call('workspace.courses', { accountIds: [a1], statuses: ['failed'] });
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((c) => c.counts.failed > 0)).toBe(true);
    expect(failed.length).toBeLessThan(24);
    const both = await t.core.call('workspace.courses', { accountIds: null, search: 'Pilates' });
    expect(both.map((c) => c.accountLabel).sort()).toEqual(['North', 'South']);
  });

  it('course pages: the Courses view pages through exactly the full list, in its order, under every sort', async () => {
    for (const sort of [
      { column: 'name', direction: 'asc' },
      { column: 'completionRate', direction: 'desc' },
      { column: 'nextSessionAt', direction: 'asc' },
      { column: 'account', direction: 'desc' },
    ] as const) {
      const all = await t.core.call('workspace.courses', { accountIds: null, sort });
      const pages = [];
      for (let offset = 0; offset < all.length + 7; offset += 7) {
        const page = await t.core.call('workspace.coursePage', { accountIds: null, sort, offset, limit: 7 });
        expect(page.total).toBe(48);
        pages.push(...page.rows);
      }
      expect(pages).toEqual(all);
    }
    const filtered = await t.core.call('workspace.coursePage', {
      accountIds: [a1],
      types: ['class'],
      search: 'a',
      limit: 3,
    });
    const expected = await t.core.call('workspace.courses', { accountIds: [a1], types: ['class'], search: 'a' });
    expect(filtered).toEqual({ total: expected.length, rows: expected.slice(0, 3) });
    await expect(t.core.call('workspace.coursePage', { accountIds: null, limit: 5000 } as never)).rejects.toMatchObject(
      { code: 'invalid_input' },
    );
  });

  it('course learners: paged, filtered by status, searchable without diacritics', async () => {
    const fire = d1.courses.find((c) => c.name.startsWith('Fire'))!;
    const expected = d1.progress.filter((p) => p.courseId === fire.id);
    const page = await t.core.call('workspace.courseLearners', { accountId: a1, courseId: fire.id, limit: 25 });
    expect(page.total).toBe(expected.length);
    expect(page.rows).toHaveLength(25);
    const done = await t.core.call('workspace.courseLearners', {
      accountId: a1,
      courseId: fire.id,
      statuses: ['completed'],
      limit: 1000,
    });
    expect(done.rows.length).toBeGreaterThan(0);
    expect(done.rows.every((r) => r.status === 'completed')).toBe(true);
    expect(done.total).toBe(expected.filter((p) => p.status === 'completed').length);
    const withAccent = d1.learners.find((l) => l.name.includes('Zoë') && expected.some((p) => p.learnerId === l.id));
    if (withAccent) {
      const found = await t.core.call('workspace.courseLearners', {
        accountId: a1,
        courseId: fire.id,
        search: 'zoe',
        limit: 1000,
      });
      expect(found.rows.map((r) => r.learnerId)).toContain(withAccent.id);
    }
    const sorted = await t.core.call('workspace.courseLearners', {
      accountId: a1,
      courseId: fire.id,
      sort: { column: 'progressPct', direction: 'desc' },
      limit: 1000,
    });
    expect(sorted.rows.map((r) => r.progressPct ?? -1)).toEqual(
      [...sorted.rows.map((r) => r.progressPct ?? -1)].sort((x, y) => y - x),
    );
  });

  it('sessions and the attendance matrix for a class course', async () => {
    const klass = d1.courses.find((c) => c.type === 'class')!;
    const { sessions, learners, cells } = await t.core.call('workspace.courseSessions', {
      accountId: a1,
      courseId: klass.id,
    });
    expect(sessions.map((s) => s.id)).toEqual(d1.sessions.filter((s) => s.courseId === klass.id).map((s) => s.id));
    const att = d1.attendance.filter((a) => a.courseId === klass.id);
    expect(learners.length).toBe(new Set(att.map((a) => a.learnerId)).size);
    const one = att[0]!;
    expect(cells[one.learnerId]![one.sessionId]).toBe(one.status);
  });

  it('one learner across accounts by e-mail (case-insensitive)', async () => {
    const d2 = generateSampleDataset(2, NOW);
    const shared = d1.learners.find(
      (l) => l.email && d2.learners.some((m) => m.email === l.email) && d1.progress.some((p) => p.learnerId === l.id),
    );
    expect(shared).toBeDefined();
    const profile = await t.core.call('workspace.learner', { email: shared!.email!.toUpperCase() });
    expect(profile.email).toBe(shared!.email);
    const other = d2.learners.find((m) => m.email === shared!.email)!;
    const expected =
      d1.progress.filter((p) => p.learnerId === shared!.id).length +
      d2.progress.filter((p) => p.learnerId === other.id).length;
    expect(profile.courses).toHaveLength(expected);
    if (d2.progress.some((p) => p.learnerId === other.id)) expect(profile.accounts).toBe(2);
    const byId = await t.core.call('workspace.learner', { accountId: a1, learnerId: shared!.id });
    expect(byId.courses).toHaveLength(expected);
  });

  it('quick search finds courses and learners', async () => {
    const result = await t.core.call('workspace.search', { accountIds: null, query: 'ngstr' });
    expect(result.learners.length).toBeGreaterThan(0);
    expect(result.learners.every((l) => /ngstr/i.test(l.name.normalize('NFD').replace(/[\u0300-\u036f]/g, '')))).toBe(
      true,
    );
    expect((await t.core.call('workspace.search', { accountIds: [a2], query: 'GDPR' })).courses).toEqual([
      expect.objectContaining({ accountLabel: 'South', name: 'Data Protection & GDPR' }),
    ]);
  });
});
