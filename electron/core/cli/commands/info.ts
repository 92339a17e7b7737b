import type { Command } from 'commander';
import type { AppInfo } from '../../contract/channels/app';
import { terminalJson } from '../output';
import type { CommandContext, GlobalOptions } from '../program';

function workerList(workers: AppInfo['workers']): string {
  const names = [workers.sync && 'sync', workers.csvExport && 'CSV export'].filter(Boolean);
  return names.length
    ? names.join(', ')
    : 'none (their code was not found beside the CLI; work runs on the main thread)';
}

export function registerInfo(program: Command, { io, withCore }: CommandContext): void {
  program
    .command('info')
    .description('show version, data folder, cache schema version and row counts')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const info = await withCore(cmd.optsWithGlobals<GlobalOptions>(), (core) => core.call('app.info'));
      if (opts.json) {
        io.stdout(terminalJson(info) + '\n');
        return;
      }
      const c = info.counts;
      io.stdout(
        [
          `Rollbook ${info.version}`,
          `Data folder:     ${info.dataDir}`,
          `Database:        ${info.databasePath}`,
          `Log folder:      ${info.logDir}`,
          `Schema version:  ${info.schemaVersion}`,
          `Accounts:        ${c.accounts}`,
          `Courses:         ${c.courses}`,
          `Learners:        ${c.learners}`,
          `Progress rows:   ${c.progress}`,
          `Sessions:        ${c.sessions}`,
          `Attendance rows: ${c.attendance}`,
          `Worker threads:  ${workerList(info.workers)}`,
        ].join('\n') + '\n',
      );
    });

  program
    .command('diagnostics')
    .description('print versions, row counts per account and recent sync runs and errors, for a support request')
    .action(async (_opts: unknown, cmd: Command) => {
      const { text } = await withCore(cmd.optsWithGlobals<GlobalOptions>(), (core) => core.call('app.diagnostics'));
      io.stdout(text);
    });
}
