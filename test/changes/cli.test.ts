/**
 * Two syncs of a sample account (the second is the sample's "next day") show the same changes in
 * `rollbook changes --json` (JSON lines) and in the changes report (CSV, and the PDF's digest read back).
 */
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_KINDS } from '../../electron/core/contract/channels/changes';
import { cli } from '../support/cli';
import { pdfFlatText } from '../support/pdf-read';
import { tempDir } from '../support/tmp';

const KEYS = ['kind', 'at', 'account', 'courseId', 'courseName', 'learnerId', 'learnerEmail', 'from', 'to'];

describe('rollbook changes', () => {
  const dir = tempDir();
  const out = tempDir('rollbook-changes-out-');
  const run = (...args: string[]) => cli([...args, '--data-dir', dir.path]);
  let lines: Record<string, string | null>[] = [];

  beforeAll(async () => {
    expect((await run('accounts', 'add', 'sample', '--label', 'Demo')).code).toBe(0);
    expect((await run('sync')).code).toBe(0);
    expect((await run('sync')).code).toBe(0);
    const json = await run('changes', '--json');
    expect(json.code).toBe(0);
    lines = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, string | null>);
  }, 120_000);
  afterAll(() => {
    dir.cleanup();
    out.cleanup();
  });

  it('prints one change per line with the documented keys, from the sample drift', () => {
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      for (const key of KEYS) expect(line).toHaveProperty(key);
      expect(CHANGE_KINDS).toContain(line.kind);
      expect(line.account).toBe('Demo');
    }
    const kinds = new Set(lines.map((l) => l.kind));
    for (const kind of ['status_changed', 'learner_added', 'learner_left', 'enrolled', 'session_cancelled'])
      expect(kinds).toContain(kind);
    expect(lines.some((l) => l.kind === 'status_changed' && l.to === 'completed')).toBe(true);
    const added = lines.find((l) => l.kind === 'learner_added')!;
    expect(added).toMatchObject({ learnerEmail: 'new.starter1@example.org', courseId: null, from: null });
  });

  it('filters by kind, and shows the first sync as a baseline', async () => {
    const only = await run('changes', '--json', '--kind', 'status_changed', '--account', 'Demo');
    const rows = only.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string });
    expect(rows.length).toBe(lines.filter((l) => l.kind === 'status_changed').length);
    expect(rows.every((r) => r.kind === 'status_changed')).toBe(true);
    const human = await run('changes', '--since', '2000-01-01');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/Demo — sync of .*: first sync, recorded as the starting point \(\d+ courses/);
    expect(human.stdout).toMatch(/Demo — sync of .*: \d+ changes/);
    const bad = await run('changes', '--kind', 'finished');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Unknown kind "finished"/);
    const both = await run('changes', '--since', '2026-01-01', '--last-sync');
    expect(both.code).toBe(2);
  });

  it('the changes report lists the same changes (CSV), and its PDF opens with the digest', async () => {
    const csv = join(out.path, 'changes.csv');
    const written = await run('report', 'changes', '--format', 'csv', '--out', csv, '--from', '2000-01-01', '--no-bom');
    expect(written.code).toBe(0);
    const [header, ...rows] = parse(readFileSync(csv)) as string[][];
    expect(header).toEqual([
      'When',
      'Account',
      'Platform',
      'Change',
      'Course ID',
      'Course',
      'Learner ID',
      'Learner',
      'Email',
      'Session ID',
      'Session',
      'From',
      'To',
    ]);
    const fromCsv = rows.map((r) => [r[3], r[4] || null, r[6] || null, r[11] || null, r[12] || null].join('|')).sort();
    const fromJson = lines.map((l) => [l.kind, l.courseId, l.learnerId, l.from, l.to].join('|')).sort();
    expect(fromCsv).toEqual(fromJson);

    const pdf = join(out.path, 'changes.pdf');
    expect((await run('report', 'changes', '--format', 'pdf', '--out', pdf)).code).toBe(0);
    const text = pdfFlatText(pdf);
    const completions = lines.filter((l) => l.kind === 'status_changed' && (l.to === 'completed' || l.to === 'passed'));
    const noun = completions.length === 1 ? 'completion' : 'completions';
    expect(text).toContain(`All recorded changes: ${completions.length} ${noun}`);
    expect(text).toContain(`(${lines.length} changes in all)`);
    expect(text).toContain('New Starter 1');
  }, 120_000);
});
