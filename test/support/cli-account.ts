import { expect } from 'vitest';
import type { IspringSimulator } from '../simulators/ispring';
import { cli } from './cli';
import { tempDir } from './tmp';

/**
 * A CLI data folder with one iSpring account on a simulator, its secret in the OS keychain (the CLI keeps secrets
 * nowhere else, so callers skip without one): `addAndSync` adds it and syncs once, `cleanup` removes both.
 */
export function cliIspringAccount(label: string) {
  const dir = tempDir();
  const run = (args: string[], env: Record<string, string> = {}) => cli([...args, '--data-dir', dir.path], env);
  let added = false;
  return {
    dir,
    run,
    /** Returns the cache's counts after the first sync. */
    async addAndSync(sim: IspringSimulator): Promise<Record<string, number>> {
      const add = await run(['accounts', 'add', 'ispring', '--label', label, '--base-url', sim.url, '--client-id', sim.options.clientId], { ROLLBOOK_SECRET: sim.options.clientSecret });
      expect(add.code, add.stderr).toBe(0);
      added = true;
      expect((await run(['sync'])).code).toBe(0);
      return JSON.parse((await run(['info', '--json'])).stdout).counts as Record<string, number>;
    },
    async cleanup(): Promise<void> {
      if (added) await run(['accounts', 'remove', label, '--yes']);
      dir.cleanup();
    },
  };
}
