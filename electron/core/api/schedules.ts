import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ReportDelivery, ReportSchedule, scheduleChannels } from '../contract/channels/schedules';
import { REPORT_TITLES } from '../contract/channels/reports';
import { RollbookError } from '../contract/errors';
import { fileNameFor, latestDue, nextRunAfter } from '../reports/schedules';
import type { StoredSchedule } from '../store/schedules-repo';
import type { CoreContext } from './context';
import type { HandlersFor } from './handlers';
import { runExport } from './reports';

function view(ctx: CoreContext, s: StoredSchedule): ReportSchedule {
  const { handledUntil, ...rest } = s;
  const next = nextRunAfter(s, handledUntil);
  return {
    ...rest,
    nextRun: next === null ? null : new Date(next).toISOString(),
    lastDelivery: ctx.schedules.lastDelivery(s.id),
  };
}

/** The destination folder: the caller's path, or the one behind a token the host's folder picker issued. */
function destination(ctx: CoreContext, input: { folder?: string; folderToken?: string }): string {
  if (input.folder !== undefined) return input.folder;
  const folder = input.folderToken !== undefined ? (ctx.host?.claimFolder?.(input.folderToken) ?? null) : null;
  if (folder === null) {
    throw new RollbookError(
      'forbidden_path',
      'This folder was not chosen in the folder dialog (or was already used). Choose the folder again.',
    );
  }
  return folder;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Delivers one schedule's run due at `dueAt`: syncs the report's accounts, then writes the file (temp + rename, so a
 * failure never leaves a half file). A failed sync still delivers from the cache, and says how old the data is.
 */
async function deliver(
  ctx: CoreContext,
  s: StoredSchedule,
  dueAt: number,
): Promise<Omit<ReportDelivery, 'id' | 'scheduleId' | 'dueAt' | 'ranAt'>> {
  const saved = ctx.savedReports.get(s.reportName);
  if (!saved) {
    return {
      outcome: 'failed',
      file: null,
      message:
        `The saved report "${s.reportName}" no longer exists. Save a report under that name again, ` +
        'or remove this schedule.',
    };
  }
  const file = join(s.folder, fileNameFor(s.filePattern, new Date(dueAt)));
  const other = ctx.schedules.otherWriterOf(file, s.id);
  if (other !== null) {
    return {
      outcome: 'failed',
      file,
      message:
        `Schedule #${other} already writes ${file}; nothing was written, so its file stays as it was. ` +
        'Give one of the two schedules a different file name or folder.',
    };
  }
  const folder = await fs.stat(s.folder).catch(() => null);
  if (!folder?.isDirectory()) {
    return {
      outcome: 'failed',
      file,
      message:
        `The folder ${s.folder} is not there (a disconnected drive or share?); nothing was written. ` +
        'Reconnect it, or remove this schedule and add it again with another folder.',
    };
  }

  let definition = saved.definition;
  let stale: string | null = null;
  const accounts = ctx.accounts
    .list()
    .filter((a) => definition.accountIds === null || definition.accountIds.includes(a.id))
    .filter((a) => !definition.platforms?.length || definition.platforms.includes(a.platform));
  try {
    const runs = await ctx.sync.run(accounts, 'incremental');
    const failed = runs.filter((r) => r.outcome !== 'ok' && r.outcome !== 'partial');
    if (failed.length > 0) stale = failed.map((r) => r.errorMessage ?? r.outcome).join('; ');
  } catch (error) {
    stale = errorText(error);
  }
  if (stale !== null) {
    const asOf = accounts
      .map((a) => ctx.runs.dataAsOf(a.id))
      .filter((at): at is string => at !== null)
      .sort()[0];
    const age = asOf ? `data as of ${asOf.slice(0, 16).replace('T', ' ')} UTC` : 'never synced';
    const title = definition.title ?? REPORT_TITLES[definition.kind];
    definition = { ...definition, title: `${title} (sync failed: ${age})`.slice(0, 120) };
    stale = `The sync failed (${stale}); the file was written from the cache, ${age}.`;
  }
  try {
    await runExport(ctx, {
      definition,
      format: s.format,
      path: file,
      // The schedule owns its file: a run again the same day replaces it (atomically).
      options: { bom: true, localeDates: false, force: true },
    });
  } catch (error) {
    return {
      outcome: 'failed',
      file,
      message: `${errorText(error)} The previous file, if any, is unchanged; the next run tries again.`,
    };
  }
  return stale === null ? { outcome: 'ok', file, message: null } : { outcome: 'stale', file, message: stale };
}

/** A run this long after its time was not merely a busy timer: the computer slept, or the app was closed. */
const LATE_MS = 5 * 60_000;

/** Every schedule due by now, each once (the latest run it missed); one failing never stops the others. */
async function runDue(ctx: CoreContext): Promise<ReportDelivery[]> {
  const deliveries: ReportDelivery[] = [];
  for (const s of ctx.schedules.list()) {
    const now = ctx.now().getTime();
    const due = latestDue(s, s.handledUntil, now);
    if (due === null) continue;
    const { dueAt } = due;
    const result = await deliver(ctx, s, dueAt);
    // Delivered late (asleep or closed at the time): the history says so, and that missed runs were folded into one.
    if (now - dueAt >= LATE_MS && result.outcome !== 'failed') {
      const missed = due.runs > 1 ? ` ${due.runs} runs were missed; this one file stands for them.` : '';
      const late =
        `Delivered late: it was due ${new Date(dueAt).toISOString()}, while the computer was asleep or ` +
        `Rollbook was closed.${missed}`;
      result.message = result.message ? `${late} ${result.message}` : late;
    }
    // Removed while it ran: nothing to record.
    if (!ctx.schedules.get(s.id)) continue;
    const ranAt = ctx.now().getTime();
    deliveries.push(ctx.schedules.deliver({ scheduleId: s.id, dueAt, ranAt, ...result }, Math.max(now, dueAt)));
    if (result.outcome === 'failed') ctx.log.warn({ schedule: s.id, message: result.message }, 'schedule failed');
    else ctx.log.info({ schedule: s.id, outcome: result.outcome }, 'schedule delivered');
  }
  if (deliveries.length > 0) ctx.events.emit('schedules.changed', {});
  return deliveries;
}

const passes = new WeakMap<CoreContext, Promise<ReportDelivery[]>>();

export const scheduleHandlers = {
  'schedules.list': (ctx) => ctx.schedules.list().map((s) => view(ctx, s)),
  'schedules.add': (ctx, input) => {
    const folder = destination(ctx, input);
    const id = ctx.schedules.add({ ...input, folder }, ctx.now().getTime());
    ctx.events.emit('schedules.changed', {});
    return view(ctx, ctx.schedules.get(id)!);
  },
  'schedules.remove': (ctx, { id }) => {
    const removed = ctx.schedules.remove(id);
    if (removed) ctx.events.emit('schedules.changed', {});
    return { removed };
  },
  'schedules.history': (ctx, input) => ctx.schedules.history(input.scheduleId, input.limit),
  'schedules.runDue': (ctx) => {
    // One pass at a time per core (the timer and a wake-up at once): a second caller gets the pass under way.
    let pass = passes.get(ctx);
    if (!pass) {
      pass = runDue(ctx).finally(() => passes.delete(ctx));
      passes.set(ctx, pass);
    }
    return pass;
  },
  'host.chooseFolder': async (ctx) => {
    if (!ctx.host?.chooseFolder) {
      throw new RollbookError('unsupported', 'This program has no folder dialog; pass the folder directly.');
    }
    return (await ctx.host.chooseFolder()) ?? { path: null, folderToken: null };
  },
} satisfies HandlersFor<keyof typeof scheduleChannels>;
