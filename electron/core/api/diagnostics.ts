/**
 * The text "Copy diagnostics" (About) and `rollbook diagnostics` give: enough to tell what happened on a user's
 * machine without asking them for their data. Accounts appear by id and platform; labels are replaced by ids; no
 * secret, learner name or e-mail address is included (the core's scrubber runs over the whole text as well).
 */
import { arch, platform, release } from 'node:os';
import { recentLoggedErrors } from '../log/log';
import { schemaVersion } from '../store/db';
import { ROLLBOOK_VERSION } from '../version';
import type { CoreContext } from './context';

const RECENT = 20;

const orNone = (lines: string[]) => (lines.length > 0 ? lines : ['  none']);

export function diagnosticsText(ctx: CoreContext): string {
  const accounts = ctx.accounts.list();
  const n = (value: number) => value.toLocaleString('en-US');
  const lines = [
    `Rollbook diagnostics, ${ctx.now().toISOString()}`,
    `Version:         ${ROLLBOOK_VERSION}`,
    `OS:              ${platform()} ${release()} (${arch()})`,
    `Node:            ${process.versions.node}`,
    `Electron:        ${process.versions.electron ?? 'none (command line)'}`,
    `Schema version:  ${schemaVersion(ctx.db)}`,
    `Worker threads:  sync ${ctx.syncInWorker ? 'yes' : 'no'}, CSV export ${ctx.csvWorkers ? 'yes' : 'no'}`,
    `Log folder:      ${ctx.logDir}`,
    '',
    `Accounts (${accounts.length}), live rows:`,
    ...ctx.stats
      .perAccount()
      .map(
        (a) =>
          `  ${a.accountId} ${a.platform}: ${n(a.courses)} courses, ` +
          `${n(a.sessions)} sessions, ${n(a.learners)} learners, ` +
          `${n(a.progress)} progress, ${n(a.attendance)} attendance`,
      ),
    '',
    `Last ${RECENT} sync runs:`,
    ...orNone(
      ctx.runs.history(undefined, RECENT).map((r) => {
        const counts = Object.entries(r.counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ');
        const error = r.errorCode ? ` — ${r.errorCode}: ${r.errorMessage ?? ''}` : '';
        return (
          `  #${r.id} ${r.accountId} ${r.mode} ${r.startedAt} → ${r.endedAt ?? '…'} ${r.outcome}` +
          `${counts ? ` (${counts})` : ''}${r.skipped.length ? `, ${r.skipped.length} skipped` : ''}${error}`
        );
      }),
    ),
    '',
    `Last ${RECENT} logged errors:`,
    ...orNone(
      recentLoggedErrors(ctx.logDir, RECENT).map((e) => `  ${e.time} ${e.msg}${e.error ? ` — ${e.error}` : ''}`),
    ),
  ];
  let text = lines.join('\n') + '\n';
  // Messages name accounts by label ("The secret for "Studio" is missing"): the id says as much to support.
  for (const account of accounts) text = text.split(`"${account.label}"`).join(`account ${account.id}`);
  return ctx.scrub(text);
}
