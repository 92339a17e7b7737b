/**
 * Compliance over time: after syncs, each requirement's people, counts per status and share compliant, so a trend
 * can be drawn (issue #24). Recorded once the syncs of a moment have settled, not inside each flip: the model costs
 * up to a second on a large cache and would hold the write lock that long.
 */
import type { CompliancePoint } from '../contract/channels/compliance';
import { historyRetentionDays } from '../store/change-log';
import { writeTransaction, type Db } from '../store/db';
import { summary } from './queries';
import type { ComplianceService } from './service';

/** Writes one point per requirement (none without requirements) and drops points older than the history's age. */
export function recordComplianceSnapshot(db: Db, compliance: ComplianceService, now: Date): number {
  const hasAny = db.prepare<[], number>('SELECT count(*) FROM requirements').pluck().get()! > 0;
  if (!hasAny) return 0;
  const { requirements } = summary(compliance.model(), {});
  const at = now.toISOString();
  const before = new Date(now.getTime() - historyRetentionDays(db) * 86_400_000).toISOString();
  const insert = db.prepare(
    `INSERT OR REPLACE INTO compliance_history (requirement_id, at, people, counts_json, compliant_share)
     VALUES (?, ?, ?, ?, ?)`,
  );
  writeTransaction(db, () => {
    for (const r of requirements) insert.run(r.id, at, r.people, JSON.stringify(r.counts), r.compliantShare);
    db.prepare('DELETE FROM compliance_history WHERE at < ?').run(before);
  })();
  return requirements.length;
}

/** A requirement's points, oldest first. */
export function complianceHistory(db: Db, requirementId: number, since: string): CompliancePoint[] {
  return db
    .prepare<[number, string], { at: string; people: number; counts_json: string; compliant_share: number | null }>(
      `SELECT at, people, counts_json, compliant_share FROM compliance_history
       WHERE requirement_id = ? AND at >= ? ORDER BY at`,
    )
    .all(requirementId, since)
    .map((row) => ({
      at: row.at,
      people: row.people,
      counts: JSON.parse(row.counts_json) as CompliancePoint['counts'],
      compliantShare: row.compliant_share,
    }));
}

/**
 * Calls `record` once syncs have been quiet for `delayMs` (six accounts finishing one after another make one point,
 * not six). `flush` records at once what is pending (a CLI process about to exit, a core closing).
 */
export function snapshotAfterSyncs(record: () => void, delayMs = 2_000) {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = () => {
    timer = null;
    record();
  };
  return {
    schedule(): void {
      if (timer) clearTimeout(timer);
      timer = setTimeout(run, delayMs);
      timer.unref?.();
    },
    flush(): void {
      if (!timer) return;
      clearTimeout(timer);
      run();
    },
  };
}
