/**
 * The completions report's coordinator columns (issue #22) and filters, through real exports read back: exact CSV
 * headers and values, Overdue as the calendar and the clock say, the due/expiry filters, leavers hidden unless asked
 * for, calendar dates kept as dates in XLSX, and the same data in the PDF.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as XLSX from 'xlsx';
import type { ReportDefinitionInput } from '../../electron/core/contract/channels/reports';
import type { Learner, Progress } from '../../electron/core/contract/domain';
import { exportCsv, syncedReportCore } from '../support/report-core';
import { pdfFlatText } from '../support/pdf-read';
import { course, type Dataset } from '../support/scripted-connector';

const NOW = '2026-03-10T12:00:00.000Z';

const person = (id: string, name: string, status: Learner['status'], department: string | null): Learner => ({
  id,
  name,
  email: `${id.toLowerCase()}@example.com`,
  firstName: null,
  lastName: null,
  status,
  department,
  groups: [],
});

const row = (courseId: string, learnerId: string, status: Progress['status'], extra: Partial<Progress>): Progress => ({
  courseId,
  learnerId,
  status,
  rawStatus: status,
  progressPct: status === 'completed' ? 100 : 30,
  score: null,
  startedAt: '2026-02-02T09:00:00.000Z',
  completedAt: status === 'completed' || status === 'failed' ? '2026-02-20T10:00:00.000Z' : null,
  lastActivityAt: '2026-02-20T10:00:00.000Z',
  ...extra,
});

function dataset(): Dataset {
  return {
    courses: [course('C1', 'Fire Safety'), course('C2', 'GDPR')],
    sessions: [
      {
        id: 'S1',
        courseId: 'C1',
        name: 'Drill',
        startsAt: '2026-03-02T09:00:00.000Z',
        endsAt: '2026-03-02T10:00:00.000Z',
        status: 'held',
        rawStatus: 'active',
        venue: null,
        instructors: [],
        capacity: null,
        attendingCount: null,
      },
    ],
    attendance: (['A1', 'B1', 'D1', 'N1'] as const).map((learnerId) => ({
      learnerId,
      sessionId: 'S1',
      courseId: 'C1',
      status: 'attended' as const,
      rawStatus: 'attended',
    })),
    learners: [
      person('A1', 'Ada Active', 'active', 'Sales'),
      person('B1', 'Ben Blocked', 'blocked', 'Operations'),
      person('D1', 'Dee Deleted', 'deleted', null),
      person('N1', 'Nia Unsaid', null, 'Finance'),
    ],
    progress: [
      // Due on a calendar day that has passed, unfinished: overdue.
      row('C1', 'A1', 'in_progress', {
        assignedAt: '2026-02-01T09:00:00.000Z',
        dueAt: '2026-03-01',
        timeSpentS: 5400,
      }),
      // Done: never overdue, whatever the due date.
      row('C1', 'N1', 'completed', {
        dueAt: '2026-03-01',
        expiresAt: '2026-04-15',
        certificateIssuedAt: '2026-02-20T10:00:00.000Z',
        certificateExpiresAt: '2026-04-15',
        timeSpentS: 3600,
        score: 88,
      }),
      row('C1', 'B1', 'not_started', { dueAt: '2026-03-01' }),
      row('C1', 'D1', 'in_progress', { dueAt: '2026-09-01' }),
      // Failed is not done; an instant that has passed is overdue.
      row('C2', 'A1', 'failed', { dueAt: '2026-03-10T09:00:00.000Z', expiresAt: '2026-05-01' }),
      // Due today (a calendar date): not overdue until the day is over.
      row('C2', 'N1', 'in_progress', { dueAt: '2026-03-10' }),
      row('C2', 'B1', 'in_progress', { dueAt: '2026-03-10T17:00:00.000Z', certificateExpiresAt: '2026-03-31' }),
    ],
  };
}

const HEADERS = [
  'Assigned',
  'Due',
  'Overdue',
  'Expires',
  'Certificate issued',
  'Certificate expires',
  'Time spent (min)',
  'Score',
  'Department',
];

describe('completions: dates and certificates coordinators act on', () => {
  const { t, out } = syncedReportCore(dataset, 'rollbook-coordinator-', { now: () => new Date(NOW) });
  let n = 0;

  async function csv(definition: Omit<ReportDefinitionInput, 'kind'>): Promise<Record<string, string>[]> {
    const file = join(out.path, `completions-${(n += 1)}.csv`);
    return (await exportCsv(t.core, file, { kind: 'completions', ...definition }, { bom: false })).records;
  }
  const pairs = (rows: Record<string, string>[]) => rows.map((r) => `${r['Course ID']}/${r['Learner ID']}`).sort();

  it('writes the new headers exactly, with ISO dates and calendar dates as YYYY-MM-DD', async () => {
    const file = join(out.path, 'headers.csv');
    const [header] = (await exportCsv(t.core, file, { kind: 'completions' }, { bom: false })).rows;
    for (const label of HEADERS) expect(header).toContain(label);
    const rows = await csv({});
    const ada = rows.find((r) => r['Course ID'] === 'C1' && r['Learner ID'] === 'A1')!;
    expect(HEADERS.map((h) => ada[h])).toEqual([
      '2026-02-01T09:00:00.000Z',
      '2026-03-01',
      'yes',
      '',
      '',
      '',
      '90',
      '',
      'Sales',
    ]);
    const nia = rows.find((r) => r['Course ID'] === 'C1' && r['Learner ID'] === 'N1')!;
    expect(HEADERS.map((h) => nia[h])).toEqual([
      '',
      '2026-03-01',
      'no',
      '2026-04-15',
      '2026-02-20T10:00:00.000Z',
      '2026-04-15',
      '60',
      '88',
      'Finance',
    ]);
    expect(Object.fromEntries(rows.map((r) => [`${r['Course ID']}/${r['Learner ID']}`, r.Overdue]))).toEqual({
      'C1/A1': 'yes',
      'C1/N1': 'no',
      'C2/A1': 'yes',
      'C2/N1': 'no',
    });
  });

  it('hides leavers (blocked, deleted) unless asked, and a learner without a status stays', async () => {
    expect(pairs(await csv({}))).toEqual(['C1/A1', 'C1/N1', 'C2/A1', 'C2/N1']);
    expect(pairs(await csv({ includeLeavers: true }))).toEqual([
      'C1/A1',
      'C1/B1',
      'C1/D1',
      'C1/N1',
      'C2/A1',
      'C2/B1',
      'C2/N1',
    ]);
    // The preview counts what the file holds.
    const preview = await t.core.call('reports.preview', { definition: { kind: 'completions' } });
    expect(preview.total).toBe(4);
    expect(preview.columns.map((c) => c.label)).toEqual(expect.arrayContaining(HEADERS));
  });

  it('the attendance report hides leavers too, unless asked', async () => {
    const learnersIn = async (includeLeavers: boolean) => {
      const file = join(out.path, `attendance-${includeLeavers}.csv`);
      const definition = { kind: 'attendance' as const, ...(includeLeavers ? { includeLeavers } : {}) };
      const { records } = await exportCsv(t.core, file, definition, { bom: false });
      return records.map((r) => r['Learner ID']).sort();
    };
    expect(await learnersIn(false)).toEqual(['A1', 'N1']);
    expect(await learnersIn(true)).toEqual(['A1', 'B1', 'D1', 'N1']);
  });

  it('filters on overdue, due before and expires before (access or certificate)', async () => {
    expect(pairs(await csv({ overdue: true }))).toEqual(['C1/A1', 'C2/A1']);
    expect(pairs(await csv({ overdue: true, includeLeavers: true }))).toEqual(['C1/A1', 'C1/B1', 'C2/A1']);
    // Before a day: that day's calendar date and instants on it are not before it.
    expect(pairs(await csv({ dueBefore: '2026-03-10' }))).toEqual(['C1/A1', 'C1/N1']);
    expect(pairs(await csv({ dueBefore: '2026-03-11', includeLeavers: true }))).toEqual([
      'C1/A1',
      'C1/B1',
      'C1/N1',
      'C2/A1',
      'C2/B1',
      'C2/N1',
    ]);
    expect(pairs(await csv({ expiresBefore: '2026-05-01' }))).toEqual(['C1/N1']);
    expect(pairs(await csv({ expiresBefore: '2026-05-02', includeLeavers: true }))).toEqual([
      'C1/N1',
      'C2/A1',
      'C2/B1',
    ]);
    // A learner search takes the SQL path instead of the learner map: same rows.
    expect(pairs(await csv({ overdue: true, learnerSearch: 'a' }))).toEqual(['C1/A1', 'C2/A1']);
  });

  it('refuses a malformed day with a clear message', async () => {
    await expect(
      t.core.call('reports.export', {
        definition: { kind: 'completions', dueBefore: '2026-02-30' },
        format: 'csv',
        path: join(out.path, 'bad.csv'),
      }),
    ).rejects.toThrow(/2026-02-30 is not a real date/);
  });

  it('XLSX keeps calendar dates as dates without a time, instants with theirs', async () => {
    const file = join(out.path, 'coordinator.xlsx');
    await t.core.call('reports.export', { definition: { kind: 'completions' }, format: 'xlsx', path: file });
    const book = XLSX.read(readFileSync(file), { type: 'buffer', cellNF: true, cellDates: false });
    const sheet = book.Sheets[book.SheetNames[1]!]!;
    const table = XLSX.utils.sheet_to_json<unknown[]>(sheet, { header: 1, raw: true });
    const header = table[0] as string[];
    const at = (label: string) => header.indexOf(label);
    const r = table.findIndex((cells) => cells[at('Learner ID')] === 'N1' && cells[at('Course ID')] === 'C1');
    const cell = (label: string) => sheet[XLSX.utils.encode_cell({ r, c: at(label) })] as XLSX.CellObject;
    const day = (serial: number) => new Date(Math.round(Date.UTC(1899, 11, 30) + serial * 86_400_000));
    expect(cell('Certificate expires').t).toBe('n');
    expect(day(cell('Certificate expires').v as number).toISOString()).toBe('2026-04-15T00:00:00.000Z');
    expect(cell('Certificate expires').z).toBe('yyyy-mm-dd');
    expect(day(cell('Certificate issued').v as number).toISOString()).toBe('2026-02-20T10:00:00.000Z');
    expect(cell('Certificate issued').z).toMatch(/hh:mm/);
    expect(cell('Time spent (min)').v).toBe(60);
    expect(cell('Department').v).toBe('Finance');
  });

  it('the PDF shows the same columns and values', async () => {
    const file = join(out.path, 'coordinator.pdf');
    await t.core.call('reports.export', {
      definition: { kind: 'completions' },
      format: 'pdf',
      path: file,
      options: { locale: 'en-GB' },
    });
    const text = pdfFlatText(file);
    // Narrow columns wrap their headings, even inside a word, and lines of neighbouring headings interleave: the
    // headings are compared without spaces, the last columns by their values.
    const squeezed = text.replace(/\s+/g, '');
    for (const label of ['Assigned', 'Due', 'Overdue', 'Expires', 'Certificate issued', 'Certificate expires']) {
      expect(squeezed).toContain(label.replace(/\s+/g, ''));
    }
    expect(text).toMatch(/Time spent/);
    // Calendar dates print as that day; Ben (blocked) is not in the file.
    expect(text).toContain('15 Apr 2026');
    expect(text).toContain('1 Mar 2026');
    expect(text).toContain('Finance');
    expect(text).not.toContain('Ben Blocked');
  });
});
