// Kubernetes' preemption rules for one node and for choosing among nodes (the DefaultPreemption
// plugin's SelectVictimsOnNode, filterPodsWithPDBViolation and pickOneNodeForPreemption):
// - only pods of lower priority than the preemptor are potential victims; if the preemptor does
//   not fit with all of them gone, the node is no candidate;
// - the rest are reprieved one by one, most important first (higher priority, then the earlier
//   start), those whose eviction would violate a PodDisruptionBudget before the others: a pod
//   stays if the preemptor still fits with it back;
// - among candidate nodes the best has the fewest budget violations, then the lowest
//   highest-victim priority, the smallest priority sum, the fewest victims, the latest start of
//   its most important victims.
import { selectorFromLabelSelector } from '../../../../lib/api/selectors';
import { podPriority } from '../../../../lib/api/priority-classes';
import type { Pod } from '../../../../lib/gen/kite/core/v1/types';
import type { PodDisruptionBudget } from '../../../../lib/gen/kite/policy/v1/types';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';
import { Status } from '../../framework/status';

export const NO_VICTIMS_REASON = 'No preemption victims found for incoming pod';

export interface Victims {
  /** Most important first. */
  pods: Pod[];
  numPDBViolations: number;
}

/** GetPodStartTime: status.startTime, or now for a pod that has not started. */
export function podStartTime(pod: Pod, now: number): number {
  const t = pod.status?.startTime ? Date.parse(pod.status.startTime) : NaN;
  return Number.isNaN(t) ? now : t;
}

/** MoreImportantPod: higher priority; at equal priority the one that started earlier. */
export function moreImportantPod(a: Pod, b: Pod, now: number): boolean {
  const pa = podPriority(a);
  const pb = podPriority(b);
  if (pa !== pb) return pa > pb;
  return podStartTime(a, now) < podStartTime(b, now);
}

/**
 * filterPodsWithPDBViolation: walks `pods` in order, spending each matching budget's
 * disruptionsAllowed; a pod that takes a budget below zero would violate it. A pod already in a
 * budget's disruptedPods is not counted again; a budget with an empty selector matches nothing.
 */
export function filterPodsWithPDBViolation(pods: readonly PodInfo[], pdbs: readonly PodDisruptionBudget[]): { violating: PodInfo[]; nonViolating: PodInfo[] } {
  const allowed = pdbs.map((pdb) => pdb.status?.disruptionsAllowed ?? 0);
  const selectors = pdbs.map((pdb) => {
    const sel = pdb.spec?.selector;
    if (!sel || (Object.keys(sel.matchLabels).length === 0 && sel.matchExpressions.length === 0)) return undefined;
    try {
      return selectorFromLabelSelector(sel);
    } catch {
      return undefined;
    }
  });
  const violating: PodInfo[] = [];
  const nonViolating: PodInfo[] = [];
  for (const p of pods) {
    const labels = p.pod.metadata?.labels ?? {};
    let violated = false;
    if (Object.keys(labels).length > 0) {
      pdbs.forEach((pdb, i) => {
        const sel = selectors[i];
        if (!sel || pdb.metadata?.namespace !== p.pod.metadata?.namespace || !sel.matches(labels)) return;
        if ((pdb.status?.disruptedPods ?? {})[p.pod.metadata?.name ?? ''] !== undefined) return;
        if (--allowed[i] < 0) violated = true;
      });
    }
    (violated ? violating : nonViolating).push(p);
  }
  return { violating, nonViolating };
}

/**
 * What the dry run on one node runs: the Filter plugins for the preemptor on the node as it is at
 * the call, and the PreFilter extensions told of each pod removed from it or added back (on the
 * node's own clone of the cycle state).
 */
export interface NodeDryRun {
  fits(node: NodeInfo): Status;
  podRemoved(p: PodInfo, node: NodeInfo): Status;
  podAdded(p: PodInfo, node: NodeInfo): Status;
}

/**
 * SelectVictimsOnNode. The node is changed in place while victims are tried and restored before
 * returning; a PreFilter extension's failure ends the node's dry run with its status.
 */
export function selectVictimsOnNode(
  preemptor: Pod,
  node: NodeInfo,
  pdbs: readonly PodDisruptionBudget[],
  run: NodeDryRun,
  now: number,
): { victims?: Victims; status: Status } {
  const priority = podPriority(preemptor);
  const potential = [...node.pods.values()].filter((p) => podPriority(p.pod) < priority);
  if (potential.length === 0) return { status: Status.unresolvable(NO_VICTIMS_REASON) };
  const removed = new Map<string, PodInfo>();
  const remove = (p: PodInfo): void => {
    node.removePod(p.key);
    removed.set(p.key, p);
    const s = run.podRemoved(p, node);
    if (!s.isSuccess()) throw new ExtensionFailure(s);
  };
  const restore = (p: PodInfo): void => {
    node.addPod(p);
    removed.delete(p.key);
  };
  const addBack = (p: PodInfo): void => {
    restore(p);
    const s = run.podAdded(p, node);
    if (!s.isSuccess()) throw new ExtensionFailure(s);
  };
  try {
    for (const p of potential) remove(p);
    const all = run.fits(node);
    if (!all.isSuccess()) return { status: all };
    potential.sort((a, b) => (moreImportantPod(a.pod, b.pod, now) ? -1 : moreImportantPod(b.pod, a.pod, now) ? 1 : 0));
    const { violating, nonViolating } = filterPodsWithPDBViolation(potential, pdbs);
    const victims: Pod[] = [];
    let numPDBViolations = 0;
    const reprieve = (p: PodInfo): boolean => {
      addBack(p);
      if (run.fits(node).isSuccess()) return true;
      remove(p);
      victims.push(p.pod);
      return false;
    };
    for (const p of violating) if (!reprieve(p)) numPDBViolations++;
    for (const p of nonViolating) reprieve(p);
    return { victims: { pods: victims, numPDBViolations }, status: Status.success };
  } catch (err) {
    if (err instanceof ExtensionFailure) return { status: err.status };
    throw err;
  } finally {
    for (const p of [...removed.values()]) restore(p);
  }
}

class ExtensionFailure extends Error {
  constructor(readonly status: Status) {
    super(status.message());
  }
}

/** GetEarliestPodStartTime: the earliest start among the victims of the highest priority. */
function earliestStartOfMostImportant(pods: readonly Pod[], now: number): number {
  let maxPriority = -Infinity;
  let earliest = Infinity;
  for (const p of pods) {
    const prio = podPriority(p);
    const start = podStartTime(p, now);
    if (prio > maxPriority) {
      maxPriority = prio;
      earliest = start;
    } else if (prio === maxPriority && start < earliest) {
      earliest = start;
    }
  }
  return earliest;
}

/** MaxInt32 + 1: added to each priority so that sums compare as Kubernetes' do. */
const PRIORITY_OFFSET = 2 ** 31;

/** pickOneNodeForPreemption: `candidates` in the dry run's order; ties go to the first. */
export function pickOneNodeForPreemption(candidates: ReadonlyMap<string, Victims>, now: number): string | undefined {
  for (const [node, v] of candidates) if (v.pods.length === 0) return node;
  const scores: ((v: Victims) => number)[] = [
    (v) => -v.numPDBViolations,
    (v) => -podPriority(v.pods[0]),
    (v) => -v.pods.reduce((sum, p) => sum + podPriority(p) + PRIORITY_OFFSET, 0),
    (v) => -v.pods.length,
    (v) => earliestStartOfMostImportant(v.pods, now),
  ];
  let nodes = [...candidates.keys()];
  for (const score of scores) {
    let best = -Infinity;
    let selected: string[] = [];
    for (const n of nodes) {
      const s = score(candidates.get(n)!);
      if (s > best) {
        best = s;
        selected = [];
      }
      if (s === best) selected.push(n);
    }
    if (selected.length === 1) return selected[0];
    nodes = selected;
  }
  return nodes[0];
}
