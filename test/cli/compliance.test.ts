import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPLIANCE_STATUSES } from '../../electron/core/contract/channels/compliance';
import { cli } from '../support/cli';
import { tempDir } from '../support/tmp';

/** CSV records (no quoted commas in these files: the names are ASCII without commas). */
const records = (file: string) =>
  readFileSync(file, 'utf8')
    .replace(/^\ufeff/, '')
    .trim()
    .split('\r\n')
    .map((line) => line.split(','));

describe('rollbook requirements, compliance and the compliance reports', () => {
  const dir = tempDir();
  const out = tempDir('rollbook-cli-compliance-');
  const run = (...args: string[]) => cli([...args, '--data-dir', dir.path]);
  beforeAll(async () => {
    expect((await run('accounts', 'add', 'sample', '--label', 'Demo')).code).toBe(0);
    expect((await run('accounts', 'add', 'sample', '--label', 'Branch', '--seed', '7')).code).toBe(0);
    expect((await run('sync')).code).toBe(0);
  });
  afterAll(() => {
    dir.cleanup();
    out.cleanup();
  });

  it('sample accounts come with two example requirements spanning both accounts', async () => {
    const list = await run('requirements', 'list', '--json');
    expect(list.code).toBe(0);
    const requirements = JSON.parse(list.stdout) as { name: string; courses: { inCache: boolean }[] }[];
    expect(requirements.map((r) => r.name)).toEqual(['Data Protection', 'Fire Safety']);
    for (const r of requirements) {
      expect(r.courses).toHaveLength(2);
      expect(r.courses.every((c) => c.inCache)).toBe(true);
    }
  });

  it('`compliance --json`, the compliance report and the actions report give the same counts', async () => {
    const result = await run('compliance', '--json');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as Record<string, number | string>[];
    expect(summary).toHaveLength(2);
    for (const row of summary) {
      expect(Object.keys(row).sort()).toEqual(['requirement', 'people', ...COMPLIANCE_STATUSES].sort());
      const cells = COMPLIANCE_STATUSES.reduce((n, s) => n + Number(row[s]), 0);
      expect(cells).toBe(row.people);
      expect(Number(row.people)).toBeGreaterThan(0);
    }

    const matrix = join(out.path, 'compliance.csv');
    expect((await run('report', 'compliance', '--format', 'csv', '--out', matrix)).code).toBe(0);
    const [header, ...rows] = records(matrix);
    expect(header).toEqual([
      'Learner',
      'Email',
      'Data Protection',
      'Data Protection date',
      'Fire Safety',
      'Fire Safety date',
    ]);
    for (const row of summary) {
      const column = header!.indexOf(String(row.requirement));
      for (const status of COMPLIANCE_STATUSES) {
        expect(rows.filter((r) => r[column] === status).length, `${row.requirement} ${status}`).toBe(row[status]);
      }
    }

    const actions = join(out.path, 'actions.csv');
    expect((await run('report', 'actions', '--format', 'csv', '--out', actions)).code).toBe(0);
    const [actionHeader, ...actionRows] = records(actions);
    expect(actionHeader).toEqual(['Requirement', 'Learner', 'Email', 'Status', 'Date', 'Days']);
    for (const row of summary) {
      for (const status of ['overdue', 'expired', 'due', 'expiring']) {
        const n = actionRows.filter((r) => r[0] === row.requirement && r[3] === status).length;
        expect(n, `${row.requirement} ${status}`).toBe(row[status]);
      }
    }
    // Late ones first, with negative days; then the rest by date.
    const days = actionRows.map((r) => Number(r[5]));
    const late = actionRows.filter((r) => r[3] === 'overdue' || r[3] === 'expired').length;
    expect(days.slice(0, late).every((d) => d < 0)).toBe(true);
    expect(days.slice(late)).toEqual([...days.slice(late)].sort((a, b) => a - b));

    const one = join(out.path, 'fire.csv');
    const filtered = await run('report', 'compliance', '--out', one, '--requirement', 'fire safety');
    expect(filtered.code).toBe(0);
    expect(records(one)[0]).toEqual(['Learner', 'Email', 'Fire Safety', 'Fire Safety date']);
  }, 300_000);

  it('adds, edits, exports, imports and removes requirements; bad input names the field', async () => {
    const emails = join(out.path, 'emails.txt');
    writeFileSync(emails, 'new.hire@example.org\n# a comment\n\nother@example.org\n');
    const added = await run(
      'requirements',
      'add',
      'Manual Handling',
      '--course',
      'Demo:C104',
      '--course',
      'Branch:C104',
      '--emails',
      emails,
      '--renew-months',
      '36',
      '--due-days',
      '14',
    );
    expect(added).toMatchObject({ code: 0, stdout: 'Added "Manual Handling".\n' });

    // The core's tests cover each bad input; here, that the CLI reads the file and passes the core's message on.
    writeFileSync(emails, 'a@example.org\nnonsense\nA@example.org\n');
    const junk = await run('requirements', 'add', 'Junk', '--course', 'Demo:C100', '--emails', emails);
    expect(junk.code).toBe(2);
    expect(junk.stderr).toMatch(/"nonsense" is not an e-mail address/);
    expect(junk.stderr).toMatch(/A@example.org is listed twice/);
    expect(junk.stderr).toMatch(/audience\.emails/);

    const edited = await run('requirements', 'edit', 'Manual Handling', '--no-renew-months', '--window-days', '10');
    expect(edited.code).toBe(0);
    const list = JSON.parse((await run('requirements', 'list', '--json')).stdout) as Record<string, unknown>[];
    expect(list.find((r) => r.name === 'Manual Handling')).toMatchObject({
      renewMonths: null,
      dueDays: 14,
      windowDays: 10,
      audience: { emails: ['new.hire@example.org', 'other@example.org'] },
    });

    const file = join(out.path, 'requirements.json');
    expect((await run('requirements', 'export', file)).code).toBe(0);
    const document = JSON.parse(readFileSync(file, 'utf8')) as { version: number; requirements: unknown[] };
    expect(document.requirements).toHaveLength(3);

    const wrongVersion = join(out.path, 'v2.json');
    writeFileSync(wrongVersion, JSON.stringify({ ...document, version: 2 }));
    const refused = await run('requirements', 'import', wrongVersion);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/version/);

    expect((await run('requirements', 'remove', 'Manual Handling', '--yes')).code).toBe(0);
    expect((await run('requirements', 'import', file)).stdout).toBe('Imported: 1 added, 2 replaced.\n');
    const after = JSON.parse((await run('requirements', 'list', '--json')).stdout) as { name: string }[];
    expect(after.map((r) => r.name)).toEqual(['Data Protection', 'Fire Safety', 'Manual Handling']);
    // Each step starts the CLI afresh, which takes seconds on a busy machine.
  }, 300_000);
});
