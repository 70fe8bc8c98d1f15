// Evaluates a pod (or a workload's pod template) against one level, as Kubernetes'
// policy.checkRegistry.EvaluatePod and AggregateCheckResults do: privileged runs nothing;
// baseline runs the baseline checks; restricted runs the baseline checks less those a restricted
// check replaces, then the restricted ones. Failures join into `reason (detail), ...`.
import type { PodSpec } from '../../../../lib/gen/kite/core/v1/types';
import type { ObjectMeta } from '../../../../lib/gen/kite/meta/v1/meta';
import { CHECKS, type CheckResult } from './checks';
import type { Level } from './levels';

export interface Evaluation {
  allowed: boolean;
  /** One entry per failed check. */
  failures: Array<{ reason: string; detail: string }>;
}

export function evaluatePod(level: Level, meta: ObjectMeta | undefined, spec: PodSpec): Evaluation {
  if (level === 'privileged') return { allowed: true, failures: [] };
  const baseline = CHECKS.filter((c) => c.level === 'baseline' && !c.overlap);
  const rest = level === 'baseline' ? CHECKS.filter((c) => c.level === 'baseline' && c.overlap) : CHECKS.filter((c) => c.level === 'restricted');
  const results: CheckResult[] = [...baseline, ...rest].map((c) => c.run(meta, spec));
  const failures = results.filter((r) => !r.allowed).map((r) => ({ reason: r.reason || 'unknown forbidden reason', detail: r.detail ?? '' }));
  return { allowed: failures.length === 0, failures };
}

/** `host namespaces (hostPID=true), privileged (container "c" must ...)`: Kubernetes' ForbiddenDetail. */
export function forbiddenDetail(e: Evaluation): string {
  return e.failures.map((f) => (f.detail ? `${f.reason} (${f.detail})` : f.reason)).join(', ');
}

/** `host namespaces, privileged`: Kubernetes' ForbiddenReason (used for existing pods' warnings). */
export function forbiddenReason(e: Evaluation): string {
  return e.failures.map((f) => f.reason).join(', ');
}
