/**
 * The computed compliance state of one core: recomputed on first use after its basis changed (a sync in any
 * process, an edit of requirements or exemptions, a new day), then shared by every view, report and CLI command.
 */
import type { Db } from '../store/db';
import type { RequirementsRepo } from '../store/requirements-repo';
import { computeModel, modelBasis, type ComplianceModel } from './model';
import { localDay } from './rules';

export type ComplianceService = ReturnType<typeof createComplianceService>;

export function createComplianceService(db: Db, repo: RequirementsRepo, now: () => Date) {
  let cached: { basis: string; day: number; model: ComplianceModel } | null = null;
  return {
    model(): ComplianceModel {
      const at = now();
      const basis = modelBasis(db, repo);
      const day = localDay(at);
      if (cached && cached.basis === basis && cached.day === day) return cached.model;
      const model = computeModel(db, repo, at);
      cached = { basis, day, model };
      return model;
    },
    /** Drops the computed state (tests, and a cache cleared under it). */
    invalidate(): void {
      cached = null;
    },
  };
}
