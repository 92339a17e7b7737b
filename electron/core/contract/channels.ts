/**
 * THE contract: every call the window (and the CLI and tests) can make into the core, with its input schema and
 * output type, plus the push-event map. Declared once, in one fragment per domain under ./channels/; the core
 * implements it, Electron main registers it, the preload forwards it and the renderer gets a typed client from it.
 */
import type { z } from 'zod';
import { accountChannels, type AccountEvents } from './channels/accounts';
import { appChannels, type AppEvents } from './channels/app';
import { syncChannels, type SyncEvents } from './channels/sync';
import { workspaceChannels } from './channels/workspace';
import { reportChannels, type ReportEvents } from './channels/reports';
import { scheduleChannels, type ScheduleEvents } from './channels/schedules';
import { complianceChannels, type ComplianceEvents } from './channels/compliance';
import { changeChannels } from './channels/changes';

export type { Account, SecretLocation } from './channels/accounts';
export type { AppInfo } from './channels/app';
export type * from './channels/sync';
export type * from './channels/workspace';
export type * from './channels/reports';
export type * from './channels/schedules';
export type * from './channels/compliance';
export type * from './channels/changes';

export const contract = {
  ...appChannels,
  ...accountChannels,
  ...syncChannels,
  ...workspaceChannels,
  ...reportChannels,
  ...scheduleChannels,
  ...complianceChannels,
  ...changeChannels,
} as const;

/** Events the core pushes to every host (renderer via IPC, CLI to stderr). */
export interface EventMap
  extends AppEvents, AccountEvents, SyncEvents, ReportEvents, ScheduleEvents, ComplianceEvents {}

export type Contract = typeof contract;
export type ChannelName = keyof Contract;
/** What a caller sends (before defaults are applied). */
export type InputOf<C extends ChannelName> = z.input<Contract[C]['input']>;
/** What a handler receives (validated, defaults applied). */
export type ParsedInputOf<C extends ChannelName> = z.output<Contract[C]['input']>;
export type OutputOf<C extends ChannelName> = NonNullable<Contract[C]['output']>;
export type EventName = keyof EventMap;

export const CHANNELS = Object.keys(contract) as ChannelName[];

export function isChannel(name: unknown): name is ChannelName {
  return typeof name === 'string' && Object.hasOwn(contract, name);
}
