/**
 * Child process for the peak-memory figure: syncs one iSpring account (simulator URL from argv) into a fresh cache
 * and prints its own peak RSS (VmHWM) as JSON.
 */
import { createCore } from '../electron/core/core';
import { noKeychain } from '../electron/core/secrets/keychain';
import { createSecretStore } from '../electron/core/secrets/secret-store';
import { findSyncWorker } from '../electron/core/sync/worker-sync';
import { peakRssMb } from './stats';

const [dataDir, baseUrl, clientId, secret] = process.argv.slice(2);
// Syncs run in a worker thread, as in the app and the CLI; the figure is the whole process's peak.
const core = createCore({ dataDir: dataDir!, secrets: createSecretStore(noKeychain()), syncWorker: findSyncWorker() });
await core.call('accounts.add', {
  label: 'Big',
  settings: { platform: 'ispring', baseUrl: baseUrl!, authMode: 'token', clientId: clientId!, format: 'json' },
  secret: secret!,
  storage: 'session',
});
const t0 = performance.now();
const [run] = await core.call('sync.run', { mode: 'full' });
core.close();
process.stdout.write(
  JSON.stringify({
    outcome: run!.outcome,
    rows: run!.counts.progress,
    seconds: (performance.now() - t0) / 1000,
    peakRssMb: await peakRssMb(),
  }) + '\n',
);
