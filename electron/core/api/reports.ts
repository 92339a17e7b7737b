import type { reportChannels } from '../contract/channels/reports';
import { RollbookError } from '../contract/errors';
import { exportReport } from '../reports/export';
import { REPORT_COLUMNS } from '../store/report-queries';
import type { CoreContext } from './context';
import type { HandlersFor } from './handlers';

function accountLabels(ctx: CoreContext, ids: string[] | null): string {
  if (ids === null) return 'All accounts';
  const labels = ids.map((id) => ctx.accounts.get(id)?.label ?? id);
  return labels.join(', ');
}

export const reportHandlers = {
  'reports.preview': (ctx, { definition, limit }) => {
    const now = ctx.now().toISOString();
    const rows = [];
    for (const row of ctx.reports.iterate(definition, now)) {
      rows.push(row);
      if (rows.length >= limit) break;
    }
    return { columns: REPORT_COLUMNS[definition.kind], rows, total: ctx.reports.count(definition, now) };
  },
  'reports.export': (ctx, input) =>
    exportReport(
      {
        queries: ctx.reports,
        pdf: ctx.pdf,
        now: ctx.now,
        accountLabels: (ids) => accountLabels(ctx, ids),
        onProgress: (rows, total, done) => ctx.events.emit('reports.progress', { path: input.path, rows, total, done }),
      },
      { ...input, options: { ...input.options, locale: input.options.locale ?? ctx.settings.all().locale as string | undefined } },
    ),
  'reports.saved.list': (ctx) => ctx.savedReports.list(),
  'reports.saved.save': (ctx, saved) => {
    ctx.savedReports.save(saved, ctx.now().toISOString());
    return ctx.savedReports.get(saved.name)!;
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
