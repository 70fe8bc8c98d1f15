// Informers: list-watch caches with indexes, listers and event handlers (client-go style).
export type {
  InformerListOptions,
  InformerWatchOptions,
  ListerWatcher,
  ListerWatcherFactory,
  ListWatchScope,
} from './lister-watcher';
export { BY_NAMESPACE, Indexer, namespaceIndexFunc, type IndexerOptions, type IndexFunc, type Indexers } from './indexer';
export { Backoff, type BackoffOptions } from './backoff';
export { Reflector, type ReflectorOptions, type ReflectorStore } from './reflector';
export {
  SharedInformer,
  type EventHandler,
  type EventHandlerRegistration,
  type HandlerOptions,
  type SharedInformerOptions,
} from './shared-informer';
export { Lister, type NamespaceLister } from './lister';
export { InformerFactory, type InformerFactoryOptions } from './informer-factory';
export { deepFreeze } from './deep-freeze';
