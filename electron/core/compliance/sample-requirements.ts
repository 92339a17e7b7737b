/**
 * Sample data comes with two example requirements (issue #23), so a new user sees a filled training matrix at once.
 * The course ids are the sample provider's first two catalogue entries (providers/sample.ts: C100 Fire Safety
 * Essentials, C101 Data Protection & GDPR). A second sample account joins its courses to the same requirements: one
 * training across two accounts, as real ones are.
 */
import type { CoreContext } from '../api/context';
import { writeTransaction } from '../store/db';
import type { RequirementWrite } from '../store/requirements-repo';

const NO_AUDIENCE = { accounts: [], departments: [], groups: [], emails: [] };

export const SAMPLE_REQUIREMENTS: (Omit<RequirementWrite, 'courses'> & { courseId: string })[] = [
  { name: 'Fire Safety', courseId: 'C100', dueDays: 30, renewMonths: 12, windowDays: 30, audience: NO_AUDIENCE },
  { name: 'Data Protection', courseId: 'C101', dueDays: 60, renewMonths: 24, windowDays: 30, audience: NO_AUDIENCE },
];

export function seedSampleRequirements(ctx: CoreContext, accountId: string): void {
  const now = ctx.now().toISOString();
  writeTransaction(ctx.db, () => {
    for (const { courseId, ...sample } of SAMPLE_REQUIREMENTS) {
      const course = { accountId, courseId };
      const existing = ctx.requirements.find(sample.name);
      if (!existing) ctx.requirements.insert({ ...sample, courses: [course] }, now);
      else if (existing.name === sample.name) {
        ctx.requirements.update(existing.id, { ...existing, courses: [...existing.courses, course] }, now);
      }
    }
  })();
  ctx.events.emit('compliance.changed', {});
}
