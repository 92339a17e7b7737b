import type { AccountSettings } from '../contract/accounts';
import type { Account, SecretLocation } from '../contract/channels';
import type { Platform } from '../contract/domain';
import type { Db } from './db';

interface AccountRow {
  id: string;
  platform: Platform;
  label: string;
  settings_json: string;
  secret_location: SecretLocation;
  needs_reconnect: number;
  reconnect_reason: string | null;
  live_generation: number;
  last_synced_at: string | null;
  created_at: string;
  updated_at: string;
}

function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    platform: row.platform,
    label: row.label,
    settings: JSON.parse(row.settings_json) as AccountSettings,
    secretLocation: row.secret_location,
    needsReconnect: row.needs_reconnect === 1,
    reconnectReason: row.needs_reconnect === 1 ? row.reconnect_reason : null,
    liveGeneration: row.live_generation,
    lastSyncedAt: row.last_synced_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export type AccountsRepo = ReturnType<typeof createAccountsRepo>;

export function createAccountsRepo(db: Db) {
  const list = db.prepare<[], AccountRow>('SELECT * FROM accounts ORDER BY platform, label COLLATE NOCASE');
  const byId = db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE id = ?');
  const byLabel = db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE label = ? COLLATE NOCASE');
  const insert = db.prepare(
    `INSERT INTO accounts (id, platform, label, settings_json, secret_location, created_at, updated_at)
     VALUES (@id, @platform, @label, @settings_json, @secret_location, @now, @now)`,
  );
  const update = db.prepare(
    `UPDATE accounts SET label = @label, settings_json = @settings_json, updated_at = @now WHERE id = @id`,
  );
  // A new secret (or a new sign-in) is the reconnection: the reason it was needed goes with the flag.
  const setSecret = db.prepare(
    'UPDATE accounts SET secret_location = ?, needs_reconnect = ?, reconnect_reason = NULL, updated_at = ? WHERE id = ?',
  );
  const setReconnect = db.prepare('UPDATE accounts SET needs_reconnect = ?, reconnect_reason = ? WHERE id = ?');
  const remove = db.prepare('DELETE FROM accounts WHERE id = ?');
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM accounts');

  return {
    list: () => list.all().map(toAccount),
    get: (id: string) => {
      const row = byId.get(id);
      return row ? toAccount(row) : undefined;
    },
    findByLabel: (label: string) => {
      const row = byLabel.get(label);
      return row ? toAccount(row) : undefined;
    },
    count: () => count.get()!.n,
    insert: (a: {
      id: string;
      label: string;
      settings: AccountSettings;
      secretLocation: SecretLocation;
      now: string;
    }) =>
      insert.run({
        id: a.id,
        platform: a.settings.platform,
        label: a.label,
        settings_json: JSON.stringify(a.settings),
        secret_location: a.secretLocation,
        now: a.now,
      }),
    update: (a: { id: string; label: string; settings: AccountSettings; now: string }) =>
      update.run({ id: a.id, label: a.label, settings_json: JSON.stringify(a.settings), now: a.now }),
    setSecretLocation: (id: string, location: SecretLocation, now: string) => setSecret.run(location, 0, now, id),
    /** `reason`: what the platform said (an OAuth sign-in it no longer accepts); kept until the account reconnects. */
    setNeedsReconnect: (id: string, needs: boolean, reason: string | null = null) =>
      setReconnect.run(needs ? 1 : 0, needs ? reason : null, id),
    remove: (id: string) => remove.run(id).changes > 0,
  };
}
