import { execFileSync } from 'node:child_process';
import { osKeychain } from '../../electron/core/secrets/keychain';

/**
 * Whether a real OS keychain answers here. CI runs the tests inside a D-Bus session with GNOME Keyring unlocked and
 * sets ROLLBOOK_REQUIRE_KEYCHAIN=1, so there a missing keychain fails the suite instead of skipping it.
 */
export async function realKeychainAvailable(): Promise<boolean> {
  const available = await osKeychain().probe();
  if (!available && process.env.ROLLBOOK_REQUIRE_KEYCHAIN === '1') {
    throw new Error(
      'ROLLBOOK_REQUIRE_KEYCHAIN=1 but no Secret Service answered: start gnome-keyring-daemon in a D-Bus session.',
    );
  }
  if (!available) console.log('[keychain] SKIPPED: no OS keychain (Secret Service) available in this session.');
  return available;
}

/** Reads an entry back with the desktop's own tool, independent of our library. */
export function secretToolLookup(accountId: string): string | null {
  try {
    return execFileSync('secret-tool', ['lookup', 'service', 'Rollbook', 'username', accountId], { encoding: 'utf8' });
  } catch {
    return null;
  }
}
