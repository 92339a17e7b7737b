import { reportDefinitionSchema, type SavedReport } from '../contract/channels/reports';
import type { Db } from './db';

export type SavedReportsRepo = ReturnType<typeof createSavedReportsRepo>;

export function createSavedReportsRepo(db: Db) {
  const list = db.prepare<[], { name: string; definition_json: string; updated_at: string }>(
    'SELECT name, definition_json, updated_at FROM saved_reports ORDER BY name COLLATE NOCASE',
  );
  const byName = db.prepare<[string], { name: string; definition_json: string; updated_at: string }>(
    'SELECT name, definition_json, updated_at FROM saved_reports WHERE name = ? COLLATE NOCASE',
  );
  const upsert = db.prepare(
    `INSERT INTO saved_reports (name, definition_json, created_at, updated_at) VALUES (@name, @definition, @now, @now)
     ON CONFLICT (name) DO UPDATE SET definition_json = excluded.definition_json, updated_at = excluded.updated_at`,
  );
  const remove = db.prepare('DELETE FROM saved_reports WHERE name = ? COLLATE NOCASE');
  // Stored definitions are re-validated on read: one written by an older version gets today's defaults.
  const toSaved = (r: { name: string; definition_json: string; updated_at: string }): SavedReport => ({
    name: r.name,
    definition: reportDefinitionSchema.parse(JSON.parse(r.definition_json)),
    updatedAt: r.updated_at,
  });
  return {
    list: () => list.all().map(toSaved),
    get: (name: string) => {
      const row = byName.get(name);
      return row ? toSaved(row) : undefined;
    },
    save: (saved: Omit<SavedReport, 'updatedAt'>, now: string) =>
      upsert.run({ name: saved.name, definition: JSON.stringify(saved.definition), now }),
    remove: (name: string) => remove.run(name).changes > 0,
  };
}
