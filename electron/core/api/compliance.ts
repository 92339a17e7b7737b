import { complianceHistory } from '../compliance/history';
import { z } from 'zod';
import {
  REQUIREMENTS_FILE_VERSION,
  requirementsDocumentSchema,
  type complianceChannels,
  type Exemption,
  type Requirement,
  type RequirementInput,
} from '../contract/channels/compliance';
import { RollbookError } from '../contract/errors';
import {
  actionCells,
  actionRow,
  attention,
  matrixPage,
  personOf,
  select,
  summary,
  cellOf,
} from '../compliance/queries';
import { exportCompliance } from '../compliance/export';
import { writeTransaction } from '../store/db';
import type { RequirementWrite, StoredExemption, StoredRequirement } from '../store/requirements-repo';
import { liveJoin } from '../store/live-rows';
import type { CoreContext } from './context';
import type { HandlersFor } from './handlers';
import { exportTarget, prepareExport } from './reports';
import { promises as fs } from 'node:fs';
import { commitTarget, discard, prepareTarget } from '../reports/atomic-file';

function courseName(ctx: CoreContext, accountId: string, courseId: string): string | null {
  const row = ctx.db
    .prepare<[string, string], { name: string }>(
      `SELECT c.name FROM courses c ${liveJoin('c')} WHERE c.account_id = ? AND c.id = ?`,
    )
    .get(accountId, courseId);
  return row?.name ?? null;
}

function view(ctx: CoreContext, r: StoredRequirement, exemptions: StoredExemption[]): Requirement {
  return {
    id: r.id,
    name: r.name,
    courses: r.courses.map((c) => {
      const name = courseName(ctx, c.accountId, c.courseId);
      return {
        accountId: c.accountId,
        accountLabel: ctx.accounts.get(c.accountId)?.label ?? null,
        courseId: c.courseId,
        courseName: name,
        inCache: name !== null,
      };
    }),
    audience: r.audience,
    dueDays: r.dueDays,
    renewMonths: r.renewMonths,
    windowDays: r.windowDays,
    exemptions: exemptions.filter((e) => e.requirementId === r.id).length,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

/** Exemptions with their requirement's name (read once for the lot). */
function exemptionViews(ctx: CoreContext, exemptions: StoredExemption[]): Exemption[] {
  const names = new Map(ctx.requirements.list().map((r) => [r.id, r.name]));
  return exemptions.map((e) => ({ ...e, requirement: names.get(e.requirementId) ?? '' }));
}

function findRequirement(ctx: CoreContext, ref: string): StoredRequirement {
  const found = ctx.requirements.find(ref);
  if (!found) {
    const names = ctx.requirements.list().map((r) => r.name);
    throw new RollbookError(
      'invalid_input',
      `There is no requirement "${ref}". Requirements: ${names.length ? names.join(', ') : 'none yet'}.`,
    );
  }
  return found;
}

/** An account given by label or id; `strict`: an unknown one is an error naming `field`, else kept as given. */
function accountId(ctx: CoreContext, ref: string, field: string, strict: boolean): string {
  const account = ctx.accounts.get(ref) ?? ctx.accounts.findByLabel(ref);
  if (account) return account.id;
  if (!strict) return ref;
  throw new RollbookError(
    'account_not_found',
    `${field}: there is no account "${ref}". Run "rollbook accounts list" to see them.`,
  );
}

function resolveCourses(ctx: CoreContext, courses: RequirementInput['courses'], strict: boolean) {
  return courses.map((c, i) => ({
    accountId: accountId(ctx, c.account, `courses[${i}].account`, strict),
    courseId: c.courseId,
  }));
}

function resolveAudience(ctx: CoreContext, audience: RequirementInput['audience'], strict: boolean) {
  return {
    ...audience,
    accounts: audience.accounts.map((a, i) => accountId(ctx, a, `audience.accounts[${i}]`, strict)),
  };
}

function toWrite(ctx: CoreContext, input: RequirementInput, strict: boolean): RequirementWrite {
  return {
    name: input.name,
    dueDays: input.dueDays,
    renewMonths: input.renewMonths,
    windowDays: input.windowDays,
    courses: resolveCourses(ctx, input.courses, strict),
    audience: resolveAudience(ctx, input.audience, strict),
  };
}

function assertNameFree(ctx: CoreContext, name: string, exceptId?: number): void {
  const other = ctx.requirements.find(name);
  if (other && other.id !== exceptId && other.name.toLowerCase() === name.toLowerCase()) {
    throw new RollbookError('conflict', `name: a requirement named "${other.name}" already exists. Choose another.`);
  }
}

function changed(ctx: CoreContext): void {
  ctx.events.emit('compliance.changed', {});
}

/** Input as the form and the CLI send it back: labels for accounts, so a file shared between computers matches. */
function asInput(ctx: CoreContext, r: StoredRequirement): RequirementInput {
  const label = (id: string) => ctx.accounts.get(id)?.label ?? id;
  return {
    name: r.name,
    courses: r.courses.map((c) => ({ account: label(c.accountId), courseId: c.courseId })),
    audience: { ...r.audience, accounts: r.audience.accounts.map(label) },
    dueDays: r.dueDays,
    renewMonths: r.renewMonths,
    windowDays: r.windowDays,
  };
}

const invalidFile = (error: z.ZodError) =>
  new RollbookError('invalid_input', `The requirements file was not imported: ${z.prettifyError(error)}`);

/** Every requirement with its exemptions, as the shareable document (labels for accounts). */
function exportDocument(ctx: CoreContext): z.output<typeof requirementsDocumentSchema> {
  const exemptions = ctx.requirements.exemptions();
  return {
    format: 'rollbook-requirements' as const,
    version: REQUIREMENTS_FILE_VERSION,
    exportedAt: ctx.now().toISOString(),
    requirements: ctx.requirements.list().map((r) => ({
      ...asInput(ctx, r),
      exemptions: exemptions
        .filter((e) => e.requirementId === r.id)
        .map((e) => ({ email: e.email, reason: e.reason, note: e.note, endsOn: e.endsOn })),
    })),
  };
}

/** Reads a requirements document in one transaction: all or nothing; same names are replaced. */
function importDocument(ctx: CoreContext, document: unknown) {
  const parsed = requirementsDocumentSchema.safeParse(document);
  if (!parsed.success) throw invalidFile(parsed.error);
  const seen = new Set<string>();
  parsed.data.requirements.forEach((r, i) => {
    const key = r.name.toLowerCase();
    if (seen.has(key)) {
      throw new RollbookError(
        'invalid_input',
        `The requirements file was not imported: requirements[${i}].name: "${r.name}" appears twice.`,
      );
    }
    seen.add(key);
  });
  const added: string[] = [];
  const replaced: string[] = [];
  const notInCache: string[] = [];
  const now = ctx.now().toISOString();
  writeTransaction(ctx.db, () => {
    for (const r of parsed.data.requirements) {
      const write = toWrite(ctx, r, false);
      for (const c of write.courses) {
        if (courseName(ctx, c.accountId, c.courseId) === null)
          notInCache.push(`${r.name}: ${c.accountId}:${c.courseId}`);
      }
      const existing = ctx.requirements.find(r.name);
      let id: number;
      if (existing && existing.name.toLowerCase() === r.name.toLowerCase()) {
        id = existing.id;
        ctx.requirements.update(id, write, now);
        for (const e of ctx.requirements.exemptions())
          if (e.requirementId === id) ctx.requirements.removeExemption(e.id);
        replaced.push(r.name);
      } else {
        id = ctx.requirements.insert(write, now);
        added.push(r.name);
      }
      for (const e of r.exemptions) {
        ctx.requirements.putExemption(
          { requirementId: id, email: e.email.toLowerCase(), reason: e.reason, note: e.note, endsOn: e.endsOn },
          now,
        );
      }
    }
  })();
  changed(ctx);
  return { added, replaced, notInCache };
}

/** Beyond this a file is not a requirements file someone exported (a typo'd pick, a video): refused before reading. */
const MAX_REQUIREMENTS_FILE = 200_000_000;

export const complianceHandlers = {
  'requirements.list': (ctx) => {
    const exemptions = ctx.requirements.exemptions();
    return ctx.requirements.list().map((r) => view(ctx, r, exemptions));
  },
  'requirements.add': (ctx, input) => {
    assertNameFree(ctx, input.name);
    const write = toWrite(ctx, input, true);
    const id = writeTransaction(ctx.db, () => ctx.requirements.insert(write, ctx.now().toISOString()))();
    changed(ctx);
    return view(ctx, ctx.requirements.find(String(id))!, ctx.requirements.exemptions());
  },
  'requirements.update': (ctx, { requirement, changes }) => {
    const current = findRequirement(ctx, requirement);
    if (changes.name !== undefined) assertNameFree(ctx, changes.name, current.id);
    // Lists not given stay as stored: a course of a removed account must not stop an edit of the window.
    const write: RequirementWrite = {
      name: changes.name ?? current.name,
      dueDays: changes.dueDays !== undefined ? changes.dueDays : current.dueDays,
      renewMonths: changes.renewMonths !== undefined ? changes.renewMonths : current.renewMonths,
      windowDays: changes.windowDays ?? current.windowDays,
      courses: changes.courses ? resolveCourses(ctx, changes.courses, true) : current.courses,
      audience: changes.audience ? resolveAudience(ctx, changes.audience, true) : current.audience,
    };
    writeTransaction(ctx.db, () => ctx.requirements.update(current.id, write, ctx.now().toISOString()))();
    changed(ctx);
    return view(ctx, ctx.requirements.find(String(current.id))!, ctx.requirements.exemptions());
  },
  'requirements.remove': (ctx, { requirement }) => {
    const current = findRequirement(ctx, requirement);
    const removed = writeTransaction(ctx.db, () => ctx.requirements.remove(current.id))();
    changed(ctx);
    return { removed };
  },
  'requirements.export': (ctx) => exportDocument(ctx),
  'requirements.import': (ctx, { document }) => importDocument(ctx, document),
  'requirements.exportFile': async (ctx, input) => {
    const { path, force } = exportTarget(ctx, { ...input, options: { force: false } });
    const document = exportDocument(ctx);
    const temp = await prepareTarget(path, force);
    try {
      await fs.writeFile(temp, JSON.stringify(document, null, 2) + '\n');
      await commitTarget(temp, path);
    } catch (error) {
      await discard(temp);
      throw new RollbookError('export_failed', `Could not write ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return { path, requirements: document.requirements.length };
  },
  'requirements.importFile': async (ctx, input) => {
    const path = input.path ?? ctx.host?.claimOpenPath?.(input.openToken!) ?? null;
    if (path === null) {
      throw new RollbookError(
        'forbidden_path',
        'This import was not started from the Open dialog (or was already read). Choose "Import…" again.',
      );
    }
    const size = await fs.stat(path).then(
      (stat) => (stat.isFile() ? stat.size : null),
      () => null,
    );
    if (size === null) throw new RollbookError('invalid_input', `${path} cannot be read: it is not a file there.`);
    if (size > MAX_REQUIREMENTS_FILE) {
      throw new RollbookError(
        'invalid_input',
        `${path} is ${Math.round(size / 1_000_000)} MB: too large for a requirements file; nothing was imported.`,
      );
    }
    let document: unknown;
    try {
      document = JSON.parse(await fs.readFile(path, 'utf8'));
    } catch (error) {
      throw new RollbookError(
        'invalid_input',
        `${path} is not a JSON file (${(error as Error).message}); nothing was imported.`,
      );
    }
    return importDocument(ctx, document);
  },
  'host.chooseRequirementsFile': async (ctx, { mode }) => {
    if (!ctx.host?.chooseRequirementsFile) {
      throw new RollbookError('unsupported', 'This program has no file dialog; pass the file path directly.');
    }
    return (await ctx.host.chooseRequirementsFile(mode)) ?? { path: null, token: null };
  },
  'compliance.audienceChoices': (ctx) => {
    const rows = ctx.db
      .prepare<[], { department: string | null; groups_json: string }>(
        `SELECT DISTINCT l.department, l.groups_json FROM learners l ${liveJoin('l')}
         WHERE l.status IS NULL OR l.status = 'active'`,
      )
      .all();
    const departments = new Set<string>();
    const groups = new Set<string>();
    for (const row of rows) {
      if (row.department) departments.add(row.department);
      if (row.groups_json !== '[]') for (const g of JSON.parse(row.groups_json) as string[]) groups.add(g);
    }
    const sorted = (set: Set<string>) => [...set].sort((a, b) => a.localeCompare(b));
    return { departments: sorted(departments), groups: sorted(groups) };
  },
  'exemptions.list': (ctx, { requirement }) => {
    const only = requirement === undefined ? null : findRequirement(ctx, requirement).id;
    return exemptionViews(
      ctx,
      ctx.requirements.exemptions().filter((e) => only === null || e.requirementId === only),
    );
  },
  'exemptions.add': (ctx, input) => {
    const requirement = findRequirement(ctx, input.requirement);
    const stored = writeTransaction(ctx.db, () =>
      ctx.requirements.putExemption(
        {
          requirementId: requirement.id,
          email: input.email.toLowerCase(),
          reason: input.reason,
          note: input.note,
          endsOn: input.endsOn,
        },
        ctx.now().toISOString(),
      ),
    )();
    changed(ctx);
    return exemptionViews(ctx, [stored])[0]!;
  },
  'exemptions.remove': (ctx, { id }) => {
    const removed = writeTransaction(ctx.db, () => ctx.requirements.removeExemption(id))();
    changed(ctx);
    return { removed };
  },
  'compliance.summary': (ctx, { filters }) => summary(ctx.compliance.model(), filters),
  'compliance.matrix': (ctx, { filters, offset, limit }) => {
    const { model, value } = ctx.compliance.derived(`select ${JSON.stringify(filters)}`, (m) => select(m, filters));
    return matrixPage(model, value, offset, limit);
  },
  'compliance.actions': (ctx, { filters, offset, limit }) => {
    const { model, value: cells } = ctx.compliance.derived(`actions ${JSON.stringify(filters)}`, (m) =>
      actionCells(m, filters),
    );
    return {
      asOf: matrixPage(model, { columns: [], rows: [] }, 0, 0).asOf,
      total: cells.length,
      offset,
      rows: Array.from(cells.subarray(offset, offset + limit), (cell) => actionRow(model, cell)),
    };
  },
  'compliance.person': (ctx, { key }) => {
    const model = ctx.compliance.model();
    const p = model.byKey.get(key.toLowerCase()) ?? model.byKey.get(key);
    if (p === undefined) return { person: null, requirements: [] };
    const learners = model.learners.get(p) ?? [];
    const rowOf = ctx.db.prepare<
      [string, string, string],
      {
        status: string;
        completed_at: string | null;
        due_at: string | null;
        expires_at: string | null;
        certificate_expires_at: string | null;
      }
    >(
      `SELECT p.status, p.completed_at, p.due_at, p.expires_at, p.certificate_expires_at
       FROM progress p ${liveJoin('p')} WHERE p.account_id = ? AND p.course_id = ? AND p.learner_id = ?`,
    );
    const requirements = model.requirements.flatMap((computed) => {
      const cell = cellOf(computed, p);
      if (!cell) return [];
      const r = computed.requirement;
      const person = model.people[p]!;
      const exemption = person.email ? computed.exemptions.get(person.email.toLowerCase()) : undefined;
      const evidence = r.courses.flatMap((c) =>
        learners
          .filter((l) => l.accountId === c.accountId)
          .flatMap((l) => {
            const row = rowOf.get(c.accountId, c.courseId, l.learnerId);
            if (!row) return [];
            return [
              {
                accountId: c.accountId,
                courseId: c.courseId,
                courseName: model.courseNames.get(`${c.accountId}\u0000${c.courseId}`) ?? null,
                status: row.status,
                completedAt: row.completed_at,
                dueAt: row.due_at,
                expiresAt: row.expires_at,
                certificateExpiresAt: row.certificate_expires_at,
              },
            ];
          }),
      );
      return [
        {
          ...cell,
          requirementId: r.id,
          requirement: r.name,
          exemption: exemption ? { ...exemption, requirement: r.name } : null,
          evidence,
        },
      ];
    });
    return { person: personOf(model.people[p]!), requirements };
  },
  'compliance.history': (ctx, { requirement, days }) => {
    const since = new Date(ctx.now().getTime() - days * 86_400_000).toISOString();
    return complianceHistory(ctx.db, findRequirement(ctx, requirement).id, since);
  },
  'compliance.attention': (ctx, { accountIds }) => attention(ctx.compliance.model(), accountIds),
  'compliance.export': async (ctx, input) => {
    const { path, options } = prepareExport(ctx, input);
    const result = await exportCompliance(ctx, {
      kind: input.kind,
      format: input.format,
      filters: input.filters,
      path,
      options,
    });
    ctx.host?.fileWritten?.(result.path);
    return result;
  },
} satisfies HandlersFor<keyof typeof complianceChannels>;
