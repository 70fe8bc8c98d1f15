// Option shapes of the typed client, mirroring Kubernetes' ListOptions and DeleteOptions.

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  limit?: number;
  continue?: string;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /**
   * "" or "0": first an ADDED event for every existing object, then changes (as Kubernetes does);
   * any other value: the changes strictly after that resourceVersion.
   */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  sendInitialEvents?: boolean;
}

export interface DeleteOptionsLike {
  namespace?: string;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  /** "Background" (default), "Foreground" or "Orphan". */
  propagationPolicy?: string;
  /** Everything but the write (dryRun=All). */
  dryRun?: boolean;
}
