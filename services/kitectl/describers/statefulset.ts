// `describe statefulset`, as kubectl's describeStatefulSet (pkg/describe/describe.go) prints it,
// with describeVolumeClaimTemplates for its claim templates.
import { claimClass } from '../../../lib/api/persistent-volumes';
import type { StatefulSet } from '../../../lib/gen/kite/apps/v1/types';
import type { Event, PersistentVolumeClaim, Pod } from '../../../lib/gen/kite/core/v1/types';
import { rfc1123z } from '../../../lib/printers/age';
import { formatSelector } from '../../../lib/printers/format';
import { DescribeWriter, writeAnnotations, writeEvents, writeLabels } from './describe-writer';
import { writePodTemplate } from './pod-template';

function writeVolumeClaimTemplates(w: DescribeWriter, templates: PersistentVolumeClaim[]): void {
  if (templates.length === 0) {
    w.write(0, 'Volume Claims:\t<none>\n');
    return;
  }
  w.write(0, 'Volume Claims:\n');
  for (const pvc of templates) {
    w.write(1, `Name:\t${pvc.metadata?.name ?? ''}\n`);
    w.write(1, `StorageClass:\t${claimClass(pvc)}\n`);
    writeLabels(w, 'Labels', pvc.metadata?.labels, '  ');
    writeLabels(w, 'Annotations', pvc.metadata?.annotations, '  ');
    w.write(1, `Capacity:\t${pvc.spec?.resources?.requests?.storage ?? '<default>'}\n`);
    // Go prints the access modes slice as [A B].
    w.write(1, `Access Modes:\t[${(pvc.spec?.accessModes ?? []).join(' ')}]\n`);
  }
}

/** `pods` are the set's own pods (its selector, controlled by it). */
export function describeStatefulSet(set: StatefulSet, pods: Pod[], events: Event[] | undefined, now = Date.now()): string {
  const w = new DescribeWriter();
  const m = set.metadata;
  const spec = set.spec;
  w.write(0, `Name:\t${m?.name}\n`);
  w.write(0, `Namespace:\t${m?.namespace}\n`);
  w.write(0, `CreationTimestamp:\t${rfc1123z(m?.creationTimestamp)}\n`);
  w.write(0, `Selector:\t${formatSelector(spec?.selector)}\n`);
  writeLabels(w, 'Labels', m?.labels);
  writeAnnotations(w, m?.annotations);
  w.write(0, `Replicas:\t${spec?.replicas ?? 1} desired | ${set.status?.replicas ?? 0} total\n`);
  w.write(0, `Update Strategy:\t${spec?.updateStrategy?.type ?? ''}\n`);
  const ru = spec?.updateStrategy?.rollingUpdate;
  if (ru?.partition !== undefined) {
    w.write(1, `Partition:\t${ru.partition}\n`);
    if (ru.maxUnavailable !== undefined && ru.maxUnavailable !== null) w.write(1, `MaxUnavailable:\t${ru.maxUnavailable}\n`);
  }
  const count = (phase: string) => pods.filter((p) => p.status?.phase === phase).length;
  w.write(0, `Pods Status:\t${count('Running')} Running / ${count('Pending')} Waiting / ${count('Succeeded')} Succeeded / ${count('Failed')} Failed\n`);
  writePodTemplate(w, spec?.template);
  writeVolumeClaimTemplates(w, spec?.volumeClaimTemplates ?? []);
  writeEvents(w, events, now);
  return w.toString();
}
