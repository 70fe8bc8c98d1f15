// The garbage collector: follows ownerReferences (by uid) across every kind and
//  - deletes objects whose owners are all gone (background cascading deletion), including those
//    whose owner's name now belongs to a different object (another uid);
//  - for an owner deleted with propagationPolicy Foreground (finalizer "foregroundDeletion"),
//    deletes its dependents and removes the finalizer once no dependent blocking it
//    (blockOwnerDeletion) is left, so the apiserver can delete it;
//  - for an owner deleted with Orphan (finalizer "orphan"), removes the references to it from
//    its dependents, then the finalizer.
// The owner graph is the informers' caches indexed by owner uid; an owner missing from the cache
// is confirmed with a live read before anything is deleted, since caches of different kinds lag
// each other.
import { isConflict, isNotFound } from '../../../lib/api/errors';
import { ALL_KINDS, Events, kindFor, objectKey, splitKey, type KindInfo, type KubeObject } from '../../../lib/api/kinds';
import type { OwnerReference } from '../../../lib/gen/kite/meta/v1/meta';
import type { SharedInformer } from '../../../lib/informer';
import { canonicalJson } from '../../../lib/util/json';
import { BY_OWNER_UID, ensureIndex, ownerUidIndex } from '../common/indexes';
import { QueueController, type ControllerContext } from '../controller';

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';
const BY_UID = 'byUid';

export interface GarbageCollectorOptions {
  /** Concurrent syncs (--concurrent-gc-syncs). */
  workers: number;
  /** Owner uids remembered as confirmed absent. */
  absentCacheSize: number;
}

export const DEFAULT_GC_OPTIONS: GarbageCollectorOptions = { workers: 20, absentCacheSize: 1000 };

/** Kinds whose objects take part in the graph; events neither own nor are owned. */
export const GC_KINDS: readonly KindInfo<any>[] = ALL_KINDS.filter((k) => k !== Events && !k.declaration.ephemeral);

interface Node {
  kind: KindInfo<any>;
  obj: KubeObject;
}

function hasFinalizer(obj: KubeObject, f: string): boolean {
  return !!obj.metadata?.finalizers.includes(f);
}

function deletingDependents(obj: KubeObject): boolean {
  return !!obj.metadata?.deletionTimestamp && hasFinalizer(obj, FOREGROUND_FINALIZER);
}

export class GarbageCollector extends QueueController<GarbageCollectorOptions> {
  readonly name = 'garbagecollector';
  private readonly informers = new Map<string, { kind: KindInfo<any>; informer: SharedInformer<KubeObject> }>();
  private readonly absent = new Set<string>();

  constructor(
    ctx: ControllerContext,
    opts: Partial<GarbageCollectorOptions> = {},
    kinds: readonly KindInfo<any>[] = GC_KINDS,
  ) {
    super(ctx, 'garbage-collector-controller', DEFAULT_GC_OPTIONS, opts);
    for (const kind of kinds) {
      const informer = ctx.informers.forKind<KubeObject>(kind);
      ensureIndex(informer, BY_OWNER_UID, ownerUidIndex);
      ensureIndex(informer, BY_UID, (o) => [o.metadata?.uid ?? '']);
      this.informers.set(kind.kind, { kind, informer });
      informer.addEventHandler({
        onAdd: (o) => this.onAdd(kind, o),
        onUpdate: (old, o) => this.onUpdate(kind, old, o),
        onDelete: (o) => this.onDelete(kind, o),
      });
    }
  }

  protected syncedInformers(): SharedInformer<any>[] {
    return [...this.informers.values()].map((i) => i.informer);
  }

  // ---------- the graph ----------

  static item(kind: KindInfo<any>, obj: KubeObject): string {
    return `${kind.kind}:${objectKey(obj)}`;
  }

  private enqueue(kind: KindInfo<any>, obj: KubeObject): void {
    this.queue.add(GarbageCollector.item(kind, obj));
  }

  /** The informer of the kind an ownerReference names. */
  private kindOf(ref: OwnerReference): { kind: KindInfo<any>; informer: SharedInformer<KubeObject> } | undefined {
    const kind = kindFor(ref.apiVersion, ref.kind) ?? ALL_KINDS.find((k) => k.kind === ref.kind);
    return kind && this.informers.get(kind.kind);
  }

  /** The cached object with this uid, if its kind is known and cached. */
  private cachedByUid(ref: OwnerReference): Node | undefined {
    const k = this.kindOf(ref);
    const obj = k?.informer.indexer.byIndex(BY_UID, ref.uid)[0];
    return k && obj ? { kind: k.kind, obj } : undefined;
  }

  /** Everything that names `uid` as an owner, across kinds. */
  private dependents(uid: string): Node[] {
    const out: Node[] = [];
    for (const { kind, informer } of this.informers.values()) {
      for (const obj of informer.indexer.byIndex(BY_OWNER_UID, uid)) out.push({ kind, obj });
    }
    return out;
  }

  private onAdd(kind: KindInfo<any>, obj: KubeObject): void {
    const owners = obj.metadata?.ownerReferences ?? [];
    if (owners.some((r) => !this.cachedByUid(r)) || this.ownerWaiting(obj)) this.enqueue(kind, obj);
    if (obj.metadata?.deletionTimestamp && (hasFinalizer(obj, ORPHAN_FINALIZER) || hasFinalizer(obj, FOREGROUND_FINALIZER))) this.enqueue(kind, obj);
  }

  private onUpdate(kind: KindInfo<any>, old: KubeObject, obj: KubeObject): void {
    if (old.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
    const refsChanged = canonicalJson(old.metadata?.ownerReferences) !== canonicalJson(obj.metadata?.ownerReferences);
    if (refsChanged) {
      this.enqueue(kind, obj);
      // An owner waiting on this dependent may be free now.
      for (const r of old.metadata?.ownerReferences ?? []) this.enqueueOwnerIfDeleting(r);
    }
    const gcFinalizing = !!obj.metadata?.deletionTimestamp && (hasFinalizer(obj, ORPHAN_FINALIZER) || hasFinalizer(obj, FOREGROUND_FINALIZER));
    if (gcFinalizing) this.enqueue(kind, obj);
    if (deletingDependents(obj) && !deletingDependents(old)) {
      for (const d of this.dependents(obj.metadata!.uid)) this.enqueue(d.kind, d.obj);
    }
  }

  private onDelete(kind: KindInfo<any>, obj: KubeObject): void {
    this.absent.add(obj.metadata!.uid);
    this.trimAbsent();
    for (const d of this.dependents(obj.metadata!.uid)) this.enqueue(d.kind, d.obj);
    for (const r of obj.metadata?.ownerReferences ?? []) this.enqueueOwnerIfDeleting(r);
  }

  private enqueueOwnerIfDeleting(ref: OwnerReference): void {
    const owner = this.cachedByUid(ref);
    if (owner && owner.obj.metadata?.deletionTimestamp) this.enqueue(owner.kind, owner.obj);
  }

  private ownerWaiting(obj: KubeObject): boolean {
    return (obj.metadata?.ownerReferences ?? []).some((r) => {
      const owner = this.cachedByUid(r);
      return !!owner && deletingDependents(owner.obj);
    });
  }

  private trimAbsent(): void {
    while (this.absent.size > this.opts.absentCacheSize) this.absent.delete(this.absent.values().next().value as string);
  }

  // ---------- reconcile ----------

  async reconcile(item: string): Promise<void> {
    const i = item.indexOf(':');
    const entry = this.informers.get(item.slice(0, i));
    if (!entry) return;
    const key = item.slice(i + 1);
    const obj = entry.informer.indexer.get(key);
    if (!obj) return;
    const node: Node = { kind: entry.kind, obj };
    if (obj.metadata?.deletionTimestamp) {
      if (hasFinalizer(obj, ORPHAN_FINALIZER)) await this.orphanDependents(node);
      else if (hasFinalizer(obj, FOREGROUND_FINALIZER)) await this.processDeletingDependents(node);
      return;
    }
    if ((obj.metadata?.ownerReferences.length ?? 0) === 0) return;
    await this.attemptToDelete(node, splitKey(key).namespace);
  }

  /**
   * The live owner a reference names, or undefined when it is gone (absent, or its name now
   * belongs to an object with another uid).
   */
  private async resolveOwner(ref: OwnerReference, namespace: string): Promise<KubeObject | undefined> {
    if (this.absent.has(ref.uid)) return undefined;
    const cached = this.cachedByUid(ref);
    if (cached) return cached.obj;
    const k = this.kindOf(ref);
    // An owner of unknown kind cannot be verified: never collect on its account.
    if (!k) return { kind: ref.kind, apiVersion: ref.apiVersion, metadata: { uid: ref.uid } } as KubeObject;
    // A namespaced owner cannot own a cluster-scoped object: such a reference is dangling.
    if (k.kind.namespaced && !namespace) return undefined;
    try {
      const live = await this.ctx.client.resource(k.kind).get(ref.name, k.kind.namespaced ? namespace : undefined);
      if (live.metadata?.uid === ref.uid) return live;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.absent.add(ref.uid);
    this.trimAbsent();
    return undefined;
  }

  /** Kubernetes' attemptToDeleteItem for an object that has owners. */
  private async attemptToDelete(node: Node, namespace: string): Promise<void> {
    const refs = node.obj.metadata!.ownerReferences;
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const ref of refs) {
      const owner = await this.resolveOwner(ref, namespace);
      if (!owner) dangling.push(ref);
      else if (deletingDependents(owner)) waiting.push(ref);
      else solid.push(ref);
    }
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return;
      // Other owners keep it alive: only the references to gone or going owners are dropped.
      const drop = new Set([...dangling, ...waiting].map((r) => r.uid));
      await this.rewrite(node, (o) => {
        o.metadata!.ownerReferences = o.metadata!.ownerReferences.filter((r) => !drop.has(r.uid));
      });
      return;
    }
    const uid = node.obj.metadata!.uid;
    if (waiting.length > 0 && this.dependents(uid).length > 0) {
      // Its owners wait for it, and it has dependents of its own: delete those first (Foreground).
      // A dependent that is itself waiting means a cycle; unblock our owners to break it.
      if (this.dependents(uid).some((d) => deletingDependents(d.obj))) {
        const unblock = new Set(waiting.map((r) => r.uid));
        await this.rewrite(node, (o) => {
          for (const r of o.metadata!.ownerReferences) if (unblock.has(r.uid)) r.blockOwnerDeletion = false;
        });
      }
      await this.deleteObject(node, 'Foreground');
      return;
    }
    const policy = hasFinalizer(node.obj, ORPHAN_FINALIZER) ? 'Orphan' : hasFinalizer(node.obj, FOREGROUND_FINALIZER) ? 'Foreground' : 'Background';
    await this.deleteObject(node, policy);
  }

  private async deleteObject(node: Node, propagationPolicy: string): Promise<void> {
    const m = node.obj.metadata!;
    try {
      await this.ctx.client.resource(node.kind).delete(m.name, {
        namespace: node.kind.namespaced ? m.namespace : undefined,
        propagationPolicy,
        preconditions: { uid: m.uid },
      });
      this.log.info({ kind: node.kind.kind, object: objectKey(node.obj), propagationPolicy }, 'deleted object whose owners are gone');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Foreground deletion of an owner: dependents go first; the finalizer goes when none blocks. */
  private async processDeletingDependents(owner: Node): Promise<void> {
    const uid = owner.obj.metadata!.uid;
    const deps = this.dependents(uid);
    const blocking = deps.filter((d) => d.obj.metadata!.ownerReferences.some((r) => r.uid === uid && r.blockOwnerDeletion));
    if (blocking.length === 0) {
      await this.removeFinalizer(owner, FOREGROUND_FINALIZER);
      return;
    }
    for (const d of deps) if (!d.obj.metadata!.deletionTimestamp || deletingDependents(d.obj)) this.enqueue(d.kind, d.obj);
  }

  /** Orphan deletion of an owner: dependents lose their reference to it, then it may go. */
  private async orphanDependents(owner: Node): Promise<void> {
    const uid = owner.obj.metadata!.uid;
    for (const d of this.dependents(uid)) {
      await this.rewrite(d, (o) => {
        o.metadata!.ownerReferences = o.metadata!.ownerReferences.filter((r) => r.uid !== uid);
      });
    }
    await this.removeFinalizer(owner, ORPHAN_FINALIZER);
  }

  private async removeFinalizer(node: Node, finalizer: string): Promise<void> {
    await this.rewrite(node, (o) => {
      o.metadata!.finalizers = o.metadata!.finalizers.filter((f) => f !== finalizer);
    });
  }

  /** Read-modify-write of the live object (a few tries on conflicts); gone is fine. */
  private async rewrite(node: Node, mutate: (o: KubeObject) => void): Promise<void> {
    const client = this.ctx.client.resource(node.kind);
    const m = node.obj.metadata!;
    let cur: KubeObject = node.obj;
    for (let attempt = 0; ; attempt++) {
      const next = structuredClone(cur);
      mutate(next);
      if (canonicalJson(next.metadata) === canonicalJson(cur.metadata)) return;
      try {
        await client.update(next);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt >= 3) throw err;
      }
      try {
        cur = await client.get(m.name, node.kind.namespaced ? m.namespace : undefined);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      if (cur.metadata?.uid !== m.uid) return;
    }
  }
}
