import type { changeChannels } from '../contract/channels/changes';
import type { HandlersFor } from './handlers';

export const changeHandlers = {
  'changes.list': (ctx, { filter, offset, limit }) => ctx.changes.list(filter, offset, limit),
  'changes.syncs': (ctx, input) => ctx.changes.syncs(input),
  'changes.summary': (ctx, { accountIds }) => ctx.changes.summary(accountIds),
  'changes.courseTrend': (ctx, { accountId, courseId, days, recentLimit }) => {
    const since = new Date(ctx.now().getTime() - days * 86_400_000).toISOString();
    return {
      points: ctx.changes.courseTrend(accountId, courseId, since),
      recent: ctx.changes.list({ accountIds: null, course: { accountId, courseId } }, 0, recentLimit).rows,
    };
  },
  'changes.learnerHistory': (ctx, { learner, offset, limit }) =>
    ctx.changes.list({ accountIds: null, learner }, offset, limit),
} satisfies HandlersFor<keyof typeof changeChannels>;
