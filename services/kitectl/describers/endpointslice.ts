// `describe endpointslice` as kubectl's describeEndpointSliceV1 prints it (address type, ports,
// each endpoint's addresses, readiness, hostname, target, node and zone), and kubectl's
// formatEndpointSlices: the ready endpoints of a Service's slices as `describe service` lists them.
import { isIPv6 } from 'node:net';
import type { Event } from '../../../lib/gen/kite/core/v1/types';
import type { Endpoint, EndpointSlice } from '../../../lib/gen/kite/discovery/v1/types';
import { DescribeWriter, writeAnnotations, writeEvents, writeLabels } from './describe-writer';

/** The ready endpoints of `slices` as "ip:port" (of the named port; all ports if undefined), three at most then "+ N more...". */
export function formatEndpointSlices(slices: EndpointSlice[], portName?: string): string {
  if (slices.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  // As kubectl: "more" is noticed on any endpoint past the third, ready or not; only ready ones
  // (a nil condition means unknown, taken as ready) are listed and counted.
  const visit = (e: Endpoint, text: () => string) => {
    if (list.length === max) more = true;
    if (e.conditions?.ready === false) return;
    if (!more) list.push(text());
    count++;
  };
  for (const s of slices) {
    // A headless Service may have no ports.
    if (s.ports.length === 0) for (const e of s.endpoints) visit(e, () => e.addresses[0]);
    for (const p of s.ports) {
      if (portName !== undefined && (p.name ?? '') !== portName) continue;
      for (const e of s.endpoints) visit(e, () => `${isIPv6(e.addresses[0]) ? `[${e.addresses[0]}]` : e.addresses[0]}:${p.port ?? 0}`);
    }
  }
  const joined = list.join(',');
  return more ? `${joined} + ${count - max} more...` : joined;
}

export function describeEndpointSlice(s: EndpointSlice, events: Event[] | undefined, now = Date.now()): string {
  const w = new DescribeWriter();
  const m = s.metadata;
  w.write(0, `Name:\t${m?.name}\n`);
  w.write(0, `Namespace:\t${m?.namespace}\n`);
  writeLabels(w, 'Labels', m?.labels);
  writeAnnotations(w, m?.annotations);
  w.write(0, `AddressType:\t${s.addressType}\n`);
  if (s.ports.length === 0) w.write(0, 'Ports: <unset>\n');
  else {
    w.write(0, 'Ports:\n');
    w.write(1, 'Name\tPort\tProtocol\n');
    w.write(1, '----\t----\t--------\n');
    for (const p of s.ports) w.write(1, `${p.name || '<unset>'}\t${p.port ?? '<unset>'}\t${p.protocol ?? ''}\n`);
  }
  if (s.endpoints.length === 0) w.write(0, 'Endpoints: <none>\n');
  else {
    w.write(0, 'Endpoints:\n');
    for (const e of s.endpoints) {
      w.write(1, `- Addresses:\t${e.addresses.join(', ') || '<none>'}\n`);
      w.write(2, 'Conditions:\n');
      w.write(3, `Ready:\t${e.conditions?.ready ?? '<unset>'}\n`);
      w.write(2, `Hostname:\t${e.hostname ?? '<unset>'}\n`);
      if (e.targetRef) w.write(2, `TargetRef:\t${e.targetRef.kind}/${e.targetRef.name}\n`);
      w.write(2, `NodeName:\t${e.nodeName ?? '<unset>'}\n`);
      w.write(2, `Zone:\t${e.zone ?? '<unset>'}\n`);
    }
  }
  writeEvents(w, events, now);
  return w.toString();
}
