/**
 * Save as… in Compliance and in the report builder: the Save dialog, then the export with the dialog's token, and
 * what each state shows on the way (in progress, written, cancelled, refused).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExportResult } from '../../electron/core/contract/channels';
import { AppState } from '../../renderer/src/lib/app-state.svelte';
import { ComplianceState } from '../../renderer/src/lib/compliance.svelte';
import { ReportBuilder } from '../../renderer/src/lib/reports.svelte';
import { deferred, installBridge, type FakeBridge } from './fake-bridge';

const written: ExportResult = { path: '/tmp/out.csv', rows: 12, bytes: 345, truncated: false };
const chosen = { path: '/tmp/out.csv', saveToken: 'token-1' };
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** What each state shows of its export: in progress, written, and why not. */
const complianceShows = (c: ComplianceState) => [c.exporting, c.exported, c.exportError];
const builderShows = (b: ReportBuilder) => [b.exporting, b.result, b.exportError];

/** Answers the Save dialog with `chosen` and holds the export's answer until `release`. */
function holdExport(bridge: FakeBridge, channel: 'compliance.export' | 'reports.export') {
  const answer = deferred<ExportResult>();
  bridge.answer('host.chooseSavePath', () => chosen).answer(channel, () => answer.promise);
  return { release: (done: Promise<void>) => (answer.resolve(written), done) };
}

describe('exports through the Save dialog', () => {
  let bridge: FakeBridge;
  beforeEach(() => {
    bridge = installBridge();
  });
  afterEach(() => vi.unstubAllGlobals());

  describe('Compliance', () => {
    it('writes where the dialog points, showing the report and format meanwhile', async () => {
      const held = holdExport(bridge, 'compliance.export');
      const compliance = new ComplianceState();
      compliance.status = 'overdue';
      const done = compliance.exportAs('actions', 'csv', ['a1']);
      await settle();
      expect(compliance.exporting).toEqual({ report: 'actions', format: 'csv' });
      expect(bridge.inputs('host.chooseSavePath')).toEqual([
        { suggestedName: expect.stringMatching(/^Actions.*\.csv$/), format: 'csv' },
      ]);
      expect(bridge.inputs('compliance.export')).toEqual([
        {
          kind: 'actions',
          format: 'csv',
          filters: { accountIds: ['a1'], statuses: ['overdue'] },
          saveToken: 'token-1',
          options: {},
        },
      ]);
      await compliance.exportAs('compliance', 'pdf', null);
      expect(bridge.inputs('host.chooseSavePath')).toHaveLength(1);
      await held.release(done);
      expect(complianceShows(compliance)).toEqual([null, { report: 'actions', ...written }, null]);
    });

    it('does nothing when the dialog is cancelled, and shows why when the export is refused', async () => {
      bridge.answer('host.chooseSavePath', () => ({ path: null, saveToken: null }));
      const compliance = new ComplianceState();
      await compliance.exportAs('compliance', 'xlsx', null);
      expect(bridge.inputs('compliance.export')).toEqual([]);
      expect(complianceShows(compliance)).toEqual([null, null, null]);

      bridge
        .answer('host.chooseSavePath', () => chosen)
        .answer('compliance.export', () => {
          throw new Error('The disk is full.');
        });
      await compliance.exportAs('compliance', 'xlsx', null);
      expect(complianceShows(compliance)).toEqual([null, null, 'The disk is full.']);
    });

    it('shows why when the dialog fails', async () => {
      bridge.answer('host.chooseSavePath', () => {
        throw new Error('No window to show the dialog in.');
      });
      const compliance = new ComplianceState();
      await compliance.exportAs('compliance', 'csv', null);
      expect(compliance.exportError).toBe('No window to show the dialog in.');
      expect(bridge.inputs('compliance.export')).toEqual([]);
    });
  });

  describe('report builder', () => {
    let builder: ReportBuilder;
    beforeEach(async () => {
      const app = new AppState();
      await app.load();
      builder = new ReportBuilder(app);
    });

    it('writes where the dialog points, showing the path and rows meanwhile', async () => {
      const held = holdExport(bridge, 'reports.export');
      const done = builder.exportAs('csv');
      await settle();
      expect(builder.exporting).toEqual({ format: 'csv', path: '/tmp/out.csv', rows: 0, total: null });
      expect(bridge.inputs('reports.export')).toEqual([
        {
          definition: builder.definition,
          format: 'csv',
          saveToken: 'token-1',
          options: { bom: builder.bom, localeDates: builder.localeDates },
        },
      ]);
      await held.release(done);
      expect(builderShows(builder)).toEqual([null, { format: 'csv', ...written }, null]);
    });

    it('does nothing when the dialog is cancelled, and shows why when the dialog or export fails', async () => {
      bridge.answer('host.chooseSavePath', () => ({ path: null, saveToken: null }));
      await builder.exportAs('pdf');
      expect(bridge.inputs('reports.export')).toEqual([]);
      expect(builderShows(builder)).toEqual([null, null, null]);

      bridge.answer('host.chooseSavePath', () => {
        throw new Error('No window to show the dialog in.');
      });
      await builder.exportAs('pdf');
      expect(builder.exportError).toBe('No window to show the dialog in.');
      expect(bridge.inputs('reports.export')).toEqual([]);

      bridge
        .answer('host.chooseSavePath', () => chosen)
        .answer('reports.export', () => {
          throw new Error('The disk is full.');
        });
      await builder.exportAs('pdf');
      expect(builderShows(builder)).toEqual([null, null, 'The disk is full.']);
    });
  });
});
