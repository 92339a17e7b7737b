/**
 * The requirement and exemption dialogs place the core's refusals beside their fields: fed the messages a real core
 * gives for bad input, each lands on the field it names.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RollbookError } from '../../electron/core/contract/errors';
import { fieldProblems } from '../../renderer/src/lib/field-problems';
import { testCore } from '../support/core';
import { rejectionOf } from '../support/rejection';

const FIELDS = ['name', 'courses', 'audience.emails', 'audience', 'renewMonths', 'windowDays'];

describe('fieldProblems (core refusals → form fields)', () => {
  let t: ReturnType<typeof testCore>;
  beforeEach(() => (t = testCore({ inlineSync: true })));
  afterEach(() => t.cleanup());

  const refusal = async (promise: Promise<unknown>) => (await rejectionOf(RollbookError, promise)).message;

  it('puts each zod issue on the field its path starts with', async () => {
    const message = await refusal(
      t.core.call('requirements.add', {
        name: ' ',
        courses: [],
        audience: { emails: ['ann@example.com', 'nobody'] },
        renewMonths: 0,
      }),
    );
    const problems = fieldProblems(message, FIELDS);
    expect(problems.name).toBe('A requirement needs a name');
    expect(problems.courses).toBe('A requirement needs at least one course (ACCOUNT:COURSE_ID)');
    expect(problems['audience.emails']).toBe('"nobody" is not an e-mail address');
    expect(problems.renewMonths).toBe('A renewal is at least 1 month');
    expect(problems['']).toBeUndefined();
  });

  it('places the core’s own "field: …" refusals, and keeps the rest for the whole form', async () => {
    const sample = await t.core.call('accounts.add', { label: 'North', settings: { platform: 'sample', seed: 1 } });
    await t.core.call('sync.run', {});
    const [course] = await t.core.call('workspace.courses', { accountIds: [sample.account.id] });
    const input = { name: 'Ladder work', courses: [{ account: 'North', courseId: course!.id }] };
    await t.core.call('requirements.add', input);
    const taken = fieldProblems(await refusal(t.core.call('requirements.add', input)), FIELDS);
    expect(taken.name).toMatch(/^a requirement named "Ladder work" already exists/);

    const unknown = await refusal(
      t.core.call('requirements.add', { name: 'Other', courses: [{ account: 'Nowhere', courseId: 'c' }] }),
    );
    expect(fieldProblems(unknown, FIELDS).courses).toMatch(/there is no account "Nowhere"/);

    // The audience's choices: every department and group of the account's active learners (leavers hidden), sorted, each once.
    const learners = (await t.core.call('workspace.learners', { limit: 1000 })).rows;
    const choices = await t.core.call('compliance.audienceChoices');
    const sorted = (values: (string | null)[]) =>
      [...new Set(values.filter((v): v is string => v !== null))].sort((a, b) => a.localeCompare(b));
    expect(choices.departments).toEqual(sorted(learners.map((l) => l.department)));
    // (The directory rows do not carry groups: those are checked for order and uniqueness only.)
    expect(choices.groups).toEqual(sorted(choices.groups));
    expect(choices.groups.length).toBeGreaterThan(1);
    expect(choices.departments.length).toBeGreaterThan(1);

    const missing = await refusal(t.core.call('requirements.remove', { requirement: 'Nothing' }));
    expect(fieldProblems(missing, FIELDS)).toEqual({ '': missing });
  });
});
