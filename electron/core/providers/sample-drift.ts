/**
 * The sample provider's drift: a deterministic "next day" for demo accounts, so that two syncs of one show what a
 * real account's syncs show (issue #24): completions, a failure, a status going backwards, a score, new enrolments,
 * a leaver, a new learner, attendance marked, a session cancelled and one moved. Day 0 is the dataset as generated;
 * day n applies n days of changes, each drawn from the seed and the day, so every machine sees the same changes.
 * Kept apart from the dataset's generation (sample.ts): it only edits a generated dataset.
 */
import type { SampleDataset } from './sample';
import { prng } from './sample';

const HOUR = 3_600_000;

export function applySampleDrift(data: SampleDataset, seed: number, days: number): SampleDataset {
  for (let day = 1; day <= days; day += 1) driftOneDay(data, seed, day);
  return data;
}

function driftOneDay(data: SampleDataset, seed: number, day: number): void {
  const random = prng(seed * 104_729 + day * 7_919);
  const pick = <T>(items: readonly T[]): T | undefined =>
    items.length ? items[Math.floor(random() * items.length)] : undefined;
  // "Now" for the rows a day touches: the latest activity the dataset has, plus the day.
  const latest = data.progress.reduce((max, p) => Math.max(max, Date.parse(p.lastActivityAt ?? '') || 0), 0);
  const at = new Date(latest + HOUR).toISOString();

  const open = data.progress.filter((p) => p.status === 'in_progress' || p.status === 'not_started');
  for (let i = 0; i < 3; i += 1) {
    const row = pick(open.filter((p) => p.status !== 'completed' && p.status !== 'passed' && p.status !== 'failed'));
    if (!row) break;
    const roll = random();
    Object.assign(row, {
      status: roll < 0.75 ? 'completed' : 'failed',
      rawStatus: roll < 0.75 ? 'completed' : 'failed',
      progressPct: 100,
      completedAt: at,
      lastActivityAt: at,
      startedAt: row.startedAt ?? at,
      ...(roll < 0.75 && random() < 0.5 ? { certificateIssuedAt: at.slice(0, 10) } : {}),
    });
  }
  // A completion undone on the platform (a reset attempt): status going backwards.
  const done = pick(data.progress.filter((p) => p.status === 'completed' && p.completedAt !== at));
  if (done)
    Object.assign(done, { status: 'in_progress', rawStatus: 'in_progress', completedAt: null, lastActivityAt: at });
  const scored = pick(data.progress.filter((p) => p.score !== null));
  if (scored) Object.assign(scored, { score: Math.min(100, (scored.score ?? 0) + 5), lastActivityAt: at });

  // A new learner, enrolled in a course; an existing learner enrolled in one more.
  const id = `L${9000 + day}`;
  data.learners.push({
    id,
    name: `New Starter ${day}`,
    email: `new.starter${day}@example.org`,
    firstName: 'New',
    lastName: `Starter ${day}`,
  });
  const lms = data.courses.filter((c) => c.type !== 'class');
  for (const learnerId of [id, pick(data.learners)?.id]) {
    const course = pick(
      lms.filter((c) => !data.progress.some((p) => p.courseId === c.id && p.learnerId === learnerId)),
    );
    if (!course || !learnerId) continue;
    data.progress.push({
      learnerId,
      courseId: course.id,
      status: 'not_started',
      rawStatus: 'not_started',
      progressPct: 0,
      score: null,
      startedAt: null,
      completedAt: null,
      lastActivityAt: null,
    });
  }
  // A leaver.
  const leaver = pick(data.learners.filter((l) => l.status !== 'blocked' && l.id !== id));
  if (leaver) leaver.status = 'blocked';

  // Attendance marked on a session still open, one session cancelled, one moved an hour later.
  const registered = data.attendance.filter((a) => a.status === 'registered');
  for (let i = 0; i < 4; i += 1) {
    const mark = pick(registered.filter((a) => a.status === 'registered'));
    if (!mark) break;
    mark.status = random() < 0.8 ? 'attended' : 'no_show';
    mark.rawStatus = mark.status;
  }
  const scheduled = data.sessions.filter((s) => s.status === 'scheduled');
  const cancelled = pick(scheduled);
  if (cancelled) Object.assign(cancelled, { status: 'cancelled', rawStatus: 'cancelled', attendingCount: 0 });
  const moved = pick(scheduled.filter((s) => s !== cancelled));
  if (moved) {
    moved.startsAt = new Date(Date.parse(moved.startsAt) + HOUR).toISOString();
    if (moved.endsAt) moved.endsAt = new Date(Date.parse(moved.endsAt) + HOUR).toISOString();
  }
}
