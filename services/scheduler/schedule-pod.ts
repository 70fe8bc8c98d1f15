// Picks a node for one pod (kube-scheduler's schedulePod): PreFilter, then the node preemption
// nominated it to if that fits now, else Filter over the nodes (counting other pods nominated
// there) starting where the previous cycle stopped, until numFeasibleNodesToFind nodes fit; then
// PreScore, Score and NormalizeScore over those, and the best total wins (ties broken at random).
import type { SchedulerCache } from './cache/scheduler-cache';
import type { CycleState } from './framework/cycle-state';
import type { Framework } from './framework/framework';
import type { NodeInfo } from './framework/node-info';
import type { PodInfo } from './framework/pod-info';
import type { Status } from './framework/status';
import { type Diagnosis, FitError, NoNodesAvailableError } from './fit-error';
import { Nominator } from './nominator';
import { numFeasibleNodesToFind } from './num-feasible-nodes';

export interface ScheduleResult {
  nodeName: string;
  /** Nodes filtered in this cycle (feasible + rejected). */
  evaluatedNodes: number;
  feasibleNodes: number;
}

function statusError(s: Status): Error {
  return s.error ?? new Error(`plugin ${s.plugin}: ${s.message()}`);
}

export class SchedulingAlgorithm {
  /** Round-robin start: each cycle resumes filtering after the last node the previous one checked. */
  private nextStartNodeIndex = 0;

  constructor(
    private readonly cache: SchedulerCache,
    /** Uniform in [0, 1); injectable for deterministic tests. */
    private readonly rng: () => number = Math.random,
    private readonly nominator = new Nominator(),
  ) {}

  /** Throws FitError when no node fits, NoNodesAvailableError without nodes, Error on plugin errors. */
  schedulePod(fwk: Framework, state: CycleState, pod: PodInfo): ScheduleResult {
    const nodes = this.cache.nodeInfos();
    if (nodes.length === 0) throw new NoNodesAvailableError();
    const diagnosis: Diagnosis = { nodeToStatus: new Map(), unschedulablePlugins: new Set(), preFilterMsg: '' };
    const feasible = this.findNodesThatFitPod(fwk, state, pod, nodes, diagnosis);
    const evaluatedNodes = feasible.length + diagnosis.nodeToStatus.size;
    if (feasible.length === 0) throw new FitError(pod.pod, nodes.length, diagnosis);
    if (feasible.length === 1) return { nodeName: feasible[0].name, evaluatedNodes, feasibleNodes: 1 };
    const pre = fwk.runPreScorePlugins(state, pod, feasible);
    if (!pre.isSuccess()) throw statusError(pre);
    const totals = fwk.runScorePlugins(state, pod, feasible);
    return { nodeName: this.selectHost(feasible, totals), evaluatedNodes, feasibleNodes: feasible.length };
  }

  private findNodesThatFitPod(
    fwk: Framework,
    state: CycleState,
    pod: PodInfo,
    nodes: readonly NodeInfo[],
    diagnosis: Diagnosis,
  ): NodeInfo[] {
    const pre = fwk.runPreFilterPlugins(state, pod);
    if (!pre.isSuccess()) {
      if (!pre.isRejected()) throw statusError(pre);
      diagnosis.preFilterMsg = pre.message();
      diagnosis.preFilterStatus = pre;
      diagnosis.unschedulablePlugins.add(pre.plugin);
      throw new FitError(pod.pod, nodes.length, diagnosis);
    }
    const nominated = this.evaluateNominatedNode(fwk, state, pod);
    if (nominated) return [nominated];
    const n = nodes.length;
    const want = numFeasibleNodesToFind(fwk.percentageOfNodesToScore, n);
    const start = this.nextStartNodeIndex % n;
    const feasible: NodeInfo[] = [];
    let processed = 0;
    while (processed < n && feasible.length < want) {
      const node = nodes[(start + processed) % n];
      processed++;
      const s = this.nominator.runFilters(fwk, state, pod, node);
      if (s.isSuccess()) {
        feasible.push(node);
      } else if (s.isRejected()) {
        diagnosis.nodeToStatus.set(node.name, s);
        diagnosis.unschedulablePlugins.add(s.plugin);
      } else {
        throw statusError(s);
      }
    }
    this.nextStartNodeIndex = (start + processed) % n;
    return feasible;
  }

  /** evaluateNominatedNode: the node preemption made room on, if the pod fits there now. */
  private evaluateNominatedNode(fwk: Framework, state: CycleState, pod: PodInfo): NodeInfo | undefined {
    const name = this.nominator.nominatedNodeName(pod.pod);
    if (!name) return undefined;
    const node = this.cache.getNodeInfo(name);
    if (!node?.node) return undefined;
    const s = this.nominator.runFilters(fwk, state, pod, node);
    if (s.isSuccess()) return node;
    if (!s.isRejected()) throw statusError(s);
    return undefined;
  }

  /** The highest total; among equals each is equally likely (reservoir sampling). */
  private selectHost(nodes: readonly NodeInfo[], totals: readonly number[]): string {
    let best = 0;
    let ties = 1;
    for (let i = 1; i < nodes.length; i++) {
      if (totals[i] > totals[best]) {
        best = i;
        ties = 1;
      } else if (totals[i] === totals[best]) {
        ties++;
        if (Math.floor(this.rng() * ties) === 0) best = i;
      }
    }
    return nodes[best].name;
  }
}
