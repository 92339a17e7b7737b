import { describe, expect, it } from 'vitest';
import {
  generateSampleDataset,
  createSampleConnector,
  SAMPLE_FIXED_ANCHOR,
} from '../../electron/core/providers/sample';
import type { Page } from '../../electron/core/providers/types';
import { createHttpClient } from '../../electron/core/http/client';

const anchor = new Date('2026-06-01T12:34:56Z');

describe('sample provider', () => {
  it('is deterministic for a seed (and a day) and differs across seeds', () => {
    expect(generateSampleDataset(1, anchor)).toEqual(generateSampleDataset(1, new Date('2026-06-01T23:00:00Z')));
    expect(generateSampleDataset(2, anchor)).not.toEqual(generateSampleDataset(1, anchor));
  });

  it('is a realistic, consistent dataset', () => {
    const d = generateSampleDataset(1, anchor);
    expect(d.courses.length).toBe(24);
    expect(d.learners.length).toBe(500);
    expect(d.progress.length).toBeGreaterThan(1000);
    expect(d.sessions.length).toBeGreaterThan(40);
    const learnerIds = new Set(d.learners.map((l) => l.id));
    const courseIds = new Set(d.courses.map((c) => c.id));
    const sessionIds = new Set(d.sessions.map((s) => s.id));
    expect(learnerIds.size).toBe(d.learners.length);
    expect(courseIds.size).toBe(d.courses.length);
    expect(sessionIds.size).toBe(d.sessions.length);
    expect(new Set(d.attendance.map((a) => `${a.sessionId}/${a.learnerId}`)).size).toBe(d.attendance.length);
    expect(new Set(d.learners.filter((l) => l.email).map((l) => l.email)).size).toBe(
      d.learners.filter((l) => l.email).length,
    );
    for (const list of [d.courses, d.learners, d.sessions, d.attendance, d.progress])
      expect(list.length).toBeGreaterThan(0);
    expect(d.learners.every((l) => l.email === null || /^[a-z0-9.]+@example\.org$/.test(l.email))).toBe(true);
    expect(d.sessions.every((s) => courseIds.has(s.courseId))).toBe(true);
    expect(d.attendance.every((a) => d.sessions.find((s) => s.id === a.sessionId)!.courseId === a.courseId)).toBe(true);
    expect(new Set(d.courses.map((c) => c.type))).toEqual(new Set(['course', 'learning_track', 'assessment', 'class']));
    expect(new Set(d.sessions.map((s) => s.status))).toEqual(new Set(['held', 'scheduled', 'cancelled']));
    expect(new Set(d.attendance.map((a) => a.status))).toEqual(
      new Set(['attended', 'no_show', 'registered', 'late_cancelled', 'waitlisted']),
    );
    expect(d.progress.every((p) => learnerIds.has(p.learnerId) && courseIds.has(p.courseId))).toBe(true);
    expect(d.attendance.every((a) => sessionIds.has(a.sessionId) && learnerIds.has(a.learnerId))).toBe(true);
    const pairs = new Set(d.progress.map((p) => `${p.courseId}/${p.learnerId}`));
    expect(pairs.size).toBe(d.progress.length);
    expect(new Set(d.progress.map((p) => p.status))).toEqual(
      new Set(['not_started', 'in_progress', 'completed', 'passed', 'failed', 'incomplete']),
    );
    const names = d.learners.map((l) => l.name);
    expect(names.filter((n) => /[^ -~]/.test(n)).length).toBeGreaterThan(100);
    // Names in their own scripts (Han, Greek, Cyrillic…), not only accented Latin.
    expect(names.some((n) => /\p{Script=Han}|\p{Script=Greek}|\p{Script=Cyrillic}/u.test(n))).toBe(true);
    expect(d.sessions.some((s) => s.status === 'scheduled' && Date.parse(s.startsAt) > anchor.getTime())).toBe(true);
    expect(d.sessions.some((s) => s.status === 'held')).toBe(true);
    for (const p of d.progress) {
      expect(p.progressPct === null || (p.progressPct >= 0 && p.progressPct <= 100)).toBe(true);
      if (p.completedAt) expect(Date.parse(p.completedAt)).toBeLessThanOrEqual(anchor.getTime());
    }
  });

  it('fills every field a coordinator acts on', () => {
    const d = generateSampleDataset(1, anchor);
    const today = '2026-06-01';
    const inThirtyDays = '2026-07-01';
    const done = new Set(['completed', 'passed']);
    const overdue = d.progress.filter((p) => p.dueAt && p.dueAt < today && !done.has(p.status));
    expect(overdue.length).toBeGreaterThan(50);
    // Due and expiry dates are calendar dates; assignment and issue dates instants.
    for (const p of d.progress) {
      for (const value of [p.dueAt, p.expiresAt, p.certificateExpiresAt]) {
        if (value) expect(value).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
      for (const value of [p.assignedAt, p.certificateIssuedAt]) if (value) expect(Date.parse(value)).not.toBeNaN();
      if (p.dueAt && p.assignedAt) expect(p.dueAt >= p.assignedAt.slice(0, 10)).toBe(true);
      if (p.certificateIssuedAt) expect(done.has(p.status)).toBe(true);
    }
    const expiring = (value: string | null | undefined) => Boolean(value && value >= today && value < inThirtyDays);
    expect(d.progress.filter((p) => expiring(p.expiresAt)).length).toBeGreaterThan(5);
    expect(d.progress.filter((p) => expiring(p.certificateExpiresAt)).length).toBeGreaterThan(5);
    expect(d.progress.filter((p) => p.certificateIssuedAt && !p.certificateExpiresAt).length).toBeGreaterThan(0);
    expect(d.progress.filter((p) => (p.timeSpentS ?? 0) > 0).length).toBeGreaterThan(500);
    expect(d.progress.some((p) => p.passingScore === 70 && p.score !== null)).toBe(true);
    expect(d.learners.filter((l) => l.status === 'blocked').length).toBeGreaterThan(5);
    expect(d.learners.filter((l) => l.status === 'deleted').length).toBeGreaterThan(0);
    expect(new Set(d.learners.map((l) => l.department)).size).toBeGreaterThan(4);
    expect(d.learners.some((l) => (l.groups?.length ?? 0) > 1)).toBe(true);
    expect(d.sessions.every((s) => s.timeZone && Intl.supportedValuesOf('timeZone').includes(s.timeZone))).toBe(true);
    expect(
      d.attendance
        .filter((a) => a.status === 'waitlisted')
        .every((a) => {
          const session = d.sessions.find((s) => s.id === a.sessionId)!;
          return session.status === 'scheduled';
        }),
    ).toBe(true);
  });

  it('streams pages through the connector interface with raw records', async () => {
    const http = createHttpClient();
    const connector = createSampleConnector({
      settings: { platform: 'sample', seed: 3 },
      secret: '',
      http,
      now: () => anchor,
    });
    const info = await connector.testConnection(AbortSignal.timeout(60_000));
    expect(info).toMatchObject({ accountName: 'Sample data (seed 3)', courseCount: 24 });
    let rows = 0;
    for await (const page of connector.progress({ signal: AbortSignal.timeout(60_000) })) {
      expect(page.items.length).toBeLessThanOrEqual(100);
      expect(page.raw).toHaveLength(page.items.length);
      rows += page.items.length;
    }
    expect(rows).toBe(generateSampleDataset(3, anchor).progress.length);
    expect(connector.incremental.size).toBe(0);
    await http.close();
  });

  it('without a clock, a seed alone pins the dataset', async () => {
    const http = createHttpClient();
    const collect = async <T>(pages: AsyncIterable<Page<T>>) => {
      const out: T[] = [];
      for await (const page of pages) out.push(...page.items);
      return out;
    };
    const connector = () => createSampleConnector({ settings: { platform: 'sample', seed: 5 }, secret: '', http });
    const signal = AbortSignal.timeout(60_000);
    const sessions = await collect(connector().sessions({ signal }));
    expect(sessions).toEqual(await collect(connector().sessions({ signal })));
    expect(sessions).toEqual(generateSampleDataset(5, SAMPLE_FIXED_ANCHOR).sessions);
    await http.close();
  });
});
