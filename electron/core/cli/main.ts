import { abandonExports } from '../reports/leftovers';
import { runCli } from './program';
import { confirm, readStdinSecret } from './terminal';

/** Set while a command that stops cleanly on Ctrl+C (a sync) runs. */
let interrupt: (() => void) | null = null;

/**
 * Ctrl+C goes to such a command. Otherwise, and on SIGTERM, the CLI removes what running exports have on disk (a
 * partial file, a Chromium profile) and then dies of the signal as it would have, so its parent sees why.
 */
function onSignal(signal: NodeJS.Signals) {
  if (signal === 'SIGINT' && interrupt) {
    interrupt();
    return;
  }
  void abandonExports().finally(() => {
    process.off(signal, onSignal);
    process.kill(process.pid, signal);
  });
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  readSecret: readStdinSecret,
  confirm: process.stdin.isTTY ? confirm : undefined,
  isTty: process.stderr.isTTY === true,
  onInterrupt: (handler) => {
    interrupt = handler;
    return () => (interrupt = null);
  },
});
process.exitCode = code;
