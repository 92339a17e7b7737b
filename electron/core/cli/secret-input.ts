/**
 * Secrets reach the CLI only through ROLLBOOK_SECRET or standard input — never argv, which leaks into shell history
 * and `ps` output.
 */
import { UsageError, type CliIo } from './program';

const SECRET_FLAG = /^--?(secret|password|passwd|pass|token|client-secret|api-key|apikey|access-token|key)(=.*)?$/i;

export const SECRET_HELP =
  'Secrets are never taken from the command line (they would end up in shell history and process lists). ' +
  'Pass it in the ROLLBOOK_SECRET environment variable, or on standard input, e.g.\n' +
  '  printf %s "$SECRET" | rollbook accounts add …\n' +
  'On a terminal Rollbook asks for it without echoing.';

/** Refuses `--secret`-style flags before the parser sees them, with a message saying how to pass a secret. */
export function rejectSecretFlags(argv: readonly string[]): void {
  const offending = argv.find((arg) => SECRET_FLAG.test(arg));
  if (offending) throw new UsageError(`${offending.split('=')[0]} is not accepted. ${SECRET_HELP}`);
}

export async function readSecret(io: CliIo, what: string): Promise<string> {
  const fromEnv = io.env.ROLLBOOK_SECRET;
  if (fromEnv) return fromEnv;
  if (!io.readSecret) throw new UsageError(`No ${what} given. ${SECRET_HELP}`);
  const secret = (await io.readSecret(`${what}: `)).replace(/\r?\n$/, '');
  if (!secret) throw new UsageError(`No ${what} given. ${SECRET_HELP}`);
  return secret;
}
