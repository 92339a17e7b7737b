/**
 * Sync as the window sees it: each account's last run and "data as of" time, live progress from `sync.progress`
 * events, the recent history, and whether the data on screen is stale because the network is gone.
 */
import type { AccountSyncStatus, SyncProgress, SyncRun } from '$contract/channels';
import { problems } from './problems.svelte';
import { call, errorMessage, subscribe } from './rollbook';

const NETWORK_CODES = new Set(['network', 'timeout']);
/** How often the window looks again at a sync another process is running. */
const ELSEWHERE_POLL_MS = 3_000;

export interface OfflineNotice {
  /** Oldest "data as of" among the affected accounts (null: never synced). */
  asOf: string | null;
  labels: string[];
  message: string | null;
}

export class SyncState {
  statuses = $state.raw<Record<string, AccountSyncStatus>>({});
  progress = $state.raw<Record<string, SyncProgress>>({});
  history = $state.raw<SyncRun[]>([]);
  /** Accounts the user just asked to sync, before the first progress event arrives. */
  pending = $state.raw<readonly string[]>([]);
  error = $state<string | null>(null);
  loaded = $state(false);

  /** Called after a run ends with new data, so views reload. */
  onData: () => void = () => undefined;

  readonly anyRunning = $derived(Object.values(this.statuses).some((s) => s.running) || this.pending.length > 0);

  isRunning(accountId: string): boolean {
    return (
      this.pending.includes(accountId) ||
      Boolean(this.statuses[accountId]?.running) ||
      this.progress[accountId]?.state === 'running' ||
      this.progress[accountId]?.state === 'waiting'
    );
  }

  /** Another process (the command line, another window) is syncing the account: this window has no run of it. */
  elsewhere(accountId: string): boolean {
    return Boolean(this.statuses[accountId]?.running) && !this.progress[accountId] && !this.pending.includes(accountId);
  }

  async refresh(): Promise<void> {
    try {
      const [statuses, history] = await Promise.all([call('sync.status'), call('sync.history', { limit: 100 })]);
      this.statuses = Object.fromEntries(statuses.map((s) => [s.accountId, s]));
      this.history = history;
      this.loaded = true;
      this.watchElsewhere();
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  #elsewhereTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * A sync another process runs (the CLI, a second window) sends this window no events: while one is running, the
   * status is asked for again, so its end (and its new data) shows without a restart.
   */
  private watchElsewhere(): void {
    const elsewhere = Object.values(this.statuses).some((s) => this.elsewhere(s.accountId));
    if (!elsewhere || this.#elsewhereTimer) return;
    this.#elsewhereTimer = setTimeout(() => {
      this.#elsewhereTimer = null;
      const before = Object.values(this.statuses)
        .filter((s) => s.running)
        .map((s) => s.accountId);
      void this.refresh().then(() => {
        if (before.some((id) => !this.statuses[id]?.running)) this.onData();
      });
    }, ELSEWHERE_POLL_MS);
  }

  listen(): () => void {
    const offs = [
      subscribe('sync.progress', (p) => {
        this.progress = { ...this.progress, [p.accountId]: p };
        if (this.pending.includes(p.accountId)) this.pending = this.pending.filter((id) => id !== p.accountId);
        if (!this.statuses[p.accountId]?.running && p.state !== 'done') {
          const status = this.statuses[p.accountId];
          this.statuses = {
            ...this.statuses,
            [p.accountId]: {
              accountId: p.accountId,
              lastRun: status?.lastRun ?? null,
              dataAsOf: status?.dataAsOf ?? null,
              running: true,
            },
          };
        }
      }),
      subscribe('sync.finished', (run) => {
        const { [run.accountId]: _done, ...rest } = this.progress;
        this.progress = rest;
        this.pending = this.pending.filter((id) => id !== run.accountId);
        void this.refresh();
        if (run.outcome === 'ok' || run.outcome === 'partial') this.onData();
        if (run.outcome === 'failed' && run.errorCode === 'internal') {
          problems.report({
            cause: run.errorMessage ?? 'The sync failed.',
            context: `Sync of account ${run.accountId} (run #${run.id})`,
          });
        }
      }),
    ];
    return () => offs.forEach((off) => off());
  }

  /** Starts a sync and returns at once; progress and the end arrive as events. */
  run(accountIds?: string[], mode: 'full' | 'incremental' = 'incremental'): void {
    const ids = accountIds ?? Object.keys(this.statuses);
    this.pending = [...this.pending, ...ids.filter((id) => !this.isRunning(id))];
    this.error = null;
    call('sync.run', { accountIds, mode }).then(
      () => this.refresh(),
      (error: unknown) => {
        this.pending = [];
        this.error = errorMessage(error);
        void this.refresh();
      },
    );
  }

  async cancel(accountIds?: string[]): Promise<void> {
    try {
      await call('sync.cancel', { accountIds });
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  /**
   * "Offline — showing data from 14:02": some account in view failed its last run for a network reason, so what is
   * on screen is the previous sync's data.
   */
  offline(accounts: { id: string; label: string }[]): OfflineNotice | null {
    const failed = accounts.filter((a) => {
      const last = this.statuses[a.id]?.lastRun;
      return last?.outcome === 'failed' && NETWORK_CODES.has(last.errorCode ?? '') && !this.isRunning(a.id);
    });
    if (failed.length === 0) return null;
    const asOfs = failed.map((a) => this.statuses[a.id]?.dataAsOf ?? null);
    const known = asOfs.filter((d): d is string => d !== null).sort();
    return {
      asOf: asOfs.includes(null) ? null : (known[0] ?? null),
      labels: failed.map((a) => a.label),
      message: this.statuses[failed[0]!.id]?.lastRun?.errorMessage ?? null,
    };
  }
}
