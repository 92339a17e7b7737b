/**
 * TeamUp classes end to end: simulator → connector → sync → the Courses list, a class's sessions and attendance
 * matrix, and the attendance report (preview, CSV, XLSX) with each session in its venue's time zone.
 */
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCore } from '../support/core';
import { tempDir } from '../support/tmp';
import { startTeamupSimulator, type TeamupSimulator } from '../simulators/teamup';

/** "HH:MM" on Toronto's clocks, read independently of the code under test. */
const torontoClock = (iso: string) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone: 'America/Toronto',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));

describe('TeamUp classes in the workspace and the attendance report', () => {
  const t = testCore({ httpOptions: { retry: { retries: 3, baseDelayMs: 20, maxDelayMs: 100 } } });
  const out = tempDir('rollbook-teamup-classes-');
  let sim: TeamupSimulator;
  let accountId = '';
  beforeAll(async () => {
    sim = await startTeamupSimulator({ courses: 2, classTypes: 2, eventsPerClass: 8, classSize: 5, customers: 30 });
    sim.data.events[1]!.venue = null; // an event without a venue still lands, in no zone
    const added = await t.core.call('accounts.add', {
      label: 'Studio',
      settings: {
        platform: 'teamup',
        baseUrl: `${sim.url}/api/v2`,
        authScheme: 'token',
        providerId: '123',
        completionThreshold: null,
      },
      secret: sim.options.token,
      storage: 'session',
    });
    accountId = added.account.id;
    const [run] = await t.core.call('sync.run', { mode: 'full' });
    expect(run).toMatchObject({
      outcome: 'ok',
      counts: {
        courses: 4,
        sessions: sim.data.sessions.length + sim.data.events.length,
        attendance: sim.data.attendances.length + sim.data.eventAttendances.length,
      },
    });
  });
  afterAll(async () => {
    await sim.close();
    t.cleanup();
    out.cleanup();
  });

  it('Courses lists both kinds; a class shows its events, each in its venue’s zone, and its matrix', async () => {
    const courses = await t.core.call('workspace.courses', { accountIds: null });
    expect(courses.map((c) => [c.id, c.type]).sort()).toEqual([
      ['300', 'course'],
      ['301', 'course'],
      ['class-31', 'class'],
      ['class-32', 'class'],
    ]);
    const facets = await t.core.call('workspace.facets', { accountIds: null });
    expect(JSON.stringify(facets)).toContain('class');
    const classes = await t.core.call('workspace.courses', { accountIds: null, types: ['class'] });
    expect(classes.map((c) => c.name).sort()).toEqual(['Reformer Pilates', 'Vinyasa Flow']);
    expect(classes.every((c) => c.learners > 0)).toBe(true);

    const detail = await t.core.call('workspace.courseSessions', { accountId, courseId: 'class-31' });
    const events = sim.data.events.filter((e) => e.offering_type === 31);
    expect(detail.sessions.map((s) => s.id)).toEqual(events.map((e) => `event-${e.id}`));
    const zoneOf = (venue: number | null) => sim.data.venues.find((v) => v.id === venue)?.timezone ?? null;
    expect(detail.sessions.map((s) => s.timeZone)).toEqual(events.map((e) => zoneOf(e.venue)));
    expect(detail.sessions[1]!.timeZone).toBeNull();
    const waitlisted = sim.data.eventAttendances.find((a) => a.waitlist && events.some((e) => e.id === a.event))!;
    expect(detail.cells[String(waitlisted.customer)]?.[`event-${waitlisted.event}`]).toBe('waitlisted');
    const statuses = new Set(Object.values(detail.cells).flatMap((row) => Object.values(row)));
    expect(statuses).toContain('late_cancelled');

    const course = await t.core.call('workspace.courseSessions', { accountId, courseId: '300' });
    expect(course.sessions[0]!.timeZone).toBe('Europe/Warsaw');
  });

  it('the attendance report holds both kinds, names each zone and writes session times on its clocks', async () => {
    const preview = await t.core.call('reports.preview', { definition: { kind: 'attendance' }, limit: 500 });
    expect(preview.columns.map((c) => c.label)).toContain('Time zone');
    const courseNames = new Set(preview.rows.map((r) => r.course_name));
    expect(courseNames).toContain('Vinyasa Flow');
    expect([...courseNames].some((n) => String(n).startsWith('Course 1'))).toBe(true);
    const toronto = sim.data.events.find((e) => e.venue === 2)!;
    const row = preview.rows.find((r) => r.session_id === `event-${toronto.id}`)!;
    expect(row).toMatchObject({
      time_zone: 'America/Toronto',
      session_start: new Date(toronto.starts_at).toISOString(),
    });
    expect(preview.rows.find((r) => r.session_id === `event-${sim.data.events[1]!.id}`)!.time_zone).toBeNull();

    const csv = join(out.path, 'attendance.csv');
    await t.core.call('reports.export', { definition: { kind: 'attendance' }, format: 'csv', path: csv });
    const records = parse(readFileSync(csv), { bom: true, columns: true }) as Record<string, string>[];
    const line = records.find((r) => r['Session ID'] === `event-${toronto.id}`)!;
    // The same instant, on Toronto's clocks.
    expect(line['Time zone']).toBe('America/Toronto');
    expect(line['Session start']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?-0[45]:00$/);
    expect(line['Session start']!.slice(11, 16)).toBe(torontoClock(toronto.starts_at));
    expect(Date.parse(line['Session start']!)).toBe(Date.parse(toronto.starts_at));
    const noZone = records.find((r) => r['Session ID'] === `event-${sim.data.events[1]!.id}`)!;
    expect(noZone['Time zone']).toBe('');
    expect(noZone['Session start']).toBe(new Date(sim.data.events[1]!.starts_at).toISOString());

    const xlsx = join(out.path, 'attendance.xlsx');
    await t.core.call('reports.export', { definition: { kind: 'attendance' }, format: 'xlsx', path: xlsx });
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(xlsx);
    const sheet = book.worksheets.find((s) => s.name !== 'Summary')!;
    const header = (sheet.getRow(1).values as unknown[]).map(String);
    const at = (name: string) => header.indexOf(name);
    let found = false;
    sheet.eachRow((r) => {
      if (r.getCell(at('Session ID')).value !== `event-${toronto.id}`) return;
      found = true;
      const cell = r.getCell(at('Session start')).value as Date;
      // Excel dates carry no zone: the cell shows Toronto's wall clock.
      expect(cell.toISOString().slice(11, 16)).toBe(torontoClock(toronto.starts_at));
      expect(r.getCell(at('Time zone')).value).toBe('America/Toronto');
    });
    expect(found).toBe(true);
    const summary = book.getWorksheet('Summary')!;
    let note = '';
    summary.eachRow((r) => {
      if (r.getCell(1).value === 'Time zone') note = String(r.getCell(2).value);
    });
    expect(note).toMatch(/Session start and Session end: on the clocks of the zone in each row's "Time zone" column/);
  });
});
