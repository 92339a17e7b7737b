/**
 * Syncs in a worker thread (sync/worker-sync.ts), as the app and the CLI run them: the same data lands as inline,
 * progress reaches the core's events, cancel keeps the previous data, and a worker that dies is a recorded failure,
 * not a hang. (How long the main thread stalls meanwhile is a benchmark figure: bench/sync.ts.)
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncProgress } from '../../electron/core/contract/channels/sync';
import { createCore } from '../../electron/core/core';
import { noKeychain } from '../../electron/core/secrets/keychain';
import { createSecretStore } from '../../electron/core/secrets/secret-store';
import { findSyncWorker } from '../../electron/core/sync/worker-sync';
import { startIspringSimulator } from '../simulators/ispring';
import { testCore } from '../support/core';
import { makeDataset, scriptedConnector } from '../support/scripted-connector';
import { liveCount, liveGeneration } from '../support/data-db';
import { tempDir } from '../support/tmp';

/** Every line of every log file in `dir`, parsed. */
const readLog = (dir: string): Record<string, unknown>[] =>
  readdirSync(dir)
    .flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n'))
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('sync in a worker thread', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(syncWorker = findSyncWorker(), onInternalError?: (error: unknown) => void) {
    const sim = await startIspringSimulator({ courses: 30, learners: 400, results: 2_500, pageSizeCap: 500 });
    cleanups.push(() => sim.close());
    const t = testCore({
      syncWorker,
      onInternalError,
      httpOptions: { retry: { retries: 2, baseDelayMs: 20, maxDelayMs: 50 } },
    });
    cleanups.push(t.cleanup);
    const settings = {
      platform: 'ispring' as const,
      baseUrl: sim.url,
      authMode: 'token' as const,
      clientId: sim.options.clientId,
      format: 'json' as const,
    };
    await t.core.call('accounts.add', {
      label: 'Worker',
      settings,
      secret: sim.options.clientSecret,
      storage: 'session',
    });
    return { sim, ...t };
  }

  it(
    'a core never falls back to this thread silently: ' +
      'a substituted connector needs inlineSync, which a worker excludes',
    () => {
      const dir = tempDir();
      cleanups.push(dir.cleanup);
      const base = { dataDir: dir.path, secrets: createSecretStore(noKeychain()) };
      const scripted = () => scriptedConnector({ data: makeDataset(1, 1) });
      expect(() => createCore({ ...base, createConnector: scripted })).toThrow(/inlineSync: true/);
      expect(() => createCore({ ...base, createConnector: scripted, syncWorker: findSyncWorker() })).toThrow(
        /inlineSync: true/,
      );
      expect(() => createCore({ ...base, inlineSync: true, syncWorker: findSyncWorker() })).toThrow(
        /Both syncWorker and inlineSync/,
      );
      createCore({ ...base, inlineSync: true, createConnector: scripted }).close();
    },
  );

  it('finds its code: the TypeScript source here, the bundle beside a built entry', () => {
    const source = findSyncWorker();
    expect(source?.url.pathname).toMatch(/electron\/core\/sync\/sync-worker\.ts$/);
    expect(source?.execArgv).toEqual(['--import', 'tsx']);
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    writeFileSync(join(dir.path, 'sync-worker.js'), '');
    const entry = pathToFileURL(join(dir.path, 'cli.js')).href;
    expect(findSyncWorker(entry)?.url.href).toBe(pathToFileURL(join(dir.path, 'sync-worker.js')).href);
    // From a shared chunk one folder below the entries.
    expect(findSyncWorker(pathToFileURL(join(dir.path, 'chunks', 'core-abc.js')).href)?.url.href).toBe(
      pathToFileURL(join(dir.path, 'sync-worker.js')).href,
    );
    expect(findSyncWorker(pathToFileURL(join(dir.path, 'deeper', 'still', 'x.js')).href)).toBeUndefined();
  });

  it("writes exactly the simulator's data, with progress on the core's events", async () => {
    const { core, dataDir, sim } = await setup();
    const progress: SyncProgress[] = [];
    core.on('sync.progress', (p) => progress.push(p));
    const [run] = await core.call('sync.run', { mode: 'full' });
    expect(run).toMatchObject({
      outcome: 'ok',
      counts: { courses: 30, learners: 400, progress: sim.data.results.length },
    });
    expect(liveCount(dataDir, 'progress')).toBe(sim.data.results.length);
    expect(liveCount(dataDir, 'learners')).toBe(400);
    expect(progress.map((p) => p.resource)).toEqual(expect.arrayContaining(['courses', 'learners', 'progress']));
    expect(progress.every((p) => p.runId === run!.id)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ state: 'done', outcome: 'ok' });
    // The history and the views read what the worker wrote.
    expect((await core.call('sync.history', {}))[0]).toMatchObject({ id: run!.id, outcome: 'ok' });
    expect((await core.call('workspace.overview', {})).totals.learners).toBe(400);
    // The worker's log lines reach the core's log file: the run, each step with its rows and time, the outcome.
    const lines = readLog(core.logDir).filter((r) => r.runId === run!.id);
    expect(lines.map((r) => r.msg)).toEqual(['sync started', ...Array(6).fill('sync step'), 'sync finished']);
    expect(lines.every((r) => typeof r.thread === 'number' && r.thread > 0)).toBe(true);
    expect(lines.find((r) => r.step === 'progress')).toMatchObject({
      rows: sim.data.results.length,
      ms: expect.any(Number),
    });

    // A second sync reuses the warm worker and replaces the generation.
    const [again] = await core.call('sync.run', { mode: 'full' });
    expect(again!.outcome).toBe('ok');
    expect(liveCount(dataDir, 'progress')).toBe(sim.data.results.length);
  });

  it("cancel stops the worker's run mid-sync and keeps the previous data", async () => {
    const { core, dataDir, sim } = await setup();
    await core.call('sync.run', { mode: 'full' });
    const account = (await core.call('accounts.list'))[0]!;
    const before = { generation: liveGeneration(dataDir), progress: liveCount(dataDir, 'progress') };
    // Results pages after the first are held back far longer than the test lasts: the run can only end by the
    // cancel, which comes once it is in its progress step.
    sim.addFault({ match: /learners\/results/, fault: { kind: 'delay', ms: 120_000 }, after: 1 });
    let cancelled: Promise<unknown> | undefined;
    core.on('sync.progress', (p) => {
      if (p.resource === 'progress' && !cancelled) cancelled = core.call('sync.cancel', {});
    });
    const [run] = await core.call('sync.run', { mode: 'full' });
    expect(await cancelled).toEqual({ cancelled: [account.id] });
    expect(run).toMatchObject({ outcome: 'cancelled', errorCode: 'cancelled' });
    expect(run!.errorMessage).toMatch(/previous data was kept/);
    // The live generation is still the first run's (a completed run would have replaced it), rows and time included.
    expect(liveGeneration(dataDir)).toBe(before.generation);
    expect(liveCount(dataDir, 'progress')).toBe(before.progress);
    expect((await core.call('accounts.list'))[0]!.lastSyncedAt).toBe(account.lastSyncedAt);
    expect((await core.call('sync.history', {})).map((r) => r.outcome)).toEqual(['cancelled', 'ok']);
  });

  it('a worker that dies mid-run is a recorded failure with a clear message, and the data stays', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    // A worker entry that crashes as soon as it is given a job.
    const crashing = join(dir.path, 'crash-worker.mjs');
    writeFileSync(
      crashing,
      "import { parentPort } from 'node:worker_threads';\n" +
        "parentPort.on('message', () => { throw new Error('boom'); });\n",
    );
    const errors: unknown[] = [];
    const { core } = await setup({ url: pathToFileURL(crashing) }, (error) => errors.push(error));
    const [run] = await Promise.race([
      core.call('sync.run', { mode: 'full' }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the sync hung')), 60_000)),
    ]);
    expect(run).toMatchObject({ outcome: 'failed', errorCode: 'internal' });
    // The cause travels from the worker to the run's record, and so to the CLI and the window.
    expect(run!.errorMessage).toMatch(/stopped unexpectedly \(Error: boom\).*previous data was kept/);
    expect((await core.call('sync.history', {}))[0]).toMatchObject({ id: run!.id, outcome: 'failed' });
    // The crash itself goes to the host's log of internal errors, and to the log file with its stack.
    expect(String(errors[0])).toMatch(/boom/);
    const logged = readLog(core.logDir).find((r) => r.msg === 'internal error');
    expect(logged?.err).toMatchObject({ type: 'Error', message: 'boom' });
    expect(String((logged?.err as { stack?: string }).stack)).toMatch(/crash-worker\.mjs/);
  });

  it('a worker that dies after its account was removed still ends the run, and the process lives on', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    // A worker entry that says it started the job, then crashes when the removal cancels it.
    const crashing = join(dir.path, 'crash-on-cancel.mjs');
    writeFileSync(
      crashing,
      "import { parentPort } from 'node:worker_threads';\n" +
        "parentPort.on('message', (m) => {\n" +
        "  if (m.type === 'cancel') throw new Error('boom on cancel');\n" +
        "  const progress = { accountId: m.input.account.id, runId: 0, state: 'waiting', resource: null,\n" +
        '    step: 0, steps: 5, pages: 0, rows: 0, total: null, counts: {}, waiting: null, elapsedMs: 0,\n' +
        "    outcome: 'running' };\n" +
        "  parentPort.postMessage({ type: 'progress', job: m.job, progress });\n" +
        '});\n',
    );
    const { core } = await setup({ url: pathToFileURL(crashing) });
    const started = new Promise<void>((resolve) => core.on('sync.progress', () => resolve()));
    const running = core.call('sync.run', { mode: 'full' });
    await started;
    await core.call('accounts.remove', { account: 'Worker' });
    const [run] = await Promise.race([
      running,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the sync hung')), 20_000)),
    ]);
    expect(run).toMatchObject({ outcome: 'failed', errorCode: 'internal' });
    expect(run!.errorMessage).toMatch(/stopped unexpectedly \(Error: boom on cancel\)/);
    expect(await core.call('accounts.list')).toEqual([]);
  }, 30_000);

  it('a worker whose code is missing, or that cannot be started at all, is a recorded failure too', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    for (const entry of [
      { url: pathToFileURL(join(dir.path, 'gone.mjs')) },
      // Node refuses this before any thread exists: the constructor throws.
      { url: findSyncWorker()!.url, execArgv: ['--not-a-node-flag'] },
    ]) {
      const { core } = await setup(entry);
      const [run] = await core.call('sync.run', { mode: 'full' });
      expect(run).toMatchObject({ outcome: 'failed', errorCode: 'internal' });
      expect(run!.errorMessage).toMatch(/stopped unexpectedly/);
      expect((await core.call('sync.history', {}))[0]).toMatchObject({ id: run!.id, outcome: 'failed' });
    }
  });
});
