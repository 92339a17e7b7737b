import type { accountChannels } from '../contract/channels/accounts';
import type { HandlersFor } from './handlers';

export const accountHandlers = {
  'accounts.list': (ctx) => ctx.accounts.list(),
} satisfies HandlersFor<keyof typeof accountChannels>;
