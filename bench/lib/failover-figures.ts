// bench:failover's targets (issue 18) and their verdicts: writes through the load balancer resume
// within 5 s of the leader's node dying; the new kube-scheduler and kube-controller-manager
// leaders act within the lease duration (Kubernetes' default 15 s) plus 5 s; the HA cluster's
// write throughput is at least 0.7 of a single-control-plane etcd cluster's.

export const LEASE_DURATION_MS = 15_000;
export const WRITES_RESUME_TARGET_MS = 5_000;
export const LEADER_ACTS_TARGET_MS = LEASE_DURATION_MS + 5_000;
export const THROUGHPUT_RATIO_TARGET = 0.7;

export interface Verdict {
  /** The figure as printed, e.g. "4.2 s" or "0.81 (120.0 / 148.1 writes/s)". */
  value: string;
  /** The target in words, e.g. "within 5.0 s". */
  target: string;
  met: boolean;
}

export const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** A duration against its upper bound (a duration never measured misses). */
export function within(ms: number, limitMs: number): Verdict {
  return { value: secs(ms), target: `within ${secs(limitMs)}`, met: Number.isFinite(ms) && ms <= limitMs };
}

/** The HA cluster's writes/s against the single etcd cluster's. */
export function throughputRatio(haPerSecond: number, singlePerSecond: number): Verdict {
  const ratio = singlePerSecond > 0 ? haPerSecond / singlePerSecond : NaN;
  return {
    value: `${Number.isFinite(ratio) ? ratio.toFixed(2) : 'n/a'} (${haPerSecond.toFixed(1)} / ${singlePerSecond.toFixed(1)} writes/s)`,
    target: `>= ${THROUGHPUT_RATIO_TARGET}`,
    met: Number.isFinite(ratio) && ratio >= THROUGHPUT_RATIO_TARGET,
  };
}

/** The table cell of a verdict: the target and whether it was met. */
export function verdictCell(v: Verdict): string {
  return `${v.target}: ${v.met ? 'met' : 'missed'}`;
}
