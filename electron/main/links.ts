/**
 * Links from the window to the outside world (a course's "Open in iSpring Learn", help links). The OS browser opens
 * the platforms' own sites of the configured accounts without asking; any other http(s) address is shown to the
 * user first, since its text came from an API or the window and may point anywhere.
 */
import { BrowserWindow, dialog, shell } from 'electron';
import type { Account } from '../core/contract/channels/accounts';
import { isExternalLink, originOf } from './security';

/** The origins of an account's platform addresses (its API base and, for iSpring's legacy login, its own site). */
export function accountOrigins(accounts: readonly Pick<Account, 'settings'>[]): string[] {
  const origins = new Set<string>();
  for (const { settings } of accounts) {
    const urls = [
      'baseUrl' in settings ? settings.baseUrl : undefined,
      'accountUrl' in settings ? settings.accountUrl : undefined,
    ];
    for (const url of urls) {
      const origin = url ? originOf(url) : null;
      if (origin) origins.add(origin);
    }
  }
  return [...origins];
}

export interface LinkOpenerDeps {
  /** The configured accounts' origins, read when a link is clicked (accounts change while the app runs). */
  trustedOrigins: () => readonly string[] | Promise<readonly string[]>;
  /** Asks the user; true to open. */
  confirm: (url: string) => Promise<boolean>;
  open: (url: string) => Promise<void>;
}

/** Resolves to whether the link was opened. Non-http(s) links never are. */
export function createLinkOpener(deps: LinkOpenerDeps): (url: string) => Promise<boolean> {
  return async (url) => {
    if (!isExternalLink(url)) return false;
    const origin = originOf(url);
    const trusted = origin !== null && (await deps.trustedOrigins()).includes(origin);
    if (!trusted && !(await deps.confirm(url))) return false;
    await deps.open(url);
    return true;
  };
}

/** The confirmation as a native message box over the focused window. */
export async function confirmLink(url: string): Promise<boolean> {
  const options = {
    type: 'question' as const,
    buttons: ['Open in browser', 'Cancel'],
    defaultId: 1,
    cancelId: 1,
    title: 'Open link',
    message: 'Open this address in your browser?',
    detail: `${url}\n\nIt is not one of your accounts' platform sites. Open it only if you trust it.`,
    noLink: true,
  };
  const parent = BrowserWindow.getFocusedWindow();
  const { response } = parent ? await dialog.showMessageBox(parent, options) : await dialog.showMessageBox(options);
  return response === 0;
}

export const openInBrowser = (url: string): Promise<void> => shell.openExternal(url);
