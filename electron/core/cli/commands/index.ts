import type { Command } from 'commander';
import type { CommandContext } from '../program';
import { registerAccounts } from './accounts';
import { registerChanges } from './changes';
import { registerInfo } from './info';
import { registerReport } from './report';
import { registerRequirements } from './requirements';
import { registerSchedules } from './schedules';
import { registerSync } from './sync';

/** Every CLI command, in the order `--help` lists them. One module per command group. */
export const COMMANDS: ((program: Command, ctx: CommandContext) => void)[] = [
  registerInfo,
  registerAccounts,
  registerSync,
  registerChanges,
  registerReport,
  registerSchedules,
  registerRequirements,
];
