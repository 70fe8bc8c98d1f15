// What an informer needs from the API: list a kind, then watch it from a resourceVersion. The
// namespace and selectors are bound when the ListerWatcher is made (e.g. the typed client's
// `clientset.resource(kind).listerWatcher({namespace, labelSelector, fieldSelector})`).
import type { KindInfo, KubeList, KubeObject, WatchEvent } from '../api/kinds';

export interface InformerListOptions {
  /** Unset: the most recent state (a consistent read). */
  resourceVersion?: string;
  /** Page size; the reply's metadata.continue fetches the next page. */
  limit?: number;
  continue?: string;
}

export interface InformerWatchOptions {
  /** Stream changes strictly after this resourceVersion. */
  resourceVersion: string;
  /** Ask for BOOKMARK events that carry a newer resourceVersion when nothing changes. */
  allowWatchBookmarks: boolean;
  /** The server ends the stream after this long, so streams roll over. */
  timeoutSeconds?: number;
}

export interface ListerWatcher<T> {
  list(opts: InformerListOptions): Promise<KubeList<T>>;
  /**
   * Events until the server ends the stream (the iterable ends) or it fails (iteration throws;
   * ExpiredError when `resourceVersion` is too old). Aborting `signal` cancels the stream.
   */
  watch(opts: InformerWatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<T>>;
}

/** Which objects of a kind a ListerWatcher (and so an informer) sees. */
export interface ListWatchScope {
  /** "" or unset: all namespaces. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/** Makes the ListerWatcher for a kind and scope; the InformerFactory is built on one. */
export type ListerWatcherFactory = <T extends KubeObject>(kind: KindInfo<T>, scope: ListWatchScope) => ListerWatcher<T>;
