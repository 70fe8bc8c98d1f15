// What an object counts against a ResourceQuota, in milli-units, as Kubernetes' quota evaluators
// (pkg/quota/v1/evaluator/core) compute it. Every kind counts as "count/<resource>[.<group>]";
// pods, services, resourcequotas, secrets, configmaps, replicationcontrollers and
// persistentvolumeclaims also under their own names. Pods add their requests and limits
// ("requests.cpu" or just "cpu", "limits.memory", ephemeral storage, huge pages, extended
// resources as "requests.<domain>/<name>"); services their node ports and load balancers;
// claims their storage, in total and per storage class. Everything is keyed by kind, so a kind
// counts as soon as it exists.
import type { KindInfo, KubeObject } from '../../../../lib/api/kinds';
import { isSidecar } from '../../../../lib/api/pods';
import { Quantity, formatMilliQuantity, formatQuantity } from '../../../../lib/api/quantity';
import type { Container, Pod, Service } from '../../../../lib/gen/kite/core/v1/types';
import { HUGEPAGES_PREFIX, REQUESTS_PREFIX, isExtendedResourceName } from '../../registry/validation/resource-names';

/** resource name -> amount in milli-units (1 pod = 1000). */
export type Usage = Map<string, bigint>;

const ONE = 1000n;
const COMPUTE = ['cpu', 'memory'] as const;
const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';

/** The name each kind is counted under besides count/<resource> (Kubernetes' legacy object counts). */
const OBJECT_COUNT_NAMES: Record<string, string> = {
  Pod: 'pods',
  Service: 'services',
  ReplicationController: 'replicationcontrollers',
  ResourceQuota: 'resourcequotas',
  Secret: 'secrets',
  ConfigMap: 'configmaps',
  PersistentVolumeClaim: 'persistentvolumeclaims',
};

const POD_RESOURCES = [
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage',
];

/** A PersistentVolumeClaim's fields quota reads (the kind arrives later; counting is ready for it). */
interface ClaimLike extends KubeObject {
  spec?: { storageClassName?: string; resources?: { requests?: Record<string, string> } };
}

export function countName(kind: KindInfo<any>): string {
  return kind.group ? `count/${kind.resource}.${kind.group}` : `count/${kind.resource}`;
}

/** Whether objects of `kind` count towards the quota resource `name` (an evaluator's MatchingResources). */
export function kindCounts(kind: KindInfo<any>, name: string): boolean {
  if (name === countName(kind) || name === OBJECT_COUNT_NAMES[kind.kind]) return true;
  switch (kind.kind) {
    case 'Pod':
      return (
        POD_RESOURCES.includes(name) ||
        name.startsWith(HUGEPAGES_PREFIX) ||
        name.startsWith(`${REQUESTS_PREFIX}${HUGEPAGES_PREFIX}`) ||
        (name.startsWith(REQUESTS_PREFIX) && isExtendedResourceName(name.slice(REQUESTS_PREFIX.length)))
      );
    case 'Service':
      return name === 'services.nodeports' || name === 'services.loadbalancers';
    case 'PersistentVolumeClaim':
      return name === 'requests.storage' || (name.includes(STORAGE_CLASS_SUFFIX) && /\/(requests\.storage|persistentvolumeclaims)$/.test(name));
    default:
      return false;
  }
}

function milli(q: string | undefined): bigint {
  if (!q) return 0n;
  try {
    return Quantity.parse(q).scaled(3);
  } catch {
    return 0n; // validation rejects the object anyway
  }
}

/** A container's requests: requests default to limits, as defaulting does. */
function requestsOf(c: Container): Record<string, string> {
  return { ...c.resources?.limits, ...c.resources?.requests };
}

function limitsOf(c: Container): Record<string, string> {
  return c.resources?.limits ?? {};
}

/**
 * Pod-level amounts as PodRequests/PodLimits: per resource, the containers' sum plus the sidecars'
 * (init containers with restartPolicy Always run beside them), or more if an init container and
 * the sidecars started before it need more.
 */
function podAmounts(pod: Pod, of: (c: Container) => Record<string, string>): Usage {
  const sum: Usage = new Map();
  const add = (into: Usage, c: Container) => {
    for (const [r, q] of Object.entries(of(c))) into.set(r, (into.get(r) ?? 0n) + milli(q));
  };
  const atLeast = (into: Usage, u: Usage) => {
    for (const [r, q] of u) if (q > (into.get(r) ?? -1n)) into.set(r, q);
  };
  for (const c of pod.spec?.containers ?? []) add(sum, c);
  const sidecars: Usage = new Map();
  const init: Usage = new Map();
  for (const c of pod.spec?.initContainers ?? []) {
    if (isSidecar(c)) {
      add(sum, c);
      add(sidecars, c);
      atLeast(init, sidecars);
    } else {
      const one: Usage = new Map(sidecars);
      add(one, c);
      atLeast(init, one);
    }
  }
  atLeast(sum, init);
  return sum;
}

/** Pods that finished, or whose graceful deletion is past its deadline, no longer count. */
export function podCounts(pod: Pod, now = Date.now()): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const del = pod.metadata?.deletionTimestamp;
  return !del || Date.parse(del) > now;
}

/** Which compute resources a pod leaves unspecified (a quota on them then refuses the pod). */
export function missingPodResources(pod: Pod, constrained: Iterable<string>): string[] {
  const missing: string[] = [];
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  for (const name of constrained) {
    const [kindOf, r] = name.includes('.') ? name.split('.', 2) : ['requests', name];
    if (!(COMPUTE as readonly string[]).includes(r)) continue;
    const has = kindOf === 'limits' ? (c: Container) => c.resources?.limits[r] !== undefined : (c: Container) => c.resources?.requests[r] !== undefined || c.resources?.limits[r] !== undefined;
    if (containers.some((c) => !has(c))) missing.push(name);
  }
  return missing;
}

/** podComputeUsageHelper: the names a pod's requests and limits count under. */
function podUsage(pod: Pod, u: Usage): void {
  u.set('pods', ONE);
  const requests = podAmounts(pod, requestsOf);
  const limits = podAmounts(pod, limitsOf);
  for (const r of [...COMPUTE, 'ephemeral-storage']) {
    if (requests.has(r)) {
      u.set(r, requests.get(r)!);
      u.set(`requests.${r}`, requests.get(r)!);
    }
    if (limits.has(r)) u.set(`limits.${r}`, limits.get(r)!);
  }
  for (const [r, v] of requests) {
    if (r.startsWith(HUGEPAGES_PREFIX)) {
      u.set(r, v);
      u.set(`${REQUESTS_PREFIX}${r}`, v);
    }
    if (isExtendedResourceName(r)) u.set(`${REQUESTS_PREFIX}${r}`, v);
  }
}

/** A NodePort or LoadBalancer service takes a node port per port; a LoadBalancer also a load balancer. */
function serviceUsage(svc: Service, u: Usage): void {
  const type = svc.spec?.type;
  const ports = BigInt(svc.spec?.ports.length ?? 0) * ONE;
  u.set('services.nodeports', type === 'NodePort' || type === 'LoadBalancer' ? ports : 0n);
  u.set('services.loadbalancers', type === 'LoadBalancer' ? ONE : 0n);
}

function claimUsage(pvc: ClaimLike, u: Usage): void {
  const storageClass = pvc.spec?.storageClassName;
  if (storageClass) u.set(`${storageClass}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`, ONE);
  const storage = pvc.spec?.resources?.requests?.storage;
  if (storage === undefined) return;
  u.set('requests.storage', milli(storage));
  if (storageClass) u.set(`${storageClass}${STORAGE_CLASS_SUFFIX}requests.storage`, milli(storage));
}

/** What one object adds to its namespace's usage. */
export function usageOf(kind: KindInfo<any>, obj: KubeObject): Usage {
  const u: Usage = new Map([[countName(kind), ONE]]);
  switch (kind.kind) {
    case 'Pod':
      // count/pods tracks every stored pod; "pods" and compute only those not yet finished.
      if (podCounts(obj as Pod)) podUsage(obj as Pod, u);
      return u;
    case 'Service':
      serviceUsage(obj as Service, u);
      break;
    case 'PersistentVolumeClaim':
      claimUsage(obj as ClaimLike, u);
      break;
  }
  const legacy = OBJECT_COUNT_NAMES[kind.kind];
  if (legacy) u.set(legacy, ONE);
  return u;
}

export function addUsage(into: Usage, u: Usage): void {
  for (const [k, v] of u) into.set(k, (into.get(k) ?? 0n) + v);
}

const BYTES = /(memory|storage|^hugepages-|\.hugepages-)/;

/** Kubernetes' canonical text of an amount: "500m", "2", "1Gi". */
export function formatAmount(resource: string, milliUnits: bigint): string {
  if (milliUnits > BigInt(Number.MAX_SAFE_INTEGER)) return milliUnits % 1000n === 0n ? String(milliUnits / 1000n) : `${milliUnits}m`;
  const n = Number(milliUnits);
  if (BYTES.test(resource) && n % 1000 === 0) return formatQuantity(n / 1000, 'BinarySI');
  return formatMilliQuantity(n);
}

/** Parses a quota's hard limit into milli-units. */
export function parseAmount(q: string): bigint {
  return Quantity.parse(q).scaled(3);
}
