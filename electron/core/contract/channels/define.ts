import type { z } from 'zod';

export interface ChannelDef<I extends z.ZodType, O> {
  input: I;
  /** Phantom: carries the output type; never read at runtime. */
  output?: O;
}

/** `channel<Output>()(inputSchema)`: the output type is given, the input type is inferred from the schema. */
export function channel<O>() {
  return <I extends z.ZodType>(input: I): ChannelDef<I, O> => ({ input });
}
