// Kubernetes' NetworkPolicy rules (pkg/apis/networking/validation and the networking/v1
// defaults): the metadata (a DNS subdomain name), label selectors (podSelector,
// namespaceSelector), peers (exactly one of ipBlock or pod/namespace selectors), ipBlock's cidr
// and its excepts strictly inside it, ports (protocol TCP, UDP or SCTP, defaulted to TCP; a port
// number or name; endPort only after a numeric port and not below it) and policyTypes (at most
// two of Ingress and Egress; defaulted to Ingress, plus Egress when egress rules exist).
import type { FieldCause } from '../../../../lib/api/errors';
import type { LabelSelector } from '../../../../lib/gen/kite/meta/v1/meta';
import type { IPBlock, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from '../../../../lib/gen/kite/networking/v1/types';
import { cidrContainsNetwork, parseCidr } from '../../../../lib/util/cidr';
import { validateMeta } from './validation';
import * as v from './validation-helpers';
import { Causes } from './validation-helpers';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
const POLICY_TYPES = ['Ingress', 'Egress'] as const;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const CIDR_MESSAGE = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

/**
 * SetDefaults_NetworkPolicy and SetDefaults_NetworkPolicyPort: an absent podSelector is the
 * empty one (every pod of the namespace), a port's protocol is TCP, and a policy without
 * policyTypes is an Ingress policy, and an Egress one too when it has egress rules.
 */
export function defaultNetworkPolicy(n: NetworkPolicy): void {
  n.spec ??= { ingress: [], egress: [], policyTypes: [] };
  n.spec.podSelector ??= { matchLabels: {}, matchExpressions: [] };
  for (const rule of [...n.spec.ingress, ...n.spec.egress]) for (const p of rule.ports) p.protocol ??= 'TCP';
  if (n.spec.policyTypes.length === 0) n.spec.policyTypes = n.spec.egress.length ? ['Ingress', 'Egress'] : ['Ingress'];
}

export function validateNetworkPolicy(n: NetworkPolicy): FieldCause[] {
  const c = new Causes();
  validateMeta(c, n.metadata, true, 'subdomain');
  const spec = n.spec;
  if (!spec) return c.list;
  validateLabelSelector(c, spec.podSelector, 'spec.podSelector');
  spec.ingress.forEach((rule, i) => {
    rule.ports.forEach((p, j) => validatePort(c, p, `spec.ingress[${i}].ports[${j}]`));
    rule.from.forEach((peer, j) => validatePeer(c, peer, `spec.ingress[${i}].from[${j}]`));
  });
  spec.egress.forEach((rule, i) => {
    rule.ports.forEach((p, j) => validatePort(c, p, `spec.egress[${i}].ports[${j}]`));
    rule.to.forEach((peer, j) => validatePeer(c, peer, `spec.egress[${i}].to[${j}]`));
  });
  if (spec.policyTypes.length > POLICY_TYPES.length) {
    c.add('spec.policyTypes', `Invalid value: ${JSON.stringify(spec.policyTypes)}: may not specify more than two policyTypes`);
    return c.list;
  }
  spec.policyTypes.forEach((t, i) => c.notSupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES));
  return c.list;
}

/** ValidateNetworkPolicyPort. */
function validatePort(c: Causes, p: NetworkPolicyPort, path: string): void {
  if (p.protocol !== undefined) c.notSupported(`${path}.protocol`, p.protocol, PROTOCOLS);
  const port: unknown = p.port;
  if (port === undefined || port === null) {
    if (p.endPort !== undefined) c.add(`${path}.endPort`, `Invalid value: ${p.endPort}: may not be specified when \`port\` is not specified`);
  } else if (typeof port === 'number') {
    v.port(c, `${path}.port`, port);
    if (p.endPort !== undefined) {
      if (p.endPort < port) c.add(`${path}.endPort`, `Invalid value: ${port}: must be greater than or equal to \`port\``);
      v.port(c, `${path}.endPort`, p.endPort);
    }
  } else {
    if (p.endPort !== undefined) c.add(`${path}.endPort`, `Invalid value: ${p.endPort}: may not be specified when \`port\` is non-numeric`);
    v.portName(c, `${path}.port`, String(port));
  }
}

/** ValidateNetworkPolicyPeer: a peer is an ipBlock, or pod and/or namespace selectors. */
function validatePeer(c: Causes, peer: NetworkPolicyPeer, path: string): void {
  let peers = 0;
  if (peer.podSelector) {
    peers++;
    validateLabelSelector(c, peer.podSelector, `${path}.podSelector`);
  }
  if (peer.namespaceSelector) {
    peers++;
    validateLabelSelector(c, peer.namespaceSelector, `${path}.namespaceSelector`);
  }
  if (peer.ipBlock) {
    peers++;
    validateIPBlock(c, peer.ipBlock, `${path}.ipBlock`);
  }
  if (peers === 0) c.add(path, 'Required value: must specify a peer');
  else if (peers > 1 && peer.ipBlock) c.add(path, 'Forbidden: may not specify both ipBlock and another peer');
}

/** ValidateIPBlock: a CIDR, and excepts that are strict subsets of it. */
function validateIPBlock(c: Causes, b: IPBlock, path: string): void {
  if (!b.cidr) {
    c.add(`${path}.cidr`, 'Required value');
    return;
  }
  const cidr = parseCidr(b.cidr);
  if (!cidr) {
    c.add(`${path}.cidr`, `Invalid value: "${b.cidr}": ${CIDR_MESSAGE}`);
    return;
  }
  b.except.forEach((e, i) => {
    const except = parseCidr(e);
    if (!except) c.add(`${path}.except[${i}]`, `Invalid value: "${e}": ${CIDR_MESSAGE}`);
    else if (!cidrContainsNetwork(cidr, except) || cidr.bits >= except.bits) c.add(`${path}.except[${i}]`, `Invalid value: "${e}": must be a strict subset of \`cidr\``);
  });
}

/** unversioned ValidateLabelSelector: label keys and values, operators and their values. */
export function validateLabelSelector(c: Causes, s: LabelSelector | undefined, path: string): void {
  if (!s) return;
  v.labels(c, `${path}.matchLabels`, s.matchLabels);
  s.matchExpressions.forEach((e, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    if (e.operator === 'In' || e.operator === 'NotIn') {
      if (e.values.length === 0) c.add(`${p}.values`, "Required value: must be specified when `operator` is 'In' or 'NotIn'");
    } else if (e.operator === 'Exists' || e.operator === 'DoesNotExist') {
      if (e.values.length > 0) c.add(`${p}.values`, "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
    } else c.add(`${p}.operator`, `Invalid value: "${e.operator}": not a valid selector operator`);
    v.qualifiedName(c, `${p}.key`, e.key);
    e.values.forEach((value, j) => {
      if (value.length > 63 || !LABEL_VALUE.test(value)) {
        c.add(`${p}.values[${j}]`, `Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`);
      }
    });
  });
}
