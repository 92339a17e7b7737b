import { AsyncEntry } from '@napi-rs/keyring';
import { RollbookError } from '../contract/errors';

/** One keychain entry per account: service "Rollbook", user name = the account id (never the label or a secret). */
export const KEYCHAIN_SERVICE = 'Rollbook';

export interface KeychainBackend {
  get(accountId: string): Promise<string | null>;
  set(accountId: string, secret: string): Promise<void>;
  delete(accountId: string): Promise<void>;
  probe(): Promise<boolean>;
}

const UNAVAILABLE_HELP =
  'The system keychain is not available. On Linux Rollbook needs a Secret Service (GNOME Keyring or KWallet) ' +
  'running and unlocked. You can keep the secret for this session only instead.';

/** The OS keychain through @napi-rs/keyring (Keychain, Credential Manager, Secret Service). */
export function osKeychain(service = KEYCHAIN_SERVICE): KeychainBackend {
  const entry = (accountId: string) => new AsyncEntry(service, accountId);
  // The library's errors can quote platform details; they never contain the secret, but we still replace them
  // with our own message so nothing unexpected reaches the user or the log.
  const wrap = async <T>(op: () => Promise<T>): Promise<T> => {
    try {
      return await op();
    } catch (error) {
      throw new RollbookError('keychain_unavailable', UNAVAILABLE_HELP, { cause: error });
    }
  };
  return {
    get: (accountId) => wrap(() => entry(accountId).getPassword()),
    set: (accountId, secret) => wrap(() => entry(accountId).setPassword(secret)),
    delete: (accountId) => wrap(async () => void (await entry(accountId).deletePassword())),
    // A read can "succeed" with no Secret Service running (it just finds nothing), so probe with a real
    // write/read/delete round trip.
    probe: async () => {
      const probe = entry('__rollbook_probe__');
      try {
        await probe.setPassword('probe');
        const ok = (await probe.getPassword()) === 'probe';
        await probe.deletePassword();
        return ok;
      } catch {
        return false;
      }
    },
  };
}

/** For hosts that must run without a keychain (and tests of that path): every operation fails clearly. */
export function noKeychain(): KeychainBackend {
  const fail = async (): Promise<never> => {
    throw new RollbookError('keychain_unavailable', UNAVAILABLE_HELP);
  };
  return { get: fail, set: fail, delete: fail, probe: async () => false };
}
