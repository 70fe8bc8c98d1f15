// The kubelet's ConfigMap and Secret managers (Kubernetes' watch-based manager,
// pkg/kubelet/util/manager/watch_based_manager.go): registering a pod references every ConfigMap
// and Secret it names; each referenced object is listed and watched on its own (a field selector
// metadata.name=<name> in its namespace, which the Node authorizer allows for objects of the
// node's pods) into a cache; reads wait (boundedly) for that watch's first list and answer from
// the cache. An object seen immutable is not watched any further; an object no pod references
// any more stops being watched. Listeners hear of every change of a watched object (and of a first
// list that came after a read gave up on it), with the pods that reference it, so the kubelet
// re-syncs them (env) and refreshes their volumes.
import { ConfigMaps, objectKey, Secrets, type KindInfo, type KubeObject } from '../../../lib/api/kinds';
import { podConfigReferences, type PodConfigReference } from '../../../lib/api/pods';
import type { ConfigMap, Pod, Secret } from '../../../lib/gen/kite/core/v1/types';
import { SharedInformer, type ListerWatcherFactory } from '../../../lib/informer';
import { logger } from '../../../lib/log';
import type { PodObjectSource } from './types';

export type ObjectKind = PodConfigReference['kind'];

/** A watched ConfigMap or Secret changed (added, updated or deleted). */
export interface ObjectChange {
  kind: ObjectKind;
  namespace: string;
  name: string;
  /** The uids of the registered pods that name it. */
  podUids: string[];
}

export type ObjectChangeListener = (change: ObjectChange) => void;

export interface ObjectManagerOptions {
  /** Makes the single-object list+watch (the kubelet's clientset). */
  listerWatcher: ListerWatcherFactory;
  /** How long a read waits for its object's first list (Kubernetes waits 1 s). */
  syncTimeoutMs?: number;
}

const DEFAULT_SYNC_TIMEOUT_MS = 1_000;

/** Kubernetes' group resources of the two managers: "configmap" and "secret", as their NotFound errors name them. */
const RESOURCE: Record<ObjectKind, string> = { ConfigMap: 'configmap', Secret: 'secret' };

interface Watched {
  kind: ObjectKind;
  namespace: string;
  name: string;
  informer: SharedInformer<KubeObject>;
  abort: AbortController;
  /** Uids of the pods naming the object. */
  pods: Set<string>;
  immutable: boolean;
  /** A read gave up waiting for the first list: its pods are told when the list arrives. */
  readTimedOut: boolean;
}

function isImmutable(obj: KubeObject): boolean {
  return (obj as ConfigMap | Secret).immutable === true;
}

export class ObjectManager implements PodObjectSource {
  private readonly watched = new Map<string, Watched>();
  /** What each registered pod references, by pod uid. */
  private readonly registered = new Map<string, { namespace: string; refs: PodConfigReference[] }>();
  private readonly listeners = new Set<ObjectChangeListener>();
  private readonly syncTimeoutMs: number;
  private readonly log = logger('kubelet', { module: 'object-manager' });

  constructor(private readonly opts: ObjectManagerOptions) {
    this.syncTimeoutMs = opts.syncTimeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS;
  }

  /** References what `pod` names (again after a change of its spec: what it no longer names is released). */
  registerPod(pod: Pod): void {
    const uid = pod.metadata!.uid;
    const namespace = pod.metadata!.namespace;
    const refs = podConfigReferences(pod);
    for (const ref of refs) this.reference(watchKey(ref.kind, namespace, ref.name), ref.kind, namespace, ref.name, uid);
    const before = this.registered.get(uid);
    this.registered.set(uid, { namespace, refs });
    if (!before) return;
    const now = new Set(refs.map((r) => watchKey(r.kind, namespace, r.name)));
    for (const ref of before.refs) {
      const key = watchKey(ref.kind, before.namespace, ref.name);
      if (!now.has(key)) this.dereference(key, uid);
    }
  }

  /** Releases what `pod` named; objects nobody names any more stop being watched. */
  unregisterPod(pod: Pod): void {
    const uid = pod.metadata!.uid;
    const before = this.registered.get(uid);
    if (!before) return;
    this.registered.delete(uid);
    for (const ref of before.refs) this.dereference(watchKey(ref.kind, before.namespace, ref.name), uid);
  }

  /** Calls `listener` on every change of a watched object; returns the unsubscribe function. */
  onChange(listener: ObjectChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    return this.get('ConfigMap', namespace, name) as Promise<ConfigMap | undefined>;
  }

  getSecret(namespace: string, name: string): Promise<Secret | undefined> {
    return this.get('Secret', namespace, name) as Promise<Secret | undefined>;
  }

  /** Stops every watch. */
  stop(): void {
    for (const w of this.watched.values()) w.abort.abort();
    this.watched.clear();
    this.registered.clear();
  }

  /** Objects being watched now, as "Kind/namespace/name" (tests and debugging). */
  watching(): string[] {
    return [...this.watched.values()].filter((w) => !w.abort.signal.aborted).map((w) => `${w.kind}/${w.namespace}/${w.name}`);
  }

  private async get(kind: ObjectKind, namespace: string, name: string): Promise<KubeObject | undefined> {
    const w = this.watched.get(watchKey(kind, namespace, name));
    if (!w) throw new Error(`object "${namespace}"/"${name}" not registered`);
    if (!w.informer.hasSynced()) {
      const timeout = AbortSignal.timeout(this.syncTimeoutMs);
      const synced = await w.informer.waitForSync(AbortSignal.any([timeout, w.abort.signal]));
      if (!synced) {
        w.readTimedOut = true;
        throw new Error(`failed to sync ${RESOURCE[kind]} cache: timed out waiting for the condition`);
      }
    }
    const obj = w.informer.indexer.get(objectKey({ metadata: { namespace, name } } as KubeObject));
    if (obj && isImmutable(obj) && !w.immutable) {
      // An immutable object cannot change: its watch is no longer needed (Kubernetes stops the reflector).
      w.immutable = true;
      w.abort.abort();
    }
    return obj;
  }

  private reference(key: string, kind: ObjectKind, namespace: string, name: string, podUid: string): void {
    let w = this.watched.get(key);
    if (!w) {
      w = this.watch(kind, namespace, name);
      this.watched.set(key, w);
    }
    w.pods.add(podUid);
  }

  private dereference(key: string, podUid: string): void {
    const w = this.watched.get(key);
    if (!w) return;
    w.pods.delete(podUid);
    if (w.pods.size > 0) return;
    w.abort.abort();
    this.watched.delete(key);
  }

  private watch(kind: ObjectKind, namespace: string, name: string): Watched {
    const info: KindInfo<any> = kind === 'ConfigMap' ? ConfigMaps : Secrets;
    const scope = { namespace, fieldSelector: `metadata.name=${name}` };
    const informer = new SharedInformer<KubeObject>(this.opts.listerWatcher(info, scope), { name: `${info.resource}/${namespace}/${name}`, freeze: true });
    const abort = new AbortController();
    const w: Watched = { kind, namespace, name, informer, abort, pods: new Set(), immutable: false, readTimedOut: false };
    const changed = () => this.notify(w);
    informer.addEventHandler({ onAdd: changed, onUpdate: (old, obj) => old !== obj && changed(), onDelete: changed });
    void informer.waitForSync(abort.signal).then((synced) => {
      if (synced && w.readTimedOut) this.notify(w);
    });
    informer.run(abort.signal).catch((err: Error) => this.log.warn({ object: `${namespace}/${name}`, kind, err: err.message }, 'watch ended'));
    return w;
  }

  private notify(w: Watched): void {
    if (w.abort.signal.aborted) return;
    const change: ObjectChange = { kind: w.kind, namespace: w.namespace, name: w.name, podUids: [...w.pods] };
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.log.error({ err }, 'object change listener threw');
      }
    }
  }
}

function watchKey(kind: ObjectKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}
