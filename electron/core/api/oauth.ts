/**
 * "Sign in with SelfCommunity" (OAuth 2.0; providers/selfcommunity-oauth.ts). A sign-in is a flow the core holds
 * from its start to the account it becomes: the browser's code, the tokens and a client secret never leave the core;
 * the window and the CLI see only the flow's id, the authorize URL and the connection test's report.
 */
import { randomUUID } from 'node:crypto';
import { selfcommunitySettingsSchema, type AccountSettings, type SelfcommunitySettings } from '../contract/accounts';
import type { ConnectionReport } from '../contract/channels/accounts';
import { RollbookError } from '../contract/errors';
import { createHttpClient } from '../http/client';
import { accountHttpOptions } from '../providers/registry';
import {
  communityRoot,
  passwordGrant,
  serializeCredential,
  startBrowserSignIn,
  type BrowserSignIn,
  type OauthCredential,
} from '../providers/selfcommunity-oauth';
import type { CoreContext } from './context';
import type { HandlersFor } from './handlers';

/** A finished sign-in waits this long to be saved as an account before its tokens are dropped. */
const FLOW_TTL_MS = 15 * 60_000;

interface Flow {
  settings: SelfcommunitySettings;
  signIn?: BrowserSignIn;
  credential?: OauthCredential;
  expiresAt: number;
}

const flowsOf = new WeakMap<CoreContext, Map<string, Flow>>();
function flows(ctx: CoreContext): Map<string, Flow> {
  let map = flowsOf.get(ctx);
  if (!map) flowsOf.set(ctx, (map = new Map()));
  const now = Date.now();
  for (const [id, flow] of map) {
    if (flow.expiresAt > now) continue;
    flow.signIn?.cancel();
    map.delete(id);
  }
  return map;
}

function flowOf(ctx: CoreContext, id: string): Flow {
  const flow = flows(ctx).get(id);
  if (!flow)
    throw new RollbookError('invalid_input', 'That sign-in has ended or expired. Sign in with SelfCommunity again.');
  return flow;
}

function oauthSettings(baseUrl: string, clientId: string): SelfcommunitySettings {
  return selfcommunitySettingsSchema.parse({
    platform: 'selfcommunity',
    baseUrl,
    authMode: 'oauth',
    oauthClientId: clientId,
  });
}

function oauthHttp(ctx: CoreContext, settings: AccountSettings) {
  return createHttpClient({ ...accountHttpOptions(settings), log: ctx.log });
}

/**
 * The sign-in's credential, as the secret of an account with `settings`: only for the community and OAuth application
 * it was made for. The flow is used up.
 */
export function takeOauthSecret(ctx: CoreContext, id: string, settings: AccountSettings): string {
  const flow = flowOf(ctx, id);
  if (!flow.credential)
    throw new RollbookError('invalid_input', 'The sign-in has not finished yet. Complete it in the browser first.');
  const same =
    settings.platform === 'selfcommunity' &&
    settings.authMode === 'oauth' &&
    communityRoot(settings.baseUrl) === communityRoot(flow.settings.baseUrl) &&
    settings.oauthClientId === flow.settings.oauthClientId;
  if (!same) {
    throw new RollbookError(
      'invalid_input',
      'This sign-in was made for another community address or OAuth client. Sign in again with these settings.',
    );
  }
  flows(ctx).delete(id);
  return serializeCredential(flow.credential);
}

/** A finished sign-in: its connection tested (nothing saved yet), kept for accounts.add or replaceSecret. */
async function finished(
  ctx: CoreContext,
  id: string,
  flow: Flow,
  credential: OauthCredential,
  test: (settings: AccountSettings, secret: string) => Promise<ConnectionReport>,
) {
  const connection = await test(flow.settings, serializeCredential(credential));
  flow.credential = credential;
  flow.expiresAt = Date.now() + FLOW_TTL_MS;
  flows(ctx).set(id, flow);
  return { flow: id, connection };
}

export function oauthHandlers(
  test: (ctx: CoreContext, settings: AccountSettings, secret: string) => Promise<ConnectionReport>,
) {
  return {
    'accounts.oauthStart': async (ctx, input) => {
      const settings = oauthSettings(input.baseUrl, input.clientId);
      const http = oauthHttp(ctx, settings);
      const client = {
        root: communityRoot(settings.baseUrl),
        clientId: input.clientId,
        clientSecret: input.clientSecret,
      };
      const signIn = await startBrowserSignIn(http, client, ctx.now);
      void signIn.done.catch(() => undefined).finally(() => void http.close());
      const id = randomUUID();
      flows(ctx).set(id, { settings, signIn, expiresAt: Date.now() + FLOW_TTL_MS });
      const open = ctx.host?.openSignInPage;
      if (open) {
        try {
          await open(signIn.authorizeUrl);
        } catch (error) {
          signIn.cancel();
          flows(ctx).delete(id);
          throw error;
        }
      }
      return { flow: id, authorizeUrl: signIn.authorizeUrl, opened: !!open };
    },

    'accounts.oauthFinish': async (ctx, input) => {
      const flow = flowOf(ctx, input.flow);
      if (!flow.signIn) throw new RollbookError('invalid_input', 'That sign-in has already finished.');
      try {
        const credential = await flow.signIn.done;
        return await finished(ctx, input.flow, { ...flow, signIn: undefined }, credential, (s, secret) =>
          test(ctx, s, secret),
        );
      } catch (error) {
        flows(ctx).delete(input.flow);
        throw error;
      }
    },

    'accounts.oauthCancel': (ctx, input) => {
      const flow = flows(ctx).get(input.flow);
      flow?.signIn?.cancel();
      return { cancelled: flows(ctx).delete(input.flow) };
    },

    'accounts.oauthPassword': async (ctx, input) => {
      const settings = oauthSettings(input.baseUrl, input.clientId);
      const http = oauthHttp(ctx, settings);
      try {
        const client = {
          root: communityRoot(settings.baseUrl),
          clientId: input.clientId,
          clientSecret: input.clientSecret,
        };
        const credential = await passwordGrant(
          http,
          client,
          input.username,
          input.password,
          ctx.now,
          AbortSignal.timeout(60_000),
        );
        const flow: Flow = { settings, expiresAt: Date.now() + FLOW_TTL_MS };
        return await finished(ctx, randomUUID(), flow, credential, (s, secret) => test(ctx, s, secret));
      } finally {
        await http.close();
      }
    },
  } satisfies HandlersFor<
    'accounts.oauthStart' | 'accounts.oauthFinish' | 'accounts.oauthCancel' | 'accounts.oauthPassword'
  >;
}
