// A watch cache whose storage watch fails relists outside any request's deadline: the failure can
// reach it in the context of the request whose storage call saw it (etcd3 re-creates its streams
// from there), and a relist under that request's deadline, long past, failed at once every time:
// the cache stayed empty and its watchers saw nothing more.
import { strict as assert } from 'node:assert';
import { ConfigMaps } from '../../../../lib/api/kinds';
import type { ConfigMap } from '../../../../lib/gen/kite/core/v1/types';
import { StorageError, type ListOptions, type ListResult, type WatchCallbacks, type WatchHandle } from '../../../../services/apiserver/storage/interface';
import { MemoryStorage } from '../../../../services/apiserver/storage/memory';
import { currentStorageDeadline, DEFAULT_REQUEST_TIMEOUT_MS, withRequestDeadline } from '../../../../services/apiserver/storage/request-deadline';
import { WatchCache } from '../../../../services/apiserver/watch/watch-cache';

/** A MemoryStorage that records the storage deadline of each list and keeps the last watch's callbacks. */
class Recording extends MemoryStorage {
  readonly listDeadlines: number[] = [];
  callbacks?: WatchCallbacks;
  override async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.listDeadlines.push(currentStorageDeadline());
    return super.list(prefix, opts);
  }
  override watch(prefix: string, afterRevision: number, cb: WatchCallbacks): WatchHandle {
    this.callbacks = cb;
    return super.watch(prefix, afterRevision, cb);
  }
}

describe('watch cache restart', () => {
  it('relists outside the deadline of the request in whose context its storage watch failed', async () => {
    const storage = new Recording();
    const cache = new WatchCache<ConfigMap>(ConfigMaps, storage, '/registry/configmaps/', () => { throw new Error('nothing stored'); }, { capacity: 100 });
    await cache.start();
    storage.listDeadlines.length = 0;
    const failedWatch = storage.callbacks!;
    // A request whose deadline is long past sees the watch fail.
    withRequestDeadline(Date.now() - 60_000, () => failedWatch.onError(new StorageError('etcd watch failed: Connection dropped')));
    for (let i = 0; i < 100 && storage.callbacks === failedWatch; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(storage.listDeadlines.length > 0, 'relisted');
    assert.ok(storage.listDeadlines[0] > Date.now() + DEFAULT_REQUEST_TIMEOUT_MS / 2, `the relist's deadline is the default cap, not the request's: ${storage.listDeadlines[0] - Date.now()} ms left`);
    assert.notEqual(storage.callbacks, failedWatch, 'watching again');
    cache.stop();
    await storage.close();
  });
});
