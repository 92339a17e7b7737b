import { runCli } from './program';
import { confirm, readStdinSecret } from './terminal';

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  readSecret: readStdinSecret,
  confirm: process.stdin.isTTY ? confirm : undefined,
  isTty: process.stderr.isTTY === true,
  onInterrupt: (handler) => {
    process.on('SIGINT', handler);
    return () => process.off('SIGINT', handler);
  },
});
process.exitCode = code;
