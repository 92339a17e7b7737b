import { type Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { z } from 'zod';
import { EXPORT_FORMATS } from '../../contract/channels/reports';
import {
  SCHEDULE_FREQUENCIES,
  scheduleInputSchema,
  type ReportDelivery,
  type ReportSchedule,
} from '../../contract/channels/schedules';
import { oneLine, terminalJson } from '../output';
import { UsageError, type CliIo, type CommandContext, type GlobalOptions } from '../program';

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** "monday", "mon" or 1 (0 = Sunday). */
const weekday = (value: string) => {
  const n = /^[0-6]$/.test(value)
    ? Number(value)
    : value.length >= 2
      ? WEEKDAYS.findIndex((d) => d.startsWith(value.toLowerCase()))
      : -1;
  if (n < 0) throw new InvalidArgumentError('Use a weekday such as monday (or 0 = Sunday … 6).');
  return n;
};
const integer = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('Use a whole number.');
  return Number(value);
};

const when = (s: ReportSchedule) =>
  s.frequency === 'daily'
    ? `daily at ${s.time}`
    : s.frequency === 'weekly'
      ? `${WEEKDAYS[s.weekday ?? 0]}s at ${s.time}`
      : `monthly on day ${s.monthDay} at ${s.time}`;

function printDelivery(io: CliIo, d: ReportDelivery) {
  const file = d.file ? ` ${d.file}` : '';
  const message = d.message ? ` — ${oneLine(d.message)}` : '';
  io.stdout(`#${d.scheduleId}\t${d.outcome}\t${d.ranAt}${file}${message}\n`);
}

interface AddFlags {
  every: (typeof SCHEDULE_FREQUENCIES)[number];
  on?: number;
  day?: number;
  at: string;
  format: (typeof EXPORT_FORMATS)[number];
  folder: string;
  name?: string;
}

export function registerSchedules(program: Command, { io, withCore, fail }: CommandContext): void {
  const schedules = program
    .command('schedules')
    .description('saved reports the app writes to a folder on a schedule (while it runs)');

  schedules
    .command('list')
    .description('list schedules with their last run and next run')
    .option('--json', 'print stable JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const list = await withCore(cmd.optsWithGlobals<GlobalOptions>(), (core) => core.call('schedules.list'));
      if (opts.json) {
        io.stdout(terminalJson(list) + '\n');
        return;
      }
      if (list.length === 0) {
        io.stdout('No schedules. Add one with "rollbook schedules add NAME --every weekly --on monday …".\n');
        return;
      }
      for (const s of list) {
        const last = s.lastDelivery ? `last: ${s.lastDelivery.outcome} ${s.lastDelivery.ranAt}` : 'not run yet';
        io.stdout(
          `#${s.id}\t${oneLine(s.reportName)}\t${s.format}\t${when(s)}\t` +
            `${oneLine(s.folder)}\t${oneLine(s.filePattern)}\t${last}\tnext: ${s.nextRun ?? 'none'}\n`,
        );
      }
    });

  schedules
    .command('add')
    .description('schedule a saved report into a folder')
    .argument('<report>', 'the saved report (rollbook report … --save-as NAME)')
    .addOption(new Option('--every <period>', 'daily, weekly or monthly').choices([...SCHEDULE_FREQUENCIES]))
    .option('--on <weekday>', 'weekly: the weekday', weekday)
    .option('--day <n>', 'monthly: the day of the month (1-28)', integer)
    .option('--at <HH:mm>', 'the time of day', '07:00')
    .addOption(new Option('--format <format>', 'csv, pdf or xlsx').choices([...EXPORT_FORMATS]).default('xlsx'))
    .requiredOption('--folder <dir>', 'where the files go (a shared drive or synced folder)')
    .option('--name <pattern>', 'file name; {yyyy-MM-dd} becomes the date (default "REPORT {yyyy-MM-dd}.FORMAT")')
    .action(async (report: string, flags: AddFlags, cmd: Command) => {
      if (!flags.every) throw new UsageError('Say how often: --every daily, weekly or monthly.');
      const parsed = scheduleInputSchema.safeParse({
        reportName: report,
        frequency: flags.every,
        ...(flags.on !== undefined ? { weekday: flags.on } : {}),
        ...(flags.day !== undefined ? { monthDay: flags.day } : {}),
        time: flags.at,
        format: flags.format,
        filePattern: flags.name ?? `${report} {yyyy-MM-dd}.${flags.format}`,
        folder: resolve(flags.folder),
      });
      if (!parsed.success) throw new UsageError(z.prettifyError(parsed.error));
      const added = await withCore(cmd.optsWithGlobals<GlobalOptions>(), async (core) => {
        if (!(await core.call('reports.saved.list')).some((r) => r.name.toLowerCase() === report.toLowerCase()))
          throw new UsageError(`No saved report "${report}". Save one with "rollbook report … --save-as NAME".`);
        return core.call('schedules.add', parsed.data);
      });
      io.stdout(
        `Added schedule #${added.id}: ${oneLine(added.reportName)} ${when(added)}; next run ${added.nextRun}.\n`,
      );
    });

  schedules
    .command('remove')
    .description('remove a schedule (its files stay)')
    .argument('<id>', 'the schedule number (rollbook schedules list)', integer)
    .action(async (id: number, _opts: unknown, cmd: Command) => {
      const { removed } = await withCore(cmd.optsWithGlobals<GlobalOptions>(), (core) =>
        core.call('schedules.remove', { id }),
      );
      if (!removed) throw new UsageError(`No schedule #${id}. Run "rollbook schedules list" to see them.`);
      io.stdout(`Removed schedule #${id}.\n`);
    });

  schedules
    .command('run-due')
    .description('deliver every schedule due now (each once), as the app does while it runs')
    .action(async (_opts: unknown, cmd: Command) => {
      const deliveries = await withCore(cmd.optsWithGlobals<GlobalOptions>(), (core) => core.call('schedules.runDue'));
      if (deliveries.length === 0) io.stdout('Nothing due.\n');
      for (const d of deliveries) printDelivery(io, d);
      if (deliveries.some((d) => d.outcome === 'failed')) fail();
    });

  schedules
    .command('history')
    .description('recent deliveries, newest first')
    .argument('[id]', 'only this schedule', integer)
    .action(async (id: number | undefined, _opts: unknown, cmd: Command) => {
      const list = await withCore(cmd.optsWithGlobals<GlobalOptions>(), (core) =>
        core.call('schedules.history', { scheduleId: id }),
      );
      if (list.length === 0) io.stdout('No deliveries yet.\n');
      for (const d of list) printDelivery(io, d);
    });
}
