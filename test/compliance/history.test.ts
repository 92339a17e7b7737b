/**
 * Compliance over time (issue #24's trends): after syncs settle, each requirement's standing is recorded once — what
 * the compliance summary says at that moment — and the points stay until the history's age passes.
 */
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/core/store/db';
import { testCore } from '../support/core';
import { tempDir } from '../support/tmp';

describe('compliance history', () => {
  const dir = tempDir('rollbook-compliance-history-');
  it('records each requirement after a sync, one point per settled moment, and serves them oldest first', async () => {
    // A sample account comes with two example requirements.
    const first = testCore({ dataDir: dir.path });
    const { account } = await first.core.call('accounts.add', {
      label: 'Sample',
      settings: { platform: 'sample', seed: 3 },
    });
    await first.core.call('sync.run', { accountIds: [account.id] });
    const before = await first.core.call('compliance.summary', { filters: {} });
    expect(before.requirements.length).toBeGreaterThanOrEqual(2);
    first.core.close(); // a core closing records what is pending, as a CLI sync does on exit

    const db = openDatabase(dir.path);
    const points = db
      .prepare<[], { requirement_id: number; people: number; counts_json: string; compliant_share: number | null }>(
        'SELECT requirement_id, people, counts_json, compliant_share FROM compliance_history ORDER BY requirement_id',
      )
      .all();
    db.close();
    expect(points).toEqual(
      before.requirements
        .map((r) => ({
          requirement_id: r.id,
          people: r.people,
          counts_json: JSON.stringify(r.counts),
          compliant_share: r.compliantShare,
        }))
        .sort((a, b) => a.requirement_id - b.requirement_id),
    );

    // The next day's sync (the sample drifts) adds a second point; the channel serves both, oldest first.
    const second = testCore({ dataDir: dir.path });
    await second.core.call('sync.run', { accountIds: [account.id] });
    const after = await second.core.call('compliance.summary', { filters: {} });
    second.core.close();
    const third = testCore({ dataDir: dir.path });
    const [requirement] = after.requirements;
    const history = await third.core.call('compliance.history', { requirement: requirement!.name });
    third.core.close();
    expect(history).toHaveLength(2);
    expect(history[0]!.at < history[1]!.at).toBe(true);
    expect(history[1]).toMatchObject({ people: requirement!.people, counts: requirement!.counts });
  });

  it('records nothing when there are no requirements', async () => {
    const other = tempDir('rollbook-compliance-history-none-');
    const t = testCore({ dataDir: other.path });
    const { account } = await t.core.call('accounts.add', {
      label: 'Sample',
      settings: { platform: 'sample', seed: 4 },
    });
    for (const r of await t.core.call('requirements.list'))
      await t.core.call('requirements.remove', { requirement: r.name });
    await t.core.call('sync.run', { accountIds: [account.id] });
    t.core.close();
    const db = openDatabase(other.path);
    expect(db.prepare('SELECT count(*) AS n FROM compliance_history').get()).toEqual({ n: 0 });
    db.close();
    other.cleanup();
  });
});
