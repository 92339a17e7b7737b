import type { ExportFormat } from '../contract/channels/reports';
import type {
  DeliveryOutcome,
  ReportDelivery,
  ScheduleDefinition,
  ScheduleFrequency,
  ScheduleInput,
} from '../contract/channels/schedules';
import { writeTransaction, type Db } from './db';

/** A schedule as stored: `handledUntil` (ms) is how far its runs have been delivered. */
export interface StoredSchedule extends ScheduleDefinition {
  handledUntil: number;
}

interface ScheduleRow {
  id: number;
  report_name: string;
  frequency: ScheduleFrequency;
  weekday: number | null;
  month_day: number | null;
  time: string;
  format: ExportFormat;
  folder: string;
  file_pattern: string;
  handled_until: number;
}

interface DeliveryRow {
  id: number;
  schedule_id: number;
  due_at: number;
  ran_at: number;
  outcome: DeliveryOutcome;
  file: string | null;
  message: string | null;
}

const toSchedule = (r: ScheduleRow): StoredSchedule => ({
  id: r.id,
  reportName: r.report_name,
  frequency: r.frequency,
  weekday: r.weekday,
  monthDay: r.month_day,
  time: r.time,
  format: r.format,
  folder: r.folder,
  filePattern: r.file_pattern,
  handledUntil: r.handled_until,
});

const toDelivery = (r: DeliveryRow): ReportDelivery => ({
  id: r.id,
  scheduleId: r.schedule_id,
  dueAt: new Date(r.due_at).toISOString(),
  ranAt: new Date(r.ran_at).toISOString(),
  outcome: r.outcome,
  file: r.file,
  message: r.message,
});

export type SchedulesRepo = ReturnType<typeof createSchedulesRepo>;

export function createSchedulesRepo(db: Db) {
  const list = db.prepare<[], ScheduleRow>('SELECT * FROM report_schedules ORDER BY id');
  const byId = db.prepare<[number], ScheduleRow>('SELECT * FROM report_schedules WHERE id = ?');
  const insert = db.prepare(
    `INSERT INTO report_schedules
       (report_name, frequency, weekday, month_day, time, format, folder, file_pattern, created_at, handled_until)
     VALUES (@reportName, @frequency, @weekday, @monthDay, @time, @format, @folder, @filePattern, @now, @now)`,
  );
  const remove = db.prepare('DELETE FROM report_schedules WHERE id = ?');
  const handled = db.prepare('UPDATE report_schedules SET handled_until = ? WHERE id = ?');
  const record = db.prepare(
    `INSERT INTO report_deliveries (schedule_id, due_at, ran_at, outcome, file, message)
     VALUES (@scheduleId, @dueAt, @ranAt, @outcome, @file, @message)`,
  );
  const deliveryById = db.prepare<[number], DeliveryRow>('SELECT * FROM report_deliveries WHERE id = ?');
  const lastDelivery = db.prepare<[number], DeliveryRow>(
    'SELECT * FROM report_deliveries WHERE schedule_id = ? ORDER BY id DESC LIMIT 1',
  );
  const history = db.prepare<[number | null, number | null, number], DeliveryRow>(
    'SELECT * FROM report_deliveries WHERE (? IS NULL OR schedule_id = ?) ORDER BY id DESC LIMIT ?',
  );
  const otherWriter = db.prepare<[string, number], { schedule_id: number }>(
    `SELECT d.schedule_id FROM report_deliveries d JOIN report_schedules s ON s.id = d.schedule_id
     WHERE d.file = ? AND d.schedule_id != ? AND d.outcome != 'failed' ORDER BY d.id DESC LIMIT 1`,
  );
  return {
    list: () => list.all().map(toSchedule),
    get: (id: number) => {
      const row = byId.get(id);
      return row ? toSchedule(row) : undefined;
    },
    add: (input: Omit<ScheduleInput, 'folderToken' | 'folder'> & { folder: string }, now: number) =>
      Number(
        insert.run({
          reportName: input.reportName,
          frequency: input.frequency,
          weekday: input.frequency === 'weekly' ? (input.weekday ?? null) : null,
          monthDay: input.frequency === 'monthly' ? (input.monthDay ?? null) : null,
          time: input.time,
          format: input.format,
          folder: input.folder,
          filePattern: input.filePattern,
          now,
        }).lastInsertRowid,
      ),
    remove: (id: number) => remove.run(id).changes > 0,
    /** Records a delivery and marks the schedule's runs up to `handledUntil` as done, together. */
    deliver: (
      delivery: Omit<ReportDelivery, 'id' | 'dueAt' | 'ranAt'> & { dueAt: number; ranAt: number },
      handledUntil: number,
    ): ReportDelivery =>
      writeTransaction(db, () => {
        handled.run(handledUntil, delivery.scheduleId);
        const id = Number(record.run(delivery).lastInsertRowid);
        return toDelivery(deliveryById.get(id)!);
      })(),
    lastDelivery: (scheduleId: number) => {
      const row = lastDelivery.get(scheduleId);
      return row ? toDelivery(row) : null;
    },
    history: (scheduleId: number | undefined, limit: number) =>
      history.all(scheduleId ?? null, scheduleId ?? null, limit).map(toDelivery),
    /** Another schedule that delivered this file: two schedules must not take turns overwriting one file. */
    otherWriterOf: (file: string, scheduleId: number) => otherWriter.get(file, scheduleId)?.schedule_id ?? null,
  };
}
