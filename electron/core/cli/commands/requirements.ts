import { type Command, InvalidArgumentError } from 'commander';
import { promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import { COMPLIANCE_STATUSES, type Requirement } from '../../contract/channels/compliance';
import { oneLine, terminalJson } from '../output';
import { UsageError, type CliIo, type CommandContext, type GlobalOptions } from '../program';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** A whole number as given; the core checks the range and names the field. */
const integer = (value: string) => {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError('Use a whole number.');
  return Number(value);
};

/** ACCOUNT:COURSE_ID, split at the last colon (a label may hold one; course ids do not). */
function courseRef(value: string): { account: string; courseId: string } {
  const at = value.lastIndexOf(':');
  if (at <= 0 || at === value.length - 1) {
    throw new UsageError(`--course "${value}": use ACCOUNT:COURSE_ID, such as "Main LMS:C100".`);
  }
  return { account: value.slice(0, at), courseId: value.slice(at + 1) };
}

/** One address per line (or separated by commas or semicolons); blank lines and # comments are skipped. */
async function readEmails(file: string): Promise<string[]> {
  const text = await fs.readFile(resolve(file), 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--emails ${file}: cannot read it (${error.code ?? error.message}).`);
  });
  return text
    .split(/\r?\n/)
    .filter((line) => !line.trim().startsWith('#'))
    .flatMap((line) => line.split(/[,;]/))
    .map((e) => e.trim())
    .filter(Boolean);
}

interface RequirementFlags {
  course: string[];
  audienceAccount: string[];
  department: string[];
  group: string[];
  emails?: string;
  dueDays?: number;
  renewMonths?: number;
  windowDays?: number;
}

function withRequirementOptions(command: Command): Command {
  return command
    .option('--course <ACCOUNT:COURSE_ID>', 'a course that counts (repeatable; account label or id)', collect, [])
    .option('--audience-account <label|id>', 'everyone active in this account (repeatable)', collect, [])
    .option('--department <name>', 'everyone in this department (repeatable)', collect, [])
    .option('--group <name>', 'everyone in this group (repeatable)', collect, [])
    .option('--emails <file>', 'everyone in this list (one e-mail a line)')
    .option(
      '--due-days <n>',
      'due N days after assignment (or first seen) where the platform gives no due date',
      integer,
    )
    .option(
      '--renew-months <m>',
      'a completion is valid M months (default: the platform or certificate expiry)',
      integer,
    )
    .option('--window-days <n>', '"due soon" and "expiring" look this many days ahead (default 30)', integer);
}

async function audienceOf(flags: RequirementFlags) {
  return {
    accounts: flags.audienceAccount,
    departments: flags.department,
    groups: flags.group,
    emails: flags.emails ? await readEmails(flags.emails) : [],
  };
}

const hasAudience = (flags: RequirementFlags) =>
  flags.audienceAccount.length > 0 || flags.department.length > 0 || flags.group.length > 0 || !!flags.emails;

function describe(r: Requirement): string {
  const courses = r.courses
    .map((c) => `${c.accountLabel ?? c.accountId}:${c.courseId}${c.inCache ? '' : ' (not in the cache)'}`)
    .join(', ');
  const a = r.audience;
  const who = [
    a.accounts.length ? `accounts ${a.accounts.length}` : '',
    a.departments.length ? `departments ${a.departments.join(', ')}` : '',
    a.groups.length ? `groups ${a.groups.join(', ')}` : '',
    a.emails.length ? `${a.emails.length} e-mails` : '',
  ].filter(Boolean);
  return [
    oneLine(r.name),
    oneLine(courses),
    who.length ? oneLine(who.join('; ')) : "the courses' accounts",
    r.dueDays === null ? 'due: platform' : `due: ${r.dueDays} days`,
    r.renewMonths === null ? 'renew: platform expiry' : `renew: ${r.renewMonths} months`,
    `window: ${r.windowDays} days`,
    `exemptions: ${r.exemptions}`,
  ].join('\t');
}

async function confirmed(io: CliIo, yes: boolean | undefined, question: string, flag: string): Promise<boolean> {
  if (yes) return true;
  if (!io.confirm) throw new UsageError(`${question.replace(/\?$/, '')} needs confirmation: add ${flag}.`);
  if (await io.confirm(question)) return true;
  io.stderr('Nothing changed.\n');
  return false;
}

export function registerRequirements(program: Command, { io, withCore }: CommandContext): void {
  const requirements = program
    .command('requirements')
    .description('training requirements: which courses count, who must do them, by when and for how long');

  withRequirementOptions(
    requirements.command('add').description('add a requirement').argument('<name>', 'its name'),
  ).action(async (name: string, flags: RequirementFlags, cmd: Command) => {
    const added = await withCore(cmd.optsWithGlobals<GlobalOptions>(), async (core) =>
      core.call('requirements.add', {
        name,
        courses: flags.course.map(courseRef),
        audience: await audienceOf(flags),
        ...(flags.dueDays !== undefined ? { dueDays: flags.dueDays } : {}),
        ...(flags.renewMonths !== undefined ? { renewMonths: flags.renewMonths } : {}),
        ...(flags.windowDays !== undefined ? { windowDays: flags.windowDays } : {}),
      }),
    );
    io.stdout(`Added "${oneLine(added.name)}".\n`);
    for (const c of added.courses.filter((x) => !x.inCache)) {
      io.stderr(`note: ${oneLine(`${c.accountLabel ?? c.accountId}:${c.courseId}`)} is not in the cache (yet).\n`);
    }
  });

  requirements
    .command('list')
    .description('list requirements')
    .option('--json', 'print stable JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const list = await withCore(cmd.optsWithGlobals<GlobalOptions>(), (core) => core.call('requirements.list'));
      if (opts.json) {
        io.stdout(terminalJson(list) + '\n');
        return;
      }
      if (list.length === 0) {
        io.stdout('No requirements. Add one with "rollbook requirements add NAME --course ACCOUNT:COURSE_ID".\n');
        return;
      }
      for (const r of list) io.stdout(`${describe(r)}\n`);
    });

  // The --no- forms come after the valued ones: declared first, commander would default the value to true.
  withRequirementOptions(
    requirements
      .command('edit')
      .description('change a requirement (--course and the audience options replace the old lists)')
      .argument('<name>', 'its current name')
      .option('--name <new>', 'rename it'),
  )
    .option('--no-due-days', "use only the platforms' due dates")
    .option('--no-renew-months', 'use the platform or certificate expiry')
    .action(async (name: string, flags: RequirementFlags & { name?: string }, cmd: Command) => {
      // Commander sets a --no-X flag's value to false; a number or undefined otherwise.
      const nullable = (value: number | boolean | undefined) =>
        value === false ? { value: null } : typeof value === 'number' ? { value } : null;
      const due = nullable(flags.dueDays as number | boolean | undefined);
      const renew = nullable(flags.renewMonths as number | boolean | undefined);
      const changes = {
        ...(flags.name !== undefined ? { name: flags.name } : {}),
        ...(flags.course.length ? { courses: flags.course.map(courseRef) } : {}),
        ...(hasAudience(flags) ? { audience: await audienceOf(flags) } : {}),
        ...(due ? { dueDays: due.value } : {}),
        ...(renew ? { renewMonths: renew.value } : {}),
        ...(flags.windowDays !== undefined ? { windowDays: flags.windowDays } : {}),
      };
      if (Object.keys(changes).length === 0) throw new UsageError('Nothing to change: give at least one option.');
      const updated = await withCore(cmd.optsWithGlobals<GlobalOptions>(), (core) =>
        core.call('requirements.update', { requirement: name, changes }),
      );
      io.stdout(`Updated "${oneLine(updated.name)}".\n`);
    });

  requirements
    .command('remove')
    .description('remove a requirement and its exemptions')
    .argument('<name>', 'its name')
    .option('--yes', 'do not ask for confirmation')
    .action(async (name: string, opts: { yes?: boolean }, cmd: Command) => {
      if (!(await confirmed(io, opts.yes, `Remove the requirement "${oneLine(name)}"?`, '--yes'))) return;
      await withCore(cmd.optsWithGlobals<GlobalOptions>(), (core) =>
        core.call('requirements.remove', { requirement: name }),
      );
      io.stdout(`Removed "${oneLine(name)}".\n`);
    });

  requirements
    .command('export')
    .description('write every requirement and exemption to a JSON file another Rollbook can import')
    .argument('<file>', 'where to write')
    .option('--force', 'overwrite the file if it exists')
    .action(async (file: string, opts: { force?: boolean }, cmd: Command) => {
      const document = await withCore(cmd.optsWithGlobals<GlobalOptions>(), (core) => core.call('requirements.export'));
      const path = resolve(file);
      await fs
        .writeFile(path, JSON.stringify(document, null, 2) + '\n', { flag: opts.force ? 'w' : 'wx' })
        .catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'EEXIST') throw new UsageError(`${path} already exists: choose another name, or --force.`);
          throw error;
        });
      io.stdout(`Wrote ${document.requirements.length} requirements to ${path}.\n`);
    });

  requirements
    .command('import')
    .description('add the requirements of an exported file (same names are replaced); all or nothing')
    .argument('<file>', 'a file "requirements export" wrote')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const path = resolve(file);
      const text = await fs.readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new UsageError(`${path}: cannot read it (${error.code ?? error.message}).`);
      });
      let document: unknown;
      try {
        document = JSON.parse(text);
      } catch (error) {
        throw new UsageError(`${path} is not JSON (${(error as Error).message}); nothing was imported.`);
      }
      const result = await withCore(cmd.optsWithGlobals<GlobalOptions>(), (core) =>
        core.call('requirements.import', { document }),
      );
      io.stdout(`Imported: ${result.added.length} added, ${result.replaced.length} replaced.\n`);
      for (const course of result.notInCache) io.stderr(`note: ${oneLine(course)} is not in the cache (kept).\n`);
    });

  program
    .command('compliance')
    .description('per requirement: people, and how many are compliant, expiring, due, overdue, expired…')
    .option('--json', `print JSON: an array of objects with requirement, people, ${COMPLIANCE_STATUSES.join(', ')}`)
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const summary = await withCore(cmd.optsWithGlobals<GlobalOptions>(), (core) => core.call('compliance.summary'));
      const rows = summary.requirements.map((r) => ({ requirement: r.name, people: r.people, ...r.counts }));
      if (opts.json) {
        io.stdout(terminalJson(rows) + '\n');
        return;
      }
      if (rows.length === 0) {
        io.stdout('No requirements. Add one with "rollbook requirements add NAME --course ACCOUNT:COURSE_ID".\n');
        return;
      }
      io.stdout(`As of ${summary.asOf}\n`);
      io.stdout(['requirement', 'people', ...COMPLIANCE_STATUSES].join('\t') + '\n');
      for (const r of rows) {
        io.stdout([oneLine(r.requirement), r.people, ...COMPLIANCE_STATUSES.map((s) => r[s])].join('\t') + '\n');
      }
    });
}
