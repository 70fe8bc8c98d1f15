// DefaultPreemption: kube-scheduler's PostFilter plugin. When no node fits a pod, it looks for
// nodes where evicting pods of lower priority would make room (victims.ts has the rules), picks
// the best, deletes its victims gracefully (with the DisruptionTarget condition and a Preempted
// event), clears lower-priority nominations there, and nominates the node for the pod, which is
// retried when the victims are gone. A pod with preemptionPolicy Never, or whose nominated node
// still has a victim terminating, does not preempt. The dry run removes pods from a copy of the
// cycle state through the PreFilter extensions (RemovePod/AddPod), so that removing a victim can
// satisfy inter-pod anti-affinity or topology spread. Nodes the filters refused as unresolvable
// are not tried; the dry run stops after max(10% of the nodes, 100) candidates, starting at a
// random node. Failures end in Kubernetes' message, prefixed "preemption: ".
import { PREEMPT_NEVER, podPriority } from '../../../../lib/api/priority-classes';
import type { Pod, PodCondition } from '../../../../lib/gen/kite/core/v1/types';
import { logger } from '../../../../lib/log';
import { FitError } from '../../fit-error';
import type { CycleState } from '../../framework/cycle-state';
import type { FrameworkHandle } from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import { type PodInfo, podKey } from '../../framework/pod-info';
import { nodeStatus, type NodeToStatus, type PostFilterPlugin, type PostFilterResult, type PreemptionHandle } from '../../framework/post-filter';
import { Code, Status } from '../../framework/status';
import { DEFAULT_PREEMPTION } from '../names';
import { pickOneNodeForPreemption, selectVictimsOnNode, type Victims } from './victims';

const log = logger('scheduler', { part: 'preemption' });

export const DISRUPTION_TARGET = 'DisruptionTarget';
export const PREEMPTION_BY_SCHEDULER = 'PreemptionByScheduler';
/** DefaultPreemptionArgs' defaults. */
export const MIN_CANDIDATE_NODES_PERCENTAGE = 10;
export const MIN_CANDIDATE_NODES_ABSOLUTE = 100;

export interface DefaultPreemptionArgs {
  minCandidateNodesPercentage?: number;
  minCandidateNodesAbsolute?: number;
}

type Outcome = { result?: PostFilterResult; status: Status };

/** podTerminatingByPreemption: being deleted with the DisruptionTarget condition preemption sets. */
function terminatingByPreemption(pod: Pod): boolean {
  if (!pod.metadata?.deletionTimestamp) return false;
  const c = (pod.status?.conditions ?? []).find((x) => x.type === DISRUPTION_TARGET);
  return c?.status === 'True' && c.reason === PREEMPTION_BY_SCHEDULER;
}

export class DefaultPreemption implements PostFilterPlugin {
  readonly name = DEFAULT_PREEMPTION;
  private readonly minPercentage: number;
  private readonly minAbsolute: number;
  /**
   * The victims each preemptor chose, by node, until they are gone from it: their deletion is
   * asynchronous, so until the informer shows them terminating they still count as "a terminating
   * pod on the nominated node" and the preemptor does not preempt again elsewhere.
   */
  private readonly pending = new Map<string, { nodeName: string; victims: Set<string> }>();

  constructor(
    private readonly handle: FrameworkHandle,
    args: DefaultPreemptionArgs = {},
    private readonly rng: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {
    this.minPercentage = args.minCandidateNodesPercentage ?? MIN_CANDIDATE_NODES_PERCENTAGE;
    this.minAbsolute = args.minCandidateNodesAbsolute ?? MIN_CANDIDATE_NODES_ABSOLUTE;
  }

  postFilter(state: CycleState, pod: PodInfo, m: NodeToStatus): Outcome {
    const ph = this.handle.preemption;
    if (!ph) return { status: Status.unschedulable() };
    const { result, status } = this.preempt(ph, state, pod, m);
    const msg = status.message();
    return { result, status: msg ? new Status(status.code, [`preemption: ${msg}`]) : status };
  }

  private preempt(ph: PreemptionHandle, state: CycleState, pod: PodInfo, m: NodeToStatus): Outcome {
    const nodes = ph.nodeInfos();
    const why = this.notEligible(pod.pod, ph.nominatedNodeName(pod.pod) || pod.pod.status?.nominatedNodeName || '', nodes, m);
    if (why) return { status: Status.unschedulable(why) };
    const { candidates, statuses } = this.findCandidates(ph, state, pod, nodes, m);
    if (candidates.size === 0) {
      const fit = new FitError(pod.pod, nodes.length, { nodeToStatus: statuses, unschedulablePlugins: new Set(), preFilterMsg: '' });
      return { result: { nominatedNodeName: '' }, status: Status.unschedulable(fit.message) };
    }
    const best = pickOneNodeForPreemption(candidates, this.now())!;
    this.prepareCandidate(ph, pod.pod, best, candidates.get(best)!);
    return { result: { nominatedNodeName: best }, status: Status.success };
  }

  /** PodEligibleToPreemptOthers: why the pod may not preempt, or undefined when it may. */
  private notEligible(pod: Pod, nominated: string, nodes: readonly NodeInfo[], m: NodeToStatus): string | undefined {
    if (pod.spec?.preemptionPolicy === PREEMPT_NEVER) return 'not eligible due to preemptionPolicy=Never.';
    if (!nominated) return undefined;
    // A nominated node the filters now refuse outright calls for a new preemption.
    if (nodeStatus(m, nominated)?.code === Code.UnschedulableAndUnresolvable) return undefined;
    const node = nodes.find((n) => n.name === nominated);
    if (!node) return undefined;
    const priority = podPriority(pod);
    const chosen = this.pending.get(podKey(pod));
    const ours = chosen?.nodeName === nominated ? chosen.victims : undefined;
    for (const p of node.pods.values()) {
      if (podPriority(p.pod) < priority && (terminatingByPreemption(p.pod) || ours?.has(p.key))) return 'not eligible due to a terminating pod on the nominated node.';
    }
    return undefined;
  }

  /** findCandidates and dryRunPreemption: victims per node, the nodes without budget violations first. */
  private findCandidates(ph: PreemptionHandle, state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], m: NodeToStatus) {
    const statuses = new Map<string, Status>();
    const potential: NodeInfo[] = [];
    for (const n of nodes) {
      if (nodeStatus(m, n.name)?.code === Code.UnschedulableAndUnresolvable) statuses.set(n.name, Status.unresolvable('Preemption is not helpful for scheduling'));
      else potential.push(n);
    }
    const candidates = new Map<string, Victims>();
    if (potential.length === 0) return { candidates, statuses };
    const pdbs = ph.podDisruptionBudgets();
    const want = Math.min(potential.length, Math.max(Math.floor((potential.length * this.minPercentage) / 100), this.minAbsolute));
    const offset = Math.floor(this.rng() * potential.length);
    const now = this.now();
    const nonViolating = new Map<string, Victims>();
    const violating = new Map<string, Victims>();
    for (let i = 0; i < potential.length; i++) {
      const node = potential[(offset + i) % potential.length];
      // Each node's dry run changes its own copy of the cycle state (kube-scheduler's state.Clone()).
      const nodeState = state.clone();
      const { victims, status } = selectVictimsOnNode(
        pod.pod,
        node,
        pdbs,
        {
          fits: (n) => ph.runFilters(nodeState, pod, n),
          podRemoved: (p, n) => ph.runPreFilterExtensionRemovePod(nodeState, pod, p, n),
          podAdded: (p, n) => ph.runPreFilterExtensionAddPod(nodeState, pod, p, n),
        },
        now,
      );
      if (!victims) {
        statuses.set(node.name, status);
        continue;
      }
      (victims.numPDBViolations === 0 ? nonViolating : violating).set(node.name, victims);
      if (nonViolating.size > 0 && nonViolating.size + violating.size >= want) break;
    }
    for (const [n, v] of [...nonViolating, ...violating]) candidates.set(n, v);
    return { candidates, statuses };
  }

  /** PrepareCandidate: evict the victims, and take the node from lower-priority nominated pods. */
  private prepareCandidate(ph: PreemptionHandle, preemptor: Pod, nodeName: string, victims: Victims): void {
    const backend = this.handle.backend;
    const schedulerName = preemptor.spec?.schedulerName || 'default-scheduler';
    const condition: PodCondition = {
      type: DISRUPTION_TARGET,
      status: 'True',
      reason: PREEMPTION_BY_SCHEDULER,
      message: `${schedulerName}: preempting to accommodate a higher priority pod`,
      lastProbeTime: '',
      lastTransitionTime: new Date(this.now()).toISOString(),
    };
    const fail = (what: string, pod: Pod) => (err: unknown) =>
      log.warn({ pod: podKey(pod), err: err instanceof Error ? err.message : String(err) }, what);
    const chosen = new Set(victims.pods.map(podKey));
    this.pending.set(podKey(preemptor), { nodeName, victims: chosen });
    for (const victim of victims.pods) {
      backend.preemptPod(victim, condition).catch((err) => {
        // Not deleted: the preemptor may preempt again (the victim does not count as terminating).
        chosen.delete(podKey(victim));
        fail('failed to preempt pod', victim)(err);
      });
      Promise.resolve(backend.recordEvent(victim, 'Normal', 'Preempted', `Preempted by pod ${preemptor.metadata?.uid ?? ''} on node ${nodeName}`)).catch(fail('failed to record event', victim));
    }
    this.forgetGoneVictims(ph);
    const priority = podPriority(preemptor);
    for (const p of ph.nominatedPodsForNode(nodeName)) {
      if (p.key !== podKey(preemptor) && podPriority(p.pod) < priority) {
        backend.clearNominatedNodeName(p.pod).catch(fail('failed to clear nominatedNodeName', p.pod));
      }
    }
    log.debug({ preemptor: podKey(preemptor), node: nodeName, victims: victims.pods.length }, 'preempting');
  }

  /** Drops the records whose victims have all left their node. */
  private forgetGoneVictims(ph: PreemptionHandle): void {
    const nodes = new Map(ph.nodeInfos().map((n) => [n.name, n]));
    for (const [key, { nodeName, victims }] of this.pending) {
      const node = nodes.get(nodeName);
      if (![...victims].some((v) => node?.pods.has(v))) this.pending.delete(key);
    }
  }
}
