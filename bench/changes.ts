/**
 * The change log (issue #24): what recording it adds to a sync, measured side by side in one run (the same second
 * sync of a 100k-row account, 5% of its statuses changed, with and without the log; --quick: 10k); the Changes view's
 * first screen and a 30-day filter over 1M logged changes (p95, through the queries the contract calls); and pruning
 * 1M history rows past the retention.
 */
import type { Account } from '../electron/core/contract/channels/accounts';
import { createCore } from '../electron/core/core';
import { noKeychain } from '../electron/core/secrets/keychain';
import { createSecretStore } from '../electron/core/secrets/secret-store';
import { createCacheWriter } from '../electron/core/store/cache-writer';
import { pruneHistory } from '../electron/core/store/change-log';
import { createChangeQueries } from '../electron/core/store/change-queries';
import { openDatabase, writeTransaction, type Db } from '../electron/core/store/db';
import { createSyncLocks } from '../electron/core/store/sync-locks-repo';
import { createSyncRunsRepo } from '../electron/core/store/sync-runs-repo';
import { runAccountSync } from '../electron/core/sync/run-account';
import { makeDataset, scriptedConnector, type Dataset } from '../test/support/scripted-connector';
import { tempDir } from '../test/support/tmp';
import type { BenchContext, Figure } from './sections';
import { median, percentile, round } from './stats';

const DAY = 86_400_000;

async function addAccount(dataDir: string): Promise<Account> {
  const core = createCore({ dataDir, secrets: createSecretStore(noKeychain()) });
  try {
    return (await core.call('accounts.add', { label: 'Bench', settings: { platform: 'sample', seed: 1 } })).account;
  } finally {
    core.close();
  }
}

async function sync(db: Db, account: Account, data: Dataset, changeLog: boolean): Promise<number> {
  const t0 = performance.now();
  const run = await runAccountSync(
    {
      db,
      writer: createCacheWriter(db, { changeLog }),
      runs: createSyncRunsRepo(db),
      locks: createSyncLocks(db),
      now: () => new Date(),
      connect: async () => scriptedConnector({ data, pageSize: 1000 }),
      emitProgress: () => undefined,
    },
    account,
    { mode: 'full', signal: new AbortController().signal },
  );
  if (run.outcome !== 'ok') throw new Error(`sync ${run.outcome}: ${run.errorMessage}`);
  return (performance.now() - t0) / 1000;
}

/** The second sync of an account (the first is its baseline), with or without the change log; seconds. */
async function secondSync(rows: number, changeLog: boolean): Promise<number> {
  const dir = tempDir('rollbook-bench-changes-');
  try {
    const account = await addAccount(dir.path);
    const db = openDatabase(dir.path);
    try {
      const first = makeDataset(rows / 1000, 1000);
      await sync(db, account, first, true);
      const next = structuredClone(first);
      // 5% of the statuses change between the two syncs, as after a busy week.
      for (let i = 0; i < next.progress.length; i += 20) {
        const p = next.progress[i]!;
        p.status = p.status === 'completed' ? 'in_progress' : 'completed';
      }
      return await sync(db, account, next, changeLog);
    } finally {
      db.close();
    }
  } finally {
    dir.cleanup();
  }
}

/** `count` changes over 400 days of syncs (one a day per account, two accounts), written directly. */
function fillChanges(db: Db, accountIds: string[], count: number, now: number): void {
  const perSync = Math.ceil(count / (400 * accountIds.length));
  writeTransaction(db, () => {
    const sync = db.prepare(
      'INSERT INTO change_syncs (account_id, run_id, generation, at, total, counts_json) VALUES (?, NULL, ?, ?, ?, ?)',
    );
    const changes = db.prepare(
      `INSERT INTO changes (sync_id, account_id, at, kind, course_id, course_name, learner_id, learner_name,
         learner_email, from_value, to_value)
       WITH RECURSIVE series(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM series WHERE value < @n)
       SELECT @sync, @account, @at, CASE value % 4 WHEN 0 THEN 'status_changed' WHEN 1 THEN 'enrolled'
           WHEN 2 THEN 'score_changed' ELSE 'attendance_marked' END,
         'c' || (value % 500), 'Course ' || (value % 500), 'l' || value, 'Learner ' || value,
         'learner' || value || '@example.org', 'in_progress', 'completed'
       FROM series`,
    );
    for (let day = 400; day >= 1; day -= 1) {
      for (const account of accountIds) {
        const at = new Date(now - day * DAY).toISOString();
        const counts = JSON.stringify({
          status_changed: perSync / 4,
          enrolled: perSync / 4,
          score_changed: perSync / 4,
          attendance_marked: perSync / 4,
        });
        const id = Number(sync.run(account, 400 - day + 1, at, perSync, counts).lastInsertRowid);
        changes.run({ sync: id, account, at, n: perSync });
      }
    }
  })();
}

export async function changesSection(ctx: BenchContext): Promise<Record<string, Figure>> {
  const out: Record<string, Figure> = {};

  // 1. Sync with vs without the change log, alternating so both see the same machine load.
  const withLog: number[] = [];
  const withoutLog: number[] = [];
  for (let i = 0; i < ctx.repetitions; i += 1) {
    withoutLog.push(await secondSync(ctx.rows, false));
    withLog.push(await secondSync(ctx.rows, true));
  }
  const ratio = round(median(withLog) / median(withoutLog), 3);
  out.sync_with_change_log = {
    seconds: round(median(withLog), 2),
    baseline_seconds_without: round(median(withoutLog), 2),
    ratio,
    target: '≤ 1.15',
    met: ratio <= 1.15,
    rows: ctx.rows,
  };
  ctx.log(
    `sync of ${ctx.rows} rows: ${out.sync_with_change_log.seconds} s with the log, ${round(median(withoutLog), 2)} s without`,
  );

  // 2. The Changes view over 1M logged changes.
  const dir = tempDir('rollbook-bench-changes-view-');
  try {
    const accounts = [await addAccount(dir.path)];
    const db = openDatabase(dir.path);
    try {
      const now = Date.now();
      const t0 = performance.now();
      fillChanges(db, [accounts[0]!.id], ctx.bigRows, now);
      ctx.log(`filled ${ctx.bigRows} changes in ${round((performance.now() - t0) / 1000)} s`);
      const queries = createChangeQueries(db);
      const time = (fn: () => unknown) => {
        const samples: number[] = [];
        for (let i = 0; i < 40; i += 1) {
          const s = performance.now();
          fn();
          samples.push(performance.now() - s);
        }
        return samples;
      };
      const figure = (samples: number[]) => {
        const p95 = round(percentile(samples, 95));
        return { p95_ms: p95, median_ms: round(percentile(samples, 50)), target: 'p95 ≤ 50 ms', met: p95 <= 50 };
      };
      out.view_first_screen = figure(time(() => queries.list({ accountIds: null }, 0, 200)));
      const from = new Date(now - 30 * DAY).toISOString().slice(0, 10);
      out.view_last_30_days = figure(time(() => queries.list({ accountIds: null, from }, 0, 200)));
      out.view_30_days_one_kind = figure(
        time(() => queries.list({ accountIds: [accounts[0]!.id], from, kinds: ['status_changed'] }, 0, 200)),
      );

      // 3. Pruning: 1M trend points past the retention (and the view's changes kept), as after a sync.
      writeTransaction(db, () => {
        db.prepare(
          `INSERT INTO course_history (account_id, course_id, at, learners, not_started, in_progress, completed,
             passed, failed, incomplete, completion_rate, attendance_rate)
           WITH RECURSIVE series(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM series WHERE value < @n)
           SELECT @account, 'c' || (value % 1000),
             strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (1500 - value / 1000) || ' days'),
             100, 10, 20, 50, 10, 5, 5, 60.0, NULL
           FROM series`,
        ).run({ account: accounts[0]!.id, n: ctx.bigRows });
        // The sync those snapshots came with (pruning looks for old syncs before it scans the snapshots).
        db.prepare(
          `INSERT INTO change_syncs (account_id, generation, at, total)
           VALUES (?, 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1500 days'), 0)`,
        ).run(accounts[0]!.id);
      })();
      const before = new Date(now - 400 * DAY - DAY).toISOString();
      const p0 = performance.now();
      const pruned = pruneHistory(db, before);
      const seconds = round((performance.now() - p0) / 1000, 2);
      out.prune_history = { seconds, rows: pruned.history, target: '< 2 s', met: seconds < 2 };
    } finally {
      db.close();
    }
  } finally {
    dir.cleanup();
  }
  return out;
}
