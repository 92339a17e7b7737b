import type { Command } from 'commander';
import { CHANGE_KINDS, type ChangeFilterInput, type ChangeRow, type ChangeSync } from '../../contract/channels/changes';
import type { Core } from '../../core';
import { oneLine, terminalJson } from '../output';
import { UsageError, type CommandContext, type GlobalOptions } from '../program';
import { collect, day } from './report';

interface ChangesFlags {
  since?: string;
  lastSync?: boolean;
  account: string[];
  kind: string[];
  json?: boolean;
}

/** Rows asked for per call while the whole selection is printed. */
const PAGE = 1000;

/** One change per line for scripts: the keys are stable, null where a kind has no such value. */
const jsonLine = (c: ChangeRow) =>
  terminalJson(
    {
      kind: c.kind,
      at: c.at,
      account: c.accountLabel,
      accountId: c.accountId,
      courseId: c.courseId,
      courseName: c.courseName,
      learnerId: c.learnerId,
      learnerName: c.learnerName,
      learnerEmail: c.learnerEmail,
      sessionId: c.sessionId,
      sessionName: c.sessionName,
      from: c.from,
      to: c.to,
      occurredAt: c.occurredAt,
    },
    0,
  );

function humanLine(c: ChangeRow): string {
  const who = c.learnerName ? `${c.learnerName}${c.learnerEmail ? ` <${c.learnerEmail}>` : ''}` : null;
  const what = [c.courseName ?? c.courseId, c.sessionName, who].filter(Boolean).join(' · ');
  const change = c.from !== null || c.to !== null ? `: ${c.from ?? '—'} → ${c.to ?? '—'}` : '';
  return `  ${c.kind.padEnd(18)} ${oneLine(what)}${oneLine(change)}`;
}

function syncHeader(s: ChangeSync): string {
  const head = `${oneLine(s.accountLabel)} — sync of ${s.at}`;
  if (s.baseline) {
    const rows = Object.entries(s.rows)
      .filter(([, n]) => n > 0)
      .map(([what, n]) => `${n.toLocaleString('en-US')} ${what}`)
      .join(', ');
    return `${head}: first sync, recorded as the starting point (${rows || 'no rows'})`;
  }
  const mass = s.mass.map((m) => ` ${m.count.toLocaleString('en-US')} ${m.kind} — platform reset?`).join(';');
  return `${head}: ${s.total.toLocaleString('en-US')} change${s.total === 1 ? '' : 's'}${mass ? ` (${mass.trim()})` : ''}`;
}

async function* pages(core: Core, filter: ChangeFilterInput): AsyncGenerator<ChangeRow> {
  for (let offset = 0; ; offset += PAGE) {
    const { rows } = await core.call('changes.list', { filter, offset, limit: PAGE });
    yield* rows;
    if (rows.length < PAGE) return;
  }
}

export function registerChanges(program: Command, { io, withCore }: CommandContext): void {
  program
    .command('changes')
    .description(
      'what changed at each sync: completions, failures, no-shows, enrolments, sessions (default: last sync)',
    )
    .option('--since <YYYY-MM-DD>', 'every change recorded since this day (UTC)', day)
    .option('--last-sync', "the changes of each account's latest sync (the default)")
    .option('--account <label|id>', 'only this account (repeatable)', collect, [])
    .option('--kind <kind>', `only this kind (repeatable): ${CHANGE_KINDS.join(', ')}`, collect, [])
    .option('--json', 'JSON lines: one change per line')
    .action(async (flags: ChangesFlags, cmd: Command) => {
      if (flags.since && flags.lastSync) throw new UsageError('Give --since or --last-sync, not both.');
      const bad = flags.kind.filter((k) => !(CHANGE_KINDS as readonly string[]).includes(k));
      if (bad.length)
        throw new UsageError(`Unknown kind ${bad.map((k) => `"${k}"`).join(', ')}. Use: ${CHANGE_KINDS.join(', ')}.`);
      await withCore(cmd.optsWithGlobals<GlobalOptions>(), async (core) => {
        const accounts = await core.call('accounts.list');
        const accountIds = flags.account.map((ref) => {
          const found = accounts.find((a) => a.id === ref || a.label.toLowerCase() === ref.toLowerCase());
          if (!found) throw new UsageError(`No account "${ref}". Run "rollbook accounts list" to see them.`);
          return found.id;
        });
        const scope = accountIds.length ? accountIds : null;
        const kinds = flags.kind.length ? (flags.kind as ChangeRow['kind'][]) : undefined;
        // Which syncs, oldest first: each account's latest, or every sync since the day.
        const syncs: ChangeSync[] = [];
        if (flags.since) {
          for (let offset = 0; ; offset += PAGE) {
            const page = await core.call('changes.syncs', {
              accountIds: scope,
              from: flags.since,
              offset,
              limit: PAGE,
            });
            syncs.push(...page.rows);
            if (page.rows.length < PAGE) break;
          }
        } else {
          syncs.push(...(await core.call('changes.summary', { accountIds: scope })).syncs);
        }
        syncs.reverse();
        if (syncs.length === 0 && !flags.json) {
          io.stdout(flags.since ? `No syncs since ${flags.since}.\n` : 'No syncs recorded yet: run "rollbook sync".\n');
          return;
        }
        for (const sync of syncs) {
          if (!flags.json) io.stdout(`${syncHeader(sync)}\n`);
          const rows: ChangeRow[] = [];
          for await (const row of pages(core, { accountIds: null, syncId: sync.id, kinds })) rows.push(row);
          // Within a sync, in the order recorded (the list is newest first).
          for (const row of rows.reverse()) io.stdout(`${flags.json ? jsonLine(row) : humanLine(row)}\n`);
        }
      });
    });
}
