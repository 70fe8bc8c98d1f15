// The etcd backend: each operation is one etcd request or transaction, so etcd's own revision is
// the resourceVersion and its compare-and-swap gives optimistic concurrency, exactly as the
// Kubernetes apiserver uses etcd.
import { circuitBreaker, ConsecutiveBreaker, handleWhen, noop, retry } from 'cockatiel';
import { Etcd3, GRPCDeadlineExceededError, isRecoverableError, type ICompare, type IOptions, type IRangeRequest, type IRangeResponse, type IRequestOp, type ITxnResponse } from 'etcd3';
import { logger } from '../../../lib/log';
import { startAutoCompaction, type AutoCompactionOptions, type AutoCompactor } from './auto-compaction';
import { isCompactedError, isFutureRevisionError, prefixRange, toKeyValue } from './etcd-kv';
import { EtcdWatch } from './etcd-watch';
import {
  CompactedError,
  ConflictError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  StorageError,
  StorageTimeoutError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Storage,
  type WatchCallbacks,
  type WatchHandle,
} from './interface';
import { rangeStart } from './key-range';
import { currentStorageDeadline, withoutRequestDeadline } from './request-deadline';

export interface EtcdStorageOptions {
  /** "host:port" or "http(s)://host:port" of etcd members. */
  endpoints: string[];
  autoCompaction?: AutoCompactionOptions;
  /** Extra etcd3 client options (TLS credentials, auth, gRPC options). */
  client?: Partial<IOptions>;
  /** Keys fetched per range request when a list is longer (default 1000). */
  listPageSize?: number;
  /** How long a watch keeps re-creating its lost stream before it fails (default 30 s). */
  watchRetryTimeoutMs?: number;
}

/** A single-key range that exists only to read the store's header revision; also "\0". */
const PROBE_KEY = Buffer.from([0]);
const DEFAULT_LIST_PAGE = 1000;
/** kube-apiserver's etcd client keepalive (storagebackend/factory: keepaliveTime, keepaliveTimeout). */
const KEEPALIVE_TIME_MS = 30_000;
const KEEPALIVE_TIMEOUT_MS = 10_000;

/**
 * etcd3's fault handling: retry a failed call up to 3 times, except a call that ran out of its
 * request's deadline (the request is over, so retrying is pointless). With several members, one
 * failing 3 calls in a row is skipped for 5 s so the calls go to the others; running out of the
 * deadline counts there, so a member that stopped answering without closing its connections
 * (paused, or its machine gone) is skipped as a refused one is, instead of a share of every
 * request waiting on it until the deadline. With one member, as each HA apiserver has (its own
 * node's), there is no other to go to: skipping it would only turn every call for 5 s into an
 * error, and one lost connection fails several calls at once (grpc-js ends a connection that etcd3
 * has closed while a watch still used it at its next keepalive ping, failing the watch and the
 * calls on it: with the breaker, losing the etcd leader made each HA apiserver refuse everything
 * for 5 s some 20-30 s later, so the load balancer had none left). So one member gets no breaker,
 * as clientv3 has none.
 */
const retriable = () => handleWhen((err) => isRecoverableError(err) && !(err instanceof GRPCDeadlineExceededError));
const memberFault = () => handleWhen((err) => isRecoverableError(err));
const faultHandling = (members: number): IOptions['faultHandling'] => ({
  global: retry(retriable(), { maxAttempts: 3 }),
  host: (host) => {
    if (members < 2) return noop;
    const breaker = circuitBreaker(memberFault(), { halfOpenAfter: 5000, breaker: new ConsecutiveBreaker(3) });
    // What made the member be skipped, for whoever reads the logs of an outage.
    let last: unknown;
    breaker.onFailure(({ reason }) => { if ('error' in reason) last = reason.error; });
    breaker.onBreak(() => log.warn({ member: host, err: last }, 'etcd member failed 3 calls in a row: skipped for 5 s'));
    breaker.onReset(() => log.info({ member: host }, 'etcd member answering again'));
    return breaker;
  },
});

const log = logger('storage', { backend: 'etcd' });

export class EtcdStorage implements Storage {
  readonly name = 'etcd';
  private readonly client: Etcd3;
  private readonly watches = new Set<EtcdWatch>();
  private readonly compactor?: AutoCompactor;
  /** Highest compaction revision seen (ours, or reported by etcd); etcd itself may be further. */
  private knownCompacted = 0;
  private closed = false;

  constructor(readonly opts: EtcdStorageOptions) {
    if (opts.endpoints.length === 0) throw new StorageError('no etcd endpoints given');
    this.client = new Etcd3({
      faultHandling: faultHandling(opts.endpoints.length),
      ...opts.client,
      // Like kube-apiserver's etcd client: no cap on response size (gRPC's default is 4 MiB), and
      // keepalive pings every 30 s that close the connection when unanswered for 10 s, so a member
      // that stopped answering is noticed rather than waited on.
      grpcOptions: {
        'grpc.max_receive_message_length': -1,
        'grpc.keepalive_time_ms': KEEPALIVE_TIME_MS,
        'grpc.keepalive_timeout_ms': KEEPALIVE_TIMEOUT_MS,
        ...opts.client?.grpcOptions,
      },
      hosts: opts.endpoints,
    });
    if (opts.autoCompaction) this.compactor = startAutoCompaction(this, opts.autoCompaction, log);
    log.info({ endpoints: opts.endpoints }, 'using etcd storage');
  }

  async get(key: string, revision = 0): Promise<KeyValue | undefined> {
    const res = await this.range({ key: Buffer.from(key), revision });
    return res.kvs.length > 0 ? toKeyValue(res.kvs[0]) : undefined;
  }

  /** Long lists are read in pages at one revision, so no single etcd response gets huge. */
  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const { range_end } = prefixRange(prefix);
    const want = opts.limit ?? 0;
    const pageSize = this.opts.listPageSize ?? DEFAULT_LIST_PAGE;
    let key = prefix === '' && opts.startAfter === undefined ? PROBE_KEY : Buffer.from(rangeStart(prefix, opts.startAfter));
    let revision = opts.revision ?? 0;
    const items: KeyValue[] = [];
    for (;;) {
      const limit = want > 0 ? Math.min(want - items.length, pageSize) : pageSize;
      const res = await this.range({ key, range_end, limit, revision });
      revision ||= Number(res.header.revision);
      items.push(...res.kvs.map(toKeyValue));
      if (!res.more || (want > 0 && items.length >= want)) return { items, revision, more: res.more };
      key = Buffer.concat([res.kvs[res.kvs.length - 1].key, PROBE_KEY]);
    }
  }

  async count(prefix: string): Promise<number> {
    const res = await this.range({ ...prefixRange(prefix), count_only: true });
    return Number(res.count);
  }

  async create(key: string, value: Uint8Array): Promise<KeyValue> {
    const k = Buffer.from(key);
    const res = await this.txn(
      [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
      [{ request_put: { key: k, value: Buffer.from(value) } }],
      [],
    );
    if (!res.succeeded) throw new KeyExistsError(key);
    const revision = Number(res.header.revision);
    return { key, value, createRevision: revision, modRevision: revision };
  }

  async update(key: string, value: Uint8Array, expectedRevision: number): Promise<KeyValue> {
    const k = Buffer.from(key);
    const res = await this.txn(
      // create_revision > 0: a missing key has mod_revision 0, which must not match expected 0.
      [
        { key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision },
        { key: k, target: 'Create', result: 'Greater', create_revision: 0 },
      ],
      [{ request_put: { key: k, value: Buffer.from(value), prev_kv: true } }],
      [{ request_range: { key: k } }],
    );
    if (!res.succeeded) throw this.preconditionFailed(key, expectedRevision, res);
    const prev = res.responses[0].response_put.prev_kv;
    return { key, value, createRevision: Number(prev.create_revision), modRevision: Number(res.header.revision) };
  }

  async delete(key: string, expectedRevision = 0): Promise<KeyValue> {
    const k = Buffer.from(key);
    const compare: ICompare[] = [{ key: k, target: 'Create', result: 'Greater', create_revision: 0 }];
    if (expectedRevision !== 0) compare.push({ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision });
    const res = await this.txn(compare, [{ request_delete_range: { key: k, prev_kv: true } }], [{ request_range: { key: k } }]);
    if (!res.succeeded) throw this.preconditionFailed(key, expectedRevision, res);
    const prev = res.responses[0].response_delete_range.prev_kvs[0];
    return { ...toKeyValue(prev), modRevision: Number(res.header.revision) };
  }

  watch(prefix: string, afterRevision: number, cb: WatchCallbacks): WatchHandle {
    const w = new EtcdWatch(
      {
        watchClient: this.client.watchClient,
        onCompacted: (rev) => this.noteCompacted(rev),
        onFinished: (done) => this.watches.delete(done),
        retryTimeoutMs: this.opts.watchRetryTimeoutMs,
      },
      prefix,
      afterRevision,
      cb,
    );
    this.watches.add(w);
    if (this.closed) {
      setImmediate(() => w.fail(new StorageError('storage is closed')));
    } else if (afterRevision < this.knownCompacted) {
      const compacted = this.knownCompacted;
      setImmediate(() => w.fail(new CompactedError(afterRevision, compacted)));
    } else {
      withoutRequestDeadline(() => w.start());
    }
    return w;
  }

  async currentRevision(): Promise<number> {
    const res = await this.range({ key: PROBE_KEY, count_only: true });
    return Number(res.header.revision);
  }

  /** A read answered by the cluster, as Kubernetes' etcd health check reads a key. */
  async check(): Promise<void> {
    await this.range({ key: PROBE_KEY, count_only: true });
  }

  /**
   * etcd has no call that reports its compaction revision, so probe it: a read at a revision
   * fails iff that revision is compacted. One read confirms the last known value; after a
   * compaction by someone else, a binary search finds the new one.
   */
  async compactedRevision(): Promise<number> {
    let known = this.knownCompacted;
    if (await this.readableAt(Math.max(known, 1))) return known;
    let readable = await this.currentRevision();
    known = Math.max(known, 1);
    while (readable - known > 1) {
      const mid = Math.floor((known + readable) / 2);
      if (await this.readableAt(mid)) readable = mid;
      else known = mid;
    }
    this.noteCompacted(readable);
    return this.knownCompacted;
  }

  async compact(revision: number): Promise<void> {
    if (revision <= this.knownCompacted) return;
    try {
      await this.client.kv.compact({ revision, physical: true });
      this.noteCompacted(revision);
    } catch (err) {
      if (isCompactedError(err)) return; // someone compacted further already
      if (isFutureRevisionError(err)) throw new StorageError(`cannot compact to revision ${revision}: it is in the future`);
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.compactor?.stop();
    for (const w of [...this.watches]) w.fail(new StorageError('storage is closed'));
    this.client.close();
  }

  private async range(req: IRangeRequest): Promise<IRangeResponse> {
    this.checkOpen();
    try {
      return await this.bounded(req.key, (deadline) => this.client.kv.range(req, { deadline }));
    } catch (err) {
      const requested = Number(req.revision ?? 0);
      if (isCompactedError(err)) throw new CompactedError(requested, await this.compactedRevision());
      if (isFutureRevisionError(err)) throw new FutureRevisionError(requested, await this.currentRevision());
      throw err;
    }
  }

  private txn(compare: ICompare[], success: IRequestOp[], failure: IRequestOp[]): Promise<ITxnResponse> {
    this.checkOpen();
    return this.bounded(compare[0].key, (deadline) => this.client.kv.txn({ compare, success, failure }, { deadline }));
  }

  /** One etcd call with the current request's deadline; not answered by then: StorageTimeoutError. */
  private async bounded<R>(key: IRangeRequest['key'], call: (deadline: number) => Promise<R>): Promise<R> {
    const deadline = currentStorageDeadline();
    try {
      return await call(deadline);
    } catch (err) {
      if (err instanceof GRPCDeadlineExceededError) throw new StorageTimeoutError(String(key), deadline);
      throw err;
    }
  }

  private preconditionFailed(key: string, expected: number, res: ITxnResponse): Error {
    const current = res.responses[0].response_range.kvs[0];
    return current ? new ConflictError(key, expected, Number(current.mod_revision)) : new KeyNotFoundError(key);
  }

  private async readableAt(revision: number): Promise<boolean> {
    try {
      await this.bounded(PROBE_KEY, (deadline) => this.client.kv.range({ key: PROBE_KEY, count_only: true, revision }, { deadline }));
      return true;
    } catch (err) {
      if (isCompactedError(err)) return false;
      throw err;
    }
  }

  private noteCompacted(revision: number): void {
    this.knownCompacted = Math.max(this.knownCompacted, revision);
  }

  private checkOpen(): void {
    if (this.closed) throw new StorageError('storage is closed');
  }
}
