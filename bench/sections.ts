/** The benchmark sections; each returns named figures. */
import { startupSection } from './startup';
import { syncSection } from './sync';
import { networkSection } from './network';
import { memorySection } from './memory';
import { queriesSection } from './queries';
import { exportsSection } from './exports';
import { rendererSection } from './renderer';
import { complianceSection } from './compliance';
import { changesSection } from './changes';

export type Figure = Record<string, number | string | boolean | undefined>;

export interface BenchContext {
  quick: boolean;
  /** Rows for throughput figures (100k; 10k quick). */
  rows: number;
  /** Rows for memory/query/export figures (1M; 10k quick). */
  bigRows: number;
  repetitions: number;
  log: (message: string) => void;
}

export const SECTIONS: Record<string, (ctx: BenchContext) => Promise<Record<string, Figure>>> = {
  sync: syncSection,
  network: networkSection,
  memory: memorySection,
  queries: queriesSection,
  exports: exportsSection,
  renderer: rendererSection,
  startup: startupSection,
  compliance: complianceSection,
  changes: changesSection,
};
