// `describe storageclass`, as kubectl's describeStorageClass (pkg/describe/describe.go) prints it:
// whether it is the default class, its annotations and parameters on one line each, the
// provisioner, expansion, mount options, reclaim policy, binding mode and allowed topologies.
import { isDefaultClass } from '../../../lib/api/storage-classes';
import type { Event, TopologySelectorTerm } from '../../../lib/gen/kite/core/v1/types';
import type { StorageClass } from '../../../lib/gen/kite/storage/v1/types';
import { formatLabels } from '../../../lib/printers/format';
import { DescribeWriter, writeEvents } from './describe-writer';

/** printBoolPtr: "True", "False" or "<unset>". */
export function boolPtr(value: boolean | undefined): string {
  if (value === undefined) return '<unset>';
  return value ? 'True' : 'False';
}

function writeAllowedTopologies(w: DescribeWriter, terms: TopologySelectorTerm[]): void {
  w.write(0, 'AllowedTopologies:\t\n');
  terms.forEach((t, i) => {
    w.write(1, `Term ${i}:\t`);
    if (!t.matchLabelExpressions.length) w.write(0, '<none>\n');
    t.matchLabelExpressions.forEach((r, j) => {
      if (j) w.write(1, '\t');
      w.write(0, `${r.key} in${r.values.length ? ` [${r.values.join(', ')}]` : ''}\n`);
    });
  });
}

export function describeStorageClass(sc: StorageClass, events: Event[] | undefined, now = Date.now()): string {
  const w = new DescribeWriter();
  w.write(0, `Name:\t${sc.metadata?.name}\n`);
  w.write(0, `IsDefaultClass:\t${isDefaultClass(sc) ? 'Yes' : 'No'}\n`);
  w.write(0, `Annotations:\t${formatLabels(sc.metadata?.annotations)}\n`);
  w.write(0, `Provisioner:\t${sc.provisioner}\n`);
  w.write(0, `Parameters:\t${formatLabels(sc.parameters)}\n`);
  w.write(0, `AllowVolumeExpansion:\t${boolPtr(sc.allowVolumeExpansion)}\n`);
  if (!sc.mountOptions.length) w.write(0, 'MountOptions:\t<none>\n');
  else {
    w.write(0, 'MountOptions:\n');
    for (const o of sc.mountOptions) w.write(1, `${o}\n`);
  }
  if (sc.reclaimPolicy !== undefined) w.write(0, `ReclaimPolicy:\t${sc.reclaimPolicy}\n`);
  if (sc.volumeBindingMode !== undefined) w.write(0, `VolumeBindingMode:\t${sc.volumeBindingMode}\n`);
  // kubectl prints the section only when the list is set, and the API omits an empty list.
  if (sc.allowedTopologies.length) writeAllowedTopologies(w, sc.allowedTopologies);
  writeEvents(w, events, now);
  return w.toString();
}
