/**
 * The core's log: JSON lines (pino) in `<dataDir>/logs/rollbook.N.log`, rolled by size and pruned by pino-roll. It
 * records sync runs and their steps, HTTP failures and retries, and internal errors with their stacks, so a failure
 * the window or the CLI could only summarise can be read in full afterwards.
 *
 * What must never be written is removed twice: by field (pino's `redact`, and an error serialiser that keeps only
 * type, message, code, status, stack and cause, never an HTTP body excerpt), and on the finished line (registered
 * secrets, e-mail addresses, URL query strings and credentials after Bearer/Token/Basic). Learner names are kept out
 * by what is logged: ids, counts and timings, never rows.
 *
 * Lines are written synchronously through one file descriptor opened for appending, one `write` per whole line; sync
 * worker threads post their finished lines to the thread that owns the file (sync/worker-sync.ts), so lines from
 * several threads (or the app and the CLI at once) never interleave within a line.
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger, type LoggerOptions } from 'pino';
import roll, { type RollingDestination } from 'pino-roll';

export type { Logger } from 'pino';

const LOG_BASE = 'rollbook';
const LOG_EXTENSION = '.log';
/** Five files of 5 MB: weeks of syncs, and small enough to attach to a support e-mail. */
const MAX_FILE_SIZE = '5m';
const FILES_KEPT = 5;
/** Lines logged while the file is being opened (milliseconds at start-up) wait here; more are dropped. */
const MAX_PENDING_LINES = 1_000;

export const logDirOf = (dataDir: string): string => join(dataDir, 'logs');

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const URL_QUERY = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s"'?#]+)[?#][^\s"'\\]*/gi;
const CREDENTIAL = /\b(Bearer|Token|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;

/** Removes from text what no log, diagnostics or error detail may carry. */
export class Scrubber {
  private readonly secrets = new Set<string>();

  /** Strings (secrets, tokens) to remove wherever they appear, also as they look inside a JSON string. */
  add(secret: string): void {
    if (secret.length < 4) return;
    this.secrets.add(secret);
    const inJson = JSON.stringify(secret).slice(1, -1);
    if (inJson !== secret) this.secrets.add(inJson);
  }

  scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('[secret]');
    return out.replace(CREDENTIAL, '$1 [secret]').replace(URL_QUERY, '$1?[query]').replace(EMAIL, '[email]');
  }
}

/** Scrubs what every scrubber removes (no registered secrets): for text leaving the core, e.g. an error's cause. */
export const scrubText = (text: string): string => new Scrubber().scrub(text);

/** An error as the log keeps it: never an HTTP body excerpt or any other property an error may carry. */
export function serializeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) };
  const { code, status } = error as { code?: unknown; status?: unknown };
  return {
    type: error.name,
    message: error.message,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(typeof status === 'number' ? { status } : {}),
    stack: error.stack,
    ...(error.cause !== undefined && depth < 3 ? { cause: serializeError(error.cause, depth + 1) } : {}),
  };
}

/** One line for a person: "TypeError: x is not a function", scrubbed and cut. */
export function describeCause(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return Array.from(scrubText(text.replace(/\s+/g, ' ').trim()))
    .slice(0, 300)
    .join('');
}

const SENSITIVE_FIELDS = [
  'secret',
  'password',
  'token',
  'authorization',
  'headers',
  'body',
  'excerpt',
  'email',
  'learner',
];

/** The same options for the core's logger and the sync workers' ones. */
export function logOptions(scrubber: Scrubber, base: Record<string, unknown> = {}): LoggerOptions {
  return {
    base: { pid: process.pid, ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: serializeError },
    redact: { paths: [...SENSITIVE_FIELDS, ...SENSITIVE_FIELDS.map((f) => `*.${f}`)], censor: '[redacted]' },
    hooks: { streamWrite: (line) => scrubber.scrub(line) },
  };
}

export interface RollbookLog {
  readonly logger: Logger;
  /** The log folder. */
  readonly dir: string;
  /** Secrets the core reads are registered here, so no line can carry them. */
  readonly scrubber: Scrubber;
  /** A whole line another thread's logger wrote (sync workers), scrubbed again here before it is written. */
  writeLine(line: string): void;
  close(): void;
}

/**
 * Opens the log in `<dataDir>/logs`. Logging never fails its caller: a folder that cannot be written leaves the
 * logger writing nowhere.
 */
export function openLog(dataDir: string): RollbookLog {
  const dir = logDirOf(dataDir);
  const scrubber = new Scrubber();
  let destination: RollingDestination | null = null;
  let pending: string[] | null = [];
  let closed = false;
  const write = (line: string) => {
    if (closed && !pending) return;
    if (destination) destination.write(line);
    else if (pending && pending.length < MAX_PENDING_LINES) pending.push(line);
  };
  const open = async () => {
    mkdirSync(dir, { recursive: true });
    // sync: every line is one write(2) on a descriptor opened for appending, so a crash loses nothing logged before it.
    const opened = await roll({
      file: join(dir, LOG_BASE),
      extension: LOG_EXTENSION,
      size: MAX_FILE_SIZE,
      // Counted over the folder, not only the files this process made: the app and each CLI run roll the same files.
      limit: { count: FILES_KEPT, removeOtherLogFiles: true },
      // Made above: a data folder removed meanwhile (a test's, a cleared profile) is not brought back by the log.
      mkdir: false,
      sync: true,
    });
    opened.on('error', () => undefined);
    for (const line of pending ?? []) opened.write(line);
    pending = null;
    if (closed) opened.end();
    else destination = opened;
  };
  open().catch(() => (pending = null));
  const logger = pino(logOptions(scrubber), { write });
  return {
    logger,
    dir,
    scrubber,
    writeLine: (line) => write(scrubber.scrub(line.endsWith('\n') ? line : `${line}\n`)),
    close() {
      if (closed) return;
      closed = true;
      if (destination) {
        destination.end();
        destination = null;
      }
    },
  };
}

/** A logger whose finished lines go to `post` (a sync worker's to its parent thread). */
export function forwardingLogger(
  scrubber: Scrubber,
  post: (line: string) => void,
  base: Record<string, unknown>,
): Logger {
  return pino(logOptions(scrubber, base), { write: post });
}

export interface LoggedError {
  time: string;
  msg: string;
  error?: string;
}

/** The last `limit` error lines of the log (newest file first), each as time, message and the error's first line. */
export function recentLoggedErrors(dir: string, limit: number): LoggedError[] {
  let files: { path: string; mtime: number }[];
  try {
    files = readdirSync(dir)
      .filter((name) => name.startsWith(`${LOG_BASE}.`) && name.endsWith(LOG_EXTENSION))
      .map((name) => ({ path: join(dir, name), mtime: statSync(join(dir, name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
  } catch {
    return [];
  }
  const found: LoggedError[] = [];
  for (const file of files) {
    const lines = readFileSync(file.path, 'utf8').split('\n').reverse();
    for (const line of lines) {
      if (found.length >= limit) return found.reverse();
      let record: { level?: number; time?: string; msg?: string; err?: { type?: string; message?: string } };
      try {
        record = JSON.parse(line) as typeof record;
      } catch {
        continue;
      }
      if ((record.level ?? 0) < 50) continue;
      const error = record.err ? `${record.err.type ?? 'Error'}: ${record.err.message ?? ''}` : undefined;
      found.push({ time: record.time ?? '', msg: record.msg ?? '', ...(error ? { error } : {}) });
    }
  }
  return found.reverse();
}
