// Read access to an informer's cache, shaped like client-go's listers. Returned objects are the
// cached ones: read-only, clone before changing.
import type { KubeObject } from '../api/kinds';
import type { Selector } from '../api/selectors';
import { BY_NAMESPACE, type Indexer } from './indexer';

export interface NamespaceLister<T> {
  get(name: string): T | undefined;
  /** Objects of this namespace whose labels match `selector` (all if unset). */
  list(selector?: Selector): T[];
}

export class Lister<T extends KubeObject> {
  constructor(private readonly indexer: Indexer<T>) {}

  /** By key: "namespace/name", or "name" for cluster-scoped objects. */
  get(key: string): T | undefined {
    return this.indexer.get(key);
  }

  /** Objects whose labels match `selector` (all if unset). */
  list(selector?: Selector): T[] {
    return filter(this.indexer.list(), selector);
  }

  namespace(namespace: string): NamespaceLister<T> {
    return {
      get: (name) => this.indexer.get(namespace ? `${namespace}/${name}` : name),
      list: (selector) => filter(this.indexer.byIndex(BY_NAMESPACE, namespace), selector),
    };
  }

  /** Objects indexed under `value` by a named index of the informer. */
  byIndex(indexName: string, value: string): T[] {
    return this.indexer.byIndex(indexName, value);
  }
}

function filter<T extends KubeObject>(items: T[], selector: Selector | undefined): T[] {
  return selector ? items.filter((o) => selector.matches(o.metadata?.labels)) : items;
}
