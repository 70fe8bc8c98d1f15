// `describe persistentvolume`, as kubectl's describePersistentVolume (pkg/describe/describe.go)
// prints it: class, phase, claim, reclaim policy, access modes, capacity, the required node
// affinity terms, and the source (the hostPath and local sources Kite's volumes have).
import { volumeClass } from '../../../lib/api/persistent-volumes';
import type { Event, NodeSelectorRequirement, PersistentVolume, VolumeNodeAffinity } from '../../../lib/gen/kite/core/v1/types';
import { since } from '../../../lib/printers/age';
import { accessModes } from '../../../lib/printers/table-columns';
import { DescribeWriter, writeAnnotations, writeEvents, writeLabels } from './describe-writer';

/** Go's %v of a string slice: "[a b]". */
export function goList(items: string[] | undefined): string {
  return `[${(items ?? []).join(' ')}]`;
}

/** "Status: Terminating (lasts 5s)" while deleted, else the phase. */
export function objectStatus(meta: { deletionTimestamp?: string | undefined } | undefined, phase: string | undefined, now: number): string {
  return meta?.deletionTimestamp ? `Terminating (lasts ${since(meta.deletionTimestamp, now)})` : (phase ?? '');
}

function writeTerm(w: DescribeWriter, title: string, reqs: NodeSelectorRequirement[]): void {
  w.write(2, `${title}:\t`);
  if (!reqs.length) {
    w.write(0, '<none>\n');
    return;
  }
  reqs.forEach((r, i) => {
    if (i) w.write(2, '\t');
    const values = r.values.length ? ` [${r.values.join(', ')}]` : '';
    w.write(0, `${r.key} ${r.operator.toLowerCase()}${values}\n`);
  });
}

function writeNodeAffinity(w: DescribeWriter, affinity: VolumeNodeAffinity | undefined): void {
  w.write(0, 'Node Affinity:\t');
  if (!affinity?.required) {
    w.write(0, '<none>\n');
    return;
  }
  w.write(0, '\n');
  const terms = affinity.required.nodeSelectorTerms;
  w.write(1, 'Required Terms:\t');
  if (!terms.length) {
    w.write(0, '<none>\n');
    return;
  }
  w.write(0, '\n');
  terms.forEach((t, i) => writeTerm(w, `Term ${i}`, t.matchExpressions));
}

export function describePersistentVolume(pv: PersistentVolume, events: Event[] | undefined, now = Date.now()): string {
  const w = new DescribeWriter();
  const m = pv.metadata;
  const spec = pv.spec;
  w.write(0, `Name:\t${m?.name}\n`);
  writeLabels(w, 'Labels', m?.labels);
  writeAnnotations(w, m?.annotations);
  w.write(0, `Finalizers:\t${goList(m?.finalizers)}\n`);
  w.write(0, `StorageClass:\t${volumeClass(pv)}\n`);
  w.write(0, `Status:\t${objectStatus(m, pv.status?.phase, now)}\n`);
  const claim = spec?.claimRef;
  w.write(0, `Claim:\t${claim ? `${claim.namespace}/${claim.name}` : ''}\n`);
  w.write(0, `Reclaim Policy:\t${spec?.persistentVolumeReclaimPolicy ?? ''}\n`);
  w.write(0, `Access Modes:\t${accessModes(spec?.accessModes)}\n`);
  if (spec?.volumeMode !== undefined) w.write(0, `VolumeMode:\t${spec.volumeMode}\n`);
  w.write(0, `Capacity:\t${spec?.capacity?.storage ?? '0'}\n`);
  writeNodeAffinity(w, spec?.nodeAffinity);
  w.write(0, `Message:\t${pv.status?.message ?? ''}\n`);
  w.write(0, 'Source:\n');
  if (spec?.hostPath) {
    w.write(2, 'Type:\tHostPath (bare host directory volume)\n');
    w.write(2, `Path:\t${spec.hostPath.path}\n`);
    w.write(2, `HostPathType:\t${spec.hostPath.type}\n`);
  } else if (spec?.local) {
    w.write(2, 'Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n');
    w.write(2, `Path:\t${spec.local.path}\n`);
  } else {
    w.write(1, '<unknown>\n');
  }
  writeEvents(w, events, now);
  return w.toString();
}
