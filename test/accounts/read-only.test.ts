/**
 * Account changes on a cache this process cannot write: refused before the keychain is touched, so no secret is
 * stored for an account that was never saved, and none is deleted or replaced for one that stays. The cache is made
 * unwritable with an append-only file (`chattr +a`), which stops root too; where that is not possible, the test skips.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RollbookError } from '../../electron/core/contract/errors';
import type { KeychainBackend } from '../../electron/core/secrets/keychain';
import { DB_FILE_NAME } from '../../electron/core/store/db';
import { testCore } from '../support/core';
import { makeDataset, scriptedConnector } from '../support/scripted-connector';
import { tempDir } from '../support/tmp';

const ISPRING = {
  platform: 'ispring',
  baseUrl: 'https://acme.ispringlearn.com',
  authMode: 'token',
  clientId: 'client-1',
} as const;

/** A keychain in memory that records every change asked of it. */
function recordingKeychain() {
  const entries = new Map<string, string>();
  const changes: string[] = [];
  const backend: KeychainBackend = {
    get: async (id) => entries.get(id) ?? null,
    set: async (id, secret) => {
      changes.push(`set ${id}`);
      entries.set(id, secret);
    },
    delete: async (id) => {
      changes.push(`delete ${id}`);
      entries.delete(id);
    },
    probe: async () => true,
  };
  return { backend, entries, changes };
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(RollbookError);
    return (error as RollbookError).code;
  }
  return 'no error';
}

describe('account changes on a read-only cache', () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());

  it('touch neither the keychain nor the cache', async ({ skip }) => {
    const keychain = recordingKeychain();
    const open = () =>
      testCore({
        dataDir: dir.path,
        keychain: keychain.backend,
        inlineSync: true,
        createConnector: () => scriptedConnector({ data: makeDataset(2, 3) }),
      });
    const writable = open();
    const kept = { label: 'Kept', settings: ISPRING, secret: 'old-secret-1', storage: 'keychain' } as const;
    const { account } = await writable.core.call('accounts.add', kept);
    writable.cleanup();
    expect(keychain.changes).toEqual([`set ${account.id}`]);
    keychain.changes.length = 0;

    const file = join(dir.path, DB_FILE_NAME);
    try {
      execFileSync('chattr', ['+a', file], { stdio: 'ignore' });
    } catch {
      console.log('[accounts read-only] SKIPPED: this file system does not support chattr +a.');
      skip('no chattr +a here');
    }
    try {
      const readOnly = open();
      try {
        const { core } = readOnly;
        const storage = 'keychain';
        const refusals = [
          await code(core.call('accounts.add', { label: 'New', settings: ISPRING, secret: 'new-secret-2', storage })),
          await code(core.call('accounts.replaceSecret', { account: 'Kept', secret: 'new-secret-3', storage })),
          await code(core.call('accounts.update', { account: 'Kept', label: 'Renamed', secret: 'new-secret-4' })),
          await code(core.call('accounts.remove', { account: 'Kept' })),
        ];
        expect(refusals).toEqual(['read_only', 'read_only', 'read_only', 'read_only']);
        expect(keychain.changes).toEqual([]);
        expect([...keychain.entries]).toEqual([[account.id, 'old-secret-1']]);
        const [listed] = await core.call('accounts.list');
        expect(listed).toMatchObject({ id: account.id, label: 'Kept', secretLocation: 'keychain' });
      } finally {
        readOnly.cleanup();
      }
    } finally {
      execFileSync('chattr', ['-a', file]);
    }
  });
});
