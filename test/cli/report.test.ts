import { parse } from 'csv-parse/sync';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as XLSX from 'xlsx';
import { tempDir } from '../support/tmp';
import { cli } from '../support/cli';
import { generateSampleDataset } from '../../electron/core/providers/sample';

describe('rollbook report', () => {
  const dir = tempDir();
  const out = tempDir('rollbook-cli-out-');
  const run = (...args: string[]) => cli([...args, '--data-dir', dir.path]);
  beforeAll(async () => {
    expect((await run('accounts', 'add', 'sample', '--label', 'Demo')).code).toBe(0);
    expect((await run('sync')).code).toBe(0);
  });
  afterAll(() => {
    dir.cleanup();
    out.cleanup();
  });

  it('writes a filtered CSV, refuses to overwrite, and overwrites with --force', async () => {
    const file = join(out.path, 'done.csv');
    const first = await run(
      'report',
      'completions',
      '--format',
      'csv',
      '--out',
      file,
      '--account',
      'Demo',
      '--status',
      'completed',
      '--status',
      'passed',
      '--from',
      '2026-01-01',
      '--to',
      '2099-12-31',
      '--no-bom',
    );
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Wrote \d[\d,]* rows to .*done\.csv/);
    const rows = parse(readFileSync(file)) as string[][];
    expect(rows[0]![0]).toBe('Account');
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.slice(1).every((r) => r[7] === 'completed' || r[7] === 'passed')).toBe(true);
    expect(readFileSync(file)[0]).not.toBe(0xef);
    const again = await run('report', 'completions', '--out', file);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists.*--force/);
    expect((await run('report', 'completions', '--out', file, '--force')).code).toBe(0);
  });

  it('bad status, bad dates and unknown kinds exit 2 with a message', async () => {
    const file = join(out.path, 'x.csv');
    const status = await run('report', 'completions', '--out', file, '--status', 'done');
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/Unknown status "done"/);
    const date = await run('report', 'completions', '--out', file, '--from', '2026-13-45');
    expect(date.code).toBe(2);
    expect(date.stderr).toMatch(/--from <YYYY-MM-DD>.*2026-13-45 is not a real date/);
    const impossible = await run('report', 'completions', '--out', file, '--to', '2026-02-30');
    expect(impossible.code).toBe(2);
    expect(impossible.stderr).toMatch(/--to <YYYY-MM-DD>.*2026-02-30 is not a real date/);
    // A far-future "to" used to give 0 rows silently: its next day sorted before every real date.
    const far = await run('report', 'completions', '--out', file, '--to', '9999-12-31');
    expect(far.code).toBe(2);
    expect(far.stderr).toMatch(/--to <YYYY-MM-DD>.*out of range.*1970 to 2200/);
    const order = await run('report', 'completions', '--out', file, '--from', '2026-05-01', '--to', '2026-04-01');
    expect(order.code).toBe(2);
    expect((await run('report', 'grades', '--out', file)).code).toBe(2);
    const transcript = await run('report', 'learner', '--out', file);
    expect(transcript.code).toBe(2);
    expect(transcript.stderr).toMatch(/needs the learner's e-mail/);
    expect(existsSync(file)).toBe(false);
  });

  it('--overdue, --due-before, --expires-before and --include-leavers filter the completions', async () => {
    const csv = async (name: string, ...flags: string[]) => {
      const file = join(out.path, `${name}.csv`);
      const result = await run('report', 'completions', '--out', file, '--no-bom', ...flags);
      expect(result.code, result.stderr).toBe(0);
      return parse(readFileSync(file), { columns: true }) as Record<string, string>[];
    };
    const all = await csv('all');
    const withLeavers = await csv('leavers', '--include-leavers');
    // Leavers' statuses come from the seed alone (1, the default), not from the day the data is anchored to.
    const leavers = new Set(
      generateSampleDataset(1, new Date())
        .learners.filter((l) => l.status === 'blocked' || l.status === 'deleted')
        .map((l) => l.id),
    );
    expect(all.filter((r) => leavers.has(r['Learner ID']!))).toEqual([]);
    expect(withLeavers.filter((r) => leavers.has(r['Learner ID']!)).length).toBeGreaterThan(0);
    expect(withLeavers.length).toBeGreaterThan(all.length);

    const overdue = await csv('overdue', '--overdue');
    expect(overdue.length).toBeGreaterThan(0);
    expect(overdue.length).toBe(all.filter((r) => r.Overdue === 'yes').length);
    expect(
      overdue.every((r) => r.Overdue === 'yes' && r.Due !== '' && !['completed', 'passed'].includes(r.Status!)),
    ).toBe(true);

    const dues = all
      .map((r) => r.Due!)
      .filter(Boolean)
      .sort();
    const cut = dues[Math.floor(dues.length / 2)]!.slice(0, 10);
    const dueBefore = await csv('due', '--due-before', cut);
    expect(dueBefore.length).toBe(all.filter((r) => r.Due !== '' && r.Due! < cut).length);
    expect(dueBefore.length).toBeGreaterThan(0);

    const expiries = all
      .flatMap((r) => [r.Expires!, r['Certificate expires']!])
      .filter(Boolean)
      .sort();
    const soon = expiries[Math.floor(expiries.length / 2)]!.slice(0, 10);
    const expiring = await csv('expiring', '--expires-before', soon);
    expect(expiring.length).toBeGreaterThan(0);
    expect(
      expiring.every(
        (r) =>
          (r.Expires !== '' && r.Expires! < soon) ||
          (r['Certificate expires'] !== '' && r['Certificate expires']! < soon),
      ),
    ).toBe(true);

    const file = join(out.path, 'bad.csv');
    const badDay = await run('report', 'completions', '--out', file, '--due-before', '2026-02-30');
    expect(badDay.code).toBe(2);
    expect(badDay.stderr).toMatch(/--due-before <YYYY-MM-DD>.*2026-02-30 is not a real date/);
    const badExpiry = await run('report', 'completions', '--out', file, '--expires-before', 'soon');
    expect(badExpiry.code).toBe(2);
    expect(badExpiry.stderr).toMatch(/--expires-before <YYYY-MM-DD>.*"soon" is not a date/);
    const wrongKind = await run('report', 'courses', '--out', file, '--overdue');
    expect(wrongKind.code).toBe(2);
    expect(wrongKind.stderr).toMatch(/Due and expiry filters apply to completions and learner transcripts/);
    expect(existsSync(file)).toBe(false);
  });

  it('saves a definition and re-runs it by name; PDF export works from the CLI', async () => {
    const file = join(out.path, 'saved.csv');
    expect((await run('report', 'courses', '--out', file, '--save-as', 'Monthly compliance')).code).toBe(0);
    const rerun = join(out.path, 'rerun.pdf');
    const pdf = await run('report', '--saved', 'monthly compliance', '--format', 'pdf', '--out', rerun);
    expect(pdf.code).toBe(0);
    expect(readFileSync(rerun).subarray(0, 5).toString()).toBe('%PDF-');
    writeFileSync(join(out.path, 'keep.txt'), 'x');
  });

  it('writes an Excel workbook with --format xlsx', async () => {
    const file = join(out.path, 'done.xlsx');
    const result = await run('report', 'completions', '--format', 'xlsx', '--out', file, '--status', 'completed');
    expect(result.code).toBe(0);
    const rows = Number(/^Wrote (\d[\d,]*) rows to .*done\.xlsx/.exec(result.stdout)![1]!.replaceAll(',', ''));
    const book = XLSX.read(readFileSync(file), { type: 'buffer' });
    expect(book.SheetNames).toEqual(['Summary', 'Completions']);
    const data = XLSX.utils.sheet_to_json<Record<string, unknown>>(book.Sheets.Completions!);
    expect(data).toHaveLength(rows);
    expect(data.every((r) => r.Status === 'completed')).toBe(true);
    const bad = await run('report', 'completions', '--format', 'xls', '--out', join(out.path, 'x.xls'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/csv, pdf, xlsx/);
  });
});
