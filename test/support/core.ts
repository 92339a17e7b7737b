import { createCore, type Core, type CoreOptions } from '../../electron/core/core';
import { noKeychain, type KeychainBackend } from '../../electron/core/secrets/keychain';
import { createSecretStore } from '../../electron/core/secrets/secret-store';
import { tempDir } from './tmp';

/** A real core on a real SQLite file in a temp folder. Secrets: no keychain unless one is given. */
export function testCore(options: Partial<CoreOptions> & { keychain?: KeychainBackend; dataDir?: string } = {}) {
  const dir = options.dataDir ? undefined : tempDir();
  const dataDir = options.dataDir ?? dir!.path;
  const { keychain, ...rest } = options;
  const core: Core = createCore({ dataDir, secrets: createSecretStore(keychain ?? noKeychain()), ...rest });
  return {
    core,
    dataDir,
    cleanup() {
      core.close();
      dir?.cleanup();
    },
  };
}
