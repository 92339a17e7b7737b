/**
 * App-wide state: accounts, settings, the account selection every view is scoped by, where the window is, and the
 * dialogs. Loaded from the core once, then kept fresh by the core's push events.
 */
import type { Account } from '$contract/channels';
import type { ReportDefinitionInput } from '$contract/channels';
import type { Platform } from '$contract/domain';
import type { AppSettings, AppSettingsPatch } from '$contract/settings';
import { formats } from './format.svelte';
import { Navigator } from './navigation.svelte';
import { PLATFORM_ORDER, PLATFORMS } from './platforms';
import { call, errorMessage, subscribe } from './rollbook';
import { SyncState } from './sync-state.svelte';
import { showBidi } from './display';

export type Dialog =
  | { kind: 'add-account' }
  | { kind: 'edit-account'; accountId: string }
  | { kind: 'replace-secret'; accountId: string }
  | { kind: 'remove-account'; accountId: string }
  | { kind: 'clear-cache' };

/** `settings.selection`: null for all accounts, an account id, or `platform:<name>` for every account of a platform. */
const PLATFORM_PREFIX = 'platform:';
export const platformSelection = (platform: Platform) => `${PLATFORM_PREFIX}${platform}`;

export class AppState {
  accounts = $state.raw<Account[]>([]);
  settings = $state.raw<AppSettings | null>(null);
  loading = $state(true);
  error = $state<string | null>(null);
  /** Bumped whenever the cached data may have changed (a sync committed, the cache was cleared): views reload. */
  dataVersion = $state(0);
  dialog = $state.raw<Dialog | null>(null);
  paletteOpen = $state(false);
  /** A transient line at the bottom of the window ("Account added", "Sync finished"). */
  notice = $state.raw<{ text: string; tone: 'ok' | 'error' } | null>(null);
  /** What "Report this course" hands to the Reports view. */
  reportPreset = $state.raw<Partial<ReportDefinitionInput> | null>(null);

  readonly nav = new Navigator();
  readonly sync = new SyncState();

  readonly hasAccounts = $derived(this.accounts.length > 0);
  /** Sidebar order: grouped by platform, then by label. Ctrl/Cmd+2…9 follow it. */
  readonly orderedAccounts = $derived(
    [...this.accounts].sort(
      (a, b) =>
        PLATFORM_ORDER.indexOf(a.platform) - PLATFORM_ORDER.indexOf(b.platform) || a.label.localeCompare(b.label),
    ),
  );
  readonly selection = $derived(this.settings?.selection ?? null);
  /** The account ids every view is scoped by; null means all accounts. */
  readonly scope: string[] | null = $derived.by(() => {
    const selection = this.selection;
    if (!selection) return null;
    if (selection.startsWith(PLATFORM_PREFIX)) {
      const ids = this.accounts.filter((a) => a.platform === selection.slice(PLATFORM_PREFIX.length)).map((a) => a.id);
      return ids.length > 0 ? ids : null;
    }
    return this.accounts.some((a) => a.id === selection) ? [selection] : null;
  });
  readonly scopeAccounts = $derived(
    this.scope === null ? this.orderedAccounts : this.orderedAccounts.filter((a) => this.scope!.includes(a.id)),
  );
  readonly scopeLabel = $derived.by(() => {
    const selection = this.selection;
    if (this.scope === null || !selection) return 'All accounts';
    if (selection.startsWith(PLATFORM_PREFIX))
      return `All ${PLATFORMS[selection.slice(PLATFORM_PREFIX.length) as Platform]?.label ?? ''} accounts`;
    return showBidi(this.accounts.find((a) => a.id === selection)?.label) ?? 'All accounts';
  });

  #noticeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    this.sync.onData = () => (this.dataVersion += 1);
  }

  account(id: string): Account | undefined {
    return this.accounts.find((a) => a.id === id);
  }

  async load(): Promise<void> {
    this.loading = true;
    this.error = null;
    try {
      const [accounts, settings] = await Promise.all([
        call('accounts.list'),
        call('settings.get'),
        this.sync.refresh(),
      ]);
      this.accounts = accounts;
      this.applySettings(settings);
      if (accounts.length === 0) this.nav.replace({ name: 'overview' });
    } catch (error) {
      this.error = errorMessage(error);
    } finally {
      this.loading = false;
    }
  }

  listen(): () => void {
    const offs = [
      subscribe('accounts.changed', ({ accounts }) => {
        this.accounts = accounts;
        // Removal, "clear cache" and reconnects change what is visible.
        this.dataVersion += 1;
        void this.sync.refresh();
      }),
      subscribe('settings.changed', (settings) => this.applySettings(settings)),
      this.sync.listen(),
    ];
    const tick = setInterval(() => (formats.now = Date.now()), 30_000);
    return () => {
      offs.forEach((off) => off());
      clearInterval(tick);
    };
  }

  private applySettings(settings: AppSettings): void {
    this.settings = settings;
    formats.locale = settings.locale ?? undefined;
  }

  async updateSettings(patch: AppSettingsPatch): Promise<void> {
    const before = this.settings;
    // Optimistic: the selection and theme switch at once; the core's answer confirms (or we roll back).
    if (before) this.settings = { ...before, ...patch } as AppSettings;
    try {
      this.applySettings(await call('settings.update', patch));
    } catch (error) {
      this.settings = before;
      this.say(errorMessage(error), 'error');
    }
  }

  select(selection: string | null): void {
    if (selection === this.selection) return;
    void this.updateSettings({ selection });
  }

  openReport(preset: Partial<ReportDefinitionInput> | null = null): void {
    this.reportPreset = preset;
    this.nav.go({ name: 'reports' });
  }

  say(text: string, tone: 'ok' | 'error' = 'ok'): void {
    this.notice = { text, tone };
    clearTimeout(this.#noticeTimer);
    this.#noticeTimer = setTimeout(() => (this.notice = null), tone === 'error' ? 8000 : 4000);
  }
}
