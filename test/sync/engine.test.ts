/**
 * The sync engine's guarantees, with a scripted connector: exact data lands, a failure / cancel / skip never
 * damages the previous generation, incremental runs resume from committed cursors.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncProgress } from '../../electron/core/contract/channels/sync';
import { HttpError } from '../../electron/core/http/errors';
import { DB_FILE_NAME } from '../../electron/core/store/db';
import { testCore } from '../support/core';
import { course, makeDataset, progressRow, scriptedConnector, type Script } from '../support/scripted-connector';

function liveRows(dataDir: string, table: string, accountId: string) {
  const db = new Database(join(dataDir, DB_FILE_NAME), { readonly: true });
  try {
    return db
      .prepare(
        `SELECT t.* FROM ${table} t JOIN accounts a ON a.id = t.account_id ` +
          'AND t.generation = a.live_generation WHERE t.account_id = ?',
      )
      .all(accountId) as Record<string, unknown>[];
  } finally {
    db.close();
  }
}
function allRowCount(dataDir: string, table: string) {
  const db = new Database(join(dataDir, DB_FILE_NAME), { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('sync engine', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  async function setup(script: Script) {
    const state = { script };
    const t = testCore({ inlineSync: true, createConnector: () => scriptedConnector(state.script) });
    cleanups.push(t.cleanup);
    const { account } = await t.core.call('accounts.add', { label: 'Acme', settings: { platform: 'sample', seed: 1 } });
    return { ...t, account, state };
  }

  it('pulls every resource into the cache and records the run', async () => {
    const data = makeDataset(3, 25);
    const { core, dataDir, account } = await setup({ data, pageSize: 10 });
    const progress: SyncProgress[] = [];
    core.on('sync.progress', (p) => progress.push(p));
    const [run] = await core.call('sync.run', {});
    expect(run).toMatchObject({
      outcome: 'ok',
      counts: { courses: 3, learners: 25, progress: 75, sessions: 0, attendance: 0 },
    });
    expect(liveRows(dataDir, 'progress', account.id)).toHaveLength(75);
    const stored = liveRows(dataDir, 'learners', account.id).find((r) => r.id === 'l7')!;
    expect(stored).toMatchObject({ name: 'Learner 7', email: 'l7@example.com' });
    expect(JSON.parse(stored.raw_json as string)).toMatchObject({ scripted: true, id: 'l7' });
    // Progress events: every step, a final done event, rows growing.
    expect(progress.at(-1)).toMatchObject({ state: 'done', outcome: 'ok' });
    expect(new Set(progress.map((p) => p.resource))).toEqual(
      new Set(['courses', 'sessions', 'learners', 'attendance', 'progress']),
    );
    expect((await core.call('sync.status'))[0]).toMatchObject({ running: false, lastRun: { outcome: 'ok' } });
    expect((await core.call('sync.status'))[0]!.dataAsOf).toBe(run!.endedAt);
  });

  it.each(['courses', 'progress'] as const)(
    'learners that arrive beside %s pages are stored and counted once, whichever step brings them',
    async (learnersWith) => {
      const { core, dataDir, account } = await setup({ data: makeDataset(3, 25), pageSize: 10, learnersWith });
      const [run] = await core.call('sync.run', {});
      expect(run).toMatchObject({ outcome: 'ok', counts: { courses: 3, learners: 25, progress: 75 } });
      expect(
        liveRows(dataDir, 'learners', account.id)
          .map((r) => r.id)
          .sort(),
      ).toEqual(
        makeDataset(3, 25)
          .learners.map((l) => l.id)
          .sort(),
      );
    },
  );

  it('removes rows that disappeared upstream only when a sync completes, and keeps one generation', async () => {
    const { core, dataDir, account, state } = await setup({ data: makeDataset(3, 5) });
    await core.call('sync.run', {});
    state.script = { data: { ...makeDataset(2, 5), courses: [course('c1'), course('c2')] } };
    const [run] = await core.call('sync.run', { mode: 'full' });
    expect(run!.outcome).toBe('ok');
    expect(
      liveRows(dataDir, 'courses', account.id)
        .map((r) => r.id)
        .sort(),
    ).toEqual(['c1', 'c2']);
    // Superseded rows are swept: only the live generation is on disk.
    expect(allRowCount(dataDir, 'courses')).toBe(2);
    expect(allRowCount(dataDir, 'progress')).toBe(10);
  });

  it('a failure mid-sync keeps the previous data intact and says why', async () => {
    const { core, dataDir, account, state } = await setup({ data: makeDataset(3, 30) });
    await core.call('sync.run', {});
    const before = liveRows(dataDir, 'progress', account.id);
    state.script = {
      data: makeDataset(4, 40),
      failAt: {
        resource: 'progress',
        page: 3,
        error: new HttpError(
          'server_error',
          'The server answered HTTP 503 (Service Unavailable) after 6 attempts',
          503,
        ),
      },
    };
    const [run] = await core.call('sync.run', { mode: 'full' });
    expect(run).toMatchObject({ outcome: 'failed', errorCode: 'server_error' });
    expect(run!.errorMessage).toMatch(/HTTP 503/);
    expect(liveRows(dataDir, 'progress', account.id)).toEqual(before);
    expect(allRowCount(dataDir, 'progress')).toBe(before.length);
    // And it can simply be run again.
    state.script = { data: makeDataset(4, 40) };
    expect((await core.call('sync.run', { mode: 'full' }))[0]!.outcome).toBe('ok');
    expect(liveRows(dataDir, 'progress', account.id)).toHaveLength(160);
  });

  it('cancel stops promptly, keeps the old data and is recorded as cancelled', async () => {
    const { core, dataDir, account, state } = await setup({ data: makeDataset(2, 10) });
    await core.call('sync.run', {});
    const before = liveRows(dataDir, 'progress', account.id);
    expect(before).toHaveLength(20);
    // Every page takes a minute: the run cannot end before the test's timeout but by a prompt cancel, which comes
    // with its first progress event.
    state.script = { data: makeDataset(5, 200), delayMs: 60_000, pageSize: 5 };
    let cancelled: Promise<unknown> | undefined;
    core.on('sync.progress', () => (cancelled ??= core.call('sync.cancel', {})));
    const [run] = await core.call('sync.run', { mode: 'full' });
    expect(await cancelled).toEqual({ cancelled: [account.id] });
    expect(run).toMatchObject({ outcome: 'cancelled', errorCode: 'cancelled' });
    expect(liveRows(dataDir, 'progress', account.id)).toEqual(before);
    expect((await core.call('sync.history', { accountId: account.id })).map((r) => r.outcome)).toEqual([
      'cancelled',
      'ok',
    ]);
  });

  it('forbidden courses make a partial run that still completes and names them', async () => {
    const { core, dataDir, account } = await setup({ data: makeDataset(3, 4), forbidden: ['c2'] });
    const [run] = await core.call('sync.run', {});
    expect(run!.outcome).toBe('partial');
    expect(run!.skipped).toEqual([{ courseId: 'c2', reason: expect.stringMatching(/403/) }]);
    expect(liveRows(dataDir, 'progress', account.id)).toHaveLength(8);
  });

  it('a listing that changed while it was read ends partial and keeps the previous rows it did not reach', async () => {
    const { core, dataDir, account, state } = await setup({ data: makeDataset(3, 20), pageSize: 10 });
    await core.call('sync.run', {});
    // Upstream: one learner's progress moved on; the next full sync reads only 25 of the 60 progress rows.
    const data = makeDataset(3, 20);
    const moved = progressRow('c1', 'l1', 'completed');
    data.progress = data.progress.map((p) => (p.courseId === 'c1' && p.learnerId === 'l1' ? moved : p));
    state.script = { data, pageSize: 10, gapIn: { resource: 'progress', rows: 25 } };
    const [run] = await core.call('sync.run', { mode: 'full' });
    expect(run).toMatchObject({ outcome: 'partial', errorCode: 'incomplete', counts: { progress: 25 } });
    expect(run!.errorMessage).toBe(
      'The scripted list of progress changed while Rollbook read it (25 of 60 read). ' +
        'Rows of those lists that this sync did not reach were kept from the previous sync.',
    );
    const rows = liveRows(dataDir, 'progress', account.id);
    const keys = rows.map((r) => `${r.course_id}/${r.learner_id}`).sort();
    expect(keys).toEqual(data.progress.map((p) => `${p.courseId}/${p.learnerId}`).sort());
    // What it did read is fresh.
    expect(rows.find((r) => r.course_id === 'c1' && r.learner_id === 'l1')).toMatchObject({ status: 'completed' });
    expect(allRowCount(dataDir, 'progress')).toBe(60);
    // A whole read later replaces the list as usual.
    state.script = { data: { ...makeDataset(1, 20), courses: [course('c1')] }, pageSize: 10 };
    expect((await core.call('sync.run', { mode: 'full' }))[0]!.outcome).toBe('ok');
    expect(liveRows(dataDir, 'progress', account.id)).toHaveLength(20);
  });

  it('learners that arrive beside an incomplete listing keep the previous ones it did not reach', async () => {
    const script: Script = { data: makeDataset(2, 30), pageSize: 10, learnersWith: 'progress' };
    const { core, dataDir, account, state } = await setup(script);
    expect((await core.call('sync.run', {}))[0]!.counts.learners).toBe(30);
    state.script = { ...script, gapIn: { resource: 'progress', rows: 20 } };
    const [run] = await core.call('sync.run', { mode: 'full' });
    expect(run).toMatchObject({ outcome: 'partial', errorCode: 'incomplete', counts: { learners: 20, progress: 20 } });
    expect(liveRows(dataDir, 'learners', account.id)).toHaveLength(30);
    expect(liveRows(dataDir, 'progress', account.id)).toHaveLength(60);
  });

  it('keeping the previous rows never overwrites ones this run already read', async () => {
    // Learners listed whole in their own step, and again beside progress pages whose listing is cut short.
    const renamed = makeDataset(2, 30);
    renamed.learners = renamed.learners.map((l) => ({ ...l, name: `Renamed ${l.id}` }));
    const state = { connector: scriptedConnector({ data: makeDataset(2, 30), pageSize: 10 }) };
    const t = testCore({ inlineSync: true, createConnector: () => state.connector });
    cleanups.push(t.cleanup);
    const { account } = await t.core.call('accounts.add', { label: 'Acme', settings: { platform: 'sample', seed: 1 } });
    await t.core.call('sync.run', {});
    const beside = scriptedConnector({
      data: renamed,
      pageSize: 10,
      learnersWith: 'progress',
      gapIn: { resource: 'progress', rows: 20 },
    });
    state.connector = { ...beside, learners: scriptedConnector({ data: renamed, pageSize: 10 }).learners };
    expect((await t.core.call('sync.run', { mode: 'full' }))[0]!.outcome).toBe('partial');
    const names = liveRows(t.dataDir, 'learners', account.id).map((r) => r.name);
    expect(names.sort()).toEqual(renamed.learners.map((l) => l.name).sort());
  });

  it('after an incomplete listing the next incremental run asks again from the last whole read', async () => {
    const calls: Script['calls'] = [];
    const script: Script = { data: makeDataset(2, 20), incremental: ['progress'], calls, pageSize: 5 };
    const { core, dataDir, account, state } = await setup(script);
    await core.call('sync.run', {});
    const cursor = calls.length;
    state.script = { ...script, gapIn: { resource: 'progress', rows: 5 } };
    expect((await core.call('sync.run', { mode: 'incremental' }))[0]!.outcome).toBe('partial');
    const gapSince = calls.slice(cursor).find((c) => c.resource === 'progress')!.since;
    expect(gapSince).toEqual(expect.any(String));
    expect(liveRows(dataDir, 'progress', account.id)).toHaveLength(40);
    state.script = script;
    calls.length = 0;
    expect((await core.call('sync.run', { mode: 'incremental' }))[0]!.outcome).toBe('ok');
    // The same window as the incomplete run, not one starting when it did.
    expect(calls.find((c) => c.resource === 'progress')!.since).toBe(gapSince);
  });

  it('incremental runs resume from the committed cursor and end with the same data as a full sync', async () => {
    const data = makeDataset(2, 20);
    const calls: Script['calls'] = [];
    const { core, dataDir, account, state } = await setup({ data, incremental: ['progress'], calls, pageSize: 5 });
    await core.call('sync.run', {});
    const firstPages = calls.find((c) => c.resource === 'progress')!.pages;
    // Upstream: one learner's progress changes after the first sync.
    const changed = data.progress.map((p) =>
      p.courseId === 'c1' && p.learnerId === 'l1'
        ? progressRow('c1', 'l1', 'completed', '2099-01-01T00:00:00.000Z')
        : p,
    );
    calls.length = 0;
    state.script = { data: { ...data, progress: changed }, incremental: ['progress'], calls, pageSize: 5 };
    const [run] = await core.call('sync.run', { mode: 'incremental' });
    expect(run).toMatchObject({ outcome: 'ok', mode: 'incremental' });
    const progressCall = calls.find((c) => c.resource === 'progress')!;
    expect(progressCall.since).toEqual(expect.any(String));
    expect(progressCall.pages).toBeLessThan(firstPages);
    const incremental = liveRows(dataDir, 'progress', account.id).map(({ generation: _g, ...r }) => r);

    calls.length = 0;
    await core.call('sync.run', { mode: 'full' });
    expect(calls.find((c) => c.resource === 'progress')!.since).toBeNull();
    const full = liveRows(dataDir, 'progress', account.id).map(({ generation: _g, ...r }) => r);
    expect(incremental).toHaveLength(40);
    expect(new Set(incremental.map((r) => JSON.stringify(r)))).toEqual(new Set(full.map((r) => JSON.stringify(r))));
    expect(incremental.find((r) => r.learner_id === 'l1' && r.course_id === 'c1')).toMatchObject({
      status: 'completed',
    });
  });

  it('refuses a second sync of an account that is already syncing', async () => {
    // Pages that take a minute: the first sync is still running when the second is asked for, however slow the machine.
    const { core } = await setup({ data: makeDataset(2, 50), delayMs: 60_000, pageSize: 5 });
    const started = new Promise((resolve) => core.on('sync.progress', resolve));
    const first = core.call('sync.run', {});
    await started;
    await expect(core.call('sync.run', {})).rejects.toMatchObject({ code: 'sync_running' });
    await core.call('sync.cancel', {});
    expect((await first)[0]!.outcome).toBe('cancelled');
  });
});
