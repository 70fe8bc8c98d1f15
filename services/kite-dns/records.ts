// The resource records of one Service, as Kubernetes' DNS specification and CoreDNS's kubernetes
// plugin build them: A/AAAA for a ClusterIP Service, one A/AAAA per published endpoint for a
// headless one (and per-endpoint names), SRV per named port, PTR for the ClusterIPs and headless
// endpoint IPs, CNAME for an ExternalName Service. Pure functions: the record store calls them on
// informer events, never per query.
import { isIPv4, isIPv6 } from 'node:net';
import type { Answer } from 'dns-packet';
import type { Endpoint, EndpointSlice } from '../../lib/gen/kite/discovery/v1/types';
import type { Service } from '../../lib/gen/kite/core/v1/types';

/** The label an EndpointSlice carries naming its Service (discovery.k8s.io/v1's LabelServiceName). */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Names are compared case-insensitively and kept without the trailing dot. */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** `<svc>.<ns>.svc.<domain>` */
export function serviceName(svc: string, ns: string, domain: string): string {
  return canonicalName(`${svc}.${ns}.svc.${domain}`);
}

/** The reverse-lookup name of an IP: d.c.b.a.in-addr.arpa, or the 32 nibbles of ip6.arpa. */
export function reverseName(ip: string): string | undefined {
  if (isIPv4(ip)) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  if (!isIPv6(ip)) return undefined;
  return `${expandIPv6(ip).replace(/:/g, '').split('').reverse().join('.')}.ip6.arpa`;
}

/** An IPv6 address with all eight groups of four hex digits. */
function expandIPv6(ip: string): string {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.padStart(4, '0')).join(':');
}

/** The dashed form of an IP used as a DNS label: 10-244-1-5, or 2001-db8--5 (CoreDNS's endpoint and pod names). */
export function dashedIP(ip: string): string {
  return ip.replace(/[.:]/g, '-');
}

/** The IP a dashed label stands for, or undefined when it is not one. */
export function undashIP(label: string): string | undefined {
  const v4 = label.replace(/-/g, '.');
  if (isIPv4(v4)) return v4;
  const v6 = label.replace(/-/g, ':');
  return isIPv6(v6) ? v6 : undefined;
}

function addressRecord(name: string, ip: string, ttl: number): Answer {
  return isIPv4(ip) ? { name, type: 'A', class: 'IN', ttl, data: ip } : { name, type: 'AAAA', class: 'IN', ttl, data: ip };
}

/** The endpoints of a headless Service that DNS publishes: ready ones (nil counts as ready), or all with publishNotReadyAddresses. */
export function publishedEndpoints(svc: Service, slices: readonly EndpointSlice[]): Endpoint[] {
  const all = svc.spec?.publishNotReadyAddresses ?? false;
  const out: Endpoint[] = [];
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    for (const ep of slice.endpoints) if (all || ep.conditions?.ready !== false) out.push(ep);
  }
  return out;
}

/** An endpoint's hostname in the Service's domain: its hostname field, else its dashed IP (CoreDNS's endpointHostname). */
export function endpointHostname(ep: Endpoint): string {
  return ep.hostname ? ep.hostname.toLowerCase() : dashedIP(ep.addresses[0] ?? '');
}

/** SRV weights as CoreDNS spreads them: 100 shared evenly among the targets of one priority. */
function srvWeight(count: number): number {
  return Math.max(1, Math.floor(100 / count));
}

/**
 * Every record of `svc` given the EndpointSlices labelled with its name. ExternalName yields the
 * CNAME alone; headless yields records per published endpoint; otherwise the ClusterIPs.
 */
export function serviceRecords(svc: Service, slices: readonly EndpointSlice[], domain: string, ttl: number): Answer[] {
  const meta = svc.metadata!;
  const spec = svc.spec;
  const base = serviceName(meta.name, meta.namespace, domain);
  if (spec?.type === 'ExternalName') {
    return spec.externalName ? [{ name: base, type: 'CNAME', class: 'IN', ttl, data: canonicalName(spec.externalName) }] : [];
  }
  const clusterIPs = spec?.clusterIPs?.length ? spec.clusterIPs : spec?.clusterIP ? [spec.clusterIP] : [];
  const namedPorts = (spec?.ports ?? []).filter((p) => p.name);
  const records: Answer[] = [];

  if (clusterIPs[0] === 'None') {
    const endpoints = publishedEndpoints(svc, slices);
    const hosts = new Set<string>();
    for (const ep of endpoints) {
      const host = `${endpointHostname(ep)}.${base}`;
      for (const ip of ep.addresses) {
        records.push(addressRecord(base, ip, ttl), addressRecord(host, ip, ttl));
        const ptr = reverseName(ip);
        if (ptr) records.push({ name: ptr, type: 'PTR', class: 'IN', ttl, data: host });
        hosts.add(host);
      }
    }
    for (const port of endpointPortsOf(slices, namedPorts)) {
      const srvName = `_${port.name.toLowerCase()}._${port.protocol.toLowerCase()}.${base}`;
      for (const host of hosts) {
        records.push({ name: srvName, type: 'SRV', class: 'IN', ttl, data: { priority: 0, weight: srvWeight(hosts.size), port: port.port, target: host } });
      }
    }
    return dedupeAddresses(records);
  }

  for (const ip of clusterIPs) {
    if (!isIPv4(ip) && !isIPv6(ip)) continue;
    records.push(addressRecord(base, ip, ttl));
    const ptr = reverseName(ip);
    if (ptr) records.push({ name: ptr, type: 'PTR', class: 'IN', ttl, data: base });
  }
  if (records.length) {
    for (const p of namedPorts) {
      const srvName = `_${p.name.toLowerCase()}._${(p.protocol || 'TCP').toLowerCase()}.${base}`;
      records.push({ name: srvName, type: 'SRV', class: 'IN', ttl, data: { priority: 0, weight: 100, port: p.port, target: base } });
    }
  }
  return records;
}

/**
 * The named ports of a headless Service's SRV records: the EndpointSlices' ports (the target
 * ports the endpoints listen on, as CoreDNS answers), or the Service's own ports before any slice names one.
 */
function endpointPortsOf(slices: readonly EndpointSlice[], servicePorts: { name: string; protocol: string; port: number }[]): { name: string; protocol: string; port: number }[] {
  const out = new Map<string, { name: string; protocol: string; port: number }>();
  for (const slice of slices) {
    for (const p of slice.ports) {
      if (!p.name || p.port === undefined) continue;
      const protocol = p.protocol || 'TCP';
      out.set(`${p.name}/${protocol}`, { name: p.name, protocol, port: p.port });
    }
  }
  if (out.size) return [...out.values()];
  return servicePorts.map((p) => ({ name: p.name, protocol: p.protocol || 'TCP', port: p.port }));
}

/** One A/AAAA/PTR per (name, data): an address in two slices of one Service is answered once. */
function dedupeAddresses(records: Answer[]): Answer[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    if (r.type !== 'A' && r.type !== 'AAAA' && r.type !== 'PTR') return true;
    const key = `${r.name}|${r.type}|${String(r.data)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
