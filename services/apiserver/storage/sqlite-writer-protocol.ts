// The messages between the SQLite store (main thread, reads and watchers) and its writer thread
// (the one write connection, sqlite-writer.ts). Values travel packed into one transferred
// ArrayBuffer per message, so each byte is copied once on its way and never cloned with the
// rest of a pooled Buffer.

export interface WriterData {
  path: string;
  busyTimeoutMs: number;
  /** Test hook: commits wait while gate[0] is 0; 2 makes the thread crash before its commit. */
  commitGate?: Int32Array;
}

export type WriteOp =
  | { kind: 'create'; key: string }
  | { kind: 'update'; key: string; expected: number }
  | { kind: 'delete'; key: string; expected: number };

/** The row a write replaced (update, delete). */
export interface PrevRow {
  id: number;
  createRevision: number;
}

export type WriteResult =
  | { ok: true; id: number; prev?: PrevRow }
  | { ok: false; error: 'exists' | 'notfound' }
  | { ok: false; error: 'conflict'; actual: number }
  | { ok: false; error: 'storage'; message: string };

/** Main -> writer. Writes carry their values (creates and updates, in op order) in `values`. */
export type ToWriter =
  | { type: 'writes'; ops: WriteOp[]; values: Packed }
  | { type: 'compact'; lo: number; hi: number }
  | { type: 'vacuum' }
  | { type: 'close' };

/**
 * Writer -> main, in the order of the requests. `done` answers every write since the previous
 * `done` after their transaction committed (or failed to: commitError), with the replaced values
 * (updates and deletes with prev, in op order) in `prevValues`.
 */
export type FromWriter =
  | { type: 'ready' }
  | { type: 'done'; results: WriteResult[]; prevValues: Packed; commitError?: string }
  | { type: 'compacted'; removed: number }
  | { type: 'vacuumed' }
  | { type: 'failed'; message: string }
  | { type: 'closed' }
  /** The thread is ending on an error it could not handle. */
  | { type: 'fatal'; message: string };

export interface Packed {
  buffer: ArrayBuffer;
  /** End offset of each value in buffer. */
  ends: number[];
}

export function pack(values: Uint8Array[]): Packed {
  let total = 0;
  for (const v of values) total += v.byteLength;
  const bytes = new Uint8Array(total);
  const ends: number[] = [];
  let at = 0;
  for (const v of values) {
    bytes.set(v, at);
    at += v.byteLength;
    ends.push(at);
  }
  return { buffer: bytes.buffer, ends };
}

/** Buffers viewing the packed values (no copy). */
export function unpack(p: Packed): Buffer[] {
  let start = 0;
  return p.ends.map((end) => {
    const b = Buffer.from(p.buffer, start, end - start);
    start = end;
    return b;
  });
}
