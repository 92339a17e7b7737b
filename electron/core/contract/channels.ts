/**
 * THE contract: every call the window (and the CLI and tests) can make into the core, with its input schema and
 * output type, plus the push-event map. Declared once; the core implements it, Electron main registers it, the
 * preload forwards it and the renderer gets a typed client from it.
 */
import { z } from 'zod';
import type { AccountSettings } from './accounts';
import type { Platform } from './domain';
import { appSettingsPatchSchema, type AppSettings } from './settings';

export type SecretLocation = 'keychain' | 'session' | 'none';

export interface Account {
  id: string;
  platform: Platform;
  label: string;
  settings: AccountSettings;
  /** Where the secret is kept. The secret itself never leaves the core. */
  secretLocation: SecretLocation;
  needsReconnect: boolean;
  liveGeneration: number;
  lastSyncedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AppInfo {
  version: string;
  dataDir: string;
  databasePath: string;
  schemaVersion: number;
  counts: { accounts: number; courses: number; learners: number; progress: number; sessions: number; attendance: number };
}

interface ChannelDef<I extends z.ZodType, O> {
  input: I;
  /** Phantom: carries the output type; never read at runtime. */
  output?: O;
}

function channel<O>() {
  return <I extends z.ZodType>(input: I): ChannelDef<I, O> => ({ input });
}

const none = z.undefined();

export const contract = {
  'app.info': channel<AppInfo>()(none),
  'settings.get': channel<AppSettings>()(none),
  'settings.update': channel<AppSettings>()(appSettingsPatchSchema),
  'accounts.list': channel<Account[]>()(none),
} as const;

export type Contract = typeof contract;
export type ChannelName = keyof Contract;
/** What a caller sends (before defaults are applied). */
export type InputOf<C extends ChannelName> = z.input<Contract[C]['input']>;
/** What a handler receives (validated, defaults applied). */
export type ParsedInputOf<C extends ChannelName> = z.output<Contract[C]['input']>;
export type OutputOf<C extends ChannelName> = NonNullable<Contract[C]['output']>;

export const CHANNELS = Object.keys(contract) as ChannelName[];

export function isChannel(name: unknown): name is ChannelName {
  return typeof name === 'string' && Object.hasOwn(contract, name);
}

/** Events the core pushes to every host (renderer via IPC, CLI to stderr). */
export interface EventMap {
  'accounts.changed': { accounts: Account[] };
  'settings.changed': AppSettings;
}
export type EventName = keyof EventMap;

