import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/** Runs the CLI exactly as `npm run cli -- …` does (tsx on the TypeScript entry), as a child process. */
export async function cli(args: string[], env: NodeJS.ProcessEnv = {}, input?: string) {
  const child = run(process.execPath, ['--import', 'tsx', resolve(ROOT, 'electron/core/cli/main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
