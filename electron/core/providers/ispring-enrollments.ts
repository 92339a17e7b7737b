/**
 * Which of a learner's enrollments in a course is the current one, and its dates and certificate, for every learner ×
 * course of an account. iSpring keeps earlier enrollments (a re-enrolment is a new one) and the results page lists a
 * row for each, in no documented order; Rollbook keeps one row per learner × course, the current enrollment's.
 *
 * An account can have a million enrollments, so nothing here holds one object or string per enrollment: learner and
 * course ids are numbered once each, an enrollment id is kept as a 32-bit hash (only ever compared with the ids of the
 * same learner × course), and dates as day numbers in typed arrays. About 45 bytes an enrollment.
 */
import type { IsoDate } from '../contract/domain';
import type { Enrollment, EnrollmentDates } from './ispring-parse';

const MS_PER_DAY = 86_400_000;
/** Day numbers since 1970-01-01 in 16 bits, 0 meaning "none": dates up to 2149. Others are unknown. */
function dayOf(date: IsoDate | null): number {
  if (!date) return 0;
  const day = Math.floor(Date.parse(`${date}T00:00:00Z`) / MS_PER_DAY);
  return day > 0 && day < 0xffff ? day : 0;
}
const dateOf = (day: number): IsoDate | null =>
  day === 0 ? null : new Date(day * MS_PER_DAY).toISOString().slice(0, 10);

/** FNV-1a: a 32-bit fingerprint of an enrollment id (0 stands for "no id"). */
function fingerprint(id: string | null): number {
  if (!id) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return hash | 1; // never 0
}

/** Per slot: assigned, due, expires, certificate issued, certificate expires. */
const DAYS = 5;

export interface CurrentEnrollment extends EnrollmentDates {
  certificateIssuedAt: IsoDate | null;
  certificateExpiresAt: IsoDate | null;
}

/** What a results row needs to be judged: its key, its enrollment (when it names one) and its assignment date. */
export interface EnrollmentRef {
  learnerId: string;
  courseId: string;
  enrollmentId?: string | null;
  /** A date, or a date-time whose own date counts. */
  assignedAt?: string | null;
}

export class EnrollmentIndex {
  private readonly learners = new Map<string, number>();
  private readonly courses = new Map<string, Map<number, number>>();
  private size = 0;
  private ids = new Int32Array(1024);
  private days = new Uint16Array(1024 * DAYS);
  /** Whether a slot came from the enrollment list (authoritative) or from a results row seen earlier. */
  private listed = new Uint8Array(1024);

  private slotOf(learnerId: string, courseId: string, create: boolean): number {
    let learner = this.learners.get(learnerId);
    if (learner === undefined) {
      if (!create) return -1;
      learner = this.learners.size;
      this.learners.set(learnerId, learner);
    }
    let byLearner = this.courses.get(courseId);
    if (!byLearner) {
      if (!create) return -1;
      byLearner = new Map();
      this.courses.set(courseId, byLearner);
    }
    const slot = byLearner.get(learner);
    if (slot !== undefined || !create) return slot ?? -1;
    if (this.size === this.ids.length) this.grow();
    byLearner.set(learner, this.size);
    return this.size++;
  }

  private grow(): void {
    const ids = new Int32Array(this.ids.length * 2);
    ids.set(this.ids);
    const days = new Uint16Array(this.days.length * 2);
    days.set(this.days);
    const listed = new Uint8Array(this.listed.length * 2);
    listed.set(this.listed);
    [this.ids, this.days, this.listed] = [ids, days, listed];
  }

  private write(slot: number, id: number, dates: (IsoDate | null)[], listed: boolean): void {
    this.ids[slot] = id;
    for (let i = 0; i < DAYS; i += 1) this.days[slot * DAYS + i] = dayOf(dates[i] ?? null);
    this.listed[slot] = listed ? 1 : 0;
  }

  /**
   * An enrollment from the list. The current one of a learner × course is the one assigned last; on the same day, the
   * one listed last (the list is in creation order as far as anyone has seen; nothing better is documented).
   */
  add(e: Enrollment): void {
    const slot = this.slotOf(e.learnerId, e.courseId, true);
    const known = this.listed[slot] === 1;
    if (known && dayOf(e.assignedAt) < this.days[slot * DAYS]!) return;
    this.write(
      slot,
      fingerprint(e.enrollmentId),
      [e.assignedAt, e.dueAt, e.expiresAt, e.certificateIssuedAt, e.certificateExpiresAt],
      true,
    );
  }

  /** Learner × course pairs indexed. */
  get count(): number {
    return this.size;
  }

  /**
   * Whether a results row is (as far as can be told) the current enrollment's, so that it may overwrite what an earlier
   * row of the same pair wrote. `remember`: note it as seen, for pairs the enrollment list did not have.
   */
  admits(row: EnrollmentRef, remember: boolean): boolean {
    const slot = this.slotOf(row.learnerId, row.courseId, remember);
    const id = fingerprint(row.enrollmentId ?? null);
    const day = dayOf(row.assignedAt ? row.assignedAt.slice(0, 10) : null);
    if (slot < 0) return true;
    const fresh = this.listed[slot] === 0 && this.ids[slot] === 0 && this.days[slot * DAYS] === 0;
    if (fresh && remember) {
      this.write(slot, id, [dateOf(day)], false);
      return true;
    }
    const currentDay = this.days[slot * DAYS]!;
    if (this.listed[slot] === 1) {
      if (id !== 0 && id === this.ids[slot]) return true;
      // Another enrollment, or none named: only a later assignment than the listed one (made since it was read) wins.
      return id === 0 ? day === 0 || day >= currentDay : day > currentDay;
    }
    // Only results rows seen so far: the later assignment wins; on the same day (or with no dates) the later row.
    if (day !== 0 && day < currentDay) return false;
    this.write(slot, id, [dateOf(day)], false);
    return true;
  }

  /** The current enrollment of a learner × course from the list, or null when the list did not have it. */
  current(learnerId: string, courseId: string, enrollmentId?: string | null): CurrentEnrollment | null {
    const slot = this.slotOf(learnerId, courseId, false);
    if (slot < 0 || this.listed[slot] !== 1) return null;
    // A results row of another enrollment (one made after the list was read) gets nothing from the list.
    if (enrollmentId && fingerprint(enrollmentId) !== this.ids[slot]) return null;
    const at = (i: number) => dateOf(this.days[slot * DAYS + i]!);
    return {
      assignedAt: at(0),
      dueAt: at(1),
      expiresAt: at(2),
      certificateIssuedAt: at(3),
      certificateExpiresAt: at(4),
    };
  }
}
