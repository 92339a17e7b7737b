/**
 * The app's PDF renderer (electron/main/pdf-window.ts) under a fake `electron`, driven by a real core's PDF export
 * of a 10,000-row report. Chromium refuses data: URLs over 2 MB, so the page must arrive as a file: what the hidden
 * window loads is checked to be a file holding the whole report, in a window with the app's web preferences that
 * can neither navigate nor open windows. (The real printing runs in the Electron smoke test where a binary exists.)
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PDF_ROW_LIMIT } from '../../electron/core/reports/export-pdf';
import { testCore } from '../support/core';
import { reportDataset } from '../support/report-fixture';
import { scriptedConnector } from '../support/scripted-connector';
import { tempDir } from '../support/tmp';

vi.mock('electron', () => import('./fake-electron'));

const { state, resetFake } = await import('./fake-electron');
const { electronPdfRenderer } = await import('../../electron/main/pdf-window');
const { WEB_PREFERENCES } = await import('../../electron/main/security');

describe('the PDF window', () => {
  // The fixture's 7 named learners plus enough more for exactly the PDF's row limit, one course row each.
  const rows = PDF_ROW_LIMIT;
  const t = testCore({
    inlineSync: true,
    createConnector: () => scriptedConnector({ data: reportDataset(rows - 7), pageSize: 2000 }),
    pdfRenderer: electronPdfRenderer(),
  });
  const out = tempDir('rollbook-pdf-window-');
  beforeAll(async () => {
    resetFake();
    await t.core.call('accounts.add', { label: 'Acme Training', settings: { platform: 'sample', seed: 1 } });
    await t.core.call('sync.run', {});
  });
  afterAll(() => {
    t.cleanup();
    out.cleanup();
  });

  it('loads a 10,000-row report from a private temp file, whole, then removes the file', async () => {
    const loaded: { file?: string; url?: string; html: string; mode: number }[] = [];
    state.onLoad = (_window, target) => {
      const html = target.file ? readFileSync(target.file, 'utf8') : '';
      loaded.push({ ...target, html, mode: target.file ? statSync(target.file).mode & 0o777 : 0 });
    };
    const file = join(out.path, 'big.pdf');
    const definition = { kind: 'completions' } as const;
    const options = { locale: 'en-GB' };
    const result = await t.core.call('reports.export', { definition, format: 'pdf', path: file, options });
    expect(result).toMatchObject({ rows, truncated: false });
    expect(readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');

    expect(loaded).toHaveLength(1);
    const [page] = loaded;
    expect(page!.url).toBeUndefined();
    expect(page!.file).toMatch(/report\.html$/);
    expect(page!.mode).toBe(0o600);
    // As a data: URL this page would be past Chromium's 2 MB limit.
    expect(encodeURIComponent(page!.html).length).toBeGreaterThan(2 * 1024 * 1024);
    expect(page!.html.trimEnd()).toMatch(/<\/html>$/);
    expect(page!.html.match(/<tr>/g)?.length).toBe(rows + 1);
    for (const name of ['Learner 00000', `Learner ${String(rows - 8).padStart(5, '0')}`, 'Zoë Ångström', '王芳']) {
      expect(page!.html).toContain(name);
    }
    expect(existsSync(page!.file!)).toBe(false);
  });

  it("prints in a hidden window with the app's web preferences that cannot navigate or open windows", async () => {
    state.windows.length = 0;
    state.onLoad = undefined;
    const path = join(out.path, 'small.pdf');
    await t.core.call('reports.export', { definition: { kind: 'courses' }, format: 'pdf', path, options: {} });
    expect(state.windows).toHaveLength(1);
    const [window] = state.windows;
    expect(window!.options).toMatchObject({ show: false, webPreferences: WEB_PREFERENCES });
    expect(window!.webContents.windowOpenHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    let prevented = false;
    window!.webContents.emit('will-navigate', { preventDefault: () => (prevented = true) }, 'https://evil.example/');
    expect(prevented).toBe(true);
    expect(window!.webContents.printed).toBeGreaterThan(0);
    expect(window!.isDestroyed()).toBe(true);
  });
});
