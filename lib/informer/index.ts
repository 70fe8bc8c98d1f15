// Informers: list-watch caches with indexes, listers and event handlers (client-go style).
// A controller wires them as sample-controller does:
//
//   const factory = new InformerFactory((kind, scope) => clientset.resource(kind).listerWatcher(scope));
//   const pods = factory.forKind(Pods);
//   pods.addIndexers({ byNode: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []) });
//   const queue = new RateLimitingQueue();
//   pods.addEventHandler(enqueueHandler(queue));
//   factory.start(signal);
//   if (!(await factory.waitForCacheSync(signal))) return;
//   const lister = pods.lister();
//   await runWorkers(queue, 2, async (key) => {
//     const pod = lister.get(key);
//     if (!pod) return; // gone: nothing to do
//     ... compare desired and actual, write the difference (on a structuredClone) ...
//   }, { signal });
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
export { enqueueHandler } from './enqueue-handler';
export { deepFreeze } from './deep-freeze';
