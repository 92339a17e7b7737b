/**
 * Builds the connector for an account's settings and secret, with an HTTP client carrying the platform's limits.
 * Connectors never read disk or the keychain: the core hands them the secret here.
 */
import type { AccountSettings } from '../contract/accounts';
import { PLATFORM_LABELS } from '../contract/domain';
import { createHttpClient } from '../http/client';
import type { HttpClientOptions, HttpWaitInfo } from '../http/types';
import { createIspringConnector } from './ispring';
import { IN_FLIGHT_PER_ACCOUNT } from './parallel';
import { createSampleConnector } from './sample';
import { createSelfcommunityConnector } from './selfcommunity';
import { createTeamupConnector, TEAMUP_REQUESTS_PER_MINUTE } from './teamup';
import type { Connector } from './types';

export interface ConnectorDeps {
  now: () => Date;
  /** App-wide default for TeamUp's completion threshold (an account setting may override it). */
  teamupCompletionThreshold: number;
  onWait?: (info: HttpWaitInfo) => void;
  /** Where a connector writes a renewed secret (SelfCommunity's rotated OAuth refresh token). */
  saveSecret?: (secret: string) => Promise<void>;
  /** Overrides for the HTTP client (timeouts, retry policy); tests shorten them. */
  httpOptions?: Partial<HttpClientOptions>;
}

export type CreateConnector = (settings: AccountSettings, secret: string, deps: ConnectorDeps) => Connector;

/** Per-platform politeness. TeamUp documents 250 requests/minute; the others publish no number, so stay modest. */
const LIMITS: Record<AccountSettings['platform'], Pick<HttpClientOptions, 'maxConcurrency' | 'requestsPerMinute'>> = {
  ispring: { maxConcurrency: IN_FLIGHT_PER_ACCOUNT, requestsPerMinute: 600 },
  teamup: { maxConcurrency: IN_FLIGHT_PER_ACCOUNT, requestsPerMinute: TEAMUP_REQUESTS_PER_MINUTE },
  selfcommunity: { maxConcurrency: IN_FLIGHT_PER_ACCOUNT, requestsPerMinute: 600 },
  sample: {},
};

/** Where an account's credentials may go (its base URL's origin; the client refuses anything else) and its name. */
export function accountHttpOptions(settings: AccountSettings): Pick<HttpClientOptions, 'origin' | 'service'> {
  return {
    origin: 'baseUrl' in settings ? new URL(settings.baseUrl).origin : undefined,
    service: PLATFORM_LABELS[settings.platform],
  };
}

export const createConnector: CreateConnector = (settings, secret, deps) => {
  const http = () => {
    const client = createHttpClient({
      ...LIMITS[settings.platform],
      ...deps.httpOptions,
      onWait: deps.onWait,
      ...accountHttpOptions(settings),
    });
    client.redact(secret);
    return client;
  };
  switch (settings.platform) {
    case 'sample':
      return createSampleConnector({ settings, secret, http: http(), now: deps.now });
    case 'ispring':
      return createIspringConnector({ settings, secret, http: http(), now: deps.now });
    case 'selfcommunity':
      return createSelfcommunityConnector({
        settings,
        secret,
        http: http(),
        now: deps.now,
        saveSecret: deps.saveSecret,
      });
    case 'teamup':
      return createTeamupConnector({
        settings,
        secret,
        http: http(),
        now: deps.now,
        defaultThreshold: deps.teamupCompletionThreshold,
      });
  }
};
