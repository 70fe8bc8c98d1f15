// Pods nominated to a node by preemption (kube-scheduler's PodNominator): they wait for their
// victims to leave, and until they are bound the node keeps room for them. Filtering another pod
// on that node counts the nominated pods of equal or higher priority as if they were there
// (RunFilterPluginsWithNominatedPods), so lower-priority pods do not take the freed room.
import { podPriority } from '../../lib/api/priority-classes';
import type { Pod } from '../../lib/gen/kite/core/v1/types';
import type { CycleState } from './framework/cycle-state';
import type { Framework } from './framework/framework';
import type { NodeInfo } from './framework/node-info';
import { PodInfo, podKey } from './framework/pod-info';
import type { Status } from './framework/status';

export class Nominator {
  /** Node name -> nominated pods (pending copies, not bound). */
  private readonly byNode = new Map<string, Map<string, PodInfo>>();
  /** Pod key -> its nominated node. */
  private readonly nodeOf = new Map<string, string>();

  /** Records (or moves, or with "" drops) the nomination of `pod`. */
  addNominatedPod(pod: Pod, nodeName: string): void {
    this.deleteNominatedPod(pod);
    if (!nodeName) return;
    const key = podKey(pod);
    let pods = this.byNode.get(nodeName);
    if (!pods) this.byNode.set(nodeName, (pods = new Map()));
    pods.set(key, PodInfo.of(pod));
    this.nodeOf.set(key, nodeName);
  }

  deleteNominatedPod(pod: Pod): void {
    const key = podKey(pod);
    const node = this.nodeOf.get(key);
    if (node === undefined) return;
    this.nodeOf.delete(key);
    const pods = this.byNode.get(node)!;
    pods.delete(key);
    if (pods.size === 0) this.byNode.delete(node);
  }

  /**
   * A pending pod was added or changed: its status.nominatedNodeName is what the apiserver has.
   * An update that carries no nomination before or after keeps the one the scheduler just made
   * (its status write may not have arrived yet), as kube-scheduler's nominator does.
   */
  updateFromPod(pod: Pod, oldPod?: Pod): void {
    const nominated = pod.status?.nominatedNodeName ?? '';
    if (!nominated && oldPod && !oldPod.status?.nominatedNodeName && this.nodeOf.has(podKey(pod))) {
      this.addNominatedPod(pod, this.nodeOf.get(podKey(pod))!);
    } else if (nominated) {
      this.addNominatedPod(pod, nominated);
    } else {
      this.deleteNominatedPod(pod);
    }
  }

  nominatedNodeName(pod: Pod): string {
    return this.nodeOf.get(podKey(pod)) ?? '';
  }

  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    const pods = this.byNode.get(nodeName);
    return pods ? [...pods.values()] : [];
  }

  /**
   * RunFilterPluginsWithNominatedPods: when the node has nominated pods of priority >= the pod's
   * (other than the pod), the filters must pass with them added too (on a clone of the cycle state
   * their PreFilter extensions' AddPod updated, as kube-scheduler's addGENominatedPods); and
   * without them (some filters, like inter-pod affinity, can pass only because of them). The node
   * is changed in place and restored before returning: the scheduling cycle is synchronous.
   */
  runFilters(fwk: Framework, state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    if (this.byNode.size === 0) return fwk.runFilterPlugins(state, pod, node);
    const pods = this.byNode.get(node.name);
    if (!pods) return fwk.runFilterPlugins(state, pod, node);
    const priority = podPriority(pod.pod);
    const added: PodInfo[] = [];
    let withNominated: CycleState | undefined;
    let status: Status | undefined;
    try {
      for (const p of pods.values()) {
        if (p.key === pod.key || podPriority(p.pod) < priority || node.pods.has(p.key)) continue;
        const placed = p.assignedTo(node.name);
        node.addPod(placed);
        added.push(placed);
        withNominated ??= state.clone();
        const s = fwk.runPreFilterExtensionAddPod(withNominated, pod, placed, node);
        if (!s.isSuccess()) return s;
      }
      if (added.length === 0) return fwk.runFilterPlugins(state, pod, node);
      status = fwk.runFilterPlugins(withNominated!, pod, node);
    } finally {
      for (const p of added) node.removePod(p.key);
    }
    return status.isSuccess() ? fwk.runFilterPlugins(state, pod, node) : status;
  }
}
