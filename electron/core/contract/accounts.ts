/**
 * Account settings: the non-secret part of an account, per platform. The secret (client secret, password,
 * token or JWT signing key) is never part of these objects; it lives in the OS keychain (see core/secrets).
 */
import { z } from 'zod';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** https everywhere, plain http only for loopback (local simulators, self-hosted testing). */
export const baseUrlSchema = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is not a URL. Use the full address, e.g. https://example.com`,
      });
      return;
    }
    if (url.protocol === 'https:') return;
    if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return;
    ctx.addIssue({
      code: 'custom',
      message:
        url.protocol === 'http:'
          ? `"${value}" uses plain http; Rollbook only sends credentials over https (http is allowed for localhost).`
          : `"${value}" has an unsupported scheme "${url.protocol}"; use an https:// address.`,
    });
  })
  .transform((value) => value.replace(/\/+$/, ''));

export const ispringSettingsSchema = z.discriminatedUnion('authMode', [
  z.object({
    platform: z.literal('ispring'),
    baseUrl: baseUrlSchema,
    authMode: z.literal('token'),
    clientId: z.string().trim().min(1, 'Client ID is required'),
    format: z.enum(['json', 'xml']).default('json'),
  }),
  z.object({
    platform: z.literal('ispring'),
    baseUrl: baseUrlSchema,
    authMode: z.literal('legacy'),
    /** The account's own address (X-Auth-Account-Url), e.g. https://acme.ispringlearn.com */
    accountUrl: baseUrlSchema,
    login: z.string().trim().min(1, 'Login is required'),
    format: z.enum(['json', 'xml']).default('json'),
  }),
]);
export type IspringSettings = z.infer<typeof ispringSettingsSchema>;

export const teamupSettingsSchema = z.object({
  platform: z.literal('teamup'),
  baseUrl: baseUrlSchema.default('https://goteamup.com/api/v2'),
  authScheme: z.enum(['bearer', 'token']).default('bearer'),
  providerId: z.string().trim().regex(/^\d+$/, 'Provider ID is a number').nullable().default(null),
  /** Attendance share (%) at or above which a finished course counts as completed; null = the app-wide setting. */
  completionThreshold: z.number().min(0).max(100).nullable().default(null),
});
export type TeamupSettings = z.infer<typeof teamupSettingsSchema>;

export const selfcommunitySettingsSchema = z
  .object({
    platform: z.literal('selfcommunity'),
    baseUrl: baseUrlSchema,
    /** token: a pasted access token; jwt: Rollbook signs its own; oauth: "Sign in with SelfCommunity" (renewed). */
    authMode: z.enum(['token', 'jwt', 'oauth']).default('token'),
    /** JWT mode: the user id the signed token acts as (must be a community manager to read learner progress). */
    jwtUserId: z.number().int().positive().nullable().default(null),
    /** OAuth mode: the client ID of the OAuth application registered in make.selfcommunity.io. */
    oauthClientId: z.string().trim().min(1).max(200).optional(),
  })
  .refine((s) => s.authMode !== 'oauth' || !!s.oauthClientId, {
    message: 'Signing in with SelfCommunity needs the OAuth client ID',
    path: ['oauthClientId'],
  });
export type SelfcommunitySettings = z.infer<typeof selfcommunitySettingsSchema>;

export const sampleSettingsSchema = z.object({
  platform: z.literal('sample'),
  seed: z.number().int().default(1),
});
export type SampleSettings = z.infer<typeof sampleSettingsSchema>;

/**
 * Where an account's credentials and identity go: the origins (scheme, host, port) of its addresses. A secret was
 * given for these; an edit that changes them must be given the secret again.
 */
export function credentialOrigins(settings: AccountSettings): string[] {
  const urls = ['baseUrl' in settings ? settings.baseUrl : null, 'accountUrl' in settings ? settings.accountUrl : null];
  return urls.filter((u): u is string => !!u).map((u) => new URL(u).origin);
}

export const accountSettingsSchema = z.union([
  ispringSettingsSchema,
  teamupSettingsSchema,
  selfcommunitySettingsSchema,
  sampleSettingsSchema,
]);
export type AccountSettings = z.infer<typeof accountSettingsSchema>;
