// The SQLite layout (kine's): one append-only log whose AUTOINCREMENT id is the global revision.
// Every write appends a row; the current value of a key is its newest row unless that row is a
// deletion. AUTOINCREMENT (not plain rowid) keeps ids monotonic even after compaction deletes
// the newest rows, so the current revision never goes back.
import Database from 'better-sqlite3';

export const LOG_COLUMNS = 'id, name, created, deleted, create_revision, prev_revision, value';

export interface LogRow {
  id: number;
  name: string;
  /** 1 when this row created the key (its create revision is then its own id). */
  created: number;
  /** 1 when this row deleted the key (value = the last value). */
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: Buffer;
}

export function openSchema(db: Database.Database): void {
  // auto_vacuum only takes effect before the first table exists: set it first.
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  // FULL: each commit's WAL append is fsynced before the write is acknowledged.
  db.pragma('synchronous = FULL');
  db.exec(`
    CREATE TABLE IF NOT EXISTS log (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL,
      created INTEGER NOT NULL,
      deleted INTEGER NOT NULL,
      create_revision INTEGER NOT NULL,
      prev_revision INTEGER NOT NULL,
      value BLOB NOT NULL
    );
    CREATE INDEX IF NOT EXISTS log_name_id ON log (name, id);
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  `);
}

/**
 * One process owns the data directory: a second apiserver on it fails at once instead of
 * silently writing rows the first one's in-process watchers would never see. The database itself
 * is shared by two connections of this process (the writer thread's and the readers'), so the
 * lock is a companion file held by a connection in EXCLUSIVE locking mode for the store's
 * lifetime; the OS releases it when the process dies, however it dies.
 */
export function lockStore(path: string, busyTimeoutMs: number): Database.Database {
  const lock = new Database(path, { timeout: busyTimeoutMs });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    // In EXCLUSIVE mode the first write transaction takes the lock for good.
    lock.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (err) {
    lock.close();
    throw err;
  }
  return lock;
}
