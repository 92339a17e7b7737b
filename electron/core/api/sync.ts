import type { syncChannels } from '../contract/channels/sync';
import { RollbookError } from '../contract/errors';
import type { CoreContext } from './context';
import type { HandlersFor } from './handlers';

function accountsFor(ctx: CoreContext, ids: string[] | undefined) {
  if (!ids) return ctx.accounts.list();
  return ids.map((id) => {
    const account = ctx.accounts.get(id) ?? ctx.accounts.findByLabel(id);
    if (!account)
      throw new RollbookError('account_not_found', `No account "${id}". Run "rollbook accounts list" to see them.`);
    return account;
  });
}

export const syncHandlers = {
  'sync.run': (ctx, input) => ctx.sync.run(accountsFor(ctx, input.accountIds), input.mode),
  'sync.cancel': (ctx, input) => ({ cancelled: ctx.sync.cancel(input.accountIds) }),
  'sync.status': (ctx) => {
    // Another process's sync (the CLI, a second window) counts too: the window shows that account as syncing.
    const busy = new Set(ctx.busyAccounts());
    return ctx.accounts.list().map((account) => ({
      accountId: account.id,
      running: ctx.sync.isRunning(account.id) || busy.has(account.id),
      lastRun: ctx.runs.last(account.id),
      dataAsOf: ctx.runs.dataAsOf(account.id),
    }));
  },
  'sync.history': (ctx, input) => ctx.runs.history(input.accountId, input.limit),
} satisfies HandlersFor<keyof typeof syncChannels>;
