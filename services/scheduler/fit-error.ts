// FitError: no node fits the pod. Its message is kube-scheduler's, e.g.
//   0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu.
// Each node contributes the reasons of the first filter that rejected it; "<count> <reason>"
// strings are sorted as plain strings, exactly as Kubernetes sorts them. When PostFilter
// (preemption) ran, its message follows:
//   0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..
import type { Pod } from '../../lib/gen/kite/core/v1/types';
import type { Status } from './framework/status';

export interface Diagnosis {
  /** Node name -> the status of the filter that rejected it. */
  nodeToStatus: Map<string, Status>;
  /** Plugins that rejected the pod on some node (or in PreFilter). */
  unschedulablePlugins: Set<string>;
  /** Set when a PreFilter plugin rejected the pod for every node. */
  preFilterMsg: string;
  /** The PreFilter plugin's status then (every node's). */
  preFilterStatus?: Status;
  /** What PostFilter (preemption) said, if it ran and failed. */
  postFilterMsg?: string;
}

export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg) msg += ` ${d.preFilterMsg}.`;
  else msg += histogram(d);
  if (d.postFilterMsg) msg += ` ${d.postFilterMsg}.`;
  return msg;
}

function histogram(d: Diagnosis): string {
  const counts = new Map<string, number>();
  for (const status of d.nodeToStatus.values()) {
    for (const reason of status.reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  const lines = [...counts].map(([reason, n]) => `${n} ${reason}`);
  // Go's sort.Strings compares bytes; for these ASCII strings that is code-unit order.
  lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return lines.length > 0 ? ` ${lines.join(', ')}.` : '';
}

export class FitError extends Error {
  constructor(
    readonly pod: Pod,
    readonly numAllNodes: number,
    readonly diagnosis: Diagnosis,
  ) {
    super(fitErrorMessage(numAllNodes, diagnosis));
    this.name = 'FitError';
  }

  /** Appends PostFilter's message (kube-scheduler sets Diagnosis.PostFilterMsg). */
  withPostFilterMessage(msg: string): FitError {
    return new FitError(this.pod, this.numAllNodes, { ...this.diagnosis, postFilterMsg: msg });
  }
}

/** The scheduler has no nodes at all (kube-scheduler's ErrNoNodesAvailable). */
export class NoNodesAvailableError extends Error {
  constructor() {
    super('no nodes available to schedule pods');
    this.name = 'NoNodesAvailableError';
  }
}
