// The watch cache's watchers, indexed as Kubernetes' cacher indexes them (its trigger functions,
// spec.nodeName for pods): a watcher whose field selector asks for one value of a field
// (`spec.nodeName=<node>` for a kubelet, `metadata.name=<name>` for a single object,
// `spec.nodeName=` for the scheduler's unscheduled pods) is found through that field's values in
// an event's new and old object; a watcher of one namespace through the namespace; only the rest
// see every event. An event then costs work for the watchers it can reach, not for every
// kubelet's: the filter still decides, the index only leaves out watchers it cannot match.
import type { KubeObject } from '../../../lib/api/kinds';
import type { ObjectFilter } from './filter';

export interface IndexedWatcher<T extends KubeObject> {
  filter: ObjectFilter<T>;
}

export class WatcherIndex<T extends KubeObject, W extends IndexedWatcher<T>> {
  private readonly everyone = new Set<W>();
  /** Watchers that may match any object. */
  private readonly unindexed = new Set<W>();
  private readonly byNamespace = new Map<string, Set<W>>();
  /** field -> how to read it, and value -> watchers whose selector requires field=value. */
  private readonly byField = new Map<string, { get: ObjectFilter<T>['getField']; values: Map<string, Set<W>> }>();
  private readonly buckets = new Map<W, { bucket: Set<W>; drop: () => void }>();

  add(w: W): void {
    this.everyone.add(w);
    const f = w.filter;
    const eq = f.fields.requirements.find((r) => r.operator === '=');
    if (eq) {
      const entry = this.byField.get(eq.field) ?? { get: f.getField, values: new Map<string, Set<W>>() };
      this.byField.set(eq.field, entry);
      const values = entry.values;
      const bucket = values.get(eq.value) ?? new Set<W>();
      values.set(eq.value, bucket);
      this.place(w, bucket, () => {
        values.delete(eq.value);
        if (values.size === 0) this.byField.delete(eq.field);
      });
    } else if (f.namespace) {
      const bucket = this.byNamespace.get(f.namespace) ?? new Set<W>();
      this.byNamespace.set(f.namespace, bucket);
      this.place(w, bucket, () => this.byNamespace.delete(f.namespace));
    } else {
      this.place(w, this.unindexed, () => {});
    }
  }

  delete(w: W): boolean {
    const at = this.buckets.get(w);
    if (!at) return false;
    this.buckets.delete(w);
    this.everyone.delete(w);
    at.bucket.delete(w);
    if (at.bucket.size === 0 && at.bucket !== this.unindexed) at.drop();
    return true;
  }

  clear(): void {
    this.everyone.clear();
    this.unindexed.clear();
    this.byNamespace.clear();
    this.byField.clear();
    this.buckets.clear();
  }

  get size(): number {
    return this.everyone.size;
  }

  [Symbol.iterator](): IterableIterator<W> {
    return this.everyone.values();
  }

  /** The watchers an event can concern: its object's and its previous state's namespace and indexed field values. */
  candidates(obj: T, prev: T | undefined): Iterable<W> {
    if (this.byNamespace.size === 0 && this.byField.size === 0) return this.unindexed;
    const out = new Set<W>(this.unindexed);
    const addAll = (bucket: Set<W> | undefined) => {
      if (bucket) for (const w of bucket) out.add(w);
    };
    for (const o of prev ? [obj, prev] : [obj]) {
      addAll(this.byNamespace.get(o.metadata?.namespace ?? ''));
      for (const [field, { get, values }] of this.byField) addAll(values.get(get(o, field) ?? ''));
    }
    return out;
  }

  private place(w: W, bucket: Set<W>, drop: () => void): void {
    bucket.add(w);
    this.buckets.set(w, { bucket, drop });
  }
}
