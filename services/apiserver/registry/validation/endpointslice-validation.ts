// Kubernetes' EndpointSlice rules (pkg/apis/discovery/validation and the v1 defaults): the
// metadata (a DNS subdomain name), addressType IPv4, IPv6 or FQDN (immutable), at most 1000
// endpoints of 1..100 addresses of that type (no unspecified, loopback or link-local IPs), node
// names, DNS-label hostnames, zone hints, and at most 20000 ports with unique DNS-label names
// and a protocol (defaulted to TCP, as SetDefaults_EndpointPort does).
import { isIPv4, isIPv6 } from 'node:net';
import type { FieldCause } from '../../../../lib/api/errors';
import type { Endpoint, EndpointHints, EndpointPort, EndpointSlice } from '../../../../lib/gen/kite/discovery/v1/types';
import { validateMeta } from './validation';
import * as v from './validation-helpers';
import { Causes } from './validation-helpers';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'] as const;
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;
const MAX_ENDPOINTS = 1000;
const MAX_ZONE_HINTS = 8;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Kubernetes' SetDefaults_EndpointPort: an unnamed port is named "", its protocol is TCP. */
export function defaultEndpointSlice(s: EndpointSlice): void {
  for (const p of s.ports) {
    p.name ??= '';
    p.protocol ??= 'TCP';
  }
}

export function validateEndpointSlice(s: EndpointSlice): FieldCause[] {
  const c = new Causes();
  validateMeta(c, s.metadata, true, 'subdomain');
  if (!s.addressType) c.add('addressType', 'Required value');
  else c.notSupported('addressType', s.addressType, ADDRESS_TYPES);
  validateEndpoints(c, s.endpoints, s.addressType);
  validatePorts(c, s.ports);
  return c.list;
}

export function validateEndpointSliceUpdate(s: EndpointSlice, old: EndpointSlice): FieldCause[] {
  const causes = validateEndpointSlice(s);
  if (s.addressType !== old.addressType) causes.push({ field: 'addressType', message: `Invalid value: "${s.addressType}": field is immutable` });
  return causes;
}

function validateEndpoints(c: Causes, endpoints: Endpoint[], addressType: string): void {
  if (endpoints.length > MAX_ENDPOINTS) {
    c.add('endpoints', `Too many: ${endpoints.length}: must have at most ${MAX_ENDPOINTS} items`);
    return;
  }
  endpoints.forEach((ep, i) => {
    const path = `endpoints[${i}]`;
    if (ep.addresses.length === 0) c.add(`${path}.addresses`, 'Required value: must contain at least 1 address');
    else if (ep.addresses.length > MAX_ADDRESSES) c.add(`${path}.addresses`, `Too many: ${ep.addresses.length}: must have at most ${MAX_ADDRESSES} items`);
    ep.addresses.forEach((a, j) => address(c, `${path}.addresses[${j}]`, a, addressType));
    if (ep.nodeName !== undefined) v.dns1123Subdomain(c, `${path}.nodeName`, ep.nodeName);
    if (ep.hostname !== undefined) v.dns1123Label(c, `${path}.hostname`, ep.hostname);
    if (ep.hints) validateHints(c, `${path}.hints`, ep.hints);
  });
}

/** Addresses of a known type are checked; others fall through, as in Kubernetes. */
function address(c: Causes, field: string, a: string, addressType: string): void {
  switch (addressType) {
    case 'IPv4':
      if (!isIPv4(a)) c.add(field, `Invalid value: "${a}": must be a valid IPv4 address`);
      endpointIP(c, field, a);
      break;
    case 'IPv6':
      if (!isIPv6(a)) c.add(field, `Invalid value: "${a}": must be a valid IPv6 address`);
      endpointIP(c, field, a);
      break;
    case 'FQDN':
      fqdn(c, field, a);
      break;
  }
}

/** Kubernetes' ValidateEndpointIP: no unspecified, loopback or link-local addresses. */
function endpointIP(c: Causes, field: string, a: string): void {
  const bad = (why: string) => c.add(field, `Invalid value: "${a}": ${why}`);
  if (isIPv4(a)) {
    const [o1, o2, o3] = a.split('.').map(Number);
    if (a === '0.0.0.0') bad(`may not be unspecified (${a})`);
    else if (o1 === 127) bad('may not be in the loopback range (127.0.0.0/8, ::1/128)');
    else if (o1 === 169 && o2 === 254) bad('may not be in the link-local range (169.254.0.0/16, fe80::/10)');
    else if (o1 === 224 && o2 === 0 && o3 === 0) bad('may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)');
  } else if (isIPv6(a)) {
    const lower = a.toLowerCase();
    const first = parseInt(lower.split(':')[0] || '0', 16);
    if (/^[0:]+$/.test(lower)) bad(`may not be unspecified (${a})`);
    else if (/^[0:]+1$/.test(lower)) bad('may not be in the loopback range (127.0.0.0/8, ::1/128)');
    else if ((first & 0xffc0) === 0xfe80) bad('may not be in the link-local range (169.254.0.0/16, fe80::/10)');
    else if (first === 0xff02) bad('may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)');
  } else bad('must be a valid IP address');
}

/** Kubernetes' IsFullyQualifiedDomainName: a DNS subdomain of at least two labels. */
function fqdn(c: Causes, field: string, a: string): void {
  const name = a.endsWith('.') ? a.slice(0, -1) : a;
  if (!name) {
    c.add(field, 'Required value');
    return;
  }
  const before = c.list.length;
  v.dns1123Subdomain(c, field, name);
  if (c.list.length > before) return;
  const labels = name.split('.');
  if (labels.length < 2) c.add(field, `Invalid value: "${name}": should be a domain with at least two segments separated by dots`);
  else for (const l of labels) v.dns1123Label(c, field, l);
}

function validateHints(c: Causes, path: string, hints: EndpointHints): void {
  if (hints.forZones.length > MAX_ZONE_HINTS) {
    c.add(`${path}.forZones`, `Too many: ${hints.forZones.length}: must have at most ${MAX_ZONE_HINTS} items`);
    return;
  }
  const seen = new Set<string>();
  hints.forZones.forEach((z, i) => {
    const field = `${path}.forZones[${i}].name`;
    if (seen.has(z.name)) c.add(field, `Duplicate value: "${z.name}"`);
    else seen.add(z.name);
    if (z.name.length > 63) c.add(field, `Invalid value: "${z.name}": must be no more than 63 characters`);
    if (!LABEL_VALUE.test(z.name)) {
      c.add(field, `Invalid value: "${z.name}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`);
    }
  });
}

function validatePorts(c: Causes, ports: EndpointPort[]): void {
  if (ports.length > MAX_PORTS) {
    c.add('ports', `Too many: ${ports.length}: must have at most ${MAX_PORTS} items`);
    return;
  }
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const path = `ports[${i}]`;
    const name = p.name ?? '';
    if (name) v.dns1123Label(c, `${path}.name`, name);
    if (names.has(name)) c.add(`${path}.name`, `Duplicate value: "${name}"`);
    else names.add(name);
    if (p.protocol === undefined) c.add(`${path}.protocol`, 'Required value');
    else c.notSupported(`${path}.protocol`, p.protocol, PROTOCOLS);
    if (p.appProtocol !== undefined) v.qualifiedName(c, `${path}.appProtocol`, p.appProtocol);
  });
}
