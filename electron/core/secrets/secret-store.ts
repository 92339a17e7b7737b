import type { KeychainBackend } from './keychain';
import type { SecretStore } from './types';

/**
 * Keychain first; "session only" secrets live in this process's memory and die with it. There is deliberately no
 * file fallback: a secret is either in the OS keychain or nowhere on disk.
 */
export function createSecretStore(keychain: KeychainBackend): SecretStore {
  const session = new Map<string, string>();
  return {
    keychainAvailable: () => keychain.probe(),
    async get(accountId) {
      return session.get(accountId) ?? (await keychain.get(accountId));
    },
    async set(accountId, secret, where) {
      if (where === 'session') {
        session.set(accountId, secret);
        return;
      }
      await keychain.set(accountId, secret);
      session.delete(accountId);
    },
    async delete(accountId) {
      const hadSession = session.delete(accountId);
      try {
        await keychain.delete(accountId);
      } catch (error) {
        // A session-only secret never reached the keychain; an unavailable keychain has nothing of ours to delete.
        if (!hadSession) throw error;
      }
    },
  };
}
