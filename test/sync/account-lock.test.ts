/**
 * One sync per account across processes (store/sync-locks-repo.ts): a second core or process asked to sync an account
 * that is being synced waits, says so, and then syncs; a holder that died does not keep the account; starting a core
 * does not mark another live process's running sync as interrupted.
 */
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncProgress, SyncRun } from '../../electron/core/contract/channels/sync';
import { DB_FILE_NAME } from '../../electron/core/store/db';
import { LOCK_STALE_MS } from '../../electron/core/store/sync-locks-repo';
import { testCore } from '../support/core';
import type { Connector } from '../../electron/core/providers/types';
import { makeDataset, scriptedConnector, type Dataset } from '../support/scripted-connector';
import { liveCount, readDataDb } from '../support/data-db';
import { tempDir } from '../support/tmp';

const runOutcome = (dataDir: string, id: number) =>
  readDataDb(dataDir, (db) => db.prepare('SELECT outcome FROM sync_runs WHERE id = ?').pluck().get(id));

const ROOT = resolve(import.meta.dirname, '../..');

/** A gate the test opens: a holder's sync stays under way until then. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Serves `data`; its progress pages wait for `opened` (courses, sessions and learners come at once). */
function gatedConnector(data: Dataset, opened: Promise<void> = Promise.resolve()): Connector {
  const inner = scriptedConnector({ data, pageSize: 20 });
  return {
    ...inner,
    async *progress(scope) {
      await opened;
      yield* inner.progress(scope);
    },
  };
}

/** Runs the CLI (as `npm run cli` does) and calls `onLine` with each line of its stderr as it comes. */
function cliStreaming(
  args: string[],
  onLine: (line: string) => void,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'electron/core/cli/main.ts'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let pending = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      lines.forEach(onLine);
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stderr }));
  });
}

/** A pid that belonged to a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
  return child.pid!;
}

describe('one sync per account across processes', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() =>
    cleanups
      .splice(0)
      .reverse()
      .forEach((c) => c()),
  );

  /**
   * A core on `dataDir` whose connector serves `data`, holding its progress step until `opened` (the account itself is
   * a sample one).
   */
  function slowCore(data: Dataset, dataDir?: string, opened?: Promise<void>) {
    const t = testCore({
      ...(dataDir ? { dataDir } : {}),
      inlineSync: true,
      createConnector: () => gatedConnector(data, opened),
    });
    cleanups.push(t.cleanup);
    return t;
  }

  /** Resolves with the first progress event of a resource being pulled. */
  const pulling = (core: ReturnType<typeof slowCore>['core']) =>
    new Promise<SyncProgress>((resolve) => {
      const off = core.on('sync.progress', (p) => {
        if (p.resource !== null && p.state === 'running') {
          off();
          resolve(p);
        }
      });
    });

  /**
   * A core in a fresh data folder with a sample account "Demo" whose full sync is under way and held at its first
   * resource until `held.open()`.
   */
  async function heldSync(data: Dataset) {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const held = gate();
    const holder = slowCore(data, dir.path, held.opened);
    const demo = { label: 'Demo', settings: { platform: 'sample', seed: 1 }, storage: 'session' } as const;
    const { account } = await holder.core.call('accounts.add', demo);
    const run = holder.core.call('sync.run', { mode: 'full' });
    const started = await pulling(holder.core);
    return { dir, held, holder, account, run, started };
  }

  it(
    'a second core waits for the first, says so, then syncs; ' + "starting it leaves the first one's run running",
    async () => {
      const { dir, held, run: firstRun, started } = await heldSync(makeDataset(4, 60));

      const secondData = makeDataset(3, 50);
      const second = slowCore(secondData, dir.path);
      // The second core's start-up did not take the first core's live run for an interrupted one.
      expect(runOutcome(dir.path, started.runId)).toBe('running');
      // The second core's window shows the account as syncing, though the run is the first core's.
      expect(await second.core.call('sync.status')).toMatchObject([{ accountId: started.accountId, running: true }]);
      const waits: SyncProgress[] = [];
      second.core.on('sync.progress', (p) => {
        if (p.state !== 'waiting') return;
        waits.push(p);
        held.open();
      });
      const [b] = await second.core.call('sync.run', { mode: 'full' });
      const [a] = (await firstRun) as SyncRun[];

      expect(a).toMatchObject({ outcome: 'ok' });
      expect(b).toMatchObject({ outcome: 'ok' });
      expect(await second.core.call('sync.status')).toMatchObject([{ accountId: started.accountId, running: false }]);
      expect(waits[0]).toMatchObject({ state: 'waiting', waiting: { reason: 'other_process' } });
      // The second run began only after the first had ended.
      expect(Date.parse(b!.startedAt)).toBeGreaterThanOrEqual(Date.parse(a!.endedAt!));
      expect(liveCount(dir.path, 'progress')).toBe(secondData.progress.length);
      expect(liveCount(dir.path, 'learners')).toBe(secondData.learners.length);
    },
  );

  it("a run cancelled while it waits is recorded as cancelled, and the holder's sync is untouched", async () => {
    const data = makeDataset(4, 60);
    const { dir, held, run: firstRun } = await heldSync(data);
    const second = slowCore(makeDataset(2, 10), dir.path);
    second.core.on('sync.progress', (p) => {
      if (p.state === 'waiting') void second.core.call('sync.cancel', {});
    });
    const [b] = await second.core.call('sync.run', { mode: 'full' });
    held.open();
    expect(b).toMatchObject({ outcome: 'cancelled' });
    expect(b!.errorMessage).toMatch(/waited for another Rollbook process.*previous data was kept/);
    const [a] = await firstRun;
    expect(a).toMatchObject({ outcome: 'ok' });
    expect(liveCount(dir.path, 'progress')).toBe(data.progress.length);
  });

  it('an account removed while its sync (in a worker) waits for another process ends with a clear error', async () => {
    const { dir, held, holder: first, account, run: firstRun } = await heldSync(makeDataset(4, 60));
    cleanups.push(held.open);

    const internal: unknown[] = [];
    const second = testCore({ dataDir: dir.path, onInternalError: (error) => internal.push(error) });
    cleanups.push(second.cleanup);
    second.core.on('sync.progress', (p) => {
      // The holder's sync, cancelled by the removal, notices once its held page comes.
      if (p.state === 'waiting') void first.core.call('accounts.remove', { account: account.id }).then(held.open);
    });
    const [b] = await second.core.call('sync.run', { mode: 'full' });
    const [a] = await firstRun;

    for (const run of [a, b]) {
      expect(run).toMatchObject({ outcome: 'failed', errorCode: 'account_not_found' });
      expect(run!.errorMessage).toMatch(/"Demo" was removed/);
    }
    expect(internal).toEqual([]);
  }, 60_000);

  it('takes over a lock whose process is gone, or whose heartbeat stopped long ago', async () => {
    const data = makeDataset(2, 10);
    const t = slowCore(data);
    const { account } = await t.core.call('accounts.add', {
      label: 'Demo',
      settings: { platform: 'sample', seed: 1 },
      storage: 'session',
    });
    const db = new Database(join(t.dataDir, DB_FILE_NAME));
    cleanups.push(() => void db.close());
    const waits: SyncProgress[] = [];
    t.core.on('sync.progress', (p) => {
      if (p.state === 'waiting') waits.push(p);
    });
    const put = db.prepare(
      'INSERT OR REPLACE INTO sync_locks (account_id, owner, pid, host, heartbeat_at) VALUES (?, ?, ?, ?, ?)',
    );

    // A crashed process's lock, and a "running" run it left.
    put.run(account.id, 'crashed', deadPid(), hostname(), Date.now());
    const [first] = await t.core.call('sync.run', { mode: 'full' });
    expect(first).toMatchObject({ outcome: 'ok' });

    // A live pid (this one: a reused pid looks the same) whose heartbeat stopped.
    put.run(account.id, 'hung', process.pid, hostname(), Date.now() - LOCK_STALE_MS - 1000);
    const [second] = await t.core.call('sync.run', { mode: 'full' });
    expect(second).toMatchObject({ outcome: 'ok' });
    expect(waits).toEqual([]);
    // A finished run leaves no lock behind.
    expect(db.prepare('SELECT count(*) FROM sync_locks').pluck().get()).toBe(0);
    expect(liveCount(t.dataDir, 'progress')).toBe(data.progress.length);
  });

  it("the CLI waits for the app's sync of the same account, says so, then syncs", async () => {
    // The app's sync holds the account until the CLI says it is waiting.
    const { dir, held, run: appRun } = await heldSync(makeDataset(6, 80));
    const lines: string[] = [];
    const result = await cliStreaming(['sync', 'Demo', '--full', '--data-dir', dir.path], (line) => {
      lines.push(line);
      if (line.includes('waiting for another Rollbook process')) held.open();
    });
    held.open(); // (a CLI that did not wait would leave the app's sync held)
    const [a] = await appRun;
    expect(a).toMatchObject({ outcome: 'ok' });
    expect(result.code, result.stderr).toBe(0);
    expect(lines).toContain('Demo: waiting for another Rollbook process that is syncing this account…');
    expect(result.stderr).toMatch(/Demo: synced/);
  });
});
