// The generic registry over a real SQLite store in a temporary directory (no apiserver, no gRPC):
// optimistic concurrency, generation, the status subresource and delete preconditions.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConflictError, InvalidError } from '../../../../lib/api/errors';
import { Deployments, StatefulSets } from '../../../../lib/api/kinds';
import { StatefulSet, type Deployment } from '../../../../lib/gen/kite/apps/v1/types';
import { ServiceAllocators } from '../../../../services/apiserver/registry/service-allocators';
import { DEFAULT_DEFAULTING } from '../../../../services/apiserver/registry/defaults';
import { Registry } from '../../../../services/apiserver/registry/registry';
import { strategies } from '../../../../services/apiserver/registry/strategies';
import { SqliteStorage } from '../../../../services/apiserver/storage';
import type { WatchCallbacks } from '../../../../services/apiserver/storage/interface';
import { deployment } from '../../controller-manager/support/fixtures';

describe('Registry (SQLite in a temporary directory)', () => {
  let dir: string;
  let storage: SqliteStorage;
  let registry: Registry<Deployment>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kite-registry-'));
    storage = new SqliteStorage({ path: join(dir, 'kite.db') });
    const byKind = strategies({ defaulting: DEFAULT_DEFAULTING, allocators: new ServiceAllocators('10.96.0.0/16', '30000-32767') });
    registry = new Registry(Deployments, storage, byKind.get(Deployments)!, {
      maxObjectBytes: 1024 * 1024,
      watchCacheSize: 100,
    });
  });
  afterEach(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const fresh = () => {
    const d = deployment('web');
    d.metadata!.uid = '';
    d.metadata!.resourceVersion = '';
    return d;
  };

  it('refuses an update carrying a stale resourceVersion and keeps the stored object', async () => {
    const created = await registry.create('default', fresh());
    const first = structuredClone(created);
    first.spec!.replicas = 5;
    const updated = await registry.update(first);
    assert.notEqual(updated.metadata!.resourceVersion, created.metadata!.resourceVersion);

    const stale = structuredClone(created);
    stale.spec!.replicas = 7;
    await assert.rejects(registry.update(stale), (err: unknown) => {
      assert.ok(err instanceof ConflictError);
      assert.equal(err.message, 'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again');
      return true;
    });
    const stored = await registry.get('default', 'web');
    assert.equal(stored.spec!.replicas, 5);
    assert.equal(stored.metadata!.resourceVersion, updated.metadata!.resourceVersion);
  });

  it('applies an update without a resourceVersion to the latest object (unconditional)', async () => {
    const created = await registry.create('default', fresh());
    const a = structuredClone(created);
    a.spec!.replicas = 5;
    await registry.update(a);
    const b = structuredClone(created);
    b.metadata!.resourceVersion = '';
    b.spec!.replicas = 9;
    assert.equal((await registry.update(b)).spec!.replicas, 9);
  });

  it('bumps generation on spec changes only, and keeps status out of update and spec out of updateStatus', async () => {
    const created = await registry.create('default', fresh());
    assert.equal(created.metadata!.generation, 1);

    const labelled = structuredClone(created);
    labelled.metadata!.labels = { ...labelled.metadata!.labels, extra: 'yes' };
    labelled.status!.replicas = 42;
    const afterLabel = await registry.update(labelled);
    assert.equal(afterLabel.metadata!.generation, 1, 'metadata changes keep the generation');
    assert.equal(afterLabel.status!.replicas ?? 0, 0, 'update does not write status');

    const scaled = structuredClone(afterLabel);
    scaled.spec!.replicas = 4;
    const afterScale = await registry.update(scaled);
    assert.equal(afterScale.metadata!.generation, 2);

    const status = structuredClone(afterScale);
    status.spec!.replicas = 100;
    status.status!.replicas = 4;
    const afterStatus = await registry.updateStatus(status);
    assert.equal(afterStatus.status!.replicas, 4);
    assert.equal(afterStatus.spec!.replicas, 4, 'updateStatus does not write spec');
    assert.equal(afterStatus.metadata!.generation, 2);
  });

  it('writes nothing for an update that changes nothing, and keeps the generation when only a map of the spec changes order', async () => {
    const d = fresh();
    d.spec!.template!.metadata!.annotations = { a: '1', b: '2' };
    const created = await registry.create('default', d);
    const same = await registry.update(structuredClone(created));
    assert.equal(same.metadata!.resourceVersion, created.metadata!.resourceVersion, 'nothing changed: nothing written');
    assert.equal(same.metadata!.generation, 1);
    const reordered = structuredClone(created);
    reordered.spec!.template!.metadata!.annotations = { b: '2', a: '1' };
    const after = await registry.update(reordered);
    assert.equal(after.metadata!.generation, 1, 'a map in another order is the same spec (as Kubernetes compares specs)');
    const scaled = structuredClone(after);
    scaled.spec!.replicas = 9;
    assert.equal((await registry.update(scaled)).metadata!.generation, 2);
  });

  it('the watch cache keeps the object a handed-over write stored (an in-process caller\'s stays its own), and watch events carry the stored object', async () => {
    await registry.startCache();
    try {
      const events: { type: string; object?: Deployment }[] = [];
      const stop = registry.watch({ namespace: 'default', labelSelector: 'app=web' }, { send: (b) => events.push(Deployments.watchEvent.decode(b)) > 0, fail: () => undefined });
      const created = await registry.create('default', fresh(), false, 'test', true);
      await registry.waitForCache(Number(created.metadata!.resourceVersion));
      assert.equal(registry.cached('default', 'web'), created, 'the very object the write stored, not a decoded copy');
      const relabelled = structuredClone(created);
      relabelled.metadata!.labels = { app: 'other' };
      const updated = await registry.update(relabelled);
      await registry.waitForCache(Number(updated.metadata!.resourceVersion));
      assert.notEqual(registry.cached('default', 'web'), updated, 'not handed over: the caller keeps its object');
      assert.deepEqual(registry.cached('default', 'web'), updated);
      stop();
      // The relabelled object leaves the watch: a DELETED carrying its last state that matched, at the update's resourceVersion.
      const decoded = (d: Deployment) => Deployments.type.decode(Deployments.type.encode(d).finish());
      assert.deepEqual(events, [
        { type: 'ADDED', object: decoded(created) },
        { type: 'DELETED', object: decoded({ ...created, metadata: { ...created.metadata!, resourceVersion: updated.metadata!.resourceVersion } }) },
      ]);
    } finally {
      registry.stopCache();
    }
  });

  it('starts a read-modify-write from the watch cache, and from the store when the cache is behind it', async () => {
    // The store as the registry sees it: reads counted, watch events held back while `holding`.
    let reads = 0;
    let holding = false;
    const held: (() => void)[] = [];
    const viewed = new Proxy(storage, {
      get(target, prop) {
        if (prop === 'get') return (key: string) => (reads++, target.get(key));
        if (prop === 'watch') {
          return (prefix: string, after: number, cb: WatchCallbacks) =>
            target.watch(prefix, after, { onEvents: (events) => (holding ? held.push(() => cb.onEvents(events)) : cb.onEvents(events)), onError: (err) => cb.onError(err) });
        }
        const value = Reflect.get(target, prop) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const byKind = strategies({ defaulting: DEFAULT_DEFAULTING, allocators: new ServiceAllocators('10.96.0.0/16', '30000-32767') });
    const cached = new Registry(Deployments, viewed, byKind.get(Deployments)!, { maxObjectBytes: 1024 * 1024, watchCacheSize: 100 });
    await cached.startCache();
    try {
      const created = await cached.create('default', fresh());
      await cached.waitForCache(Number(created.metadata!.resourceVersion));
      const bump = (by: number) => cached.guaranteedUpdate('default', 'web', (cur) => ({ ...cur, spec: { ...cur.spec!, replicas: (cur.spec!.replicas ?? 0) + by } }));
      reads = 0;
      const first = await bump(1);
      assert.equal(first.spec!.replicas, 4);
      assert.equal(reads, 0, 'the cache held the current state: the store was not read');
      await cached.waitForCache(Number(first.metadata!.resourceVersion));

      holding = true;
      const behind = await bump(1);
      assert.equal(cached.cached('default', 'web')!.spec!.replicas, 4, 'the cache is behind the store');
      assert.equal((await bump(10)).spec!.replicas, 15, 'the write over the cache\'s state conflicted and was done again from the store');
      const pinned = structuredClone(behind);
      pinned.metadata!.resourceVersion = (await cached.get('default', 'web')).metadata!.resourceVersion;
      pinned.spec!.replicas = 2;
      assert.equal((await cached.update(pinned)).spec!.replicas, 2, 'a pinned update carrying the store\'s resourceVersion is no conflict');
      const unchanged = await cached.get('default', 'web');
      assert.equal((await cached.update(structuredClone(unchanged))).metadata!.resourceVersion, unchanged.metadata!.resourceVersion, 'no change: nothing written');
      const gone = structuredClone(unchanged);
      gone.metadata!.resourceVersion = created.metadata!.resourceVersion;
      await assert.rejects(cached.update(gone), ConflictError, 'a resourceVersion the store has moved past is a conflict');
    } finally {
      holding = false;
      held.forEach((f) => f());
      cached.stopCache();
    }
  });

  it('validates writes through the status subresource with the kind\'s rules and keeps the stored status when refused', async () => {
    const byKind = strategies({ defaulting: DEFAULT_DEFAULTING, allocators: new ServiceAllocators('10.96.0.0/16', '30000-32767') });
    const sets = new Registry(StatefulSets, storage, byKind.get(StatefulSets)!, { maxObjectBytes: 1024 * 1024, watchCacheSize: 100 });
    const created = await sets.create('default', StatefulSet.fromPartial({
      metadata: { name: 'web' },
      spec: { serviceName: 'nginx', selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } },
    }));
    const ok = await sets.updateStatus({ ...created, status: { ...created.status!, replicas: 1, readyReplicas: 1, collisionCount: 2 } });
    assert.equal(ok.status!.collisionCount, 2);
    await assert.rejects(
      sets.updateStatus({ ...ok, status: { ...ok.status!, readyReplicas: 2, collisionCount: 1 } }),
      (err: unknown) => err instanceof InvalidError && /status\.readyReplicas: Invalid value: 2: cannot be greater than status\.replicas/.test(err.message) && /cannot be decremented/.test(err.message),
    );
    assert.deepEqual([(await sets.get('default', 'web')).status!.readyReplicas, (await sets.get('default', 'web')).status!.collisionCount], [1, 2]);
  });

  it('retries unpinned read-modify-writes that race, so none is lost', async () => {
    await registry.create('default', fresh());
    const bump = () =>
      registry.guaranteedUpdate('default', 'web', (cur) => {
        cur.spec!.replicas = (cur.spec!.replicas ?? 0) + 1;
        return cur;
      });
    await Promise.all(Array.from({ length: 10 }, bump));
    assert.equal((await registry.get('default', 'web')).spec!.replicas, 13);
  });

  it('refuses a patch naming a stale resourceVersion (a precondition) and applies one naming the current one', async () => {
    const created = await registry.create('default', fresh());
    const moved = structuredClone(created);
    moved.spec!.replicas = 4;
    const current = await registry.update(moved);
    const stale = JSON.stringify({ metadata: { resourceVersion: created.metadata!.resourceVersion }, spec: { replicas: 9 } });
    await assert.rejects(registry.patch('default', 'web', 'application/merge-patch+json', stale), ConflictError);
    const jsonStale = JSON.stringify([{ op: 'replace', path: '/metadata/resourceVersion', value: created.metadata!.resourceVersion }, { op: 'replace', path: '/spec/replicas', value: 9 }]);
    await assert.rejects(registry.patch('default', 'web', 'application/json-patch+json', jsonStale), ConflictError);
    assert.equal((await registry.get('default', 'web')).spec!.replicas, 4);
    const fresh2 = JSON.stringify({ metadata: { resourceVersion: current.metadata!.resourceVersion }, spec: { replicas: 6 } });
    assert.equal((await registry.patch('default', 'web', 'application/merge-patch+json', fresh2)).spec!.replicas, 6);
    assert.equal((await registry.patch('default', 'web', 'application/merge-patch+json', JSON.stringify({ spec: { replicas: 7 } }))).spec!.replicas, 7);
  });

  it('refuses a delete whose preconditions do not match', async () => {
    const created = await registry.create('default', fresh());
    await assert.rejects(registry.delete('default', 'web', { preconditions: { uid: 'other' } }), ConflictError);
    await assert.rejects(registry.delete('default', 'web', { preconditions: { resourceVersion: String(Number(created.metadata!.resourceVersion) + 100) } }), ConflictError);
    await registry.delete('default', 'web', { preconditions: { uid: created.metadata!.uid, resourceVersion: created.metadata!.resourceVersion } });
    await assert.rejects(registry.get('default', 'web'), /not found/);
  });
});
