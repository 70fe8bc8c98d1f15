// `describe persistentvolumeclaim`, as kubectl's describePersistentVolumeClaim
// (pkg/describe/describe.go) prints it: class, phase, volume, the bound capacity and access modes,
// the pods using the claim (getPodsForPVC), its conditions and events.
import type { Event, PersistentVolumeClaim, Pod } from '../../../lib/gen/kite/core/v1/types';
import { rfc1123z } from '../../../lib/printers/age';
import { accessModes } from '../../../lib/printers/table-columns';
import { DescribeWriter, writeAnnotations, writeEvents, writeLabels } from './describe-writer';
import { goList, objectStatus } from './persistentvolume';
import { claimClass } from '../../../lib/api/persistent-volumes';

/** Go's zero time in RFC 1123 with numeric zone, as kubectl prints an unset condition time. */
const ZERO_TIME = 'Mon, 01 Jan 0001 00:00:00 +0000';

/** getPodsForPVC: the namespace's pods with a volume of the claim, then pods owning it not listed yet. */
export function podsUsingClaim(pvc: PersistentVolumeClaim, nsPods: Pod[]): Pod[] {
  const name = pvc.metadata?.name;
  const pods: Pod[] = [];
  for (const pod of nsPods) {
    for (const v of pod.spec?.volumes ?? []) if (v.persistentVolumeClaim?.claimName === name) pods.push(pod);
  }
  for (const ref of pvc.metadata?.ownerReferences ?? []) {
    if (ref.kind !== 'Pod') continue;
    const owner = nsPods.find((p) => p.metadata?.uid === ref.uid);
    if (owner && !pods.some((p) => p.metadata?.uid === ref.uid)) pods.push(owner);
  }
  return pods;
}

export function describePersistentVolumeClaim(pvc: PersistentVolumeClaim, pods: Pod[], events: Event[] | undefined, now = Date.now()): string {
  const w = new DescribeWriter();
  const m = pvc.metadata;
  const spec = pvc.spec;
  const st = pvc.status;
  w.write(0, `Name:\t${m?.name}\n`);
  w.write(0, `Namespace:\t${m?.namespace}\n`);
  w.write(0, `StorageClass:\t${claimClass(pvc)}\n`);
  w.write(0, `Status:\t${objectStatus(m, st?.phase, now)}\n`);
  w.write(0, `Volume:\t${spec?.volumeName ?? ''}\n`);
  writeLabels(w, 'Labels', m?.labels);
  writeAnnotations(w, m?.annotations);
  w.write(0, `Finalizers:\t${goList(m?.finalizers)}\n`);
  const bound = !!spec?.volumeName;
  w.write(0, `Capacity:\t${bound ? (st?.capacity?.storage ?? '0') : ''}\n`);
  w.write(0, `Access Modes:\t${bound ? accessModes(st?.accessModes) : ''}\n`);
  if (spec?.volumeMode !== undefined) w.write(0, `VolumeMode:\t${spec.volumeMode}\n`);
  const names = pods.map((p) => p.metadata?.name ?? '').sort();
  w.write(0, 'Used By:\t');
  if (!names.length) w.write(0, '<none>\n');
  names.forEach((n, i) => w.write(0, `${i ? '\t' : ''}${n}\n`));
  const conditions = st?.conditions ?? [];
  if (conditions.length) {
    const time = (t: string) => (t ? rfc1123z(t) : ZERO_TIME);
    w.write(0, 'Conditions:\n');
    w.write(1, 'Type\tStatus\tLastProbeTime\tLastTransitionTime\tReason\tMessage\n');
    w.write(1, '----\t------\t-----------------\t------------------\t------\t-------\n');
    for (const c of conditions) w.write(1, `${c.type} \t${c.status} \t${time(c.lastProbeTime)} \t${time(c.lastTransitionTime)} \t${c.reason} \t${c.message}\n`);
  }
  writeEvents(w, events, now);
  return w.toString();
}
