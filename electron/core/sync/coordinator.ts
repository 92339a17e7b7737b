/**
 * Runs syncs for several accounts: concurrently with a small limit, one run per account at a time, each
 * cancellable. Hosts (window, CLI) drive it through the contract.
 */
import type { Account } from '../contract/channels/accounts';
import type { SyncMode, SyncRun } from '../contract/channels/sync';
import { RollbookError } from '../contract/errors';

/**
 * Accounts synced at once. A sync mostly waits on its platform (round trips, rate-limit pauses), which costs this
 * machine nothing, so an account held up by a slow or rate-limited platform must not keep the others waiting for a
 * slot: six covers a coordinator's usual accounts. Each platform's own limits are kept per account by its HTTP client;
 * writes to the cache take turns whatever this number is.
 */
export const ACCOUNT_CONCURRENCY = 6;

export class SyncCoordinator {
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly deps: {
      /** One account's whole run (inline, or in a worker thread): never throws, the outcome is in the run. */
      runAccount: (account: Account, options: { mode: SyncMode; signal: AbortSignal }) => Promise<SyncRun>;
      emitFinished: (run: SyncRun) => void;
    },
  ) {}

  isRunning(accountId: string): boolean {
    return this.running.has(accountId);
  }

  async run(accounts: Account[], mode: SyncMode, signal?: AbortSignal): Promise<SyncRun[]> {
    const busy = accounts.filter((a) => this.running.has(a.id));
    if (busy.length > 0) {
      throw new RollbookError('sync_running', `A sync is already running for ${busy.map((a) => a.label).join(', ')}.`);
    }
    const controllers = new Map(accounts.map((a) => [a.id, new AbortController()]));
    for (const [id, controller] of controllers) this.running.set(id, controller);
    const onOuterAbort = () => controllers.forEach((c) => c.abort());
    signal?.addEventListener('abort', onOuterAbort, { once: true });

    const results: SyncRun[] = new Array(accounts.length);
    let next = 0;
    const worker = async () => {
      while (next < accounts.length) {
        const index = next++;
        const account = accounts[index]!;
        try {
          results[index] = await this.deps.runAccount(account, { mode, signal: controllers.get(account.id)!.signal });
          this.deps.emitFinished(results[index]);
        } finally {
          this.running.delete(account.id);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(ACCOUNT_CONCURRENCY, accounts.length) }, worker));
    } finally {
      signal?.removeEventListener('abort', onOuterAbort);
    }
    return results;
  }

  cancel(accountIds?: string[]): string[] {
    const ids = accountIds ?? [...this.running.keys()];
    const cancelled: string[] = [];
    for (const id of ids) {
      const controller = this.running.get(id);
      if (controller) {
        controller.abort();
        cancelled.push(id);
      }
    }
    return cancelled;
  }
}
