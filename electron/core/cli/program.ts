/**
 * The `rollbook` command line: the core's third host. Commands are thin: parse and validate flags, call the
 * contract, print. Exit codes: 0 ok, 1 runtime failure, 2 usage error.
 */
import { Command, CommanderError, Option } from 'commander';
import { RollbookError } from '../contract/errors';
import { createCore, type Core } from '../core';
import { findSyncWorker } from '../sync/worker-sync';
import { findCsvWorkers } from '../reports/csv-in-workers';
import { defaultDataDir } from '../paths';
import { osKeychain } from '../secrets/keychain';
import { createSecretStore } from '../secrets/secret-store';
import { ROLLBOOK_VERSION } from '../version';
import { describeCause, scrubText } from '../log/log';
import { COMMANDS } from './commands';
import { oneLine, terminalIo } from './output';
import { rejectSecretFlags } from './secret-input';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Reads the secret from stdin (no echo on a TTY). */
  readSecret?: (prompt: string) => Promise<string>;
  /** Asks a yes/no question on a terminal; absent when stdin is not a TTY. */
  confirm?: (question: string) => Promise<boolean>;
  /** stderr is a terminal: progress as a redrawn bar instead of lines. */
  isTty?: boolean;
  /** Ctrl+C: the CLI host wires SIGINT here so long commands can cancel cleanly. */
  onInterrupt?: (handler: () => void) => () => void;
  /** On a terminal, erases stderr's current line before a redraw (set by runCli, which sanitises all output). */
  clearLine?: () => void;
}

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Raised by commands for bad flag values that commander cannot check itself (exit 2). */
export class UsageError extends Error {}

export interface GlobalOptions {
  dataDir: string;
  verbose?: boolean;
}

export type WithCore = <T>(opts: GlobalOptions, fn: (core: Core) => Promise<T>) => Promise<T>;

/** What each command module gets: where to print and how to open the core for the chosen data dir. */
export interface CommandContext {
  io: CliIo;
  withCore: WithCore;
  /** For commands that finish but must report failure (e.g. a sync where one account failed): exit 1. */
  fail: () => void;
}

export function buildProgram(io: CliIo, withCore: WithCore, fail: () => void = () => undefined) {
  const program = new Command('rollbook')
    .description('Rollbook: courses, learners and completions from iSpring Learn, TeamUp and SelfCommunity, offline.')
    .version(ROLLBOOK_VERSION, '-v, --version')
    .addOption(
      new Option('--data-dir <dir>', 'where the cache lives').default(
        defaultDataDir(io.env),
        "the app's data folder, or ROLLBOOK_DATA_DIR",
      ),
    )
    .option('--verbose', 'on an unexpected failure, print its stack too (it is always in the log)')
    .showHelpAfterError('(run "rollbook --help" for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  program.enablePositionalOptions(false);

  for (const register of COMMANDS) register(program, { io, withCore, fail });

  return program;
}

/** Runs the CLI and returns the exit code (never calls process.exit, so tests can run it in-process). */
export async function runCli(argv: string[], hostIo: CliIo): Promise<number> {
  const io = terminalIo(hostIo);
  const cores: Core[] = [];
  // Unexpected errors (bugs) the cores met: each is in the log with its stack; the CLI says so, and shows the stacks
  // with --verbose.
  const internalErrors: unknown[] = [];
  const withCore = async <T>(opts: GlobalOptions, fn: (core: Core) => Promise<T>): Promise<T> => {
    const core = createCore({
      dataDir: opts.dataDir,
      secrets: createSecretStore(osKeychain()),
      syncWorker: findSyncWorker(),
      csvWorkers: findCsvWorkers(),
      onInternalError: (error) => internalErrors.push(error),
    });
    cores.push(core);
    return fn(core);
  };
  let failed = false;
  const program = buildProgram(io, withCore, () => (failed = true));
  const explainInternal = (uncaught?: unknown) => {
    // A failure outside any core call (the CLI's own code) is logged here, like the core logs its own.
    if (uncaught !== undefined && !internalErrors.includes(uncaught)) {
      if (cores[0]) cores[0].logInternalError(uncaught);
      else internalErrors.push(uncaught);
    }
    const errors = internalErrors;
    if (errors.length === 0) return;
    if (program.opts<{ verbose?: boolean }>().verbose) {
      for (const error of errors) io.stderr(`${scrubText(String((error as Error)?.stack ?? describeCause(error)))}\n`);
    }
    const logDir = cores[0]?.logDir;
    const verboseHint = program.opts<{ verbose?: boolean }>().verbose ? '' : ' --verbose prints the stack;';
    const where = logDir ? `The details are in the log: ${logDir}` : 'Nothing was logged (no data folder was opened)';
    io.stderr(`${where}.${verboseHint} "rollbook diagnostics" prints a summary to send with a report.\n`);
  };
  try {
    rejectSecretFlags(argv);
    await program.parseAsync(argv, { from: 'user' });
    explainInternal();
    return failed ? EXIT.failure : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version "fail" with exit code 0 by design.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UsageError) {
      io.stderr(`error: ${error.message}\n(run "rollbook --help" for usage)\n`);
      return EXIT.usage;
    }
    if (error instanceof RollbookError) {
      // The core's messages are one line, and may quote a label or a server's text (which must not add lines); only
      // rejected input lists its problems one per line.
      io.stderr(`error: ${error.code === 'invalid_input' ? error.message : oneLine(error.message)}\n`);
      explainInternal();
      // Input the core rejected is a usage error too (the CLI validates most flags before calling it).
      return error.code === 'invalid_input' ? EXIT.usage : EXIT.failure;
    }
    io.stderr(`error: unexpected failure: ${describeCause(error)}\n`);
    explainInternal(error);
    return EXIT.failure;
  } finally {
    for (const core of cores) core.close();
  }
}
