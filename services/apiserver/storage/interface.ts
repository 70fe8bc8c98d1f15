// The storage interface the apiserver writes through (kine is the model): a flat key space of
// byte values where every write gets the next global revision. The revision is what clients see
// as resourceVersion. Two backends implement it: embedded SQLite (default) and etcd.

export interface KeyValue {
  key: string;
  value: Uint8Array;
  /** Revision of the write that created this key (unchanged by later updates). */
  createRevision: number;
  /** Revision of the write that produced this value (for a deletion: the deletion's revision). */
  modRevision: number;
  /**
   * Read through a transformer entry other than the one that writes (an older encryption key or
   * provider): an update that changes nothing still rewrites it, as Kubernetes' GuaranteedUpdate does.
   */
  stale?: boolean;
}

export type StoreEventType = 'create' | 'update' | 'delete';

export interface StoreEvent {
  type: StoreEventType;
  /** The new value; for 'delete', the last value with modRevision = the deletion's revision. */
  kv: KeyValue;
  /** The value before this write (absent for 'create'). */
  prevKv?: KeyValue;
}

export interface ListOptions {
  /** Read as of this revision (0 = current). Older than the compacted revision -> CompactedError. */
  revision?: number;
  /** Only keys strictly greater than this (for pagination). */
  startAfter?: string;
  /** At most this many items (0 = no limit). */
  limit?: number;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at. */
  revision: number;
  /** More keys match beyond `limit`. */
  more: boolean;
}

export interface WatchHandle {
  /** Stops the watch; no more events are delivered. */
  close(): void;
}

export interface WatchCallbacks {
  /** Events in revision order, batched per revision (one write = one event). */
  onEvents(events: StoreEvent[]): void;
  /** The watch failed (e.g. CompactedError, connection lost); no more events follow. */
  onError(err: Error): void;
}

export interface Storage {
  /** The backend's name ("sqlite", "etcd"). */
  readonly name: string;
  get(key: string, revision?: number): Promise<KeyValue | undefined>;
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Number of live keys under prefix. */
  count(prefix: string): Promise<number>;
  /** Creates key; KeyExistsError if it exists. */
  create(key: string, value: Uint8Array): Promise<KeyValue>;
  /** Replaces key's value if its modRevision equals expectedRevision; ConflictError otherwise, KeyNotFoundError if absent. */
  update(key: string, value: Uint8Array, expectedRevision: number): Promise<KeyValue>;
  /**
   * Deletes key if its modRevision equals expectedRevision (0 = unconditionally); returns the
   * deleted value with modRevision set to the deletion's revision.
   */
  delete(key: string, expectedRevision?: number): Promise<KeyValue>;
  /** Delivers every write under prefix with revision > afterRevision, then live writes. */
  watch(prefix: string, afterRevision: number, cb: WatchCallbacks): WatchHandle;
  currentRevision(): Promise<number>;
  /**
   * Resolves when the backend can serve reads and writes, rejects saying why not: the apiserver's
   * `etcd` health check (/healthz, /livez, /readyz), as Kubernetes' is a read of etcd.
   */
  check(): Promise<void>;
  /** The oldest revision still readable/watchable: reads and watches from before it fail. */
  compactedRevision(): Promise<number>;
  /** Discards history older than revision (the current value of every key is kept). */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}

export class StorageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class KeyExistsError extends StorageError {
  constructor(readonly key: string) {
    super(`key ${key} already exists`);
  }
}

export class KeyNotFoundError extends StorageError {
  constructor(readonly key: string) {
    super(`key ${key} not found`);
  }
}

export class ConflictError extends StorageError {
  constructor(
    readonly key: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`key ${key} was modified: expected revision ${expected}, found ${actual}`);
  }
}

export class CompactedError extends StorageError {
  constructor(
    readonly requested: number,
    readonly compacted: number,
  ) {
    super(`revision ${requested} has been compacted (oldest available is ${compacted})`);
  }
}

/** A stored value its transformer could not read (an encryption key not configured, tampered bytes). */
export class TransformError extends StorageError {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`unable to transform key "${key}": ${reason}`);
  }
}

/** A read at a revision the store has not reached yet. */
export class FutureRevisionError extends StorageError {
  constructor(
    readonly requested: number,
    readonly current: number,
  ) {
    super(`revision ${requested} is in the future (current is ${current})`);
  }
}

/**
 * The backend did not answer before the request's deadline (Kubernetes' storage ErrCodeTimeout): a
 * write may still have been applied.
 */
export class StorageTimeoutError extends StorageError {
  constructor(
    readonly key: string,
    readonly deadlineMs: number,
  ) {
    super(`the store did not answer for key ${key} before the request's deadline`);
  }
}
