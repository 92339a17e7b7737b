/**
 * App-wide state: accounts, settings and the current view. Loaded from the core once, then kept fresh by the
 * core's push events.
 */
import type { Account } from '../../../electron/core/contract/channels';
import type { AppSettings, AppSettingsPatch } from '../../../electron/core/contract/settings';
import { call, errorMessage, subscribe } from './rollbook';

export type ViewName = 'accounts' | 'courses' | 'reports' | 'settings' | 'about';

export class AppState {
  accounts = $state.raw<Account[]>([]);
  settings = $state.raw<AppSettings | null>(null);
  view = $state<ViewName>('courses');
  loading = $state(true);
  error = $state<string | null>(null);

  readonly hasAccounts = $derived(this.accounts.length > 0);

  async load(): Promise<void> {
    this.loading = true;
    this.error = null;
    try {
      const [accounts, settings] = await Promise.all([call('accounts.list'), call('settings.get')]);
      this.accounts = accounts;
      this.settings = settings;
    } catch (error) {
      this.error = errorMessage(error);
    } finally {
      this.loading = false;
    }
  }

  listen(): () => void {
    const offs = [
      subscribe('accounts.changed', ({ accounts }) => (this.accounts = accounts)),
      subscribe('settings.changed', (settings) => (this.settings = settings)),
    ];
    return () => offs.forEach((off) => off());
  }

  async updateSettings(patch: AppSettingsPatch): Promise<void> {
    this.settings = await call('settings.update', patch);
  }
}
