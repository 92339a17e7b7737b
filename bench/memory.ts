/** Peak memory of a sync of 1M progress rows (--quick: 10k), measured in a child process: target ≤ 300 MB RSS. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startIspringSimulator } from '../test/simulators/ispring';
import { tempDir } from '../test/support/tmp';
import type { BenchContext, Figure } from './sections';
import { round } from './stats';
import { BENCH_BUILD_DIR, bundle, SYNC_WORKER_SOURCE } from './worker-bundle';

export async function memorySection(ctx: BenchContext): Promise<Record<string, Figure>> {
  const rows = ctx.bigRows;
  const sim = await startIspringSimulator({
    courses: Math.max(10, rows / 100),
    learners: Math.max(100, rows / 10),
    results: rows,
  });
  const dir = tempDir('rollbook-bench-memory-');
  try {
    // The child runs bundled JavaScript under plain Node, as the app and the CLI ship (electron-vite bundles them):
    // a TypeScript loader would add its own tens of MB to the figure.
    // It syncs in a worker thread, as both hosts do; the worker's bundle sits beside it, where findSyncWorker looks.
    const child = join(BENCH_BUILD_DIR, 'memory-child.js');
    await bundle({ 'memory-child': join(import.meta.dirname, 'memory-child.ts'), 'sync-worker': SYNC_WORKER_SOURCE });
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [child, join(dir.path, 'data'), sim.url, sim.options.clientId, sim.options.clientSecret],
      { maxBuffer: 1 << 20, timeout: 30 * 60_000 },
    );
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      outcome: string;
      rows: number;
      seconds: number;
      peakRssMb: number;
    };
    ctx.log(
      `sync of ${result.rows} rows: ${result.outcome} in ` +
        `${round(result.seconds)} s, peak RSS ${round(result.peakRssMb)} MB`,
    );
    return {
      sync_peak_rss: {
        mb: round(result.peakRssMb),
        rows: result.rows,
        seconds: round(result.seconds),
        target: '≤ 300 MB',
        met: result.peakRssMb <= 300 && result.outcome === 'ok',
      },
    };
  } finally {
    await sim.close();
    dir.cleanup();
  }
}
