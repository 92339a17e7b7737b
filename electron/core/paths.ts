import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The same per-user data folder Electron's `app.getPath('userData')` gives the app ("Rollbook" is the
 * productName), so the CLI and the window share one cache. `ROLLBOOK_DATA_DIR` overrides it.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.ROLLBOOK_DATA_DIR) return env.ROLLBOOK_DATA_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Rollbook');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Rollbook');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Rollbook');
}
