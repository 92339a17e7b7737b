/**
 * Child process for crash tests: syncs the account "Acme" of DATA_DIR from its iSpring simulator in the bundled sync
 * worker (out/main), as the app does, and prints a line per progress event so the parent can pick a moment to SIGKILL
 * it. The secret is given for this session only (the account's own was session-only too).
 * Usage: node --import tsx test/support/sync-child.ts DATA_DIR SECRET
 */
import { createCore } from '../../electron/core/core';
import { noKeychain } from '../../electron/core/secrets/keychain';
import { createSecretStore } from '../../electron/core/secrets/secret-store';
import { builtWorkers } from './built';

const [dataDir, secret] = process.argv.slice(2);
const core = createCore({
  dataDir: dataDir!,
  secrets: createSecretStore(noKeychain()),
  syncWorker: builtWorkers().syncWorker,
});
await core.call('accounts.replaceSecret', { account: 'Acme', secret: secret!, storage: 'session' });
core.on('sync.progress', (p) => process.stdout.write(`progress ${p.resource} ${p.rows}\n`));
const [run] = await core.call('sync.run', { mode: 'full' });
process.stdout.write(`done ${run!.outcome}\n`);
core.close();
