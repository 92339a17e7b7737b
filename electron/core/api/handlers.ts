import type { ChannelName, OutputOf, ParsedInputOf } from '../contract/channels';
import type { CoreContext } from './context';

/** A domain's handlers: exactly one per channel of its contract fragment (checked by `satisfies`). */
export type HandlersFor<C extends ChannelName> = {
  [K in C]: (ctx: CoreContext, input: ParsedInputOf<K>) => OutputOf<K> | Promise<OutputOf<K>>;
};
