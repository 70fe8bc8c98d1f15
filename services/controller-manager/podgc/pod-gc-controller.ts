// The pod garbage collector (Kubernetes' pkg/controller/podgc): every 20 s it deletes
//  - terminated pods (Succeeded/Failed) beyond --terminated-pod-gc-threshold, evicted ones
//    first, then oldest created first;
//  - terminating pods on a NotReady node tainted node.kubernetes.io/out-of-service;
//  - orphaned pods, bound to a node that no longer exists: a node missing from the informer is
//    quarantined for 40 s, then checked by a direct GET; its pods get the DisruptionTarget
//    condition (reason DeletionByPodGC);
//  - terminating pods that were never scheduled (no kubelet will ever confirm their deletion).
// Every deletion is forced (grace period 0) after a pod not yet terminal is marked Failed, so the
// Job controller counts it (its job-tracking finalizer keeps the pod until it has).
import { isNotFound } from '../../../lib/api/errors';
import { Nodes, Pods, objectKey } from '../../../lib/api/kinds';
import type { Node, Pod, PodCondition } from '../../../lib/gen/kite/core/v1/types';
import type { Lister, SharedInformer } from '../../../lib/informer';
import type { Logger } from '../../../lib/log';
import { realClock, sleep, type Clock } from '../../../lib/util/clock';
import { parseTime, rfc3339 } from '../../../lib/util/time';
import { waitForSync, type Controller, type ControllerContext } from '../controller';

/** The taint an administrator puts on a node known to be shut down (Kubernetes' TaintNodeOutOfService). */
export const OUT_OF_SERVICE_TAINT_KEY = 'node.kubernetes.io/out-of-service';

export interface PodGCOptions {
  /** Terminated pods kept at most; 0 disables that part (--terminated-pod-gc-threshold). */
  terminatedPodThreshold: number;
  /** Time between passes (Kubernetes' gcCheckPeriod). */
  checkPeriodMs: number;
  /** How long a node missing from the informer waits before the GET that confirms it is gone. */
  quarantineMs: number;
}

export const DEFAULT_POD_GC_OPTIONS: PodGCOptions = { terminatedPodThreshold: 12_500, checkPeriodMs: 20_000, quarantineMs: 40_000 };

/** Succeeded or Failed: the kubelet is done with it. */
export function isPodTerminated(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Pending' && phase !== 'Running' && phase !== 'Unknown' && !!phase;
}

function isEvicted(pod: Pod): boolean {
  return pod.status?.phase === 'Failed' && pod.status.reason === 'Evicted';
}

/** Kubernetes' byEvictionAndCreationTimestamp: evicted pods first, then the oldest, then by name. */
export function byEvictionAndCreation(a: Pod, b: Pod): number {
  const ea = isEvicted(a);
  const eb = isEvicted(b);
  if (ea !== eb) return ea ? -1 : 1;
  const ta = parseTime(a.metadata?.creationTimestamp) || 0;
  const tb = parseTime(b.metadata?.creationTimestamp) || 0;
  if (ta !== tb) return ta - tb;
  const na = a.metadata!.name;
  const nb = b.metadata!.name;
  return na < nb ? -1 : na > nb ? 1 : 0;
}

function isNodeReady(node: Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export class PodGCController implements Controller {
  readonly name = 'pod-garbage-collector';
  private readonly opts: PodGCOptions;
  private readonly podInformer: SharedInformer<Pod>;
  private readonly nodeInformer: SharedInformer<Node>;
  private readonly podLister: Lister<Pod>;
  private readonly nodeLister: Lister<Node>;
  private readonly clock: Clock;
  private readonly log: Logger;
  /** Nodes pods are bound to but the informer does not know, with when that was first seen. */
  private readonly quarantine = new Map<string, number>();

  constructor(
    private readonly ctx: ControllerContext,
    opts: Partial<PodGCOptions> = {},
  ) {
    this.opts = { ...DEFAULT_POD_GC_OPTIONS, ...opts };
    this.podInformer = ctx.informers.forKind(Pods);
    this.nodeInformer = ctx.informers.forKind(Nodes);
    this.podLister = this.podInformer.lister();
    this.nodeLister = this.nodeInformer.lister();
    this.clock = ctx.clock ?? realClock;
    this.log = ctx.logger('pod-garbage-collector');
  }

  async run(signal: AbortSignal): Promise<void> {
    if (!(await waitForSync([this.podInformer, this.nodeInformer], signal))) return;
    while (!signal.aborted) {
      try {
        await this.gc();
      } catch (err) {
        this.log.error({ err }, 'pod garbage collection pass failed');
      }
      await sleep(this.clock, this.opts.checkPeriodMs, signal);
    }
  }

  /** One pass (Kubernetes' gc): each kind of garbage over the informers' view. */
  async gc(): Promise<void> {
    const pods = this.podLister.list();
    const nodes = this.nodeLister.list();
    if (this.opts.terminatedPodThreshold > 0) await this.gcTerminated(pods);
    await this.gcTerminatingOutOfService(pods);
    await this.gcOrphaned(pods, nodes);
    await this.gcUnscheduledTerminating(pods);
  }

  private async gcTerminated(pods: Pod[]): Promise<void> {
    const terminated = pods.filter(isPodTerminated);
    const excess = terminated.length - this.opts.terminatedPodThreshold;
    if (excess <= 0) return;
    this.log.info({ pods: excess }, 'garbage collecting terminated pods over the threshold');
    for (const pod of terminated.sort(byEvictionAndCreation).slice(0, excess)) await this.tryDelete(pod);
  }

  private async gcTerminatingOutOfService(pods: Pod[]): Promise<void> {
    const doomed = pods.filter((pod) => {
      if (!pod.metadata?.deletionTimestamp || !pod.spec?.nodeName) return false;
      const node = this.nodeLister.get(pod.spec.nodeName);
      return !!node && !isNodeReady(node) && (node.spec?.taints ?? []).some((t) => t.key === OUT_OF_SERVICE_TAINT_KEY);
    });
    for (const pod of doomed.sort(byEvictionAndCreation)) await this.tryDelete(pod);
  }

  private async gcOrphaned(pods: Pod[], nodes: Node[]): Promise<void> {
    const existing = new Set(nodes.map((n) => n.metadata!.name));
    const now = this.clock.now();
    for (const pod of pods) {
      const node = pod.spec?.nodeName;
      if (node && !existing.has(node) && !this.quarantine.has(node)) this.quarantine.set(node, now);
    }
    const deleted = new Set<string>();
    for (const [node, since] of this.quarantine) {
      if (existing.has(node)) {
        this.quarantine.delete(node);
        continue;
      }
      if (now - since < this.opts.quarantineMs) continue;
      try {
        await this.ctx.client.resource(Nodes).get(node);
        this.quarantine.delete(node);
      } catch (err) {
        if (!isNotFound(err)) {
          this.log.error({ node, err: (err as Error).message }, 'cannot check whether the node exists; will retry');
          continue;
        }
        this.quarantine.delete(node);
        deleted.add(node);
      }
    }
    if (deleted.size === 0) return;
    const disruption: Partial<PodCondition> = {
      type: 'DisruptionTarget',
      status: 'True',
      reason: 'DeletionByPodGC',
      message: 'PodGC: node no longer exists',
      lastTransitionTime: rfc3339(new Date(this.ctx.now())),
    };
    for (const pod of pods) {
      if (!deleted.has(pod.spec?.nodeName ?? '')) continue;
      this.log.info({ pod: objectKey(pod), node: pod.spec!.nodeName }, 'found an orphaned pod assigned to a deleted node; deleting');
      await this.tryDelete(pod, disruption);
    }
  }

  private async gcUnscheduledTerminating(pods: Pod[]): Promise<void> {
    for (const pod of pods) {
      if (pod.metadata?.deletionTimestamp && !pod.spec?.nodeName) await this.tryDelete(pod);
    }
  }

  private async tryDelete(pod: Pod, condition?: Partial<PodCondition>): Promise<void> {
    try {
      await this.markFailedAndDelete(pod, condition);
    } catch (err) {
      if (!isNotFound(err)) this.log.error({ pod: objectKey(pod), err: (err as Error).message }, 'cannot delete pod; will retry');
    }
  }

  /**
   * Kubernetes' markFailedAndDeletePodWithCondition: a pod not yet terminal is set Failed first
   * (no kubelet may ever do it), with the condition if any, then deleted with grace period 0.
   */
  private async markFailedAndDelete(pod: Pod, condition?: Partial<PodCondition>): Promise<void> {
    const { name, namespace } = pod.metadata!;
    const pods = this.ctx.client.resource(Pods);
    this.log.info({ pod: objectKey(pod) }, 'force deleting pod');
    if (!isPodTerminated(pod)) {
      const status = { phase: 'Failed', ...(condition ? { conditions: [condition] } : {}) };
      await pods.patch(name, { status }, { namespace, type: 'strategic', subresource: 'status' });
    }
    await pods.delete(name, { namespace, gracePeriodSeconds: 0 });
  }
}
