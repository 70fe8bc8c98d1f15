// `describe service` (its Endpoints lines from the Service's EndpointSlices, as kubectl 1.32
// reads them) and `describe endpoints`.
import type { Endpoints, Event, Service } from '../../../lib/gen/kite/core/v1/types';
import type { EndpointSlice } from '../../../lib/gen/kite/discovery/v1/types';
import { DescribeWriter, writeAnnotations, writeEvents, writeLabels } from './describe-writer';
import { formatEndpointSlices } from './endpointslice';

/** `slices`: the EndpointSlices labelled kubernetes.io/service-name=<svc>. */
export function describeService(svc: Service, slices: EndpointSlice[], events: Event[] | undefined, now = Date.now()): string {
  const w = new DescribeWriter();
  const m = svc.metadata;
  const spec = svc.spec;
  w.write(0, `Name:\t${m?.name}\n`);
  w.write(0, `Namespace:\t${m?.namespace}\n`);
  writeLabels(w, 'Labels', m?.labels);
  writeAnnotations(w, m?.annotations);
  const sel = spec?.selector ?? {};
  const selKeys = Object.keys(sel).sort();
  w.write(0, `Selector:\t${selKeys.length ? selKeys.map((k) => `${k}=${sel[k]}`).join(',') : '<none>'}\n`);
  w.write(0, `Type:\t${spec?.type || 'ClusterIP'}\n`);
  if (spec?.ipFamilyPolicy) w.write(0, `IP Family Policy:\t${spec.ipFamilyPolicy}\n`);
  if (spec?.ipFamilies.length) w.write(0, `IP Families:\t${spec.ipFamilies.join(',')}\n`);
  w.write(0, `IP:\t${spec?.clusterIP || 'None'}\n`);
  const ips = spec?.clusterIPs.length ? spec.clusterIPs : spec?.clusterIP ? [spec.clusterIP] : [];
  if (ips.length) w.write(0, `IPs:\t${ips.join(',')}\n`);
  if (spec?.externalIPs.length) w.write(0, `External IPs:\t${spec.externalIPs.join(',')}\n`);
  for (const p of spec?.ports ?? []) {
    const name = p.name || '<unset>';
    const proto = p.protocol || 'TCP';
    w.write(0, `Port:\t${name}\t${p.port}/${proto}\n`);
    const target = p.targetPort ?? p.port;
    w.write(0, `TargetPort:\t${target}/${proto}\n`);
    if (p.nodePort) w.write(0, `NodePort:\t${name}\t${p.nodePort}/${proto}\n`);
    w.write(0, `Endpoints:\t${formatEndpointSlices(slices, p.name)}\n`);
  }
  w.write(0, `Session Affinity:\t${spec?.sessionAffinity || 'None'}\n`);
  if (spec?.externalTrafficPolicy) w.write(0, `External Traffic Policy:\t${spec.externalTrafficPolicy}\n`);
  if (spec?.internalTrafficPolicy) w.write(0, `Internal Traffic Policy:\t${spec.internalTrafficPolicy}\n`);
  writeEvents(w, events, now);
  return w.toString();
}

export function describeEndpoints(ep: Endpoints, events: Event[] | undefined, now = Date.now()): string {
  const w = new DescribeWriter();
  const m = ep.metadata;
  w.write(0, `Name:\t${m?.name}\n`);
  w.write(0, `Namespace:\t${m?.namespace}\n`);
  writeLabels(w, 'Labels', m?.labels);
  writeAnnotations(w, m?.annotations);
  w.write(0, 'Subsets:\n');
  for (const s of ep.subsets) {
    const ready = s.addresses.map((a) => a.ip).join(',');
    const notReady = s.notReadyAddresses.map((a) => a.ip).join(',');
    w.write(1, `Addresses:\t${ready || '<none>'}\n`);
    w.write(1, `NotReadyAddresses:\t${notReady || '<none>'}\n`);
    if (s.ports.length) {
      w.write(1, 'Ports:\n');
      w.write(2, 'Name\tPort\tProtocol\n');
      w.write(2, '----\t----\t--------\n');
      for (const p of s.ports) w.write(2, `${p.name || '<unset>'}\t${p.port}\t${p.protocol || 'TCP'}\n`);
    }
    w.write(0, '\n');
  }
  writeEvents(w, events, now);
  return w.toString();
}
