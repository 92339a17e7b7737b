/**
 * Cache contents for E2E tests, written before the window loads: sample accounts synced through the real core.
 */
import type { Core } from '../../electron/core/core';

/** Adds one sample account per label/seed and syncs them all. Returns the account ids in the given order. */
export async function seedSampleAccounts(core: Core, accounts: { label: string; seed: number }[]): Promise<string[]> {
  const ids: string[] = [];
  for (const { label, seed } of accounts) {
    ids.push((await core.call('accounts.add', { label, settings: { platform: 'sample', seed } })).account.id);
  }
  const runs = await core.call('sync.run', {});
  const failed = runs.filter((r) => r.outcome !== 'ok');
  if (failed.length > 0) throw new Error(`Seeding sync failed: ${failed.map((r) => r.errorMessage).join('; ')}`);
  return ids;
}
