import { createCore, type Core, type CoreOptions } from '../../electron/core/core';
import { noKeychain, type KeychainBackend } from '../../electron/core/secrets/keychain';
import { createSecretStore } from '../../electron/core/secrets/secret-store';
import { findSyncWorker } from '../../electron/core/sync/worker-sync';
import { tempDir } from './tmp';

/**
 * A real core on a real SQLite file in a temp folder. Secrets: no keychain unless one is given. Syncs run in the
 * sync worker (from source), as in the app and the CLI, unless the test scripts its connector (`inlineSync`).
 */
export function testCore(options: Partial<CoreOptions> & { keychain?: KeychainBackend; dataDir?: string } = {}) {
  const dir = options.dataDir ? undefined : tempDir();
  const dataDir = options.dataDir ?? dir!.path;
  const { keychain, ...rest } = options;
  const syncWorker = rest.inlineSync ? undefined : (rest.syncWorker ?? findSyncWorker());
  const core: Core = createCore({ dataDir, secrets: createSecretStore(keychain ?? noKeychain()), ...rest, syncWorker });
  return {
    core,
    dataDir,
    cleanup() {
      core.close();
      dir?.cleanup();
    },
  };
}
