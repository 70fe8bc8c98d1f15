// SchedulingGates: kube-scheduler's PreEnqueue plugin. A pod with spec.schedulingGates stays out
// of activeQ (the queue keeps it gated; the apiserver gave it PodScheduled=False, reason
// SchedulingGated) until an update removes its last gate.
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import type { PreEnqueuePlugin } from '../framework/events';
import { Status } from '../framework/status';
import { SCHEDULING_GATES } from './names';

export class SchedulingGates implements PreEnqueuePlugin {
  readonly name = SCHEDULING_GATES;

  preEnqueue(pod: Pod): Status {
    const gates = pod.spec?.schedulingGates ?? [];
    if (gates.length === 0) return Status.success;
    return Status.unresolvable(`waiting for scheduling gates: [${gates.map((g) => g.name).join(' ')}]`);
  }
}
