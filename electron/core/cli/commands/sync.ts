import type { Command } from 'commander';
import type { Account } from '../../contract/channels/accounts';
import type { SyncProgress, SyncResource, SyncRun } from '../../contract/channels/sync';
import { oneLine } from '../output';
import type { CliIo, CommandContext, GlobalOptions } from '../program';

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

function describe(p: SyncProgress, label: string): string {
  if (p.waiting?.reason === 'other_process')
    return `${label}: waiting for another Rollbook process that is syncing this account…`;
  const head = `${label}: ${p.resource ?? 'starting'} (${p.step}/${p.steps})`;
  const rows =
    `${p.rows.toLocaleString('en-US')}${p.total ? ` of ${p.total.toLocaleString('en-US')}` : ''} ` +
    `rows, ${p.pages} pages`;
  const why =
    p.waiting?.reason === 'rate_limited'
      ? 'rate limited'
      : p.waiting?.reason === 'budget'
        ? 'request budget'
        : 'retrying';
  const wait = p.waiting ? ` — waiting ${seconds(p.waiting.ms)}: ${why}` : '';
  return `${head} ${rows}, ${seconds(p.elapsedMs)}${wait}`;
}

function bar(p: SyncProgress, width = 20): string {
  const fraction = p.total ? Math.min(1, p.rows / p.total) : Math.max(0, p.step - 1) / p.steps;
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** Without a terminal, a long step still shows it is alive this often. */
const HEARTBEAT_MS = 30_000;

/**
 * Progress on stderr: a redrawn bar on a terminal. Otherwise (a log, a pipe) plain lines: one as each step ends, with
 * the rows it brought, one every half minute of a long step, and one as each wait begins. A line at a step's start
 * could only ever say "0 rows".
 */
export function progressPrinter(io: CliIo, labels: Map<string, string>) {
  /**
   * Per account: its last event, when (in the run's elapsed time) its last line was printed, and the counts as its
   * current step began.
   */
  const last = new Map<string, { progress: SyncProgress; printedAt: number; stepStart: SyncProgress['counts'] }>();
  return (p: SyncProgress) => {
    const label = labels.get(p.accountId) ?? p.accountId;
    if (io.isTty) {
      if (p.state !== 'done') {
        io.clearLine?.();
        io.stderr(`${bar(p)} ${describe(p, label)}`);
      }
      return;
    }
    const before = last.get(p.accountId);
    const ended =
      before?.progress.resource && (p.state === 'done' || p.resource !== before.progress.resource)
        ? before.progress.resource
        : null;
    if (before && ended) {
      const rows = (p.counts[ended] ?? 0).toLocaleString('en-US');
      io.stderr(
        `${label}: ${ended} (${before.progress.step}/${before.progress.steps}) ` +
          `${rows} rows${alongside(ended, before.stepStart, p.counts)}, ${seconds(p.elapsedMs)}\n`,
      );
    }
    if (p.state === 'done') {
      last.delete(p.accountId);
      return;
    }
    // Within a step, keep when its last line was printed and the counts it began with; a new step starts both afresh.
    const sameStep = before && !ended ? before : null;
    let printedAt = sameStep?.printedAt ?? p.elapsedMs;
    // A wait as it begins; in a long step, a line every half minute.
    if (p.waiting ? !before?.progress.waiting : p.elapsedMs - printedAt >= HEARTBEAT_MS) {
      io.stderr(`${describe(p, label)}\n`);
      printedAt = p.elapsedMs;
    }
    last.set(p.accountId, { progress: p, printedAt, stepStart: sameStep?.stepStart ?? p.counts });
  };
}

/**
 * Rows of other resources a step brought. SelfCommunity lists its learners only beside their progress, so its learners
 * step ends with 0 rows and its progress step brings them: the line says so rather than leaving "0 learners" standing.
 */
function alongside(resource: SyncResource, start: SyncProgress['counts'], end: SyncProgress['counts']): string {
  const others = (Object.keys(end) as SyncResource[])
    .filter((r) => r !== resource && (end[r] ?? 0) > (start[r] ?? 0))
    .map((r) => `${((end[r] ?? 0) - (start[r] ?? 0)).toLocaleString('en-US')} ${r}`);
  return others.length > 0 ? ` (with ${others.join(', ')})` : '';
}

function summary(run: SyncRun, label: string): string {
  const counts = Object.entries(run.counts)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  const skipped = run.skipped.length > 0 ? `, ${run.skipped.length} course(s) skipped` : '';
  switch (run.outcome) {
    case 'ok':
      return `${label}: synced (${counts})`;
    case 'partial':
      // A partial run names its skipped courses and, when a listing could not be read whole, why.
      return [
        `${label}: partly synced${skipped} (${counts})`,
        ...(run.errorMessage ? [`  incomplete: ${run.errorMessage}`] : []),
        ...run.skipped.map((s) => `  skipped course ${s.courseId}: ${s.reason}`),
      ].join('\n');
    case 'cancelled':
      return `${label}: cancelled — the previous data was kept`;
    default:
      return `${label}: FAILED — ${oneLine(run.errorMessage ?? run.errorCode ?? 'unknown error')}`;
  }
}

export function registerSync(program: Command, { io, withCore, fail }: CommandContext): void {
  program
    .command('sync')
    .description('pull accounts into the offline cache (default: all accounts)')
    .argument('[accounts...]', 'labels or ids')
    .option('--full', 'full refresh instead of incremental')
    .option('--status', "print each account's last run and data age instead of syncing")
    .action(async (refs: string[], opts: { full?: boolean; status?: boolean }, cmd: Command) => {
      await withCore(cmd.optsWithGlobals<GlobalOptions>(), async (core) => {
        const accounts = await core.call('accounts.list');
        const labels = new Map(accounts.map((a: Account) => [a.id, oneLine(a.label)]));
        if (opts.status) {
          const status = await core.call('sync.status');
          if (status.length === 0) io.stdout('No accounts yet.\n');
          for (const s of status) {
            const last = s.lastRun;
            const age = s.dataAsOf ? `data as of ${s.dataAsOf}` : 'no data yet';
            const lastRun = last ? `${last.outcome} at ${last.endedAt ?? last.startedAt}` : 'never synced';
            io.stdout(`${labels.get(s.accountId)}\t${lastRun}\t${age}\n`);
          }
          return;
        }
        if (accounts.length === 0 && refs.length === 0) {
          io.stderr('No accounts to sync. Add one with "rollbook accounts add …".\n');
          return;
        }
        const off = core.on('sync.progress', progressPrinter(io, labels));
        const stopInterrupt = io.onInterrupt?.(() => {
          io.stderr('\nCancelling… (the previous data is kept)\n');
          void core.call('sync.cancel', {});
        });
        try {
          const runs = await core.call('sync.run', {
            accountIds: refs.length > 0 ? refs : undefined,
            mode: opts.full ? 'full' : 'incremental',
          });
          if (io.isTty) io.clearLine?.();
          for (const run of runs) io.stderr(summary(run, labels.get(run.accountId) ?? run.accountId) + '\n');
          if (runs.some((r) => r.outcome === 'failed' || r.outcome === 'cancelled')) fail();
        } finally {
          off();
          stopInterrupt?.();
        }
      });
    });
}
