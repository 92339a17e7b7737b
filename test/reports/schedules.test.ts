import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReportDelivery } from '../../electron/core/contract/channels/schedules';
import { fileNameFor, latestDue, nextRunAfter } from '../../electron/core/reports/schedules';
import { startScheduler } from '../../electron/core/reports/schedules';
import type { PdfRenderer } from '../../electron/core/reports/pdf-renderer';
import { testCore } from '../support/core';
import { fakeClock } from '../support/fake-clock';
import { makeDataset, scriptedConnector, type Script } from '../support/scripted-connector';
import { tempDir } from '../support/tmp';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Local time, as schedules are. */
const at = (month: number, day: number, hour = 0, minute = 0) => new Date(2026, month - 1, day, hour, minute).getTime();

describe('schedule recurrence and file names', () => {
  it('follows daily, weekly and monthly recurrences in local time', () => {
    const daily = { frequency: 'daily', weekday: null, monthDay: null, time: '07:30' } as const;
    expect(nextRunAfter(daily, at(3, 2, 8))).toBe(at(3, 3, 7, 30));
    // 2026-03-02 is a Monday; weekly on Friday (5).
    expect(nextRunAfter({ ...daily, frequency: 'weekly', weekday: 5 }, at(3, 2, 8))).toBe(at(3, 6, 7, 30));
    expect(nextRunAfter({ ...daily, frequency: 'monthly', monthDay: 1 }, at(3, 2, 8))).toBe(at(4, 1, 7, 30));
    // A gap of several runs: only the latest is due.
    expect(latestDue(daily, at(3, 2, 8), at(3, 9, 12))).toEqual({ dueAt: at(3, 9, 7, 30), runs: 7 });
    expect(latestDue(daily, at(3, 2, 8), at(3, 3, 7))).toBeNull();
  });

  it('fills the date pattern and keeps the rest of the name', () => {
    const when = new Date(at(3, 2, 7, 5));
    expect(fileNameFor('Completions {yyyy-MM-dd}.xlsx', when)).toBe('Completions 2026-03-02.xlsx');
    expect(fileNameFor('{dd.MM.yyyy} at {HH-mm} report.csv', when)).toBe('02.03.2026 at 07-05 report.csv');
    expect(fileNameFor('Fixed name.pdf', when)).toBe('Fixed name.pdf');
  });
});

describe('scheduled reports', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  async function setup(options: { pdf?: PdfRenderer } = {}) {
    const time = fakeClock(at(3, 2, 6));
    const script: Script = { data: makeDataset(2, 5) };
    const t = testCore({
      inlineSync: true,
      now: () => new Date(time.clock.now()),
      createConnector: () => scriptedConnector(script),
      pdfRenderer: options.pdf,
    });
    cleanups.push(t.cleanup);
    const out = tempDir('rollbook-schedules-');
    cleanups.push(out.cleanup);
    await t.core.call('accounts.add', { label: 'Acme', settings: { platform: 'sample', seed: 1 } });
    await t.core.call('reports.saved.save', { name: 'Completions', definition: { kind: 'completions' } });
    const history = async (scheduleId?: number) =>
      (await t.core.call('schedules.history', { scheduleId })).sort((a, b) => a.id - b.id);
    return { ...t, time, script, out: out.path, history };
  }

  const short = (d: ReportDelivery) => ({
    outcome: d.outcome,
    dueAt: new Date(d.dueAt).getTime(),
    file: d.file?.split(/[/\\]/).pop() ?? null,
    late: /^Delivered late/.test(d.message ?? ''),
  });

  it('delivers on time, after sleep and after the computer was off, each missed schedule once', async () => {
    const { core, time, out, history } = await setup();
    const schedule = await core.call('schedules.add', {
      reportName: 'Completions',
      frequency: 'daily',
      time: '07:00',
      format: 'xlsx',
      folder: out,
      filePattern: 'Completions {yyyy-MM-dd}.xlsx',
    });
    expect(schedule.nextRun).toBe(new Date(at(3, 2, 7)).toISOString());
    let scheduler = startScheduler(core, { clock: time.clock });
    try {
      await scheduler.idle();
      expect(await history()).toEqual([]);
      expect(time.nextIn()).toBe(HOUR);

      time.awake(HOUR);
      await scheduler.idle();
      expect((await history()).map(short)).toEqual([
        { outcome: 'ok', dueAt: at(3, 2, 7), file: 'Completions 2026-03-02.xlsx', late: false },
      ]);
      // The report's account was synced first.
      expect(await core.call('sync.history', {})).toHaveLength(1);
      expect(readdirSync(out)).toEqual(['Completions 2026-03-02.xlsx']);

      // Asleep across three due times: nothing until it wakes, then one delivery for the latest.
      time.awake(HOUR);
      time.asleep(3 * DAY);
      await scheduler.idle();
      expect(await history()).toHaveLength(1);
      scheduler.resume();
      await scheduler.idle();
      expect((await history()).map(short).slice(1)).toEqual([
        { outcome: 'ok', dueAt: at(3, 5, 7), file: 'Completions 2026-03-05.xlsx', late: true },
      ]);
      expect(readdirSync(out).sort()).toEqual(['Completions 2026-03-02.xlsx', 'Completions 2026-03-05.xlsx']);
      expect((await history()).at(-1)!.message).toMatch(
        /computer was asleep or Rollbook was closed\. 3 runs were missed/,
      );
      expect(new Date(time.clock.now() + time.nextIn()!).getTime()).toBe(at(3, 6, 7));

      // Off for two days (the app closed): the next start catches up once.
      scheduler.stop();
      time.off(2 * DAY);
      scheduler = startScheduler(core, { clock: time.clock });
      await scheduler.idle();
      expect((await history()).map(short).slice(2)).toEqual([
        { outcome: 'ok', dueAt: at(3, 7, 7), file: 'Completions 2026-03-07.xlsx', late: true },
      ]);
      // And a second start the same day finds nothing due.
      scheduler.stop();
      scheduler = startScheduler(core, { clock: time.clock });
      await scheduler.idle();
      expect(await history()).toHaveLength(3);
      const [listed] = await core.call('schedules.list');
      expect(listed).toMatchObject({ nextRun: new Date(at(3, 8, 7)).toISOString(), lastDelivery: { outcome: 'ok' } });
    } finally {
      scheduler.stop();
    }
  });

  it('writes from the cache when the sync fails, and records every failure without stopping the next run', async () => {
    const { core, time, out, script, history } = await setup();
    await core.call('sync.run', {});
    const add = (filePattern: string, extra: Record<string, unknown> = {}) =>
      core.call('schedules.add', {
        reportName: 'Completions',
        frequency: 'daily',
        time: '07:00',
        format: 'csv',
        folder: out,
        filePattern,
        ...extra,
      });
    const stale = await add('Stale {yyyy-MM-dd}.csv');
    const gone = join(out, 'share');
    mkdirSync(gone);
    const unplugged = await add('Gone.csv', { folder: gone });
    rmSync(gone, { recursive: true });
    await core.call('reports.saved.save', { name: 'Old', definition: { kind: 'courses' } });
    const orphan = await add('Orphan.csv', { reportName: 'Old' });
    await core.call('reports.saved.delete', { name: 'Old' });
    const first = await add('Shared.csv');
    const second = await add('Shared.csv');

    script.failAt = { resource: 'courses', page: 0, error: new Error('The platform is down') };
    const scheduler = startScheduler(core, { clock: time.clock });
    try {
      time.awake(HOUR);
      await scheduler.idle();
      const byId = new Map((await history()).map((d) => [d.scheduleId, d]));
      expect(byId.get(stale.id)).toMatchObject({ outcome: 'stale', message: expect.stringMatching(/sync failed/i) });
      expect(byId.get(stale.id)!.message).toMatch(/written from the cache, data as of/);
      expect(existsSync(join(out, 'Stale 2026-03-02.csv'))).toBe(true);
      expect(byId.get(unplugged.id)).toMatchObject({ outcome: 'failed', message: expect.stringContaining(gone) });
      expect(byId.get(orphan.id)).toMatchObject({
        outcome: 'failed',
        file: null,
        message: expect.stringContaining('"Old" no longer exists'),
      });
      expect(byId.get(first.id)).toMatchObject({ outcome: 'stale', file: join(out, 'Shared.csv') });
      expect(byId.get(second.id)).toMatchObject({
        outcome: 'failed',
        message: expect.stringContaining(`Schedule #${first.id} already writes`),
      });

      // The next day: the platform and the share are back; each schedule runs again.
      delete script.failAt;
      mkdirSync(gone);
      time.awake(DAY);
      await scheduler.idle();
      const next = (await history()).slice(5);
      expect(new Map(next.map((d) => [d.scheduleId, d.outcome]))).toEqual(
        new Map([
          [stale.id, 'ok'],
          [unplugged.id, 'ok'],
          [orphan.id, 'failed'],
          [first.id, 'ok'],
          [second.id, 'failed'],
        ]),
      );
      expect(existsSync(join(gone, 'Gone.csv'))).toBe(true);
    } finally {
      scheduler.stop();
    }
  });

  it('a run whose file cannot be written (a full disk) keeps the previous file whole and says why', async () => {
    // The disk fills up on the second day: the write fails part way, as a full share does.
    let full = false;
    const pdf: PdfRenderer = {
      render: () =>
        full
          ? Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }))
          : Promise.resolve(Buffer.from('%PDF-1.7 the first delivery\n%%EOF\n')),
    };
    const { core, time, out, history } = await setup({ pdf });
    await core.call('schedules.add', {
      reportName: 'Completions',
      frequency: 'daily',
      time: '07:00',
      format: 'pdf',
      folder: out,
      filePattern: 'Completions.pdf',
    });
    const scheduler = startScheduler(core, { clock: time.clock });
    try {
      time.awake(HOUR);
      await scheduler.idle();
      const file = join(out, 'Completions.pdf');
      const before = readFileSync(file);

      full = true;
      time.awake(DAY);
      await scheduler.idle();
      const failed = (await history()).at(-1)!;
      expect(failed).toMatchObject({ outcome: 'failed', file });
      expect(failed.message).toMatch(/the disk that holds .* is full \(ENOSPC/);
      expect(failed.message).toMatch(/Free some space there.*previous file, if any, is unchanged/s);
      expect(readFileSync(file).equals(before)).toBe(true);
      expect(readdirSync(out)).toEqual(['Completions.pdf']);

      // Space again the next day: the run proceeds and replaces the file.
      full = false;
      time.awake(DAY);
      await scheduler.idle();
      expect((await history()).map((d) => d.outcome)).toEqual(['ok', 'failed', 'ok']);
    } finally {
      scheduler.stop();
    }
  });

  // Root writes into a read-only folder all the same: the check only means something for another user.
  it.skipIf(process.getuid?.() === 0)('a read-only folder gives a failed delivery that names it', async () => {
    const { core, time, out, history } = await setup();
    const locked = join(out, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    try {
      await core.call('schedules.add', {
        reportName: 'Completions',
        frequency: 'daily',
        time: '07:00',
        format: 'xlsx',
        folder: locked,
        filePattern: 'Completions.xlsx',
      });
      const scheduler = startScheduler(core, { clock: time.clock });
      try {
        time.awake(HOUR);
        await scheduler.idle();
      } finally {
        scheduler.stop();
      }
      expect(await history()).toMatchObject([
        { outcome: 'failed', message: expect.stringMatching(/Cannot write to the folder .*locked: permission denied/) },
      ]);
      expect(readdirSync(locked)).toEqual([]);
    } finally {
      chmodSync(locked, 0o755);
    }
  });

  it("takes the window's folder only through a token the host issued", async () => {
    const { core, out } = await setup();
    await expect(
      core.call('schedules.add', {
        reportName: 'Completions',
        frequency: 'weekly',
        weekday: 1,
        time: '07:00',
        format: 'csv',
        folderToken: 'made-up',
        filePattern: 'x.csv',
      }),
    ).rejects.toMatchObject({ code: 'forbidden_path' });
    await expect(
      core.call('schedules.add', {
        reportName: 'Completions',
        frequency: 'weekly',
        time: '07:00',
        format: 'csv',
        folder: out,
        filePattern: '../x.csv',
      } as never),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await core.call('schedules.list')).toEqual([]);
  });
});
