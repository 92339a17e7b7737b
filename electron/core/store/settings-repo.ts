import type { Db } from './db';

export type SettingsRepo = ReturnType<typeof createSettingsRepo>;

/** Key/value app settings; values are JSON. Validation of keys and values happens at the contract edge. */
export function createSettingsRepo(db: Db) {
  const all = db.prepare<[], { key: string; value_json: string }>('SELECT key, value_json FROM settings');
  const upsert = db.prepare(
    'INSERT INTO settings (key, value_json) VALUES (?, ?) ON CONFLICT (key) ' +
      'DO UPDATE SET value_json = excluded.value_json',
  );
  return {
    all: (): Record<string, unknown> =>
      Object.fromEntries(all.all().map((row) => [row.key, JSON.parse(row.value_json) as unknown])),
    set: (key: string, value: unknown) => upsert.run(key, JSON.stringify(value)),
  };
}
