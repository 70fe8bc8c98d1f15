// What a Service's Endpoints should hold, computed from the pods its selector matches
// (Kubernetes' endpoints controller): one address per pod IP, ready ones in addresses and the
// others in notReadyAddresses, ports resolved from each pod's containers, regrouped so that
// addresses offering the same ports share a subset (RepackSubsets) in a stable order.
import { EndpointSubset, type EndpointAddress, type EndpointPort, type Pod, type Service, type ServicePort } from '../../../lib/gen/kite/core/v1/types';
import { canonicalJson } from '../../../lib/util/json';
import { isPodReady } from '../../../lib/api/pods';

/** The container port a Service port's targetPort names on `pod` (Kubernetes' FindPort). */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target: unknown = sp.targetPort;
  if (typeof target === 'number') return target;
  if (typeof target === 'string' && target !== '') {
    for (const c of pod.spec?.containers ?? []) {
      for (const p of c.ports) if (p.name === target && (p.protocol || 'TCP') === (sp.protocol || 'TCP')) return p.containerPort;
    }
    return undefined;
  }
  // No targetPort: the Service port itself (the apiserver defaults it so).
  return sp.port;
}

/** Has an IP, is not finished for good, and is not terminating (unless those are published). */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP && (pod.status?.podIPs.length ?? 0) === 0) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  const phase = pod.status?.phase;
  switch (pod.spec?.restartPolicy) {
    case 'Never':
      return phase !== 'Failed' && phase !== 'Succeeded';
    case 'OnFailure':
      return phase !== 'Succeeded';
    default:
      return true;
  }
}

function address(pod: Pod, svc: Service): EndpointAddress {
  const m = pod.metadata!;
  const sameSubdomain = !!pod.spec?.hostname && pod.spec.subdomain === svc.metadata!.name && m.namespace === svc.metadata!.namespace;
  return {
    ip: pod.status?.podIP || pod.status!.podIPs[0].ip,
    hostname: sameSubdomain ? pod.spec!.hostname : '',
    nodeName: pod.spec?.nodeName || undefined,
    targetRef: { kind: 'Pod', namespace: m.namespace, name: m.name, uid: m.uid, apiVersion: '', resourceVersion: '', fieldPath: '' },
  };
}

interface Entry {
  addr: EndpointAddress;
  ready: boolean;
}

const addrKey = (a: EndpointAddress) => `${a.ip}/${a.targetRef?.uid ?? ''}`;

function compareAddr(a: EndpointAddress, b: EndpointAddress): number {
  const ka = addrKey(a);
  const kb = addrKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The subsets of the Service's Endpoints, given the pods in its namespace its selector matches. */
export function computeSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const spec = svc.spec!;
  const tolerateUnready = spec.publishNotReadyAddresses;
  // Port (as a key) -> addresses offering it; "" stands for "no ports" (headless without ports).
  const byPort = new Map<string, { port?: EndpointPort; addrs: Map<string, Entry> }>();
  const add = (port: EndpointPort | undefined, addr: EndpointAddress, ready: boolean) => {
    const pk = port ? canonicalJson(port) : '';
    let group = byPort.get(pk);
    if (!group) byPort.set(pk, (group = { port, addrs: new Map() }));
    const prev = group.addrs.get(addrKey(addr));
    group.addrs.set(addrKey(addr), { addr, ready: ready || (prev?.ready ?? false) });
  };
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, tolerateUnready)) continue;
    const addr = address(pod, svc);
    const ready = tolerateUnready || isPodReady(pod);
    if (spec.ports.length === 0) {
      if (spec.clusterIP === 'None') add(undefined, addr, ready);
      continue;
    }
    for (const sp of spec.ports) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      add({ name: sp.name, port, protocol: sp.protocol || 'TCP', appProtocol: sp.appProtocol }, addr, ready);
    }
  }
  // Ports offered by exactly the same addresses (with the same readiness) share a subset.
  const subsets = new Map<string, { entries: Entry[]; ports: EndpointPort[] }>();
  for (const { port, addrs } of byPort.values()) {
    const entries = [...addrs.values()].sort((a, b) => compareAddr(a.addr, b.addr));
    const key = entries.map((e) => `${addrKey(e.addr)}:${e.ready}`).join(',');
    let s = subsets.get(key);
    if (!s) subsets.set(key, (s = { entries, ports: [] }));
    if (port) s.ports.push(port);
  }
  const out = [...subsets.values()].map((s) =>
    EndpointSubset.fromPartial({
      addresses: s.entries.filter((e) => e.ready).map((e) => e.addr),
      notReadyAddresses: s.entries.filter((e) => !e.ready).map((e) => e.addr),
      ports: s.ports.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.port - b.port)),
    }),
  );
  return out.sort((a, b) => {
    const ka = canonicalJson(a.ports);
    const kb = canonicalJson(b.ports);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

export function subsetsEqual(a: EndpointSubset[], b: EndpointSubset[]): boolean {
  const norm = (s: EndpointSubset[]) => canonicalJson(s.map((x) => EndpointSubset.toJSON(EndpointSubset.fromPartial(x))));
  return norm(a) === norm(b);
}
