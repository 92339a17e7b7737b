import type { Db } from '../../electron/core/store/db';

/** An account row 'acc' (sample platform) whose live generation is 1, for caches filled by hand. */
export function insertLiveAccount(db: Db, label = 'Acme'): void {
  db.prepare(
    'INSERT INTO accounts (id, platform, label, settings_json, live_generation, created_at, updated_at) ' +
      `VALUES ('acc', 'sample', ?, '{}', 1, '', '')`,
  ).run(label);
}
