// One etcd watch on its own gRPC stream. etcd3's Watcher reconnects silently and resumes from
// where it was, and it reports a compacted start only as an anonymous cancellation; the storage
// interface wants the reason of an end (a compaction ends the watch, the caller re-lists), so
// this drives the raw Watch stream: one stream per watch keeps create/cancel bookkeeping trivial.
// Like clientv3's watcher under the Kubernetes apiserver, a stream lost with its member
// (Unavailable, Internal, or ended) is re-created on the client, which picks another endpoint,
// from the last delivered revision + 1, with a capped backoff: no duplicate, no gap, no relist.
// Only when no member answered for retryTimeoutMs does the watch fail, so a dead store surfaces.
// The watch asks for etcd's progress notifications, as kube-apiserver's do: each says every event
// up to its revision has been sent, so a watch of a kind nobody writes resumes from a recent
// revision, not from its last event's, which a compaction may have removed long ago (that would
// end it with Compacted and make its watch cache relist).
import { status } from '@grpc/grpc-js';
import type { IDuplexStream, IWatchRequest, IWatchResponse, WatchClient } from 'etcd3';
import { CompactedError, StorageError, type WatchCallbacks, type WatchHandle } from './interface';
import { prefixRange, toStoreEvent } from './etcd-kv';
import { withoutRequestDeadline } from './request-deadline';

export const DEFAULT_WATCH_RETRY_TIMEOUT_MS = 30_000;
const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 1000;

export interface EtcdWatchDeps {
  watchClient: WatchClient;
  /** Told the compacted revision etcd reported. */
  onCompacted(revision: number): void;
  onFinished(w: EtcdWatch): void;
  /** How long the stream may stay lost before the watch fails (default 30 s). */
  retryTimeoutMs?: number;
}

export class EtcdWatch implements WatchHandle {
  private stream?: IDuplexStream<IWatchRequest, IWatchResponse>;
  private done = false;
  /** The revision of the last event delivered: a re-created stream starts after it. */
  private delivered: number;
  /** When the stream was lost with no member answering since (undefined while one does). */
  private lostSince?: number;
  private backoffMs = FIRST_BACKOFF_MS;
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly deps: EtcdWatchDeps,
    private readonly prefix: string,
    afterRevision: number,
    private readonly cb: WatchCallbacks,
  ) {
    this.delivered = afterRevision;
  }

  start(): void {
    this.deps.watchClient.watch().then(
      (stream) => {
        if (this.done) {
          stream.cancel();
          return;
        }
        this.stream = stream;
        stream.on('data', (res) => stream === this.stream && this.handle(res));
        stream.on('error', (err: Error) => stream === this.stream && this.lost(err));
        stream.on('end', () => stream === this.stream && this.lost(new Error('etcd watch stream ended')));
        stream.write({ create_request: { ...prefixRange(this.prefix), start_revision: this.delivered + 1, prev_kv: true, progress_notify: true } });
      },
      (err: Error) => this.lost(err),
    );
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.retryTimer);
    this.stream?.cancel();
    this.deps.onFinished(this);
  }

  /** Ends the watch, telling the consumer why (at most once). */
  fail(err: Error): void {
    if (this.done) return;
    this.close();
    this.cb.onError(err);
  }

  /** The stream broke: re-create it unless the error is final or no member answered for too long. */
  private lost(err: Error & { code?: number }): void {
    if (this.done) return;
    const old = this.stream;
    this.stream = undefined;
    old?.cancel();
    const retriable = err.code === undefined || err.code === status.UNAVAILABLE || err.code === status.INTERNAL;
    const now = Date.now();
    this.lostSince ??= now;
    if (!retriable || now - this.lostSince >= (this.deps.retryTimeoutMs ?? DEFAULT_WATCH_RETRY_TIMEOUT_MS)) {
      this.fail(new StorageError(`etcd watch failed: ${err.message}`));
      return;
    }
    // Not in the context of whichever request's call saw the stream break: its deadline is not the watch's.
    this.retryTimer = setTimeout(() => withoutRequestDeadline(() => this.start()), this.backoffMs);
    this.backoffMs = Math.min(2 * this.backoffMs, MAX_BACKOFF_MS);
  }

  private handle(res: IWatchResponse): void {
    if (this.done) return;
    this.lostSince = undefined;
    this.backoffMs = FIRST_BACKOFF_MS;
    if (res.canceled) {
      const compacted = Number(res.compact_revision);
      if (compacted > 0) {
        this.deps.onCompacted(compacted);
        this.fail(new CompactedError(this.delivered, compacted));
      } else {
        this.fail(new StorageError(`etcd canceled the watch: ${res.cancel_reason || 'no reason given'}`));
      }
      return;
    }
    // Without fragment=true etcd never splits a revision across responses, and events come in
    // revision order, so each response is a run of whole revisions.
    if (res.events.length === 0) {
      // A progress notification (not the response that confirms the create, whose revision comes
      // before the events of a start in the past): every event up to its revision has been sent.
      if (!res.created && res.header) this.delivered = Math.max(this.delivered, Number(res.header.revision));
      return;
    }
    this.delivered = Number(res.events[res.events.length - 1].kv.mod_revision);
    this.cb.onEvents(res.events.map(toStoreEvent));
  }
}
