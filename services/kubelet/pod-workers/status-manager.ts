// Writes pods' statuses through UpdatePodStatus in the background (Kubernetes' status manager):
// the newest status asked for per pod wins, a pod has at most one write in flight, and nothing
// is written when the API already holds that status. A write that meets a newer resourceVersion
// reads the pod again (same uid only) and retries.
import { isConflict, isNotFound } from '../../../lib/api/errors';
import type { Clientset } from '../../../lib/client/clientset';
import { Pod, PodStatus } from '../../../lib/gen/kite/core/v1/types';
import { logger } from '../../../lib/log';
import { jsonEqual } from '../../../lib/util/json';

interface Entry {
  pod: Pod;
  desired: PodStatus;
  /** The status the API holds as far as we know. */
  written: PodStatus | undefined;
  writing: Promise<void> | undefined;
  dirty: boolean;
}

const MAX_ATTEMPTS = 5;
/** Wait before retrying a write the apiserver failed (unavailable, overloaded). */
const RETRY_MS = 1_000;

export function sameStatus(a: PodStatus | undefined, b: PodStatus | undefined): boolean {
  if (!a || !b) return a === b;
  return jsonEqual(PodStatus.toJSON(a), PodStatus.toJSON(b));
}

export class StatusManager {
  private readonly entries = new Map<string, Entry>();
  private readonly log = logger('kubelet', { module: 'status' });

  constructor(private readonly client: Pick<Clientset, 'pods'>) {}

  /** The status last asked for, if any (newer than the informer's copy). */
  get(uid: string): PodStatus | undefined {
    return this.entries.get(uid)?.desired;
  }

  /** Asks for `status` to be written for `pod` (the informer's copy: its resourceVersion is used). */
  set(pod: Pod, status: PodStatus): void {
    const uid = pod.metadata!.uid;
    let e = this.entries.get(uid);
    if (!e) {
      e = { pod, desired: status, written: pod.status, writing: undefined, dirty: false };
      this.entries.set(uid, e);
    }
    if (Number(pod.metadata!.resourceVersion) >= Number(e.pod.metadata!.resourceVersion)) {
      e.pod = pod;
      if (!e.writing) e.written = pod.status;
    }
    e.desired = status;
    if (sameStatus(e.written, status)) return;
    e.dirty = true;
    if (!e.writing) e.writing = this.writeLoop(uid, e);
  }

  forget(uid: string): void {
    this.entries.delete(uid);
  }

  /** Drops every pending write. */
  stop(): void {
    this.entries.clear();
  }

  /** Resolves once every write in flight has finished (for tests and shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.writing));
  }

  private async writeLoop(uid: string, e: Entry): Promise<void> {
    try {
      while (e.dirty && this.entries.get(uid) === e) {
        e.dirty = false;
        if (!(await this.write(e))) {
          await new Promise((r) => setTimeout(r, RETRY_MS).unref());
          e.dirty = true;
        }
      }
    } finally {
      e.writing = undefined;
    }
  }

  /** False when the write should be retried later. */
  private async write(e: Entry): Promise<boolean> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const status = e.desired;
      if (sameStatus(e.written, status)) return true;
      try {
        const updated = await this.client.pods.updateStatus({ ...e.pod, status });
        e.pod = updated;
        e.written = updated.status;
        return true;
      } catch (err) {
        if (isNotFound(err)) return true;
        if (!isConflict(err)) {
          this.log.warn({ pod: key(e.pod), err: (err as Error).message }, 'pod status not written; retrying');
          return false;
        }
        const fresh = await this.client.pods.get(e.pod.metadata!.name, e.pod.metadata!.namespace).catch(() => undefined);
        // Deleted and re-created under the same name: this status is not the new pod's.
        if (!fresh || fresh.metadata!.uid !== e.pod.metadata!.uid) return true;
        e.pod = fresh;
        e.written = fresh.status;
      }
    }
    return false;
  }
}

function key(pod: Pod): string {
  return `${pod.metadata!.namespace}/${pod.metadata!.name}`;
}
