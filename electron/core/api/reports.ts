import { dirname } from 'node:path';
import type { ParsedInputOf } from '../contract/channels';
import type { reportChannels } from '../contract/channels/reports';
import { RollbookError } from '../contract/errors';
import { exportReport } from '../reports/export';
import { rememberExportFolder } from '../reports/leftovers';
import { REPORT_COLUMNS } from '../store/report-queries';
import type { CoreContext } from './context';
import type { HandlersFor } from './handlers';

function accountLabels(ctx: CoreContext, ids: string[] | null): string {
  if (ids === null) return 'All accounts';
  const labels = ids.map((id) => ctx.accounts.get(id)?.label ?? id);
  return labels.join(', ');
}

type ExportInput = ParsedInputOf<'reports.export'>;

function runExport(ctx: CoreContext, input: ExportInput) {
  // Where a start looks for partial files that an interrupted export left.
  rememberExportFolder(ctx.dataDir, dirname(input.path));
  return exportReport(
    {
      queries: ctx.reports,
      pdf: ctx.pdf,
      csvWorkers: ctx.csvWorkers,
      now: ctx.now,
      accountLabels: (ids) => accountLabels(ctx, ids),
      onProgress: (rows, total, done) => ctx.events.emit('reports.progress', { path: input.path, rows, total, done }),
    },
    // PDFs and locale dates follow the app's format setting unless the caller names a locale.
    { ...input, options: { ...input.options, locale: input.options.locale ?? (ctx.settings.all().locale as string | undefined) } },
  );
}

export const reportHandlers = {
  'reports.preview': (ctx, { definition, limit }) => {
    const now = ctx.now().toISOString();
    const rows = ctx.reports.head(definition, now, limit);
    return { columns: REPORT_COLUMNS[definition.kind], rows, ...ctx.reports.summary(definition, now) };
  },
  'reports.export': (ctx, input) => runExport(ctx, input),
  'reports.saved.list': (ctx) => ctx.savedReports.list(),
  'reports.saved.save': (ctx, saved) => {
    ctx.savedReports.save(saved, ctx.now().toISOString());
    return ctx.savedReports.get(saved.name)!;
  },
  'reports.saved.run': (ctx, { name, ...rest }) => {
    const saved = ctx.savedReports.get(name);
    if (!saved) throw new RollbookError('invalid_input', `There is no saved report "${name}". Saved reports: ${ctx.savedReports.list().map((r) => r.name).join(', ') || 'none'}.`);
    return runExport(ctx, { definition: saved.definition, ...rest });
  },
  'reports.saved.delete': (ctx, { name }) => ({ deleted: ctx.savedReports.remove(name) }),
  'host.chooseSavePath': async (ctx, input) => {
    if (!ctx.host?.chooseSavePath) throw new RollbookError('internal', 'This host has no file dialog; pass the output path directly.');
    return { path: await ctx.host.chooseSavePath(input.suggestedName, input.format) };
  },
  'host.openPath': async (ctx, input) => {
    if (!ctx.host?.openPath) throw new RollbookError('internal', 'This host cannot open files.');
    await ctx.host.openPath(input.path, input.reveal);
    return { ok: true };
  },
} satisfies HandlersFor<keyof typeof reportChannels>;
