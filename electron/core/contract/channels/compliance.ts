/**
 * Compliance (issue #23): the coordinator's requirements (which courses count, who must do them, when, for how
 * long), exemptions, and each person's status per requirement across every account (people are matched by e-mail).
 * The matrix channels page a people × requirements grid for a virtualized view; counts come precomputed.
 */
import { z } from 'zod';
import type { IsoDate } from '../domain';
import { channel } from './define';
import { dayProblem, EXPORT_FORMATS, exportOptionsSchema, type ExportResult } from './reports';

/**
 * A person's standing on one requirement. Valid: compliant (valid until `date`, null = does not expire), expiring
 * (valid, ends within the window). Not valid: due (deadline within the window), overdue (deadline passed), expired
 * (was valid, ended; renewal is late), in_progress, not_started (deadline, if any, beyond the window). exempt: an
 * exemption applies.
 */
export const COMPLIANCE_STATUSES = [
  'compliant',
  'expiring',
  'due',
  'overdue',
  'expired',
  'in_progress',
  'not_started',
  'exempt',
] as const;
export type ComplianceStatus = (typeof COMPLIANCE_STATUSES)[number];
export type ComplianceCounts = Record<ComplianceStatus, number>;

/** The statuses that ask the coordinator to act, most urgent first (the actions report and "Needs attention"). */
export const ACTION_STATUSES = ['overdue', 'expired', 'due', 'expiring'] as const satisfies readonly ComplianceStatus[];

/** Bounds the issue sets: a renewal of 0 or 1,000 months is a typo, not a policy. */
export const REQUIREMENT_LIMITS = {
  renewMonths: { min: 1, max: 600 },
  dueDays: { min: 1, max: 3650 },
  windowDays: { min: 0, max: 365, default: 30 },
} as const;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** An e-mail list as a coordinator pastes it: every entry an address, none twice (compared case-insensitively). */
export const emailListSchema = z
  .array(z.string().trim().max(320))
  .max(100_000)
  .superRefine((emails, ctx) => {
    const seen = new Set<string>();
    emails.forEach((email, index) => {
      if (!EMAIL.test(email)) {
        ctx.addIssue({ code: 'custom', path: [index], message: `"${email}" is not an e-mail address` });
        return;
      }
      const key = email.toLowerCase();
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [index], message: `${email} is listed twice` });
      seen.add(key);
    });
  })
  .transform((emails) => emails.map((e) => e.toLowerCase()));

const day = z.string().superRefine((value, ctx) => {
  const problem = dayProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** One course that counts: `account` is an account's label or id (an id is kept as given on import). */
export const requirementCourseInputSchema = z.strictObject({
  account: z.string().trim().min(1).max(200),
  courseId: z.string().trim().min(1).max(200),
});

const audienceSchema = z
  .strictObject({
    /** Everyone active in these accounts (labels or ids). */
    accounts: z.array(z.string().trim().min(1).max(200)).max(200).default([]),
    /** Everyone whose department (iSpring) is one of these. */
    departments: z.array(z.string().trim().min(1).max(200)).max(500).default([]),
    groups: z.array(z.string().trim().min(1).max(200)).max(500).default([]),
    emails: emailListSchema.default([]),
  })
  .default({ accounts: [], departments: [], groups: [], emails: [] });

const requirementFields = {
  name: z.string().trim().min(1, 'A requirement needs a name').max(120),
  courses: z
    .array(requirementCourseInputSchema)
    .min(1, 'A requirement needs at least one course (ACCOUNT:COURSE_ID)')
    .max(200),
  /** Empty: every active learner of the accounts the courses belong to. */
  audience: audienceSchema,
  /** Where a platform gives no due date: due this many days after assignment, else after first seen. */
  dueDays: z.number().int().min(REQUIREMENT_LIMITS.dueDays.min).max(REQUIREMENT_LIMITS.dueDays.max).nullable(),
  /** A completion is valid this many months; null: the platform's expiry (or the certificate's), else for ever. */
  renewMonths: z
    .number()
    .int()
    .min(REQUIREMENT_LIMITS.renewMonths.min, 'A renewal is at least 1 month')
    .max(REQUIREMENT_LIMITS.renewMonths.max, `A renewal is at most ${REQUIREMENT_LIMITS.renewMonths.max} months`)
    .nullable(),
  /** "Due soon" and "expiring" look this many days ahead. */
  windowDays: z.number().int().min(REQUIREMENT_LIMITS.windowDays.min).max(REQUIREMENT_LIMITS.windowDays.max),
};

export const requirementInputSchema = z.strictObject({
  ...requirementFields,
  dueDays: requirementFields.dueDays.default(null),
  renewMonths: requirementFields.renewMonths.default(null),
  windowDays: requirementFields.windowDays.default(REQUIREMENT_LIMITS.windowDays.default),
});
export type RequirementInput = z.output<typeof requirementInputSchema>;

/** The shared file `requirements export` writes and `requirements import` reads. */
export const REQUIREMENTS_FILE_VERSION = 1;
export const requirementsDocumentSchema = z.strictObject({
  format: z.literal('rollbook-requirements', { message: 'This is not a Rollbook requirements file' }),
  version: z.literal(REQUIREMENTS_FILE_VERSION, {
    message: `This file is of another version; this Rollbook reads version ${REQUIREMENTS_FILE_VERSION}`,
  }),
  exportedAt: z.string().max(40).optional(),
  requirements: z
    .array(
      requirementInputSchema.extend({
        exemptions: z
          .array(
            z.strictObject({
              email: z.string().trim().regex(EMAIL, 'Not an e-mail address').max(320),
              reason: z.string().trim().min(1).max(200),
              note: z.string().max(2000).nullable().default(null),
              endsOn: day.nullable().default(null),
            }),
          )
          .max(100_000)
          .default([]),
      }),
    )
    .max(1000),
});
export type RequirementsDocument = z.input<typeof requirementsDocumentSchema>;

export interface RequirementCourse {
  accountId: string;
  /** null: no such account here (removed, or another computer's). */
  accountLabel: string | null;
  courseId: string;
  /** null when the course is not in the cache: kept, and shown as "not in the cache". */
  courseName: string | null;
  inCache: boolean;
}

export interface Requirement {
  id: number;
  name: string;
  courses: RequirementCourse[];
  /** Account ids, departments, groups, e-mails (lower-case); all empty = the courses' accounts. */
  audience: { accounts: string[]; departments: string[]; groups: string[]; emails: string[] };
  dueDays: number | null;
  renewMonths: number | null;
  windowDays: number;
  exemptions: number;
  createdAt: string;
  updatedAt: string;
}

export interface Exemption {
  id: number;
  requirementId: number;
  requirement: string;
  email: string;
  reason: string;
  note: string | null;
  /** Last day it applies; null = open-ended. */
  endsOn: IsoDate | null;
  createdAt: string;
}

/** Who and what a compliance view shows. Every filter narrows; none = everyone in any requirement's audience. */
export const complianceFilterSchema = z
  .strictObject({
    /** People with a learner in one of these accounts. */
    accountIds: z.array(z.string().min(1).max(200)).max(200).optional(),
    departments: z.array(z.string().min(1).max(200)).max(500).optional(),
    /** People with at least one shown requirement in one of these statuses. */
    statuses: z.array(z.enum(COMPLIANCE_STATUSES)).max(COMPLIANCE_STATUSES.length).optional(),
    /** Only these requirements (columns of the matrix); default all. */
    requirementIds: z.array(z.number().int().min(1)).max(1000).optional(),
    /** Name or e-mail contains (case-insensitive). */
    search: z.string().trim().max(200).optional(),
  })
  .default({});
export type ComplianceFilter = z.output<typeof complianceFilterSchema>;

export interface RequirementSummary {
  id: number;
  name: string;
  /** People in its audience (after the filters). */
  people: number;
  counts: ComplianceCounts;
  /** (compliant + expiring) ÷ (people − exempt), 0..100; null when nobody is left. */
  compliantShare: number | null;
  /** Courses of it that are not in the cache. */
  coursesNotInCache: number;
}

export interface ComplianceSummary {
  /** The day statuses are computed for (the computer's calendar day). */
  asOf: IsoDate;
  requirements: RequirementSummary[];
  /** Cells per status over every requirement shown. */
  totals: ComplianceCounts;
  /** Distinct people in any shown requirement's audience. */
  people: number;
  /** Their departments, sorted (the department filter's choices). */
  departments: string[];
}

export interface ComplianceCell {
  status: ComplianceStatus;
  /** compliant/expiring: valid until; due/overdue/not_started/in_progress: the deadline; expired: the day it ended;
   * exempt: the exemption's last day. null where there is none. */
  date: IsoDate | null;
}

export interface CompliancePerson {
  /** Lower-case e-mail; `#account/learner` for a learner without one (matched nowhere else). */
  key: string;
  name: string;
  email: string | null;
  accountIds: string[];
  department: string | null;
}

export interface MatrixRow extends CompliancePerson {
  /** In the order of `requirements`; null: not in that requirement's audience. */
  cells: (ComplianceCell | null)[];
}

export interface ComplianceMatrix {
  asOf: IsoDate;
  requirements: { id: number; name: string }[];
  /** Rows matching the filters (the grid's height); `rows` is the page asked for. */
  total: number;
  offset: number;
  rows: MatrixRow[];
}

export interface ActionRow {
  requirementId: number;
  requirement: string;
  key: string;
  name: string;
  email: string | null;
  status: (typeof ACTION_STATUSES)[number];
  date: IsoDate | null;
  /** Days from today to `date`: negative = late by that many days. */
  days: number | null;
}

export interface PersonRequirement extends ComplianceCell {
  requirementId: number;
  requirement: string;
  exemption: Exemption | null;
  /** The progress rows that decided it, one per course and account the person is enrolled in. */
  evidence: {
    accountId: string;
    courseId: string;
    courseName: string | null;
    status: string;
    completedAt: string | null;
    dueAt: string | null;
    expiresAt: string | null;
    certificateExpiresAt: string | null;
  }[];
}

/** A requirement's standing after a sync (its trend). */
export interface CompliancePoint {
  at: string;
  people: number;
  counts: ComplianceCounts;
  compliantShare: number | null;
}

const page = {
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(1000).default(100),
};
const requirementRef = z.string().trim().min(1).max(120);

export const COMPLIANCE_REPORT_KINDS = ['compliance', 'actions'] as const;
export type ComplianceReportKind = (typeof COMPLIANCE_REPORT_KINDS)[number];

export const complianceChannels = {
  'requirements.list': channel<Requirement[]>()(z.undefined()),
  'requirements.add': channel<Requirement>()(requirementInputSchema),
  /** Changes what is given; `courses` and `audience` replace the old lists when given. */
  'requirements.update': channel<Requirement>()(
    z.strictObject({
      /** Its current name (or id as text). */
      requirement: requirementRef,
      changes: z
        .strictObject({
          name: requirementFields.name,
          courses: requirementFields.courses,
          audience: audienceSchema.unwrap(),
          dueDays: requirementFields.dueDays,
          renewMonths: requirementFields.renewMonths,
          windowDays: requirementFields.windowDays,
        })
        .partial(),
    }),
  ),
  'requirements.remove': channel<{ removed: boolean }>()(z.strictObject({ requirement: requirementRef })),
  /** Every requirement with its exemptions, as the shareable versioned document. */
  'requirements.export': channel<z.output<typeof requirementsDocumentSchema>>()(z.undefined()),
  /** The export document written as a JSON file: where `path` says (CLI, tests) or the Save dialog pointed. */
  'requirements.exportFile': channel<{ path: string; requirements: number }>()(
    z
      .strictObject({
        path: z.string().min(1).max(4096).optional(),
        saveToken: z.string().min(1).max(100).optional(),
      })
      .refine((input) => (input.path === undefined) !== (input.saveToken === undefined), {
        message: 'Give either "path" or "saveToken" (from host.chooseRequirementsFile), not both',
        path: ['path'],
      }),
  ),
  /** requirements.import of a JSON file: `path` (CLI, tests) or the file the Open dialog pointed to (`openToken`). */
  'requirements.importFile': channel<{ added: string[]; replaced: string[]; notInCache: string[] }>()(
    z
      .strictObject({
        path: z.string().min(1).max(4096).optional(),
        openToken: z.string().min(1).max(100).optional(),
      })
      .refine((input) => (input.path === undefined) !== (input.openToken === undefined), {
        message: 'Give either "path" or "openToken" (from host.chooseRequirementsFile), not both',
        path: ['path'],
      }),
  ),
  /**
   * The app's native Save or Open dialog for a requirements file (JSON). The token stands for the chosen file, once:
   * `save` → requirements.exportFile's saveToken, `open` → requirements.importFile's openToken. Hosts without
   * dialogs (CLI) refuse.
   */
  'host.chooseRequirementsFile': channel<{ path: string; token: string } | { path: null; token: null }>()(
    z.strictObject({ mode: z.enum(['save', 'open']) }),
  ),
  /**
   * One transaction: all or nothing. A requirement of the same name is replaced; courses of unknown accounts or
   * courses are kept (listed in `notInCache`). Accounts are matched by id, then by label.
   */
  'requirements.import': channel<{ added: string[]; replaced: string[]; notInCache: string[] }>()(
    z.strictObject({ document: z.unknown() }),
  ),
  /** What an audience can name: the departments and groups of active learners in any account, sorted. */
  'compliance.audienceChoices': channel<{ departments: string[]; groups: string[] }>()(z.undefined()),
  'exemptions.list': channel<Exemption[]>()(z.strictObject({ requirement: requirementRef.optional() }).default({})),
  'exemptions.add': channel<Exemption>()(
    z.strictObject({
      requirement: requirementRef,
      email: z.string().trim().regex(EMAIL, 'Not an e-mail address').max(320),
      reason: z.string().trim().min(1, 'An exemption needs a reason').max(200),
      note: z.string().max(2000).nullable().default(null),
      endsOn: day.nullable().default(null),
    }),
  ),
  'exemptions.remove': channel<{ removed: boolean }>()(z.strictObject({ id: z.number().int().min(1) })),
  /** Per requirement: people, counts per status, share compliant. */
  'compliance.summary': channel<ComplianceSummary>()(
    z.strictObject({ filters: complianceFilterSchema }).default({ filters: {} }),
  ),
  /** One page of the people × requirements grid, people sorted by name. */
  'compliance.matrix': channel<ComplianceMatrix>()(
    z.strictObject({ filters: complianceFilterSchema, ...page }).default({ filters: {}, offset: 0, limit: 100 }),
  ),
  /** Overdue and expired (most late first), then due and expiring by date. */
  'compliance.actions': channel<{ asOf: IsoDate; total: number; offset: number; rows: ActionRow[] }>()(
    z.strictObject({ filters: complianceFilterSchema, ...page }).default({ filters: {}, offset: 0, limit: 100 }),
  ),
  /** One person's requirements (by key or e-mail), with the rows behind each status. */
  'compliance.person': channel<{ person: CompliancePerson | null; requirements: PersonRequirement[] }>()(
    z.strictObject({ key: z.string().trim().min(1).max(400) }),
  ),
  /** The Overview's "Needs attention": cells per action status, and the people they concern. */
  /** A requirement's standing after each sync, oldest first (kept as long as the change log's history). */
  'compliance.history': channel<CompliancePoint[]>()(
    z.strictObject({ requirement: requirementRef, days: z.number().int().min(1).max(3650).default(400) }),
  ),
  'compliance.attention': channel<{
    asOf: IsoDate;
    counts: Record<(typeof ACTION_STATUSES)[number], number>;
    people: number;
  }>()(
    z
      .strictObject({ accountIds: z.array(z.string().min(1)).max(200).nullable().default(null) })
      .default({ accountIds: null }),
  ),
  /** The compliance (matrix) or actions report as CSV, PDF or XLSX. */
  'compliance.export': channel<ExportResult>()(
    z
      .strictObject({
        kind: z.enum(COMPLIANCE_REPORT_KINDS),
        format: z.enum(EXPORT_FORMATS),
        filters: complianceFilterSchema,
        path: z.string().min(1).max(4096).optional(),
        saveToken: z.string().min(1).max(100).optional(),
        options: exportOptionsSchema,
      })
      .refine((input) => (input.path === undefined) !== (input.saveToken === undefined), {
        message: 'Give either "path" or "saveToken" (from host.chooseSavePath), not both',
        path: ['path'],
      }),
  ),
};

export interface ComplianceEvents {
  /** Requirements or exemptions changed: compliance views refresh (a finished sync is `sync.finished`). */
  'compliance.changed': Record<string, never>;
}
