// kind's cluster configuration (kind: Cluster, apiVersion kind.x-k8s.io/v1alpha4), the subset
// Kite implements, with kind's defaults. Fields kind has but Kite does not implement are reported
// by name: as warnings when ignoring them is harmless, as errors when the cluster would differ.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export type NodeRole = 'control-plane' | 'worker';

export interface PortMapping {
  containerPort: number;
  hostPort: number;
  listenAddress: string;
  protocol: 'TCP' | 'UDP' | 'SCTP';
}

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

export interface NodeConfig {
  role: NodeRole;
  labels: Record<string, string>;
  extraPortMappings: PortMapping[];
  extraMounts: Mount[];
}

export interface ClusterConfig {
  name: string;
  nodes: NodeConfig[];
  networking: {
    podSubnet: string;
    serviceSubnet: string;
    apiServerAddress: string;
    /**
     * The host port of the apiserver's gRPC port, kitectl's (0: a free port, chosen at creation).
     * kind's field names the one port kubectl uses; a kite apiserver has two, and this one keeps
     * naming the gRPC port so existing configs and kitectl's endpoint do not change.
     */
    apiServerPort: number;
    /**
     * Kite's, not in kind's schema (a config cannot set it): the host port of the apiserver's
     * HTTPS port (Kubernetes' HTTP API, kubectl's), a free port chosen at creation.
     */
    apiServerSecurePort?: number;
  };
}

export interface ParsedConfig {
  config: ClusterConfig;
  warnings: string[];
}

export const DEFAULT_CLUSTER_NAME = 'kite';
const API_VERSION = 'kind.x-k8s.io/v1alpha4';

/** Fields of kind's schema that Kite ignores with a warning (they do not change what runs). */
const IGNORED = new Set([
  'featureGates', 'runtimeConfig', 'kubeadmConfigPatches', 'kubeadmConfigPatchesJSON6902', 'containerdConfigPatches',
  'containerdConfigPatchesJSON6902', 'nodes[].image', 'nodes[].kubeadmConfigPatches', 'nodes[].kubeadmConfigPatchesJSON6902',
  'networking.kubeProxyMode', 'networking.dnsSearch',
]);

export class ConfigError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a document's keys: known ones pass, IGNORED ones warn, anything else is an error. */
function checkKeys(obj: Record<string, unknown>, path: string, known: string[], warnings: string[]): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const field = path ? `${path}.${key}` : key;
    const generic = field.replace(/\[\d+\]/g, '[]');
    if (IGNORED.has(generic)) warnings.push(`${field} is not supported by kite and is ignored`);
    else throw new ConfigError(`unknown field "${field}" (kite supports kind's v1alpha4 fields: name, nodes[].role/labels/extraPortMappings/extraMounts, networking.podSubnet/serviceSubnet/apiServerAddress/apiServerPort)`);
  }
}

const ipv4Cidr = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function cidr(value: unknown, field: string, maxPrefix: number): string {
  const m = typeof value === 'string' ? value.match(ipv4Cidr) : null;
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > maxPrefix) {
    throw new ConfigError(`${field}: "${String(value)}" is not an IPv4 CIDR with a prefix of at most /${maxPrefix} (kite supports IPv4 only)`);
  }
  return value as string;
}

function port(value: unknown, field: string, allowZero = false): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1) || n > 65535) throw new ConfigError(`${field}: "${String(value)}" is not a port number`);
  return n;
}

function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new ConfigError(`${field}: want a map of strings`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

function portMapping(value: unknown, field: string, warnings: string[]): PortMapping {
  if (!isObject(value)) throw new ConfigError(`${field}: want a mapping`);
  checkKeys(value, field, ['containerPort', 'hostPort', 'listenAddress', 'protocol'], warnings);
  const protocol = String(value.protocol ?? 'TCP').toUpperCase();
  if (!['TCP', 'UDP', 'SCTP'].includes(protocol)) throw new ConfigError(`${field}.protocol: "${String(value.protocol)}" is not TCP, UDP or SCTP`);
  return {
    containerPort: port(value.containerPort, `${field}.containerPort`),
    hostPort: port(value.hostPort ?? 0, `${field}.hostPort`, true),
    listenAddress: String(value.listenAddress ?? '0.0.0.0'),
    protocol: protocol as PortMapping['protocol'],
  };
}

function mount(value: unknown, field: string, warnings: string[]): Mount {
  if (!isObject(value)) throw new ConfigError(`${field}: want a mapping`);
  checkKeys(value, field, ['hostPath', 'containerPath', 'readOnly', 'selinuxRelabel', 'propagation'], warnings);
  if (value.selinuxRelabel) warnings.push(`${field}.selinuxRelabel is not supported by kite and is ignored`);
  if (value.propagation !== undefined && value.propagation !== 'None') warnings.push(`${field}.propagation is not supported by kite and is ignored`);
  if (typeof value.hostPath !== 'string' || !value.hostPath.startsWith('/')) throw new ConfigError(`${field}.hostPath: want an absolute path`);
  if (typeof value.containerPath !== 'string' || !value.containerPath.startsWith('/')) throw new ConfigError(`${field}.containerPath: want an absolute path`);
  return { hostPath: value.hostPath, containerPath: value.containerPath, readOnly: value.readOnly === true };
}

function node(value: unknown, field: string, warnings: string[]): NodeConfig {
  if (!isObject(value)) throw new ConfigError(`${field}: want a mapping`);
  checkKeys(value, field, ['role', 'labels', 'extraPortMappings', 'extraMounts'], warnings);
  const role = value.role ?? 'control-plane';
  if (role !== 'control-plane' && role !== 'worker') throw new ConfigError(`${field}.role: "${String(role)}" is not control-plane or worker`);
  const list = (v: unknown, f: string) => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new ConfigError(`${f}: want a list`);
    return v;
  };
  return {
    role,
    labels: stringMap(value.labels, `${field}.labels`),
    extraPortMappings: list(value.extraPortMappings, `${field}.extraPortMappings`).map((p, i) => portMapping(p, `${field}.extraPortMappings[${i}]`, warnings)),
    extraMounts: list(value.extraMounts, `${field}.extraMounts`).map((m, i) => mount(m, `${field}.extraMounts[${i}]`, warnings)),
  };
}

/** Parses a kind config document (undefined: kind's default, one control-plane node). */
export function parseClusterConfig(text: string | undefined, nameOverride?: string): ParsedConfig {
  const warnings: string[] = [];
  const doc: unknown = text === undefined ? {} : (parse(text) ?? {});
  if (!isObject(doc)) throw new ConfigError('the config is not a YAML mapping');
  if (text !== undefined) {
    if (doc.kind !== 'Cluster') throw new ConfigError(`kind: want "Cluster", got "${String(doc.kind)}"`);
    if (doc.apiVersion !== API_VERSION) throw new ConfigError(`apiVersion: want "${API_VERSION}", got "${String(doc.apiVersion)}"`);
  }
  checkKeys(doc, '', ['kind', 'apiVersion', 'name', 'nodes', 'networking'], warnings);
  const name = nameOverride || (typeof doc.name === 'string' && doc.name) || DEFAULT_CLUSTER_NAME;
  if (!dns1123Label.test(name) || name.length > 40) throw new ConfigError(`name: "${name}" must be a lower-case DNS label of at most 40 characters`);

  if (doc.nodes !== undefined && !Array.isArray(doc.nodes)) throw new ConfigError('nodes: want a list');
  const nodes = ((doc.nodes as unknown[] | undefined) ?? [{}]).map((n, i) => node(n, `nodes[${i}]`, warnings));
  const controlPlanes = nodes.filter((n) => n.role === 'control-plane').length;
  if (controlPlanes === 0) throw new ConfigError('nodes: a cluster needs a node with role control-plane');

  const net = doc.networking ?? {};
  if (!isObject(net)) throw new ConfigError('networking: want a mapping');
  checkKeys(net, 'networking', ['podSubnet', 'serviceSubnet', 'apiServerAddress', 'apiServerPort', 'ipFamily', 'disableDefaultCNI'], warnings);
  if (net.ipFamily !== undefined && net.ipFamily !== 'ipv4') throw new ConfigError(`networking.ipFamily: "${String(net.ipFamily)}" is not supported (kite supports ipv4)`);
  if (net.disableDefaultCNI) throw new ConfigError('networking.disableDefaultCNI is not supported: kite\'s pod network is built into the kubelet and kite-proxy');
  const apiServerAddress = String(net.apiServerAddress ?? '127.0.0.1');
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(apiServerAddress)) throw new ConfigError(`networking.apiServerAddress: "${apiServerAddress}" is not an IPv4 address`);
  return {
    config: {
      name,
      nodes,
      networking: {
        podSubnet: cidr(net.podSubnet ?? '10.244.0.0/16', 'networking.podSubnet', 23),
        serviceSubnet: cidr(net.serviceSubnet ?? '10.96.0.0/16', 'networking.serviceSubnet', 28),
        apiServerAddress,
        apiServerPort: port(net.apiServerPort ?? 0, 'networking.apiServerPort', true),
      },
    },
    warnings,
  };
}

/** The store when none is asked for: SQLite for one control-plane node, etcd for several. */
export function defaultStore(config: ClusterConfig): 'sqlite' | 'etcd' {
  return config.nodes.filter((n) => n.role === 'control-plane').length > 1 ? 'etcd' : 'sqlite';
}

/**
 * Several control-plane nodes (kind's HA config) replicate the store: each runs an etcd member,
 * so the embedded SQLite store cannot serve them. kind accepts any number; etcd's quorum is a
 * majority, so an even number tolerates no more failures than one node fewer: a warning.
 */
export function checkControlPlanes(config: ClusterConfig, store: 'sqlite' | 'etcd'): string[] {
  const count = config.nodes.filter((n) => n.role === 'control-plane').length;
  if (count === 1) return [];
  if (store !== 'etcd') {
    throw new ConfigError(`several control-plane nodes need the etcd store: ${count} control-plane nodes were given with --store ${store}; create the cluster with --store etcd (one etcd member per control-plane node)`);
  }
  if (count % 2 === 0) {
    return [`${count} control-plane nodes make an etcd cluster of ${count} members, whose quorum of ${count / 2 + 1} tolerates as many failures as ${count - 1} members would: an odd number is recommended`];
  }
  return [];
}

export function readClusterConfig(path: string | undefined, nameOverride?: string): ParsedConfig {
  const text = path ? readFileSync(path === '-' ? 0 : path, 'utf8') : undefined;
  try {
    return parseClusterConfig(text, nameOverride);
  } catch (err) {
    if (err instanceof ConfigError && path) throw new ConfigError(`${path}: ${err.message}`);
    throw err;
  }
}
