/**
 * Child process for crash tests: syncs the first account of DATA_DIR with a scripted connector (slow pages), and
 * prints a line per progress event so the parent can pick a moment to SIGKILL it.
 * Usage: node --import tsx test/support/sync-child.ts DATA_DIR COURSES LEARNERS DELAY_MS
 */
import { createCore } from '../../electron/core/core';
import { noKeychain } from '../../electron/core/secrets/keychain';
import { createSecretStore } from '../../electron/core/secrets/secret-store';
import { makeDataset, scriptedConnector } from './scripted-connector';

const [dataDir, courses, learners, delayMs] = process.argv.slice(2);
const data = makeDataset(Number(courses), Number(learners));
const core = createCore({
  dataDir: dataDir!,
  secrets: createSecretStore(noKeychain()),
  inlineSync: true,
  createConnector: () => scriptedConnector({ data, delayMs: Number(delayMs), pageSize: 20 }),
});
core.on('sync.progress', (p) => process.stdout.write(`progress ${p.resource} ${p.rows}\n`));
const [run] = await core.call('sync.run', { mode: 'full' });
process.stdout.write(`done ${run!.outcome}\n`);
core.close();
