/**
 * Exports: CSV of 1M completion rows (target ≥ 300k rows/s, flat memory) beside a hand-written baseline (iterate +
 * naive quoting + one write stream), and a 5,000-row PDF (target ≤ 10 s). The CSV is written as the app and the CLI
 * write it: by the bundled CSV workers (reports/csv-in-workers.ts), as many as the machine has cores, up to four.
 * XLSX of the same rows (target ≥ 50k rows/s, calling thread's heap growth ≤ 50 MB), by the bundled XLSX worker
 * (reports/xlsx-in-worker.ts), and of the PDF's ~5,000 rows (≤ 2 s, on the calling thread).
 */
import Database from 'better-sqlite3';
import { createWriteStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { createCore } from '../electron/core/core';
import { csvThreads } from '../electron/core/reports/csv-in-workers';
import { noKeychain } from '../electron/core/secrets/keychain';
import { createSecretStore } from '../electron/core/secrets/secret-store';
import { DB_FILE_NAME } from '../electron/core/store/db';
import { tempDir } from '../test/support/tmp';
import { fillCache } from './fill-cache';
import { bundledExportWorkers } from './worker-bundle';
import type { BenchContext, Figure } from './sections';
import { median, round } from './stats';

export async function exportsSection(ctx: BenchContext): Promise<Record<string, Figure>> {
  const dir = tempDir('rollbook-bench-exports-');
  try {
    const rows = ctx.bigRows;
    fillCache(dir.path, { courses: ctx.quick ? 1_000 : 10_000, learners: rows / 5, progress: rows });
    const csvWorkers = await bundledExportWorkers();
    const core = createCore({ dataDir: dir.path, secrets: createSecretStore(noKeychain()), csvWorkers });
    try {
      const ours: number[] = [];
      const base: number[] = [];
      let heapGrowth = 0;
      // The workers' heaps are not in this thread's heapUsed: the process's resident memory tells for all of them.
      let rssGrowth = 0;
      for (let i = 0; i < Math.min(3, ctx.repetitions); i += 1) {
        global.gc?.();
        const { heapUsed: heap0, rss: rss0 } = process.memoryUsage();
        let peak = 0;
        let rssPeak = 0;
        const timer = setInterval(() => {
          const now = process.memoryUsage();
          peak = Math.max(peak, now.heapUsed - heap0);
          rssPeak = Math.max(rssPeak, now.rss - rss0);
        }, 50);
        const t0 = performance.now();
        const result = await core.call('reports.export', {
          definition: { kind: 'completions' },
          format: 'csv',
          path: join(dir.path, `ours-${i}.csv`),
        });
        ours.push(result.rows / ((performance.now() - t0) / 1000));
        clearInterval(timer);
        heapGrowth = Math.max(heapGrowth, peak);
        rssGrowth = Math.max(rssGrowth, rssPeak);

        // Baseline: the same join, iterated, each field naively quoted, written to one stream.
        const db = new Database(join(dir.path, DB_FILE_NAME), { readonly: true });
        const t1 = performance.now();
        const out = createWriteStream(join(dir.path, `base-${i}.csv`));
        let n = 0;
        const q = (v: unknown) =>
          v === null ? '' : typeof v === 'number' ? String(v) : `"${String(v).replace(/"/g, '""')}"`;
        for (const r of db
          .prepare(
            `SELECT a.label, a.platform, p.course_id, c.name, p.learner_id, l.name AS ln, l.email, p.status,
             p.raw_status, p.progress_pct, p.completed_at, p.last_activity_at
             FROM progress p JOIN accounts a ON a.id = p.account_id AND p.generation = a.live_generation
             LEFT JOIN learners l ON l.account_id = p.account_id AND l.generation = p.generation AND l.id = p.learner_id
             LEFT JOIN courses c ON c.account_id = p.account_id AND c.generation = p.generation AND c.id = p.course_id`,
          )
          .raw()
          .iterate() as IterableIterator<unknown[]>) {
          n += 1;
          if (!out.write(`${r.map(q).join(',')}\r\n`)) await once(out, 'drain');
        }
        out.end();
        await once(out, 'finish');
        base.push(n / ((performance.now() - t1) / 1000));
        db.close();
        // ~200 MB each, deleted now rather than at the end: kept, they slowed the PDF that follows them (the disk
        // writing them back, it seems).
        rmSync(join(dir.path, `ours-${i}.csv`));
        rmSync(join(dir.path, `base-${i}.csv`));
      }
      const rate = round(median(ours));
      const baseline = round(median(base));
      ctx.log(
        `csv: ${rate} rows/s (${ours.map((r) => round(r)).join(', ')}; baseline ${baseline}: ` +
          `${base.map((r) => round(r)).join(', ')}), heap growth ${round(heapGrowth / 2 ** 20)} ` +
          `MB, resident growth ${round(rssGrowth / 2 ** 20)} MB`,
      );

      // A ~5,000-row report: enough courses to reach 5,000 completions.
      const pdfRows = 5_000;
      const courses = ctx.quick ? 1_000 : 10_000;
      const courseIds = Array.from({ length: Math.min(500, Math.ceil(pdfRows / (rows / courses))) }, (_, i) => `c${i}`);
      const pdfCount = (
        await core.call('reports.preview', { definition: { kind: 'completions', courseIds }, limit: 1 })
      ).total;

      // XLSX of every row, once (it is the slowest export), by the XLSX worker as the app and the CLI write it: the
      // calling thread's heap growth is the figure.
      global.gc?.();
      const { heapUsed: xlsxHeap0, rss: xlsxRss0 } = process.memoryUsage();
      let xlsxPeak = 0;
      // The worker's heap is in the process's resident memory, not in this thread's heap.
      let xlsxRssPeak = 0;
      const xlsxTimer = setInterval(() => {
        const now = process.memoryUsage();
        xlsxPeak = Math.max(xlsxPeak, now.heapUsed - xlsxHeap0);
        xlsxRssPeak = Math.max(xlsxRssPeak, now.rss - xlsxRss0);
      }, 50);
      const x0 = performance.now();
      const all = join(dir.path, 'all.xlsx');
      const everything = { kind: 'completions' } as const;
      const xlsx = await core.call('reports.export', { definition: everything, format: 'xlsx', path: all });
      const xlsxRate = round(xlsx.rows / ((performance.now() - x0) / 1000));
      clearInterval(xlsxTimer);
      rmSync(all);
      const smallTimes: number[] = [];
      for (let i = 0; i < Math.min(3, ctx.repetitions); i += 1) {
        const t3 = performance.now();
        const path = join(dir.path, `small-${i}.xlsx`);
        await core.call('reports.export', { definition: { kind: 'completions', courseIds }, format: 'xlsx', path });
        smallTimes.push((performance.now() - t3) / 1000);
      }
      const smallSeconds = round(median(smallTimes), 2);
      const small = smallTimes.map((s) => round(s, 2)).join(', ');
      ctx.log(
        `xlsx: ${xlsxRate} rows/s, heap growth ${round(xlsxPeak / 2 ** 20)} MB, resident growth ` +
          `${round(xlsxRssPeak / 2 ** 20)} MB; ${pdfCount} rows: ${small} s`,
      );
      // Median of several, like every other figure: one export alone swung by seconds on a noisy machine.
      const pdfTimes: number[] = [];
      for (let i = 0; i < Math.min(3, ctx.repetitions); i += 1) {
        const t2 = performance.now();
        await core.call('reports.export', {
          definition: { kind: 'completions', courseIds },
          format: 'pdf',
          path: join(dir.path, `big-${i}.pdf`),
        });
        pdfTimes.push((performance.now() - t2) / 1000);
      }
      const pdfSeconds = round(median(pdfTimes), 2);
      ctx.log(`pdf: ${pdfTimes.map((s) => round(s, 2)).join(', ')} s`);
      return {
        csv_completions: {
          rows_per_s: rate,
          baseline_rows_per_s: baseline,
          ratio: round(rate / baseline, 2),
          rows,
          heap_growth_mb: round(heapGrowth / 2 ** 20),
          rss_growth_mb: round(rssGrowth / 2 ** 20),
          threads: csvThreads(csvWorkers, rows),
          target: '≥ 300k rows/s, flat memory',
          met: rate >= 300_000,
        },
        xlsx_completions: {
          rows_per_s: xlsxRate,
          rows,
          heap_growth_mb: round(xlsxPeak / 2 ** 20),
          rss_growth_mb: round(xlsxRssPeak / 2 ** 20),
          target: '≥ 50k rows/s, heap growth ≤ 50 MB',
          met: xlsxRate >= 50_000 && xlsxPeak <= 50 * 2 ** 20,
        },
        xlsx_small: {
          seconds: smallSeconds,
          rows: pdfCount,
          target: `≤ 2 s for ${pdfRows} rows`,
          met: smallSeconds <= 2,
        },
        pdf: {
          seconds: pdfSeconds,
          rows: Math.min(pdfCount, 10_000),
          target: `≤ 10 s for ${pdfRows} rows`,
          met: pdfSeconds <= 10,
        },
      };
    } finally {
      core.close();
    }
  } finally {
    dir.cleanup();
  }
}
