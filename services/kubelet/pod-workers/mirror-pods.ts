// Keeps one mirror pod in the API for each static pod (Kubernetes' mirror pod client and the
// mirror-pod part of syncPod and HandlePodCleanups): a static pod without a mirror pod gets one; a
// mirror pod that is being deleted, shows another version of its static pod (another hash), or
// has no static pod any more is deleted at once (grace period 0, its uid as precondition), and a
// new one is made where a static pod still needs it. So deleting a mirror pod brings a new one,
// never stops the static pod. Runs once the node is registered and the pod informer has synced;
// reconciliations never overlap, a request during one makes one more, and a failed one (the
// apiserver unreachable) is retried with a doubling delay.
import { isAlreadyExists, isConflict, isNotFound } from '../../../lib/api/errors';
import type { Clientset } from '../../../lib/client/clientset';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import { logger } from '../../../lib/log';
import { fullName, isMirrorPodOf, mirrorPodFor } from '../config-sources/static-pods';

export interface MirrorPodsDeps {
  client: Pick<Clientset, 'pods'>;
  nodeName: string;
  /** The registered Node's uid (the mirror pods' owner); undefined before registration. */
  nodeUid(): string | undefined;
  /** False until the pod informer has synced: the mirror pods are not known before. */
  ready(): boolean;
  staticPods(): Iterable<Pod>;
  /** The mirror pods bound to this node, as the pod informer has them. */
  mirrorPods(): Iterable<Pod>;
}

const RETRY = { initialMs: 1_000, maxMs: 30_000 };

export class MirrorPods {
  private running: Promise<void> | undefined;
  private again = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly log;

  constructor(private readonly d: MirrorPodsDeps) {
    this.log = logger('kubelet', { node: d.nodeName, module: 'mirror-pods' });
  }

  /** Asks for a reconciliation; resolves when one that started after the call has finished. */
  request(): Promise<void> {
    if (this.stopped || !this.d.ready()) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    clearTimeout(this.retryTimer);
    this.running = (async () => {
      do {
        this.again = false;
        await this.reconcileOrRetry();
      } while (this.again && !this.stopped);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }

  private async reconcileOrRetry(): Promise<void> {
    try {
      await this.reconcile();
      this.failures = 0;
    } catch (err) {
      const delay = Math.min(RETRY.initialMs * 2 ** this.failures, RETRY.maxMs);
      this.failures++;
      this.log.warn({ err: (err as Error).message, retryInMs: delay }, 'mirror pods not reconciled; retrying');
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => void this.request(), delay);
      this.retryTimer.unref();
    }
  }

  private async reconcile(): Promise<void> {
    const nodeUid = this.d.nodeUid();
    if (!nodeUid) return;
    const statics = new Map([...this.d.staticPods()].map((p) => [fullName(p), p]));
    const current = new Set<string>();
    for (const mirror of this.d.mirrorPods()) {
      const staticPod = statics.get(fullName(mirror));
      if (staticPod && !mirror.metadata!.deletionTimestamp && isMirrorPodOf(mirror, staticPod)) {
        current.add(fullName(mirror));
        continue;
      }
      await this.remove(mirror, staticPod ? 'outdated or being deleted' : 'its static pod is gone');
    }
    for (const [name, staticPod] of statics) {
      if (current.has(name)) continue;
      try {
        await this.d.client.pods.create(mirrorPodFor(staticPod, { name: this.d.nodeName, uid: nodeUid }));
        this.log.info({ pod: name }, 'created the mirror pod of a static pod');
      } catch (err) {
        // Made by a reconciliation the informer has not shown yet.
        if (!isAlreadyExists(err)) throw err;
      }
    }
  }

  private async remove(mirror: Pod, why: string): Promise<void> {
    const m = mirror.metadata!;
    try {
      await this.d.client.pods.delete(m.name, { namespace: m.namespace, gracePeriodSeconds: 0, preconditions: { uid: m.uid } });
      this.log.info({ pod: fullName(mirror), why }, 'deleted a mirror pod');
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}
