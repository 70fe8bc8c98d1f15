// Writes pods' statuses through UpdatePodStatus in the background (Kubernetes' status manager):
// the newest status asked for per pod wins, a pod has at most one write in flight, and nothing
// is written when the API already holds that status. A write that meets a newer resourceVersion
// reads the pod again (same uid only) and retries. A static pod's status goes to its mirror pod
// (Kubernetes translates the uid the same way); without one, nothing is written until it exists.
import { isConflict, isNotFound } from '../../../lib/api/errors';
import type { Clientset } from '../../../lib/client/clientset';
import { Pod, PodStatus } from '../../../lib/gen/kite/core/v1/types';
import { logger } from '../../../lib/log';
import { jsonEqual } from '../../../lib/util/json';

interface Entry {
  /** The API object the status is written to (a static pod's mirror pod); undefined while there is none. */
  pod: Pod | undefined;
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

  /** `apiPodOf`: the API object holding a pod's status (a static pod's mirror pod), undefined if none. */
  constructor(
    private readonly client: Pick<Clientset, 'pods'>,
    private readonly apiPodOf: (pod: Pod) => Pod | undefined = (pod) => pod,
  ) {}

  /** The status last asked for, if any (newer than the informer's copy). */
  get(uid: string): PodStatus | undefined {
    return this.entries.get(uid)?.desired;
  }

  /** Asks for `status` to be written for `pod` (the informer's copy: its resourceVersion is used). */
  set(pod: Pod, status: PodStatus): void {
    const uid = pod.metadata!.uid;
    const target = this.apiPodOf(pod);
    let e = this.entries.get(uid);
    if (!e) {
      e = { pod: target, desired: status, written: target?.status, writing: undefined, dirty: false };
      this.entries.set(uid, e);
    }
    if (target && (!e.pod || e.pod.metadata!.uid !== target.metadata!.uid)) {
      // A new mirror pod: what an earlier one held says nothing about it.
      e.pod = target;
      e.written = target.status;
    } else if (target && Number(target.metadata!.resourceVersion) >= Number(e.pod!.metadata!.resourceVersion)) {
      e.pod = target;
      if (!e.writing) e.written = target.status;
    }
    e.desired = status;
    if (!e.pod || sameStatus(e.written, status)) return;
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
      const target = e.pod;
      if (!target || sameStatus(e.written, status)) return true;
      try {
        const updated = await this.client.pods.updateStatus({ ...target, status });
        // Unless a new mirror pod replaced the target meanwhile.
        if (e.pod === target) {
          e.pod = updated;
          e.written = updated.status;
        }
        return true;
      } catch (err) {
        if (isNotFound(err)) return true;
        if (!isConflict(err)) {
          this.log.warn({ pod: key(target), err: (err as Error).message }, 'pod status not written; retrying');
          return false;
        }
        const fresh = await this.client.pods.get(target.metadata!.name, target.metadata!.namespace).catch(() => undefined);
        // Deleted and re-created under the same name: this status is not the new pod's.
        if (!fresh || fresh.metadata!.uid !== target.metadata!.uid) return true;
        if (e.pod !== target) continue;
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
