// One etcd watch on its own gRPC stream. etcd3's Watcher reconnects silently and resumes from
// where it was, and it reports a compacted start only as an anonymous cancellation; the storage
// interface wants the opposite (fail with the reason, the caller re-lists), so this drives the
// raw Watch stream: one stream per watch keeps create/cancel bookkeeping trivial.
import type { IDuplexStream, IWatchRequest, IWatchResponse, WatchClient } from 'etcd3';
import { CompactedError, StorageError, type WatchCallbacks, type WatchHandle } from './interface';
import { prefixRange, toStoreEvent } from './etcd-kv';

export interface EtcdWatchDeps {
  watchClient: WatchClient;
  /** Told the compacted revision etcd reported. */
  onCompacted(revision: number): void;
  onFinished(w: EtcdWatch): void;
}

export class EtcdWatch implements WatchHandle {
  private stream?: IDuplexStream<IWatchRequest, IWatchResponse>;
  private done = false;

  constructor(
    private readonly deps: EtcdWatchDeps,
    private readonly prefix: string,
    private readonly afterRevision: number,
    private readonly cb: WatchCallbacks,
  ) {}

  start(): void {
    this.deps.watchClient.watch().then(
      (stream) => {
        if (this.done) {
          stream.cancel();
          return;
        }
        this.stream = stream;
        stream.on('data', (res) => this.handle(res));
        stream.on('error', (err) => this.fail(new StorageError(`etcd watch failed: ${err.message}`)));
        stream.on('end', () => this.fail(new StorageError('etcd watch stream ended')));
        stream.write({ create_request: { ...prefixRange(this.prefix), start_revision: this.afterRevision + 1, prev_kv: true } });
      },
      (err: Error) => this.fail(new StorageError(`etcd watch failed: ${err.message}`)),
    );
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    this.stream?.cancel();
    this.deps.onFinished(this);
  }

  /** Ends the watch, telling the consumer why (at most once). */
  fail(err: Error): void {
    if (this.done) return;
    this.close();
    this.cb.onError(err);
  }

  private handle(res: IWatchResponse): void {
    if (this.done) return;
    if (res.canceled) {
      const compacted = Number(res.compact_revision);
      if (compacted > 0) {
        this.deps.onCompacted(compacted);
        this.fail(new CompactedError(this.afterRevision, compacted));
      } else {
        this.fail(new StorageError(`etcd canceled the watch: ${res.cancel_reason || 'no reason given'}`));
      }
      return;
    }
    // Without fragment=true etcd never splits a revision across responses, and events come in
    // revision order, so each response is a run of whole revisions.
    if (res.events.length > 0) this.cb.onEvents(res.events.map(toStoreEvent));
  }
}
