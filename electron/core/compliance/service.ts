/**
 * The computed compliance state of one core: recomputed on first use after its basis changed (a sync in any
 * process, an edit of requirements or exemptions, a new day), then shared by every view, report and CLI command.
 */
import type { Db } from '../store/db';
import type { RequirementsRepo } from '../store/requirements-repo';
import { computeModel, modelBasis, type ComplianceModel } from './model';
import { localDay } from './rules';

/** Derived results kept per model: a few filter combinations, each at most people × 4 bytes. */
const DERIVED_LIMIT = 16;

export type ComplianceService = ReturnType<typeof createComplianceService>;

export function createComplianceService(db: Db, repo: RequirementsRepo, now: () => Date) {
  let cached: { basis: string; day: number; model: ComplianceModel } | null = null;
  /** Results derived from the current model (a filtered selection, a sorted action list), by filters. */
  const derived = new Map<string, unknown>();
  const model = (): ComplianceModel => {
    const at = now();
    const basis = modelBasis(db, repo);
    const day = localDay(at);
    if (cached && cached.basis === basis && cached.day === day) return cached.model;
    derived.clear();
    const computed = computeModel(db, repo, at);
    cached = { basis, day, model: computed };
    return computed;
  };
  return {
    model,
    /**
     * The model, and `derive(model)` remembered under `key` while the model stands: scrolling the matrix asks for
     * page after page of the same filtered, sorted rows.
     */
    derived<T>(key: string, derive: (model: ComplianceModel) => T): { model: ComplianceModel; value: T } {
      const current = model();
      if (derived.has(key)) return { model: current, value: derived.get(key) as T };
      const value = derive(current);
      if (derived.size >= DERIVED_LIMIT) derived.delete(derived.keys().next().value!);
      derived.set(key, value);
      return { model: current, value };
    },
    /** Drops the computed state (tests, and a cache cleared under it). */
    invalidate(): void {
      cached = null;
      derived.clear();
    },
  };
}
