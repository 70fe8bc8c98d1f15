// The SQLite store's writer thread (node:worker_threads): it owns the one write connection, so
// the fsync of each COMMIT blocks this thread and never the apiserver's event loop. Group commit
// as before: the writes that arrive while a commit runs share the next transaction. Each write is
// checked and appended at once (later writes of the batch see it) and answered only after the
// commit, conflicts included, so a client retrying on a conflict reads the winning write.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { LOG_COLUMNS, type LogRow } from './sqlite-schema';
import { pack, unpack, type FromWriter, type ToWriter, type WriteOp, type WriteResult, type WriterData } from './sqlite-writer-protocol';

const port = parentPort!;
const data = workerData as WriterData;

const send = (msg: FromWriter, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);

// An error this thread cannot handle ends it, its message sent first: an Error subclass such as
// better-sqlite3's SqliteError would reach the main thread's 'error' event without its message.
process.on('uncaughtException', (err) => {
  send({ type: 'fatal', message: err.message });
  process.exit(1);
});

const db = new Database(data.path, { timeout: data.busyTimeoutMs });
// Per connection: each commit's WAL append is fsynced before the write is acknowledged.
db.pragma('synchronous = FULL');

const latestStmt = db.prepare<[string], LogRow>(`SELECT ${LOG_COLUMNS} FROM log WHERE name = ? ORDER BY id DESC LIMIT 1`);
const insertStmt = db.prepare<[string, number, number, number, number, Buffer]>(
  'INSERT INTO log (name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?)',
);
const setMetaStmt = db.prepare<[string, number]>('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
const removeSuperseded = db.prepare<[number, number]>(`
  DELETE FROM log WHERE id IN (
    SELECT old.id FROM log cur JOIN log old ON old.name = cur.name AND old.id < cur.id
    WHERE cur.id > ? AND cur.id <= ?)`);
const removeTombstones = db.prepare<[number, number]>('DELETE FROM log WHERE deleted = 1 AND id > ? AND id <= ?');

// Slice by slice (the main thread sends one per message): after each slice the log is exactly
// "compacted at hi", so reads stay correct between slices and writes get the connection back.
const compactSlice = db.transaction((lo: number, hi: number) => {
  const removed = removeSuperseded.run(lo, hi).changes + removeTombstones.run(lo, hi).changes;
  setMetaStmt.run('compacted_revision', hi);
  return removed;
});

interface Batch {
  results: WriteResult[];
  prevValues: Buffer[];
  /** Set when SQLite rolled the transaction back under a write (a full disk, an I/O error). */
  failed?: string;
}

let batch: Batch | undefined;

function apply(op: WriteOp, value: Buffer | undefined, b: Batch): WriteResult {
  const prev = latestStmt.get(op.key);
  const live = prev && !prev.deleted ? prev : undefined;
  if (op.kind === 'create') {
    if (live) return { ok: false, error: 'exists' };
    return { ok: true, id: append(op.key, 1, 0, 0, prev?.id ?? 0, value!) };
  }
  if (!live) return { ok: false, error: 'notfound' };
  // An update always names the revision it replaces; a delete with 0 is unconditional.
  if ((op.kind === 'update' || op.expected !== 0) && live.id !== op.expected) return { ok: false, error: 'conflict', actual: live.id };
  const createRevision = live.created ? live.id : live.create_revision;
  const id =
    op.kind === 'update' ? append(op.key, 0, 0, createRevision, live.id, value!) : append(op.key, 0, 1, createRevision, live.id, live.value);
  b.prevValues.push(live.value);
  return { ok: true, id, prev: { id: live.id, createRevision } };
}

function append(key: string, created: number, deleted: number, createRevision: number, prevRevision: number, value: Buffer): number {
  return Number(insertStmt.run(key, created, deleted, createRevision, prevRevision, value).lastInsertRowid);
}

function onWrites(ops: WriteOp[], values: Buffer[]): void {
  if (!batch) {
    batch = { results: [], prevValues: [] };
    try {
      db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      batch.failed = (err as Error).message;
    }
    setImmediate(commit);
  }
  let next = 0;
  for (const op of ops) {
    const value = op.kind === 'delete' ? undefined : values[next++];
    if (batch.failed) {
      batch.results.push({ ok: false, error: 'storage', message: batch.failed });
      continue;
    }
    try {
      batch.results.push(apply(op, value, batch));
    } catch (err) {
      const message = (err as Error).message;
      // A failed statement may have taken the transaction with it: then nothing of the batch stays.
      if (!db.inTransaction) batch.failed = message;
      batch.results.push({ ok: false, error: 'storage', message });
    }
  }
}

/** Commits the open batch, if any, and answers its writes in order. */
function commit(): void {
  const b = batch;
  if (!b) return;
  batch = undefined;
  let commitError = b.failed;
  if (!commitError) {
    holdAtGate();
    try {
      db.exec('COMMIT');
    } catch (err) {
      commitError = (err as Error).message;
    }
  }
  if (commitError !== undefined && db.inTransaction) db.exec('ROLLBACK');
  const prevValues = pack(b.prevValues);
  send({ type: 'done', results: b.results, prevValues, commitError }, [prevValues.buffer]);
}

function holdAtGate(): void {
  const gate = data.commitGate;
  if (!gate) return;
  while (Atomics.load(gate, 0) === 0) Atomics.wait(gate, 0, 0);
  // Uncaught on purpose: the thread dies before its commit, as it would on a crash.
  if (Atomics.load(gate, 0) === 2) throw new Error('writer crashed (test hook)');
}

function onRequest(run: () => FromWriter): void {
  commit();
  try {
    send(run());
  } catch (err) {
    send({ type: 'failed', message: (err as Error).message });
  }
}

port.on('message', (msg: ToWriter) => {
  switch (msg.type) {
    case 'writes':
      onWrites(msg.ops, unpack(msg.values));
      return;
    case 'compact':
      onRequest(() => ({ type: 'compacted', removed: compactSlice(msg.lo, msg.hi) }));
      return;
    case 'vacuum':
      // Give freed pages back to the file system and keep the WAL from growing without bound.
      onRequest(() => {
        db.pragma('incremental_vacuum');
        db.pragma('wal_checkpoint(TRUNCATE)');
        return { type: 'vacuumed' };
      });
      return;
    case 'close':
      commit();
      db.close();
      send({ type: 'closed' });
      port.close();
      return;
  }
});

send({ type: 'ready' });
