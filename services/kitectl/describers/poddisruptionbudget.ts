// `describe poddisruptionbudget`, as kubectl's describePodDisruptionBudgetV1
// (pkg/describe/describe.go) prints it: minAvailable or maxUnavailable, the selector and the
// status counts the disruption controller keeps.
import type { Event } from '../../../lib/gen/kite/core/v1/types';
import type { PodDisruptionBudget } from '../../../lib/gen/kite/policy/v1/types';
import { formatSelector } from '../../../lib/printers/format';
import { DescribeWriter, writeEvents } from './describe-writer';

export function describePodDisruptionBudget(pdb: PodDisruptionBudget, events: Event[] | undefined, now = Date.now()): string {
  const w = new DescribeWriter();
  const spec = pdb.spec;
  const st = pdb.status;
  w.write(0, `Name:\t${pdb.metadata?.name}\n`);
  w.write(0, `Namespace:\t${pdb.metadata?.namespace}\n`);
  if (spec?.minAvailable !== undefined && spec.minAvailable !== null) w.write(0, `Min available:\t${spec.minAvailable}\n`);
  else if (spec?.maxUnavailable !== undefined && spec.maxUnavailable !== null) w.write(0, `Max unavailable:\t${spec.maxUnavailable}\n`);
  w.write(0, `Selector:\t${spec?.selector ? formatSelector(spec.selector) : '<unset>'}\n`);
  w.write(0, 'Status:\n');
  w.write(2, `Allowed disruptions:\t${st?.disruptionsAllowed ?? 0}\n`);
  w.write(2, `Current:\t${st?.currentHealthy ?? 0}\n`);
  w.write(2, `Desired:\t${st?.desiredHealthy ?? 0}\n`);
  w.write(2, `Total:\t${st?.expectedPods ?? 0}\n`);
  writeEvents(w, events, now);
  return w.toString();
}
