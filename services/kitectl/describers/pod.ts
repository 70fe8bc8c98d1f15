// `describe pod`.
import type { Event, Pod } from '../../../lib/gen/kite/core/v1/types';
import { humanDuration, rfc1123z } from '../../../lib/printers/age';
import { DescribeWriter, controlledBy, writeAnnotations, writeEvents, writeLabels } from './describe-writer';
import { writeContainers, writeTolerations, writeVolumes } from './pod-template';

export function describePod(pod: Pod, events: Event[] | undefined, now = Date.now()): string {
  const w = new DescribeWriter();
  const m = pod.metadata;
  const spec = pod.spec;
  const st = pod.status;
  w.write(0, `Name:\t${m?.name}\n`);
  w.write(0, `Namespace:\t${m?.namespace}\n`);
  if (spec?.priority !== undefined) w.write(0, `Priority:\t${spec.priority}\n`);
  if (spec?.priorityClassName) w.write(0, `Priority Class Name:\t${spec.priorityClassName}\n`);
  if (spec?.serviceAccountName) w.write(0, `Service Account:\t${spec.serviceAccountName}\n`);
  w.write(0, `Node:\t${spec?.nodeName ? `${spec.nodeName}${st?.hostIP ? `/${st.hostIP}` : ''}` : '<none>'}\n`);
  if (st?.startTime) w.write(0, `Start Time:\t${rfc1123z(st.startTime)}\n`);
  writeLabels(w, 'Labels', m?.labels);
  writeAnnotations(w, m?.annotations);
  if (m?.deletionTimestamp && st?.phase !== 'Succeeded' && st?.phase !== 'Failed') {
    w.write(0, `Status:\tTerminating (lasts ${humanDuration(now - Date.parse(m.deletionTimestamp))})\n`);
    w.write(0, `Termination Grace Period:\t${m.deletionGracePeriodSeconds ?? spec?.terminationGracePeriodSeconds ?? 30}s\n`);
  } else {
    w.write(0, `Status:\t${st?.phase ?? ''}\n`);
  }
  if (st?.reason) w.write(0, `Reason:\t${st.reason}\n`);
  if (st?.message) w.write(0, `Message:\t${st.message.trim()}\n`);
  w.write(0, `IP:\t${st?.podIP ?? ''}\n`);
  const ips = st?.podIPs.map((p) => p.ip) ?? [];
  if (!ips.length) w.write(0, 'IPs:\t<none>\n');
  else {
    w.write(0, 'IPs:\n');
    for (const ip of ips) w.write(1, `IP:\t${ip}\n`);
  }
  const owner = controlledBy(m);
  if (owner) w.write(0, `Controlled By:\t${owner}\n`);
  if (st?.nominatedNodeName) w.write(0, `NominatedNodeName:\t${st.nominatedNodeName}\n`);
  if (spec?.initContainers.length) writeContainers(w, 'Init Containers', spec.initContainers, st?.initContainerStatuses);
  writeContainers(w, 'Containers', spec?.containers ?? [], st?.containerStatuses);
  if (st?.conditions.length) {
    w.write(0, 'Conditions:\n');
    w.write(1, 'Type\tStatus\n');
    for (const c of st.conditions) w.write(1, `${c.type} \t${c.status} \n`);
  }
  writeVolumes(w, spec?.volumes ?? []);
  if (st?.qosClass) w.write(0, `QoS Class:\t${st.qosClass}\n`);
  writeLabels(w, 'Node-Selectors', spec?.nodeSelector);
  writeTolerations(w, spec?.tolerations ?? []);
  writeEvents(w, events, now);
  return w.toString();
}
