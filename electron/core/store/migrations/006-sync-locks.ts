/**
 * Which process is syncing an account, across processes (the app, the CLI): a second process asked to sync the same
 * account waits for this row to go. A crashed holder cannot keep it: a row whose process is gone, or whose heartbeat
 * stopped, is taken over (store/sync-locks-repo.ts).
 */
export const up = /* sql */ `
CREATE TABLE sync_locks (
  account_id    TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
  owner         TEXT NOT NULL,
  pid           INTEGER NOT NULL,
  host          TEXT NOT NULL,
  heartbeat_at  INTEGER NOT NULL
);
`;
