import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportDefinitionInput } from '../../electron/core/contract/channels/reports';
import { testCore } from '../support/core';
import { reportDataset } from '../support/report-fixture';
import { scriptedConnector } from '../support/scripted-connector';
import { tempDir } from '../support/tmp';
import { pdfFlatText, pdfPages, pdfText } from '../support/pdf-read';
import { chromiumPdfRenderer } from '../../electron/core/reports/pdf-renderer';
import { FOOTER_TEMPLATE } from '../../electron/core/reports/pdf-template';
import { writeFileSync } from 'node:fs';

const ARTIFACTS = resolve(import.meta.dirname, '../../test-results');

describe('PDF reports (Chromium via playwright-core)', () => {
  const t = testCore({ inlineSync: true, createConnector: () => scriptedConnector({ data: reportDataset(0) }) });
  const big = testCore({
    inlineSync: true,
    createConnector: () => scriptedConnector({ data: reportDataset(5_000), pageSize: 1000 }),
  });
  const out = tempDir('rollbook-pdf-');
  beforeAll(async () => {
    for (const c of [t.core, big.core]) {
      await c.call('accounts.add', { label: 'Acme Training', settings: { platform: 'sample', seed: 1 } });
      await c.call('sync.run', {});
    }
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(() => {
    t.cleanup();
    big.cleanup();
    out.cleanup();
  });
  /** Exports `definition` from the small cache as `name`.pdf and reads its text back, white space folded. */
  const pdfOf = async (name: string, definition: ReportDefinitionInput) => {
    const file = join(out.path, `${name}.pdf`);
    await t.core.call('reports.export', { definition, format: 'pdf', path: file });
    return pdfFlatText(file);
  };

  it(
    'a small report: title, filters, every learner as real text, ' + 'page X of Y; page 1 rendered as an artifact',
    async () => {
      const file = join(out.path, 'small.pdf');
      await t.core.call('reports.export', {
        definition: {
          kind: 'completions',
          title: 'Monthly compliance',
          courseIds: ['C1', 'C2'],
          statuses: ['completed', 'passed', 'failed', 'in_progress', 'not_started', 'incomplete'],
        },
        format: 'pdf',
        path: file,
        options: { locale: 'en-GB' },
      });
      const text = pdfText(file, '-layout');
      expect(text).toContain('Monthly compliance');
      expect(text).toMatch(/courses: C1, C2/);
      expect(text).toMatch(/Acme Training/);
      expect(text).toMatch(/Page 1 of \d+/);
      const flat = pdfFlatText(file);
      const small = await t.core.call('reports.preview', { definition: { kind: 'completions' }, limit: 500 });
      expect(small.rows).toHaveLength(7);
      for (const row of small.rows) expect(flat).toContain(String(row.learner_name).replace(/\s+/g, ' '));
      expect(flat).toContain('Fire Safety, Level 1');
      execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', file, join(ARTIFACTS, 'report-small')]);
      expect(readdirSync(ARTIFACTS).some((f) => f.startsWith('report-small'))).toBe(true);
    },
    120_000,
  );

  it('renders Unicode names and a transcript for one person', async () => {
    const text = await pdfOf('transcript', { kind: 'learner', learnerEmail: 'ZOE@example.com' });
    expect(text).toContain('Learner transcript');
    expect(text).toContain('Zoë Ångström');
    expect(text).toContain('zoe@example.com');
    const unicode = await pdfOf('unicode', { kind: 'completions', courseIds: ['C1', 'C2'], learnerSearch: 'Ολυμπία' });
    expect(unicode).toContain('Ολυμπία Παπαδοπούλου');
    expect(unicode).not.toContain('Zoë');
  }, 120_000);

  it('shows bidi controls in names as visible markers instead of letting them reorder the text', async () => {
    const text = await pdfOf('bidi', { kind: 'courses', title: 'Invoice \u202eexe.fdp\u202c \u2067x\u2069' });
    expect(text).toContain('Invoice ⟪RLO⟫exe.fdp⟪PDF⟫ ⟪RLI⟫x⟪PDI⟫');
    expect(text).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
  });

  it('5,000 rows: a multi-page PDF with the header row repeated on later pages', async () => {
    const file = join(out.path, 'big.pdf');
    // How long it takes is a benchmark figure (bench/exports.ts); the timeout below only catches a hang.
    const result = await big.core.call('reports.export', {
      definition: { kind: 'completions' },
      format: 'pdf',
      path: file,
    });
    expect(result.rows).toBe(5_007);
    const n = pdfPages(file);
    expect(n).toBeGreaterThan(20);
    const page2 = pdfText(file, '-layout', '-f', '2', '-l', '2');
    expect(page2).toMatch(/Account\s+Platform\s+Course\s+Learner\s+Email\s+Status/);
    expect(page2).toMatch(new RegExp(`Page 2 of ${n}`));
    // The table is cut into one table per page before printing (paginate-table.ts): every page still opens with the
    // header row and no page is left with a stray row or two.
    for (const p of [Math.ceil(n / 2), n])
      expect(pdfText(file, '-layout', '-f', String(p), '-l', String(p))).toMatch(
        /Account\s+Platform\s+Course\s+Learner/,
      );
    const rowsOn = (p: number) =>
      (pdfText(file, '-layout', '-f', String(p), '-l', String(p)).match(/\d{4}\s*$/gm) ?? []).length;
    // Columns are sized to what they hold (pdf-template.ts columnWidths), so rows print on one line: a landscape
    // page holds about 30 of them, where the automatic table layout wrapped short columns and fitted 17.
    expect(rowsOn(Math.ceil(n / 2))).toBeGreaterThan(25);
  }, 180_000);

  it(
    'a browser warmed while rows are read prints the next report; ' +
      'one left unclaimed is closed, and the next render starts its own',
    async () => {
      let idleClosed!: () => void;
      const closed = new Promise<void>((resolve) => (idleClosed = resolve));
      const renderer = chromiumPdfRenderer({ warmIdleMs: 300, onIdleClosed: () => idleClosed() });
      const page = (n: number) =>
        '<!doctype html><html><body><h1>Warm ' +
        `${n}</h1><table><thead><tr><th>A</th></tr></thead><tbody><tr><td>row ` +
        `${n}</td></tr></tbody></table></body></html>`;
      const options = { format: 'A4' as const, landscape: true, footerTemplate: FOOTER_TEMPLATE };
      renderer.warm!();
      renderer.warm!(); // a second warm() while one is pending reuses it
      const first = join(out.path, 'warm-1.pdf');
      writeFileSync(first, await renderer.render(page(1), options));
      expect(pdfFlatText(first)).toContain('Warm 1');
      renderer.warm!();
      await closed; // launched, then closed unclaimed (the first warm was claimed, so this is the second)
      const second = join(out.path, 'warm-2.pdf');
      writeFileSync(second, await renderer.render(page(2), options));
      expect(pdfFlatText(second)).toContain('row 2');
    },
    120_000,
  );

  it('Chromium missing: a clear error and no file', async () => {
    const previous = process.env.ROLLBOOK_CHROMIUM;
    process.env.ROLLBOOK_CHROMIUM = '/nonexistent/chromium';
    try {
      const file = join(out.path, 'never.pdf');
      const error = await t.core
        .call('reports.export', { definition: { kind: 'courses' }, format: 'pdf', path: file })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'chromium_missing', message: expect.stringMatching(/ROLLBOOK_CHROMIUM/) });
      expect(existsSync(file)).toBe(false);
      expect(readdirSync(out.path).filter((f) => f.includes('.partial'))).toEqual([]);
    } finally {
      if (previous === undefined) delete process.env.ROLLBOOK_CHROMIUM;
      else process.env.ROLLBOOK_CHROMIUM = previous;
    }
  });
});
