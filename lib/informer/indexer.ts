// The informer's in-memory cache: objects by "namespace/name" key, plus named secondary indexes
// (client-go's cache.Indexer). Objects handed out are the cached ones and must be treated as
// read-only: clone (structuredClone) before changing. With `freeze` they are deep-frozen so a
// mutation throws (in strict code) instead of silently corrupting the cache.
import { objectKey, type KubeObject } from '../api/kinds';
import { deepFreeze } from './deep-freeze';

/** The values an object is indexed under (none, one or several). */
export type IndexFunc<T> = (obj: T) => string[];
export type Indexers<T> = Record<string, IndexFunc<T>>;

/** The built-in index: objects by metadata.namespace ("" for cluster-scoped ones). */
export const BY_NAMESPACE = 'byNamespace';

export function namespaceIndexFunc(obj: KubeObject): string[] {
  return [obj.metadata?.namespace ?? ''];
}

export interface IndexerOptions {
  /** Deep-freeze stored objects; default: the KITE_FREEZE_CACHE=1 environment variable. */
  freeze?: boolean;
}

export class Indexer<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name -> indexed value -> keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly freeze: boolean;

  constructor(indexers: Indexers<T> = {}, opts: IndexerOptions = {}) {
    this.freeze = opts.freeze ?? process.env.KITE_FREEZE_CACHE === '1';
    this.addIndexers({ [BY_NAMESPACE]: namespaceIndexFunc, ...indexers });
  }

  /** Adds indexes (also once objects are stored: they are indexed at once). */
  addIndexers(indexers: Indexers<T>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers.has(name)) throw new Error(`index ${name} already exists`);
      this.indexers.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) this.indexInto(index, fn(obj), key);
    }
  }

  /** Stores `obj` under its key, replacing any object stored there. */
  add(obj: T): void {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (this.freeze) deepFreeze(obj);
    this.items.set(key, obj);
    this.reindex(key, old, obj);
  }

  /** Same as add: the cache keeps whatever the API said last. */
  update(obj: T): void {
    this.add(obj);
  }

  /** Removes the object with `obj`'s key (or with the key given). */
  delete(objOrKey: T | string): void {
    const key = typeof objOrKey === 'string' ? objOrKey : objectKey(objOrKey);
    const old = this.items.get(key);
    if (!old) return;
    this.items.delete(key);
    this.reindex(key, old, undefined);
  }

  /** Replaces the whole content with `items` (after a list). */
  replace(items: T[]): void {
    this.items.clear();
    for (const index of this.indices.values()) index.clear();
    for (const obj of items) this.add(obj);
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  size(): number {
    return this.items.size;
  }

  /** The objects indexed under `value` by the index `indexName`. */
  byIndex(indexName: string, value: string): T[] {
    return this.indexKeys(indexName, value).map((k) => this.items.get(k)!);
  }

  /** The keys of the objects indexed under `value` by the index `indexName`. */
  indexKeys(indexName: string, value: string): string[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`no index named ${indexName}`);
    return [...(index.get(value) ?? [])];
  }

  /** Every value the index `indexName` currently holds objects under. */
  indexValues(indexName: string): string[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`no index named ${indexName}`);
    return [...index.keys()];
  }

  private reindex(key: string, oldObj: T | undefined, newObj: T | undefined): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name)!;
      if (oldObj) {
        for (const v of fn(oldObj)) {
          const keys = index.get(v);
          keys?.delete(key);
          if (keys?.size === 0) index.delete(v);
        }
      }
      if (newObj) this.indexInto(index, fn(newObj), key);
    }
  }

  private indexInto(index: Map<string, Set<string>>, values: string[], key: string): void {
    for (const v of values) {
      let keys = index.get(v);
      if (!keys) index.set(v, (keys = new Set()));
      keys.add(key);
    }
  }
}
