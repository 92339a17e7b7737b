import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import type { Learner, Progress } from '../../electron/core/contract/domain';
import type { SampleSettings } from '../../electron/core/contract/accounts';
import { testCore } from '../support/core';
import { course, learner, scriptedConnector, type Dataset } from '../support/scripted-connector';
import { rejectionOf } from '../support/rejection';
import { RollbookError } from '../../electron/core/contract/errors';
import { tempDir } from '../support/tmp';
import { pdfFlatText } from '../support/pdf-read';
import * as XLSX from 'xlsx';

const NOW = new Date('2026-06-15T12:00:00.000Z');

const person = (id: string, name: string, email: string | null, extra: Partial<Learner> = {}): Learner => ({
  ...learner(id, name, email),
  ...extra,
});

function progress(courseId: string, learnerId: string, status: Progress['status'], extra: Partial<Progress> = {}) {
  return {
    courseId,
    learnerId,
    status,
    rawStatus: status,
    progressPct: null,
    score: null,
    startedAt: null,
    completedAt: null,
    lastActivityAt: null,
    ...extra,
  } satisfies Progress;
}

const empty = (): Dataset => ({ courses: [], sessions: [], learners: [], attendance: [], progress: [] });

/** Account "North" (seed 1) and "South" (seed 2): Bob is in both, and the two disagree about him. */
function dataset(seed: number): Dataset {
  const data = empty();
  if (seed === 1) {
    data.courses.push(course('FA', 'First Aid'), course('FS', 'Fire Safety'));
    data.learners.push(
      person('a', 'Ann Archer', 'ann@example.org', { department: 'Kitchen' }),
      person('b', 'Bob Baker', 'bob@example.org', { department: 'Floor' }),
      person('c', 'Cat Cole', 'cat@example.org', { status: 'blocked' }),
      person('d', 'Dan Dunn', null),
    );
    data.progress.push(
      progress('FA', 'a', 'completed', { completedAt: '2026-01-10T09:00:00.000Z' }),
      progress('FA', 'b', 'in_progress', { dueAt: '2026-06-01' }),
      progress('FA', 'c', 'not_started'),
      progress('FA', 'd', 'not_started'),
      progress('FS', 'a', 'not_started', { dueAt: '2026-06-01' }),
    );
  } else {
    data.courses.push(course('X1', 'First Aid (South)'));
    data.learners.push(
      person('s1', 'Ann Archer', 'ANN@example.org'),
      person('s2', 'Bob Baker', 'Bob@Example.org'),
      person('s3', 'Eve Evans', 'eve@example.org'),
    );
    data.progress.push(
      progress('X1', 's1', 'not_started'),
      progress('X1', 's2', 'completed', { completedAt: '2026-06-10T09:00:00.000Z' }),
      progress('X1', 's3', 'passed', { completedAt: '2025-06-20T09:00:00.000Z' }),
    );
  }
  return data;
}

describe('compliance through the core', () => {
  let t: ReturnType<typeof testCore>;
  let core: Core;
  const out = tempDir('rollbook-compliance-');

  beforeEach(async () => {
    t = testCore({
      inlineSync: true,
      now: () => NOW,
      createConnector: (settings) => scriptedConnector({ data: dataset((settings as SampleSettings).seed ?? 1) }),
    });
    core = t.core;
    await core.call('accounts.add', { label: 'North', settings: { platform: 'sample', seed: 1 } });
    await core.call('accounts.add', { label: 'South', settings: { platform: 'sample', seed: 2 } });
    await core.call('sync.run', {});
    // Sample accounts come with example requirements; these tests define their own.
    for (const r of await core.call('requirements.list'))
      await core.call('requirements.remove', { requirement: r.name });
    await core.call('requirements.add', {
      name: 'First Aid',
      courses: [
        { account: 'North', courseId: 'FA' },
        { account: 'South', courseId: 'X1' },
      ],
      renewMonths: 12,
      dueDays: 30,
    });
  });
  afterEach(() => t.cleanup());

  const cells = async () => {
    const matrix = await core.call('compliance.matrix', { limit: 1000 });
    return Object.fromEntries(matrix.rows.map((r) => [r.name, r.cells[0]]));
  };

  it('matches people by e-mail across accounts, best result wins, leavers left out', async () => {
    expect(await cells()).toEqual({
      'Ann Archer': { status: 'compliant', date: '2027-01-10' },
      // Overdue in North, done in South: compliant.
      'Bob Baker': { status: 'compliant', date: '2027-06-10' },
      // No e-mail: a person of their own; first seen today, due 30 days on.
      'Dan Dunn': { status: 'due', date: '2026-07-15' },
      'Eve Evans': { status: 'expiring', date: '2026-06-20' },
    });
    const matrix = await core.call('compliance.matrix', {});
    expect(matrix.rows.map((r) => r.name)).toEqual(['Ann Archer', 'Bob Baker', 'Dan Dunn', 'Eve Evans']);
    expect(matrix.rows.some((r) => r.email === 'cat@example.org')).toBe(false);
    expect(matrix.rows.find((r) => r.name === 'Dan Dunn')!.key).toMatch(/^#/);
  });

  it('summary, matrix, actions, the reports and the counts agree', async () => {
    const summary = await core.call('compliance.summary', {});
    expect(summary.requirements).toHaveLength(1);
    const first = summary.requirements[0]!;
    expect(first).toMatchObject({ name: 'First Aid', people: 4, compliantShare: 75, coursesNotInCache: 0 });
    expect(first.counts).toMatchObject({ compliant: 2, expiring: 1, due: 1, overdue: 0 });
    const actions = await core.call('compliance.actions', {});
    expect(actions.rows.map((a) => [a.status, a.name, a.days])).toEqual([
      ['expiring', 'Eve Evans', 5],
      ['due', 'Dan Dunn', 30],
    ]);
    const attention = await core.call('compliance.attention', {});
    expect(attention.counts).toEqual({ overdue: 0, expired: 0, due: 1, expiring: 1 });

    const csv = join(out.path, 'compliance.csv');
    await core.call('compliance.export', { kind: 'compliance', format: 'csv', path: csv, options: { bom: false } });
    const lines = readFileSync(csv, 'utf8').trim().split('\r\n');
    expect(lines[0]).toBe('Learner,Email,First Aid,First Aid date');
    expect(lines).toContain('Eve Evans,eve@example.org,expiring,2026-06-20');
    expect(lines.slice(1).filter((l) => l.includes(',compliant,'))).toHaveLength(first.counts.compliant);

    const actionsCsv = join(out.path, 'actions.csv');
    await core.call('compliance.export', { kind: 'actions', format: 'csv', path: actionsCsv, options: { bom: false } });
    expect(readFileSync(actionsCsv, 'utf8').trim().split('\r\n')).toEqual([
      'Requirement,Learner,Email,Status,Date,Days',
      'First Aid,Eve Evans,eve@example.org,expiring,2026-06-20,5',
      'First Aid,Dan Dunn,,due,2026-07-15,30',
    ]);
  });

  it('writes the reports as XLSX and PDF from the same figures, and guards names against formulas', async () => {
    await core.call('requirements.update', { requirement: 'First Aid', changes: { name: '=HYPERLINK("x")' } });
    const csv = join(out.path, 'guarded.csv');
    await core.call('compliance.export', { kind: 'compliance', format: 'csv', path: csv, options: { bom: false } });
    expect(readFileSync(csv, 'utf8').split('\r\n')[0]).toBe(
      `Learner,Email,"'=HYPERLINK(""x"")","'=HYPERLINK(""x"") date"`,
    );
    await core.call('requirements.update', { requirement: '=HYPERLINK("x")', changes: { name: 'First Aid' } });

    const xlsx = join(out.path, 'compliance.xlsx');
    await core.call('compliance.export', { kind: 'compliance', format: 'xlsx', path: xlsx });
    const book = XLSX.read(readFileSync(xlsx));
    expect(book.SheetNames).toEqual(['Summary', 'Compliance']);
    const rows = XLSX.utils.sheet_to_json<Record<string, string>>(book.Sheets.Compliance!);
    expect(rows.find((r) => r.Learner === 'Eve Evans')).toMatchObject({
      'First Aid': 'expiring',
      'First Aid date': '2026-06-20',
    });
    expect(rows).toHaveLength(4);

    const pdf = join(out.path, 'actions.pdf');
    const written = await core.call('compliance.export', { kind: 'actions', format: 'pdf', path: pdf });
    expect(written).toMatchObject({ rows: 2, truncated: false });
    const text = pdfFlatText(pdf);
    expect(text).toContain('Compliance actions');
    expect(text).toContain('Share compliant by requirement');
    expect(text).toMatch(/First Aid Eve Evans eve@example.org expiring 2026-06-20 5/);
    expect(text).toMatch(/expiring: 1 \(25%\)/);
  }, 120_000);

  it('filters by account, department, status and search', async () => {
    const north = await core.call('accounts.list').then((a) => a.find((x) => x.label === 'North')!.id);
    const byAccount = await core.call('compliance.matrix', { filters: { accountIds: [north] } });
    expect(byAccount.rows.map((r) => r.name)).toEqual(['Ann Archer', 'Bob Baker', 'Dan Dunn']);
    const kitchen = await core.call('compliance.summary', { filters: { departments: ['kitchen'] } });
    expect(kitchen.requirements[0]!.people).toBe(1);
    const expiring = await core.call('compliance.matrix', { filters: { statuses: ['expiring'] } });
    expect(expiring.rows.map((r) => r.name)).toEqual(['Eve Evans']);
    const search = await core.call('compliance.matrix', { filters: { search: 'BOB' } });
    expect(search.total).toBe(1);
    const page = await core.call('compliance.matrix', { offset: 1, limit: 2 });
    expect(page).toMatchObject({ total: 4, offset: 1 });
    expect(page.rows.map((r) => r.name)).toEqual(['Bob Baker', 'Dan Dunn']);
  });

  it("shows a person's requirements with the rows behind them", async () => {
    const bob = await core.call('compliance.person', { key: 'BOB@example.org' });
    expect(bob.person).toMatchObject({ name: 'Bob Baker', email: 'bob@example.org' });
    expect(bob.person!.accountIds).toHaveLength(2);
    expect(bob.requirements).toHaveLength(1);
    expect(bob.requirements[0]!.status).toBe('compliant');
    expect(bob.requirements[0]!.evidence.map((e) => [e.courseId, e.status, e.dueAt]).sort()).toEqual([
      ['FA', 'in_progress', '2026-06-01'],
      ['X1', 'completed', null],
    ]);
  });

  it('exemptions apply to everyone with that e-mail, and end', async () => {
    await core.call('exemptions.add', { requirement: 'first aid', email: 'Eve@Example.org', reason: 'Medical' });
    expect((await cells())['Eve Evans']).toEqual({ status: 'exempt', date: null });
    const [exemption] = await core.call('exemptions.list', {});
    expect(exemption).toMatchObject({ requirement: 'First Aid', email: 'eve@example.org', reason: 'Medical' });
    await core.call('exemptions.add', {
      requirement: 'First Aid',
      email: 'eve@example.org',
      reason: 'Medical',
      endsOn: '2026-06-14',
    });
    expect((await cells())['Eve Evans']!.status).toBe('expiring');
    expect(await core.call('exemptions.remove', { id: exemption!.id })).toEqual({ removed: true });
  });

  it('keeps requirements through a full resync and an account removal; the missing course is "not in the cache"', async () => {
    await core.call('sync.run', { mode: 'full' });
    expect((await cells())['Bob Baker']!.status).toBe('compliant');
    const south = (await core.call('accounts.list')).find((a) => a.label === 'South')!;
    await core.call('accounts.remove', { account: south.id });
    const [requirement] = await core.call('requirements.list');
    expect(requirement!.courses).toEqual([
      expect.objectContaining({ courseId: 'FA', inCache: true, courseName: 'First Aid', accountLabel: 'North' }),
      { accountId: south.id, accountLabel: null, courseId: 'X1', courseName: null, inCache: false },
    ]);
    // Without South's completion, North's overdue row decides.
    expect((await cells())['Bob Baker']).toEqual({ status: 'overdue', date: '2026-06-01' });
    const summary = await core.call('compliance.summary', {});
    expect(summary.requirements[0]!.coursesNotInCache).toBe(1);
    // The requirement stays editable: the missing course is kept as it was.
    const edited = await core.call('requirements.update', { requirement: 'First Aid', changes: { windowDays: 7 } });
    expect(edited).toMatchObject({
      windowDays: 7,
      courses: [expect.anything(), expect.objectContaining({ courseId: 'X1' })],
    });
  });

  it('restricts the audience to departments and e-mails, and recomputes after an edit', async () => {
    await core.call('requirements.update', {
      requirement: 'First Aid',
      changes: { audience: { accounts: [], departments: ['Floor'], groups: [], emails: ['new.starter@example.org'] } },
    });
    const matrix = await core.call('compliance.matrix', {});
    expect(matrix.rows.map((r) => [r.key, r.cells[0]!.status])).toEqual([
      ['bob@example.org', 'compliant'],
      // Listed but in no account yet: not started, due 30 days after first seen.
      ['new.starter@example.org', 'due'],
    ]);
  });

  it('refuses bad requirements with a message naming the field, and changes nothing', async () => {
    const before = await core.call('requirements.list');
    const noCourses = await rejectionOf(RollbookError, core.call('requirements.add', { name: 'Empty', courses: [] }));
    expect(noCourses).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/courses/) });
    expect(noCourses.message).toMatch(/at least one course/);
    for (const renewMonths of [0, 1000]) {
      const bad = await rejectionOf(
        RollbookError,
        core.call('requirements.add', { name: 'R', courses: [{ account: 'North', courseId: 'FA' }], renewMonths }),
      );
      expect(bad).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/renewMonths/) });
    }
    const emails = await rejectionOf(
      RollbookError,
      core.call('requirements.add', {
        name: 'R',
        courses: [{ account: 'North', courseId: 'FA' }],
        audience: { emails: ['a@example.org', 'not an address', 'A@example.org'] },
      }),
    );
    expect(emails.message).toMatch(/audience\.emails/);
    expect(emails.message).toMatch(/"not an address" is not an e-mail address/);
    expect(emails.message).toMatch(/A@example.org is listed twice/);
    const account = await rejectionOf(
      RollbookError,
      core.call('requirements.add', { name: 'R', courses: [{ account: 'Nowhere', courseId: 'FA' }] }),
    );
    expect(account).toMatchObject({ code: 'account_not_found', message: expect.stringMatching(/courses\[0\]/) });
    const duplicate = await rejectionOf(
      RollbookError,
      core.call('requirements.add', { name: 'FIRST AID', courses: [{ account: 'North', courseId: 'FS' }] }),
    );
    expect(duplicate).toMatchObject({ code: 'conflict', message: expect.stringMatching(/name/) });
    expect(await core.call('requirements.list')).toEqual(before);
  });

  it('exports and imports the versioned file in one transaction, keeping unknown courses', async () => {
    const document = await core.call('requirements.export');
    expect(document).toMatchObject({ format: 'rollbook-requirements', version: 1 });
    expect(document.requirements[0]!.courses).toEqual([
      { account: 'North', courseId: 'FA' },
      { account: 'South', courseId: 'X1' },
    ]);
    const before = await core.call('requirements.list');
    const other = await rejectionOf(
      RollbookError,
      core.call('requirements.import', { document: { ...document, version: 2 } }),
    );
    expect(other).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/version/) });
    const twice = await rejectionOf(
      RollbookError,
      core.call('requirements.import', {
        document: { ...document, requirements: [document.requirements[0], document.requirements[0]] },
      }),
    );
    expect(twice.message).toMatch(/requirements\[1\]\.name/);
    const halfBad = await rejectionOf(
      RollbookError,
      core.call('requirements.import', {
        document: {
          ...document,
          requirements: [
            { ...document.requirements[0], name: 'New one' },
            { ...document.requirements[0], name: 'Broken', renewMonths: 0 },
          ],
        },
      }),
    );
    expect(halfBad.message).toMatch(/requirements\[1\]\.renewMonths|renewMonths/);
    expect(await core.call('requirements.list')).toEqual(before);

    const result = await core.call('requirements.import', {
      document: {
        ...document,
        requirements: [
          { ...document.requirements[0], dueDays: 14 },
          {
            name: 'Forklift',
            courses: [{ account: 'Elsewhere', courseId: 'K9' }],
            exemptions: [{ email: 'ann@example.org', reason: 'Office only' }],
          },
        ],
      },
    });
    expect(result).toEqual({ added: ['Forklift'], replaced: ['First Aid'], notInCache: ['Forklift: Elsewhere:K9'] });
    const list = await core.call('requirements.list');
    expect(list.map((r) => [r.name, r.dueDays, r.exemptions])).toEqual([
      ['First Aid', 14, 0],
      ['Forklift', null, 1],
    ]);
    expect(list[1]!.courses[0]).toMatchObject({ accountId: 'Elsewhere', inCache: false });
  });
});
