// What an object counts against a ResourceQuota, in milli-units: object counts ("pods",
// "count/deployments.apps", "services") and, for pods, the sums of requests and limits
// ("requests.cpu" or just "cpu", "limits.memory"), as Kubernetes' quota evaluators compute them.
import type { KindInfo, KubeObject } from '../../../../lib/api/kinds';
import { Quantity, formatMilliQuantity, formatQuantity } from '../../../../lib/api/quantity';
import type { Container, Pod } from '../../../../lib/gen/kite/core/v1/types';

/** resource name -> amount in milli-units (1 pod = 1000). */
export type Usage = Map<string, bigint>;

const ONE = 1000n;
const COMPUTE = ['cpu', 'memory'] as const;

/** Quota resource names with a fixed meaning; "count/<resource>[.<group>]" is accepted for every kind. */
export const STANDARD_QUOTA_RESOURCES = [
  'pods', 'services', 'resourcequotas',
  'cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory',
] as const;

export function countName(kind: KindInfo<any>): string {
  return kind.group ? `count/${kind.resource}.${kind.group}` : `count/${kind.resource}`;
}

export function isSupportedQuotaResource(name: string): boolean {
  return (STANDARD_QUOTA_RESOURCES as readonly string[]).includes(name) || /^count\/[a-z0-9.-]+$/.test(name);
}

function milli(q: string | undefined): bigint {
  if (!q) return 0n;
  try {
    return Quantity.parse(q).scaled(3);
  } catch {
    return 0n; // validation rejects the object anyway
  }
}

/** A container's request for a resource: requests default to limits, as defaulting does. */
function request(c: Container, r: string): bigint {
  return milli(c.resources?.requests[r] ?? c.resources?.limits[r]);
}

function limit(c: Container, r: string): bigint {
  return milli(c.resources?.limits[r]);
}

/** Pod-level amount: max(sum over containers, largest init container), as the scheduler counts. */
function podAmount(pod: Pod, r: string, of: (c: Container, r: string) => bigint): bigint {
  const sum = (pod.spec?.containers ?? []).reduce((a, c) => a + of(c, r), 0n);
  const init = (pod.spec?.initContainers ?? []).reduce((a, c) => (of(c, r) > a ? of(c, r) : a), 0n);
  return sum > init ? sum : init;
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

/** What one object adds to its namespace's usage. */
export function usageOf(kind: KindInfo<any>, obj: KubeObject): Usage {
  const u: Usage = new Map([[countName(kind), ONE]]);
  if (kind.kind === 'Pod') {
    const pod = obj as Pod;
    if (!podCounts(pod)) return new Map();
    u.set('pods', ONE);
    for (const r of COMPUTE) {
      const req = podAmount(pod, r, request);
      u.set(`requests.${r}`, req);
      u.set(r, req);
      u.set(`limits.${r}`, podAmount(pod, r, limit));
    }
  }
  if (kind.kind === 'Service') u.set('services', ONE);
  if (kind.kind === 'ResourceQuota') u.set('resourcequotas', ONE);
  return u;
}

export function addUsage(into: Usage, u: Usage): void {
  for (const [k, v] of u) into.set(k, (into.get(k) ?? 0n) + v);
}

/** Kubernetes' canonical text of an amount: "500m", "2", "1Gi". */
export function formatAmount(resource: string, milliUnits: bigint): string {
  if (milliUnits > BigInt(Number.MAX_SAFE_INTEGER)) return milliUnits % 1000n === 0n ? String(milliUnits / 1000n) : `${milliUnits}m`;
  const n = Number(milliUnits);
  if (resource.endsWith('memory') && n % 1000 === 0) return formatQuantity(n / 1000, 'BinarySI');
  return formatMilliQuantity(n);
}

/** Parses a quota's hard limit into milli-units. */
export function parseAmount(q: string): bigint {
  return Quantity.parse(q).scaled(3);
}
