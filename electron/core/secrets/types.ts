/**
 * Where account secrets live. The OS keychain is the only persistent store; when it is unavailable the user may
 * keep a secret for this session only (memory). Nothing is ever written in plain text.
 */
export interface SecretStore {
  /** Whether the OS keychain answers (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows). */
  keychainAvailable(): Promise<boolean>;
  get(accountId: string): Promise<string | null>;
  set(accountId: string, secret: string, where: 'keychain' | 'session'): Promise<void>;
  delete(accountId: string): Promise<void>;
}
