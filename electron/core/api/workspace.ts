import type { workspaceChannels } from '../contract/channels/workspace';
import { RollbookError } from '../contract/errors';
import type { HandlersFor } from './handlers';

/**
 * A course's address comes from the platform's API and becomes a link in the window: only a well-formed http(s) URL
 * without credentials in it does; anything else (javascript:, file:, a UNC path, junk) is dropped.
 */
export function webLink(url: string | null): string | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  if (!parsed.hostname || parsed.username || parsed.password) return null;
  return parsed.href;
}

export const workspaceHandlers = {
  'workspace.overview': (ctx, { accountIds }) => {
    const now = ctx.now().toISOString();
    const { accounts: _a, ...data } = ctx.workspace.overview(accountIds, now);
    const accounts = ctx.accounts.list().filter((a) => accountIds === null || accountIds.includes(a.id));
    return {
      ...data,
      totals: { ...data.totals, accounts: accounts.length },
      freshness: accounts.map((a) => {
        const last = ctx.runs.last(a.id);
        return {
          accountId: a.id,
          label: a.label,
          platform: a.platform,
          dataAsOf: ctx.runs.dataAsOf(a.id),
          lastOutcome: last?.outcome ?? null,
          lastError: last?.outcome === 'failed' ? last.errorMessage : null,
        };
      }),
    };
  },
  'workspace.courses': (ctx, input) => ctx.workspace.courses({ ...input, now: ctx.now().toISOString() }),
  'workspace.coursePage': (ctx, input) => ctx.workspace.coursePage({ ...input, now: ctx.now().toISOString() }),
  'workspace.course': (ctx, { accountId, courseId }) => {
    const course = ctx.workspace.course(accountId, courseId, ctx.now().toISOString());
    if (!course)
      throw new RollbookError(
        'not_found',
        'That course is not in the cache (it may have been removed by the last sync).',
      );
    return { ...course, url: webLink(course.url) };
  },
  'workspace.facets': (ctx, { accountIds }) => ctx.workspace.facets(accountIds),
  'workspace.learners': (ctx, input) => ctx.workspace.learners(input),
  'workspace.courseLearners': (ctx, input) => ctx.workspace.courseLearners({ ...input, now: ctx.now().toISOString() }),
  'workspace.courseSessions': (ctx, { accountId, courseId }) => ctx.workspace.courseSessions(accountId, courseId),
  'workspace.learner': (ctx, ref) => ctx.workspace.learner(ref, ctx.now().toISOString()),
  'workspace.search': (ctx, { accountIds, query, limit }) => ctx.workspace.search(accountIds, query, limit),
} satisfies HandlersFor<keyof typeof workspaceChannels>;
