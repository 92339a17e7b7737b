import { parse } from 'csv-parse/sync';
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DB_FILE_NAME } from '../../electron/core/store/db';
import { neutralise } from '../../electron/core/reports/cells';
import { testCore } from '../support/core';
import { exportCsv, syncedReportCore } from '../support/report-core';
import { reportDataset } from '../support/report-fixture';
import { gc } from '../support/memory';
import { scriptedConnector } from '../support/scripted-connector';

describe('CSV reports', () => {
  const { t, out } = syncedReportCore(reportDataset, 'rollbook-csv-');

  it(
    'round-trips through a CSV parser row by row, ' + 'matching the cache query (Unicode, commas, quotes, newlines)',
    async () => {
      const file = join(out.path, 'completions.csv');
      const result = await t.core.call('reports.export', {
        definition: { kind: 'completions' },
        format: 'csv',
        path: file,
      });
      expect(result.rows).toBe(7);
      const bytes = readFileSync(file);
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // BOM on by default
      const records = parse(bytes, { bom: true, relax_column_count: false }) as string[][];
      expect(records[0]).toEqual([
        'Account',
        'Platform',
        'Course ID',
        'Course',
        'Learner ID',
        'Learner',
        'Email',
        'Status',
        'Platform status',
        'Progress %',
        'Completed at',
        'Last activity',
        'Assigned',
        'Due',
        'Overdue',
        'Expires',
        'Certificate issued',
        'Certificate expires',
        'Time spent (min)',
        'Score',
        'Department',
      ]);
      const db = new Database(join(t.dataDir, DB_FILE_NAME), { readonly: true });
      const expected = db
        .prepare(
          `SELECT a.label, p.course_id, c.name AS course, p.learner_id, l.name, l.email, p.status, p.raw_status,
         p.progress_pct, p.completed_at
         FROM progress p JOIN accounts a ON a.id = p.account_id AND p.generation = a.live_generation
         JOIN learners l ON l.account_id = p.account_id AND l.generation = p.generation AND l.id = p.learner_id
         JOIN courses c ON c.account_id = p.account_id AND c.generation = p.generation AND c.id = p.course_id`,
        )
        .all() as Record<string, string | number | null>[];
      db.close();
      expect(records).toHaveLength(expected.length + 1);
      for (const row of expected) {
        const record = records.find((r) => r[4] === row.learner_id)!;
        expect(record[0]).toBe('Acme, Inc.');
        expect(record[3]).toBe(row.course);
        expect(record[5]).toBe(neutralise(String(row.name)));
        expect(record[6]).toBe(row.email === null ? '' : neutralise(String(row.email)));
        expect(record[8]).toBe(neutralise(String(row.raw_status)));
        expect(Number(record[9])).toBe(row.progress_pct);
        expect(record[10]).toBe(row.completed_at ?? '');
      }
      const names = records.map((r) => r[5]);
      expect(names).toContain('O\'Brien, Siobhán "Shiv"');
      expect(names).toContain('Line\nBreak Łukasz');
      expect(names).toContain('王芳');
    },
  );

  it('neutralises formula cells but leaves numbers alone', async () => {
    const file = join(out.path, 'inject.csv');
    const { text, rows } = await exportCsv(t.core, file, { kind: 'completions' }, { bom: false });
    expect(text.charCodeAt(0)).not.toBe(0xfeff);
    const flat = rows.flat();
    expect(flat).toContain('\'=HYPERLINK("http://evil.example","click")');
    expect(flat).toContain("'+evil@example.com");
    expect(flat).toContain("'@SUM(A1:A9)");
    expect(flat).toContain("'-minus@example.com");
    expect(flat).toContain("'=1+1");
    expect(flat.filter((c) => /^[=+\-@]/.test(c))).toEqual([]);
    // Numbers stay numbers: unquoted in the raw text and parse as numbers.
    expect(text).toMatch(/,100,2026-03-1\d/);
    expect(neutralise('\tTAB')).toBe("'\tTAB");
    expect(neutralise('\rCR')).toBe("'\rCR");
    expect(neutralise('\0NUL')).toBe("'\0NUL");
    expect(neutralise('plain')).toBe('plain');
  });

  it('filters by status and date range and writes locale dates on request', async () => {
    const file = join(out.path, 'filtered.csv');
    const { rows } = await exportCsv(
      t.core,
      file,
      { kind: 'completions', statuses: ['completed', 'passed'], from: '2026-03-10', to: '2026-03-13' },
      { localeDates: true, locale: 'de-DE' },
    );
    const body = rows.slice(1);
    expect(body.length).toBeGreaterThan(0);
    expect(body.every((r) => ['completed', 'passed'].includes(r[7]!))).toBe(true);
    expect(body.every((r) => /^\d{2}\.\d{2}\.\d{2}, \d{2}:\d{2}$/.test(r[10]!))).toBe(true);
  });

  it('refuses to overwrite unless forced, and a failed export leaves no file', async () => {
    const file = join(out.path, 'exists.csv');
    writeFileSync(file, 'keep me');
    await expect(
      t.core.call('reports.export', { definition: { kind: 'courses' }, format: 'csv', path: file }),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(readFileSync(file, 'utf8')).toBe('keep me');
    await t.core.call('reports.export', {
      definition: { kind: 'courses' },
      format: 'csv',
      path: file,
      options: { force: true },
    });
    expect(readFileSync(file, 'utf8')).toMatch(/Course summary|Account,Platform/);

    // A folder that cannot take the file, for root too (which ignores permission bits): its "folder" is a file.
    const plain = join(out.path, 'plain-file');
    writeFileSync(plain, 'not a folder');
    const error = await t.core
      .call('reports.export', { definition: { kind: 'completions' }, format: 'csv', path: join(plain, 'report.csv') })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'export_failed',
      message: expect.stringMatching(/it is a file, not a folder/),
    });
    expect(readFileSync(plain, 'utf8')).toBe('not a folder');
    // A failure at the last step (the name is taken by a folder): the error is clear and no partial file remains.
    const dirTarget = join(out.path, 'a-folder.csv');
    mkdirSync(dirTarget);
    const failed = await t.core
      .call('reports.export', {
        definition: { kind: 'completions' },
        format: 'csv',
        path: dirTarget,
        options: { force: true },
      })
      .catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'export_failed', message: expect.stringMatching(/Nothing was written/) });
    expect(readdirSync(out.path).filter((f) => f.includes('.partial'))).toEqual([]);
    expect(existsSync(join(dirTarget))).toBe(true);
    const missing = await t.core
      .call('reports.export', {
        definition: { kind: 'completions' },
        format: 'csv',
        path: join(out.path, 'no/such/dir/x.csv'),
      })
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'export_failed', message: expect.stringMatching(/does not exist/) });
  });

  it('preview shows the first rows and the total; saved definitions re-run', async () => {
    const preview = await t.core.call('reports.preview', {
      definition: { kind: 'completions', statuses: ['completed'] },
      limit: 1,
    });
    expect(preview.total).toBe(2);
    expect(preview.rows).toHaveLength(1);
    expect(preview.columns.map((c) => c.key)).toContain('learner_email');
    await t.core.call('reports.saved.save', {
      name: 'Monthly compliance',
      definition: { kind: 'completions', statuses: ['completed'] },
    });
    const [saved] = await t.core.call('reports.saved.list');
    expect(saved).toMatchObject({
      name: 'Monthly compliance',
      definition: { kind: 'completions', statuses: ['completed'], accountIds: null },
    });
    expect((await t.core.call('reports.saved.delete', { name: 'monthly compliance' })).deleted).toBe(true);
  });

  it('streams a large export without holding the rows, and other writes go on meanwhile', async () => {
    const big = testCore({
      inlineSync: true,
      createConnector: () => scriptedConnector({ data: reportDataset(60_000), pageSize: 5000 }),
    });
    try {
      await big.core.call('accounts.add', { label: 'Big', settings: { platform: 'sample', seed: 1 } });
      await big.core.call('sync.run', {});
      const file = join(out.path, 'big.csv');
      // The window keeps working while an export runs: a write in the middle of it (here at the first progress
      // event) used to fail with "This database connection is busy executing a query".
      const writes: Promise<unknown>[] = [];
      // What the export retains, after a real GC, at each progress event while it runs (not after it: by then even
      // an export that held every row has let go of them).
      const samples: number[] = [];
      gc();
      const before = process.memoryUsage().heapUsed;
      const off = big.core.on('reports.progress', ({ rows, done }) => {
        if (rows === 0 || done) return;
        if (writes.length === 0) writes.push(big.core.call('settings.update', { theme: 'dark' }));
        gc();
        samples.push(process.memoryUsage().heapUsed - before);
      });
      const result = await big.core.call('reports.export', {
        definition: { kind: 'completions' },
        format: 'csv',
        path: file,
      });
      off();
      expect(writes).toHaveLength(1);
      await expect(writes[0]).resolves.toMatchObject({ theme: 'dark' });
      expect(result.rows).toBe(60_007);
      // Progress comes every 20k rows: samples at 20k, 40k and 60k rows, then the last count.
      expect(samples.length).toBeGreaterThanOrEqual(3);
      // Flat: no more is retained after 40k or 60k rows than after 20k (60k rows held as arrays of strings take
      // ~16 MB, several per 20k rows), and the whole stays bounded.
      expect(Math.max(...samples) - samples[0]!).toBeLessThan(2 * 2 ** 20);
      expect(Math.max(...samples)).toBeLessThan(40 * 2 ** 20);
      expect(readFileSync(file, 'utf8').split('\r\n').length).toBeGreaterThan(60_000);
    } finally {
      big.cleanup();
    }
  });
});
