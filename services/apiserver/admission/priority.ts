// The Priority admission (Kubernetes' plugin/pkg/admission/priority). On pod create it resolves
// spec.priorityClassName into spec.priority and spec.preemptionPolicy: the named class (refused
// when there is none: "no PriorityClass with name X was found"), or with no name the
// globalDefault class (its name is written into the pod), else priority 0 and
// PreemptLowerPriority. A pod that sets a priority or preemptionPolicy other than its class's is
// refused. Any namespace may use the system classes (Kubernetes dropped the kube-system-only rule
// in 1.17; a ResourceQuota with a PriorityClass scope limits them). On PriorityClass create and
// update it keeps at most one globalDefault class; a patch or server-side apply is an update of
// the object it makes of the stored one, as Kubernetes' admission sees it.
import { ApiError, ForbiddenError } from '../../../lib/api/errors';
import { patchObject } from '../../../lib/api/patch';
import { DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS, PREEMPT_LOWER_PRIORITY } from '../../../lib/api/priority-classes';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import type { PriorityClass } from '../../../lib/gen/kite/scheduling/v1/types';
import type { AdmissionPlugin, AdmissionRequest } from './chain';

/** Where PriorityClasses are read: the watch cache (the registry satisfies it). */
export interface PriorityClassSource {
  cachedList(): PriorityClass[];
}

/** getDefaultPriorityClass: the globalDefault class, the lowest value if several raced in. */
export function defaultPriorityClass(classes: readonly PriorityClass[]): PriorityClass | undefined {
  let found: PriorityClass | undefined;
  for (const pc of classes) if (pc.globalDefault && (!found || pc.value < found.value)) found = pc;
  return found;
}

export class Priority implements AdmissionPlugin {
  readonly name = 'Priority';

  constructor(private readonly classes: PriorityClassSource) {}

  admit(req: AdmissionRequest): void {
    if (req.kind.kind !== 'Pod' || req.verb !== 'create' || req.attributes.subresource || !req.object) return;
    const pod = req.object as Pod;
    if (!pod.spec) return;
    const forbid = (message: string) => new ForbiddenError(`pods "${pod.metadata?.name || pod.metadata?.generateName || ''}" is forbidden: ${message}`);
    let priority = DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS;
    let policy: string | undefined = PREEMPT_LOWER_PRIORITY;
    const classes = this.classes.cachedList();
    if (!pod.spec.priorityClassName) {
      const dpc = defaultPriorityClass(classes);
      if (dpc) {
        pod.spec.priorityClassName = dpc.metadata!.name;
        priority = dpc.value;
        policy = dpc.preemptionPolicy;
      }
    } else {
      const pc = classes.find((c) => c.metadata?.name === pod.spec!.priorityClassName);
      if (!pc) throw forbid(`no PriorityClass with name ${pod.spec.priorityClassName} was found`);
      priority = pc.value;
      policy = pc.preemptionPolicy;
    }
    if (pod.spec.priority !== undefined && pod.spec.priority !== priority) {
      throw forbid(`the integer value of priority (${pod.spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
    }
    pod.spec.priority = priority;
    if (policy === undefined) return;
    if (pod.spec.preemptionPolicy !== undefined && pod.spec.preemptionPolicy !== policy) {
      throw forbid(`the string value of PreemptionPolicy (${pod.spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
    }
    pod.spec.preemptionPolicy = policy;
  }

  validate(req: AdmissionRequest): void {
    if (req.kind.kind !== 'PriorityClass' || req.attributes.subresource) return;
    const classes = this.classes.cachedList();
    const pc = req.verb === 'patch' ? patchedClass(req, classes) : req.verb === 'create' || req.verb === 'update' ? (req.object as PriorityClass | undefined) : undefined;
    if (!pc?.globalDefault) return;
    const dpc = defaultPriorityClass(classes);
    if (dpc && (req.verb === 'create' || dpc.metadata?.name !== pc.metadata?.name)) {
      throw new ForbiddenError(`priorityclasses.scheduling.k8s.io "${pc.metadata?.name ?? ''}" is forbidden: PriorityClass ${dpc.metadata?.name} is already marked as default. Only one default can exist`);
    }
  }
}

/** The class a patch (or an apply of an existing class) would store; undefined when the patch does not apply (the registry refuses it). */
function patchedClass(req: AdmissionRequest, classes: readonly PriorityClass[]): PriorityClass | undefined {
  const r = req.request as { name?: string; patchType?: string; patch?: string } | undefined;
  const current = classes.find((c) => c.metadata?.name === r?.name);
  if (!current || !r?.patchType || r.patch === undefined) return undefined;
  try {
    return patchObject(req.kind, current, r.patchType, r.patch) as PriorityClass;
  } catch (err) {
    if (err instanceof ApiError) return undefined;
    throw err;
  }
}
