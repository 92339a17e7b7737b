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

/** The file an export writes: the caller's path, or the one behind a token the host's Save dialog issued. */
export function exportTarget(
  ctx: CoreContext,
  input: { path?: string; saveToken?: string; options: { force: boolean } },
): { path: string; force: boolean } {
  if (input.path !== undefined) return { path: input.path, force: input.options.force };
  const path = input.saveToken !== undefined ? (ctx.host?.claimSavePath?.(input.saveToken) ?? null) : null;
  if (path === null) {
    throw new RollbookError(
      'forbidden_path',
      'This export was not started from the Save dialog (or was already written). Choose "Save as…" again.',
    );
  }
  // The dialog already asked before replacing an existing file.
  return { path, force: true };
}

/**
 * A report or compliance export's file (see exportTarget), remembered so that a start finds the partial files an
 * interrupted export left there, and its options: PDFs and locale dates follow the app's format setting unless the
 * caller names a locale.
 */
export function prepareExport<O extends { force: boolean; locale?: string }>(
  ctx: CoreContext,
  input: { path?: string; saveToken?: string; options: O },
): { path: string; options: O } {
  const { path, force } = exportTarget(ctx, input);
  rememberExportFolder(ctx.dataDir, dirname(path));
  const locale = input.options.locale ?? (ctx.settings.all().locale as string | undefined);
  return { path, options: { ...input.options, force, locale } };
}

export async function runExport(ctx: CoreContext, input: ExportInput) {
  const { path, options } = prepareExport(ctx, input);
  const result = await exportReport(
    {
      queries: ctx.reports,
      pdf: ctx.pdf,
      csvWorkers: ctx.csvWorkers,
      log: ctx.log,
      now: ctx.now,
      accountLabels: (ids) => accountLabels(ctx, ids),
      onProgress: (rows, total, done) => ctx.events.emit('reports.progress', { path, rows, total, done }),
    },
    { definition: input.definition, format: input.format, path, options },
  );
  ctx.host?.fileWritten?.(result.path);
  return result;
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
    if (!saved)
      throw new RollbookError(
        'invalid_input',
        `There is no saved report "${name}". Saved reports: ${
          ctx.savedReports
            .list()
            .map((r) => r.name)
            .join(', ') || 'none'
        }.`,
      );
    return runExport(ctx, { definition: saved.definition, ...rest });
  },
  'reports.saved.delete': (ctx, { name }) => ({ deleted: ctx.savedReports.remove(name) }),
  'host.chooseSavePath': async (ctx, input) => {
    if (!ctx.host?.chooseSavePath) {
      throw new RollbookError('unsupported', 'This program has no file dialog; pass the output path directly.');
    }
    return (await ctx.host.chooseSavePath(input.suggestedName, input.format)) ?? { path: null, saveToken: null };
  },
  'host.openPath': async (ctx, input) => {
    if (!ctx.host?.openPath) {
      throw new RollbookError('unsupported', 'This program cannot open files; open the export from its folder.');
    }
    await ctx.host.openPath(input.path, input.reveal);
    return { ok: true };
  },
} satisfies HandlersFor<keyof typeof reportChannels>;
