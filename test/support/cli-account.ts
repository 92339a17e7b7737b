import { afterAll, beforeAll, expect } from 'vitest';
import { startIspringSimulator, type IspringSimOptions, type IspringSimulator } from '../simulators/ispring';
import { cli } from './cli';
import { realKeychainAvailable } from './keychain';
import { tempDir } from './tmp';

/**
 * For a describe block: a CLI data folder with one iSpring account on its own simulator (started before the tests,
 * closed after). The CLI keeps secrets only in the OS keychain, so tests skip when `keychain` is false.
 * `addAndSync` adds the account and syncs once; afterwards the account is removed and the folder deleted.
 */
export function cliIspringAccount(label: string, simulator: IspringSimOptions) {
  const dir = tempDir();
  const run = (args: string[], env: Record<string, string> = {}) => cli([...args, '--data-dir', dir.path], env);
  let sim: IspringSimulator | undefined;
  let keychain = false;
  let added = false;
  beforeAll(async () => {
    keychain = await realKeychainAvailable();
    sim = await startIspringSimulator(simulator);
  });
  afterAll(async () => {
    await sim?.close().catch(() => undefined);
    if (added) await run(['accounts', 'remove', label, '--yes']);
    dir.cleanup();
  });
  return {
    dir,
    run,
    get sim(): IspringSimulator {
      return sim!;
    },
    get keychain(): boolean {
      return keychain;
    },
    /** Returns the cache's counts after the first sync. */
    async addAndSync(): Promise<Record<string, number>> {
      const add = await run(
        ['accounts', 'add', 'ispring', '--label', label, '--base-url', sim!.url, '--client-id', sim!.options.clientId],
        { ROLLBOOK_SECRET: sim!.options.clientSecret },
      );
      expect(add.code, add.stderr).toBe(0);
      added = true;
      expect((await run(['sync'])).code).toBe(0);
      return JSON.parse((await run(['info', '--json'])).stdout).counts as Record<string, number>;
    },
  };
}
