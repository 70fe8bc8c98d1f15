// Values at rest go through a transformer (encryption) on their way into and out of any backend:
// the one place where the apiserver's bytes meet the store, so the registry, the watch cache and
// every watch see plaintext while SQLite and etcd hold what the transformer wrote. Kubernetes'
// etcd3 store does the same with its per-resource value.Transformer; the storage key is the
// authenticated data, so a value copied under another key does not decrypt.
import type { KeyValue, ListOptions, ListResult, Storage, StoreEvent, WatchCallbacks, WatchHandle } from './interface';
import { TransformError } from './interface';
import type { Transformer } from './value/transformer';

export class TransformedStorage implements Storage {
  readonly name: string;

  constructor(
    private readonly inner: Storage,
    private readonly transformerFor: (key: string) => Transformer,
  ) {
    this.name = inner.name;
  }

  private read(kv: KeyValue): KeyValue {
    let out;
    try {
      out = this.transformerFor(kv.key).fromStorage(kv.value, Buffer.from(kv.key));
    } catch (err) {
      throw new TransformError(kv.key, (err as Error).message);
    }
    return out.stale ? { ...kv, value: out.data, stale: true } : { ...kv, value: out.data };
  }

  private write(key: string, value: Uint8Array): Uint8Array {
    return this.transformerFor(key).toStorage(value, Buffer.from(key));
  }

  private readEvent(e: StoreEvent): StoreEvent {
    return e.prevKv ? { type: e.type, kv: this.read(e.kv), prevKv: this.read(e.prevKv) } : { type: e.type, kv: this.read(e.kv) };
  }

  async get(key: string, revision?: number): Promise<KeyValue | undefined> {
    const kv = await this.inner.get(key, revision);
    return kv && this.read(kv);
  }

  async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    const res = await this.inner.list(prefix, opts);
    return { ...res, items: res.items.map((kv) => this.read(kv)) };
  }

  check(): Promise<void> {
    return this.inner.check();
  }

  count(prefix: string): Promise<number> {
    return this.inner.count(prefix);
  }

  async create(key: string, value: Uint8Array): Promise<KeyValue> {
    const kv = await this.inner.create(key, this.write(key, value));
    return { ...kv, value };
  }

  async update(key: string, value: Uint8Array, expectedRevision: number): Promise<KeyValue> {
    const kv = await this.inner.update(key, this.write(key, value), expectedRevision);
    return { ...kv, value };
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    return this.read(await this.inner.delete(key, expectedRevision));
  }

  watch(prefix: string, afterRevision: number, cb: WatchCallbacks): WatchHandle {
    let failed = false;
    let handle: WatchHandle | undefined;
    handle = this.inner.watch(prefix, afterRevision, {
      onEvents: (events) => {
        if (failed) return;
        let out: StoreEvent[];
        try {
          out = events.map((e) => this.readEvent(e));
        } catch (err) {
          // As Kubernetes' watcher: an event that cannot be read ends the watch with the error.
          failed = true;
          handle?.close();
          cb.onError(err as Error);
          return;
        }
        cb.onEvents(out);
      },
      onError: (err) => {
        if (!failed) cb.onError(err);
      },
    });
    if (failed) handle.close();
    return handle;
  }

  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }

  compactedRevision(): Promise<number> {
    return this.inner.compactedRevision();
  }

  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
