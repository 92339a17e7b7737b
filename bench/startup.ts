/**
 * Start-up: core open + migrations check + first query on a big cache. Target ≤ 200 ms.
 * Baseline: better-sqlite3 opening the same file and running the same count query by hand.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { createCore } from '../electron/core/core';
import { noKeychain } from '../electron/core/secrets/keychain';
import { createSecretStore } from '../electron/core/secrets/secret-store';
import { DB_FILE_NAME } from '../electron/core/store/db';
import { tempDir } from '../test/support/tmp';
import { fillCache } from './fill-cache';
import type { BenchContext, Figure } from './sections';
import { median, round } from './stats';

export async function startupSection(ctx: BenchContext): Promise<Record<string, Figure>> {
  const dir = tempDir('rollbook-bench-startup-');
  try {
    const t0 = performance.now();
    fillCache(dir.path, { courses: ctx.quick ? 1_000 : 10_000, learners: ctx.bigRows / 5, progress: ctx.bigRows });
    ctx.log(`filled ${ctx.bigRows} progress rows in ${round((performance.now() - t0) / 1000)} s`);

    // What the window does first: open the core (migrations check, interrupted-run sweep) and load accounts and
    // settings; then the About page's live row counts, the heaviest "first query" a user can ask for.
    const first: number[] = [];
    const withCounts: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < ctx.repetitions; i += 1) {
      let start = performance.now();
      const core = createCore({ dataDir: dir.path, secrets: createSecretStore(noKeychain()) });
      await core.call('accounts.list');
      await core.call('settings.get');
      first.push(performance.now() - start);
      await core.call('app.info');
      withCounts.push(performance.now() - start);
      core.close();

      start = performance.now();
      const db = new Database(join(dir.path, DB_FILE_NAME));
      db.prepare('SELECT * FROM accounts').all();
      db.prepare('SELECT * FROM settings').all();
      base.push(performance.now() - start);
      db.close();
    }
    const ms = round(median(first));
    const baseline = round(median(base));
    const counts = round(median(withCounts));
    return {
      open_and_first_query: {
        ms,
        baseline_ms: baseline,
        ratio: round(ms / baseline, 2),
        target: '≤ 200 ms',
        met: ms <= 200,
      },
      open_and_count_everything: { ms: counts, target: '≤ 200 ms', met: counts <= 200 },
    };
  } finally {
    dir.cleanup();
  }
}
