import { Argument, type Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { z } from 'zod';
import {
  dayProblem,
  EXPORT_FORMATS,
  type ExportFormat,
  REPORT_KINDS,
  reportDefinitionSchema,
  type ReportDefinitionInput,
} from '../../contract/channels/reports';
import { PLATFORMS, PROGRESS_STATUSES } from '../../contract/domain';
import {
  COMPLIANCE_REPORT_KINDS,
  COMPLIANCE_STATUSES,
  type ComplianceReportKind,
} from '../../contract/channels/compliance';
import type { Core } from '../../core';
import { UsageError, type CommandContext, type GlobalOptions } from '../program';

interface ReportFlags {
  format: ExportFormat;
  out: string;
  account: string[];
  platform?: string[];
  course: string[];
  status: string[];
  from?: string;
  to?: string;
  learner?: string;
  search?: string;
  overdue?: boolean;
  dueBefore?: string;
  expiresBefore?: string;
  includeLeavers?: boolean;
  bom: boolean;
  localeDates?: boolean;
  saved?: string;
  saveAs?: string;
  force?: boolean;
  requirement: string[];
  department: string[];
}

export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Commander names the flag in its message: "option '--to <YYYY-MM-DD>' argument '…' is invalid. …". */
export const day = (value: string) => {
  const problem = dayProblem(value);
  if (problem) throw new InvalidArgumentError(`${problem}.`);
  return value;
};

export function registerReport(program: Command, { io, withCore }: CommandContext): void {
  program
    .command('report')
    .description('export a report from the offline cache as CSV, PDF or Excel (xlsx)')
    .addArgument(
      new Argument(
        '[kind]',
        'completions, attendance, courses, learner (transcript), changes, compliance (the training matrix) or actions',
      ).choices([...REPORT_KINDS, ...COMPLIANCE_REPORT_KINDS]),
    )
    .addOption(new Option('--format <format>', 'csv, pdf or xlsx').choices([...EXPORT_FORMATS]).default('csv'))
    .requiredOption('--out <file>', 'where to write the report')
    .option('--account <label|id>', 'only this account (repeatable)', collect, [])
    .addOption(
      new Option('--platform <platform>', 'only this platform (repeatable)').choices([...PLATFORMS]).argParser(collect),
    )
    .option('--course <id>', 'only this course id (repeatable)', collect, [])
    .option('--status <status>', `only these statuses (repeatable): ${PROGRESS_STATUSES.join(', ')}`, collect, [])
    .option('--from <YYYY-MM-DD>', 'first day (completed-at or last activity; session start for attendance)', day)
    .option('--to <YYYY-MM-DD>', 'last day, inclusive', day)
    .option('--learner <email>', 'the learner for a transcript')
    .option('--search <text>', 'learner name or e-mail contains')
    .option('--overdue', 'only rows past their due date and not completed or passed (completions, learner)')
    .option('--due-before <YYYY-MM-DD>', 'only rows due before this day (completions, learner)', day)
    .option('--expires-before <YYYY-MM-DD>', 'only access or certificates expiring before this day', day)
    .option('--include-leavers', 'also show blocked and deleted learners (completions, attendance)')
    .option('--requirement <name>', 'compliance and actions: only this requirement (repeatable)', collect, [])
    .option('--department <name>', 'compliance and actions: only people of this department (repeatable)', collect, [])
    .option('--no-bom', 'CSV without the UTF-8 byte-order mark')
    .option('--locale-dates', 'CSV dates as your locale writes them (default ISO-8601)')
    .option('--saved <name>', 'run a saved report definition (flags given here override it)')
    .option('--save-as <name>', 'also save this definition under a name')
    .option('--force', 'overwrite --out if it exists')
    .action(async (kind: string | undefined, flags: ReportFlags, cmd: Command) => {
      if ((COMPLIANCE_REPORT_KINDS as readonly string[]).includes(kind ?? '')) {
        await withCore(cmd.optsWithGlobals<GlobalOptions>(), (core) =>
          complianceReport(core, kind as ComplianceReportKind, flags, io),
        );
        return;
      }
      if (flags.requirement.length || flags.department.length)
        throw new UsageError('--requirement and --department are for the compliance and actions reports.');
      const bad = flags.status.filter((s) => !(PROGRESS_STATUSES as readonly string[]).includes(s));
      if (bad.length)
        throw new UsageError(
          `Unknown status ${bad.map((s) => `"${s}"`).join(', ')}. Use: ${PROGRESS_STATUSES.join(', ')}.`,
        );
      await withCore(cmd.optsWithGlobals<GlobalOptions>(), async (core) => {
        let base: Partial<ReportDefinitionInput> = {};
        if (flags.saved) {
          const saved = (await core.call('reports.saved.list')).find(
            (r) => r.name.toLowerCase() === flags.saved!.toLowerCase(),
          );
          if (!saved) throw new UsageError(`No saved report "${flags.saved}".`);
          base = saved.definition;
        }
        if (!kind && !base.kind)
          throw new UsageError(
            'Say which report: completions, attendance, courses, learner or changes (or --saved NAME).',
          );
        const accounts = await core.call('accounts.list');
        const accountIds = flags.account.map((ref) => {
          const found = accounts.find((a) => a.id === ref || a.label.toLowerCase() === ref.toLowerCase());
          if (!found) throw new UsageError(`No account "${ref}". Run "rollbook accounts list" to see them.`);
          return found.id;
        });
        const draft: ReportDefinitionInput = {
          ...base,
          kind: (kind ?? base.kind) as ReportDefinitionInput['kind'],
          ...(accountIds.length ? { accountIds } : {}),
          ...(flags.platform?.length ? { platforms: flags.platform as ReportDefinitionInput['platforms'] } : {}),
          ...(flags.course.length ? { courseIds: flags.course } : {}),
          ...(flags.status.length ? { statuses: flags.status as ReportDefinitionInput['statuses'] } : {}),
          ...(flags.from ? { from: flags.from } : {}),
          ...(flags.to ? { to: flags.to } : {}),
          ...(flags.learner ? { learnerEmail: flags.learner } : {}),
          ...(flags.search ? { learnerSearch: flags.search } : {}),
          ...(flags.overdue ? { overdue: true } : {}),
          ...(flags.dueBefore ? { dueBefore: flags.dueBefore } : {}),
          ...(flags.expiresBefore ? { expiresBefore: flags.expiresBefore } : {}),
          ...(flags.includeLeavers ? { includeLeavers: true } : {}),
        };
        const parsed = reportDefinitionSchema.safeParse(draft);
        if (!parsed.success) throw new UsageError(z.prettifyError(parsed.error));
        if (flags.saveAs) await core.call('reports.saved.save', { name: flags.saveAs, definition: parsed.data });
        const path = resolve(flags.out);
        const off = core.on('reports.progress', (p) => {
          if (p.done || p.rows === 0) return;
          if (io.isTty) io.clearLine?.();
          const of = p.total ? ` of ${p.total.toLocaleString('en-US')}` : '';
          io.stderr(`${p.rows.toLocaleString('en-US')}${of} rows…${io.isTty ? '' : '\n'}`);
        });
        try {
          const result = await core.call('reports.export', {
            definition: parsed.data,
            format: flags.format,
            path,
            options: { bom: flags.bom, localeDates: flags.localeDates ?? false, force: flags.force ?? false },
          });
          if (io.isTty) io.clearLine?.();
          const cut = result.truncated ? ' — the PDF shows the first rows only; export CSV for all' : '';
          io.stdout(
            `Wrote ${result.rows.toLocaleString('en-US')} rows to ${result.path} ` +
              `(${result.bytes.toLocaleString('en-US')} bytes)${cut}.\n`,
          );
        } finally {
          off();
        }
      });
    });
}

/** `report compliance|actions`: the computed statuses, filtered, through the same writers as the other reports. */
async function complianceReport(core: Core, kind: ComplianceReportKind, flags: ReportFlags, io: CommandContext['io']) {
  const badStatus = flags.status.filter((s) => !(COMPLIANCE_STATUSES as readonly string[]).includes(s));
  if (badStatus.length)
    throw new UsageError(
      `Unknown status ${badStatus.map((s) => `"${s}"`).join(', ')}. Use: ${COMPLIANCE_STATUSES.join(', ')}.`,
    );
  const unused = (['platform', 'from', 'to', 'learner', 'saved', 'saveAs'] as const).filter((f) => {
    const value = flags[f];
    return Array.isArray(value) ? value.length > 0 : value !== undefined;
  });
  if (flags.course.length) unused.push('course' as never);
  if (unused.length) throw new UsageError(`The ${kind} report does not take --${unused.join(', --')}.`);
  const accounts = await core.call('accounts.list');
  const accountIds = flags.account.map((ref) => {
    const found = accounts.find((a) => a.id === ref || a.label.toLowerCase() === ref.toLowerCase());
    if (!found) throw new UsageError(`No account "${ref}". Run "rollbook accounts list" to see them.`);
    return found.id;
  });
  const requirements = await core.call('requirements.list');
  const requirementIds = flags.requirement.map((name) => {
    const found = requirements.find((r) => r.name.toLowerCase() === name.toLowerCase());
    if (!found) {
      const names = requirements.map((r) => r.name).join(', ') || 'none';
      throw new UsageError(`--requirement: there is no requirement "${name}". Requirements: ${names}.`);
    }
    return found.id;
  });
  const result = await core.call('compliance.export', {
    kind,
    format: flags.format,
    path: resolve(flags.out),
    filters: {
      ...(accountIds.length ? { accountIds } : {}),
      ...(requirementIds.length ? { requirementIds } : {}),
      ...(flags.department.length ? { departments: flags.department } : {}),
      ...(flags.status.length ? { statuses: flags.status as (typeof COMPLIANCE_STATUSES)[number][] } : {}),
      ...(flags.search ? { search: flags.search } : {}),
    },
    options: { bom: flags.bom, localeDates: flags.localeDates ?? false, force: flags.force ?? false },
  });
  const cut = result.truncated ? ' — the PDF shows the first rows only; export CSV for all' : '';
  io.stdout(
    `Wrote ${result.rows.toLocaleString('en-US')} rows to ${result.path} ` +
      `(${result.bytes.toLocaleString('en-US')} bytes)${cut}.\n`,
  );
}
