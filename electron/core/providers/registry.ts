/**
 * Builds the connector for an account's settings and secret, with an HTTP client carrying the platform's limits.
 * Connectors never read disk or the keychain: the core hands them the secret here.
 */
import type { AccountSettings } from '../contract/accounts';
import { RollbookError } from '../contract/errors';
import type { HttpWaitInfo } from '../http/types';
import type { Connector } from './types';

export interface ConnectorDeps {
  now: () => Date;
  /** App-wide default for TeamUp's completion threshold (an account setting may override it). */
  teamupCompletionThreshold: number;
  onWait?: (info: HttpWaitInfo) => void;
}

export type CreateConnector = (settings: AccountSettings, secret: string, deps: ConnectorDeps) => Connector;

export const createConnector: CreateConnector = (settings) => {
  throw new RollbookError('internal', `No connector for ${settings.platform} yet.`);
};
