/** A core whose one account, "Acme, Inc.", is synced from a scripted dataset before a report suite runs. */
import { afterAll, beforeAll } from 'vitest';
import type { CoreOptions } from '../../electron/core/core';
import { testCore } from './core';
import { scriptedConnector, type Dataset } from './scripted-connector';
import { tempDir } from './tmp';

export function syncedReportCore(data: () => Dataset, outPrefix: string, options: Partial<CoreOptions> = {}) {
  const t = testCore({ inlineSync: true, createConnector: () => scriptedConnector({ data: data() }), ...options });
  const out = tempDir(outPrefix);
  beforeAll(async () => {
    await t.core.call('accounts.add', { label: 'Acme, Inc.', settings: { platform: 'sample', seed: 1 } });
    await t.core.call('sync.run', {});
  });
  afterAll(() => {
    t.cleanup();
    out.cleanup();
  });
  return { t, out };
}
