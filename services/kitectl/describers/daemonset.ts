// `describe daemonset`, as kubectl's describeDaemonSet (pkg/describe/describe.go) prints it: the
// selector and the template's node selector, the node counts of the status, the pods' phases, the
// pod template and the events.
import type { DaemonSet } from '../../../lib/gen/kite/apps/v1/types';
import type { Event, Pod } from '../../../lib/gen/kite/core/v1/types';
import { formatLabels, formatSelector } from '../../../lib/printers/format';
import { DescribeWriter, writeAnnotations, writeEvents, writeLabels } from './describe-writer';
import { writePodTemplate } from './pod-template';

/** `pods` are the DaemonSet's own pods (its selector, controlled by it). */
export function describeDaemonSet(ds: DaemonSet, pods: Pod[], events: Event[] | undefined, now = Date.now()): string {
  const w = new DescribeWriter();
  const m = ds.metadata;
  const st = ds.status;
  w.write(0, `Name:\t${m?.name}\n`);
  w.write(0, `Selector:\t${formatSelector(ds.spec?.selector)}\n`);
  w.write(0, `Node-Selector:\t${formatLabels(ds.spec?.template?.spec?.nodeSelector)}\n`);
  writeLabels(w, 'Labels', m?.labels);
  writeAnnotations(w, m?.annotations);
  w.write(0, `Desired Number of Nodes Scheduled: ${st?.desiredNumberScheduled ?? 0}\n`);
  w.write(0, `Current Number of Nodes Scheduled: ${st?.currentNumberScheduled ?? 0}\n`);
  w.write(0, `Number of Nodes Scheduled with Up-to-date Pods: ${st?.updatedNumberScheduled ?? 0}\n`);
  w.write(0, `Number of Nodes Scheduled with Available Pods: ${st?.numberAvailable ?? 0}\n`);
  w.write(0, `Number of Nodes Misscheduled: ${st?.numberMisscheduled ?? 0}\n`);
  const count = (phase: string) => pods.filter((p) => p.status?.phase === phase).length;
  w.write(0, `Pods Status:\t${count('Running')} Running / ${count('Pending')} Waiting / ${count('Succeeded')} Succeeded / ${count('Failed')} Failed\n`);
  writePodTemplate(w, ds.spec?.template);
  writeEvents(w, events, now);
  return w.toString();
}
