/**
 * History for trends and its upkeep: a mass change is recorded whole and flagged for the UI, a clock that went back
 * still records truthfully, and pruning removes what is older than the retention setting (in batches).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pruneByRetention } from '../../electron/core/store/change-log';
import { openDatabase } from '../../electron/core/store/db';
import { testCore } from '../support/core';
import { makeDataset, scriptedConnector, type Script } from '../support/scripted-connector';

describe('change history', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  async function setup(start: string) {
    const clock = { now: new Date(start) };
    const state: { script: Script } = { script: { data: makeDataset(4, 300), pageSize: 500 } };
    const t = testCore({
      inlineSync: true,
      now: () => clock.now,
      createConnector: () => scriptedConnector(state.script),
    });
    cleanups.push(t.cleanup);
    const { account } = await t.core.call('accounts.add', { label: 'Acme', settings: { platform: 'sample', seed: 1 } });
    expect((await t.core.call('sync.run', {}))[0]!.outcome).toBe('ok');
    return { ...t, clock, state, account };
  }

  it('records a platform reset whole and flags it as a mass change', async () => {
    const { core, clock, state } = await setup('2026-03-01T10:00:00.000Z');
    const data = structuredClone(state.script.data);
    for (const p of data.progress) p.status = 'not_started';
    const changed = state.script.data.progress.filter((p) => p.status !== 'not_started').length;
    state.script = { data, pageSize: 500 };
    clock.now = new Date('2026-03-02T10:00:00.000Z');
    await core.call('sync.run', {});
    const { rows } = await core.call('changes.syncs', {});
    expect(rows[0]).toMatchObject({ total: changed, mass: [{ kind: 'status_changed', count: changed }] });
    expect((await core.call('changes.list', { filter: { kinds: ['status_changed'] } })).total).toBe(changed);
    expect(rows[1]).toMatchObject({ baseline: true, mass: [] });
  });

  it('a clock that went back still records the sync, and "since last sync" is the latest sync, not the latest time', async () => {
    const { core, clock, state } = await setup('2026-03-05T10:00:00.000Z');
    const data = structuredClone(state.script.data);
    data.progress[0]!.status = 'failed';
    state.script = { data };
    clock.now = new Date('2026-03-01T08:00:00.000Z');
    await core.call('sync.run', {});
    const summary = await core.call('changes.summary', {});
    expect(summary.syncs[0]).toMatchObject({ at: '2026-03-01T08:00:00.000Z', total: 1 });
    expect(summary.failures).toBe(1);
    expect(summary.top[0]).toMatchObject({ kind: 'status_changed', to: 'failed', at: '2026-03-01T08:00:00.000Z' });
  });

  it('prunes changes and trend points older than the retention after a sync, keeping the rest', async () => {
    const { core, dataDir, clock, state, account } = await setup('2025-01-01T10:00:00.000Z');
    await core.call('settings.update', { historyRetentionDays: 3650 });
    const data = structuredClone(state.script.data);
    const syncAt = async (at: string) => {
      clock.now = new Date(at);
      state.script = { data: structuredClone(data) };
      expect((await core.call('sync.run', {}))[0]!.outcome).toBe('ok');
      // Pruning runs after the run is reported, on a later turn.
      await new Promise(setImmediate);
    };
    data.progress[0]!.status = 'completed';
    await syncAt('2025-01-02T10:00:00.000Z');
    data.progress[1]!.status = 'completed';
    await syncAt('2026-03-01T10:00:00.000Z');
    expect((await core.call('changes.syncs', {})).total).toBe(3);

    await core.call('settings.update', { historyRetentionDays: 400 });
    await syncAt('2026-03-02T10:00:00.000Z');
    const syncs = await core.call('changes.syncs', {});
    expect(syncs.rows.map((s) => s.at)).toEqual(['2026-03-02T10:00:00.000Z', '2026-03-01T10:00:00.000Z']);
    expect((await core.call('changes.list', {})).rows.map((c) => c.learnerId)).toEqual(['l2']);
    const trend = await core.call('changes.courseTrend', { accountId: account.id, courseId: 'c1', days: 3650 });
    expect(trend.points.map((p) => p.at)).toEqual(['2026-03-01T10:00:00.000Z', '2026-03-02T10:00:00.000Z']);

    // Nothing left to prune: a second pass removes nothing.
    const db = openDatabase(dataDir);
    try {
      expect(pruneByRetention(db, new Date('2026-03-02T10:00:00.000Z'))).toEqual({ history: 0, changes: 0 });
    } finally {
      db.close();
    }
  });
});
