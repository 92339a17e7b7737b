/**
 * A sync another process runs (the CLI, a second window) shows in the window: the account's card says another
 * Rollbook process is syncing it, offers no Cancel (there is nothing of this window's to cancel), and goes back to
 * the last run once that process is done, without a restart.
 */
import Database from 'better-sqlite3';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { shownText } from './helpers';
import { afterAll, describe, expect, it } from 'vitest';
import { DB_FILE_NAME } from '../../electron/core/store/db';
import { closeBrowser, openApp } from './harness';
import { testCore } from '../support/core';
import { tempDir } from '../support/tmp';
import { seedSampleAccounts } from './seed';

describe('a sync in another process', () => {
  afterAll(closeBrowser);

  it("shows on the account's card while it runs, and clears when it ends", async () => {
    const dir = tempDir('rollbook-e2e-');
    const seeding = testCore({ dataDir: dir.path });
    const [id] = await seedSampleAccounts(seeding.core, [{ label: 'Harbour School', seed: 3 }]);
    seeding.cleanup();
    // Another live process holds the account's sync lock (this test's pid stands in for it: alive, this machine).
    const db = new Database(join(dir.path, DB_FILE_NAME));
    db.prepare('INSERT INTO sync_locks (account_id, owner, pid, host, heartbeat_at) VALUES (?, ?, ?, ?, ?)').run(
      id,
      'cli-run',
      process.pid,
      hostname(),
      Date.now(),
    );
    const app = await openApp({ dataDir: dir.path });
    try {
      const { page } = app;
      // The Sync item carries a "Syncing" spinner meanwhile, as for this window's own syncs.
      const nav = page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('button', { name: 'Sync Syncing', exact: true }).click();
      const card = page.getByTestId('sync-card').filter({ hasText: 'Harbour School' });
      await expect
        .poll(() => shownText(card))
        .toContain('Another Rollbook process (the command line, or another window) is syncing this account');
      expect(await card.getByRole('button', { name: /Cancel/ }).count()).toBe(0);

      db.prepare('DELETE FROM sync_locks WHERE account_id = ?').run(id);
      await expect.poll(() => shownText(card)).toContain('Synced');
      expect(await shownText(card)).not.toContain('Another Rollbook process');
      expect(app.consoleErrors).toEqual([]);
    } finally {
      db.close();
      await app.close();
      dir.cleanup();
    }
  });
});
