// The columns of `get` for each kind, matching Kubernetes' printers (pkg/printers/internalversion):
// kitectl prints them client-side, the apiserver serves them as meta.k8s.io Tables (table.ts).
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../gen/kite/apps/v1/types';
import type { CronJob, Job } from '../gen/kite/batch/v1/types';
import type { Lease } from '../gen/kite/coordination/v1/lease';
import type { EndpointSlice } from '../gen/kite/discovery/v1/types';
import type { NetworkPolicy } from '../gen/kite/networking/v1/types';
import type { ConfigMap, Endpoints, Event, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, Secret, Service, ServiceAccount } from '../gen/kite/core/v1/types';
import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus } from '../gen/kite/autoscaling/v2/types';
import type { PodDisruptionBudget } from '../gen/kite/policy/v1/types';
import type { PriorityClass } from '../gen/kite/scheduling/v1/types';
import type { NodeMetrics, PodMetrics } from '../gen/kite/metrics/v1beta1/types';
import type { StorageClass } from '../gen/kite/storage/v1/types';
import type { KubeObject } from '../api/kinds';
import type { Scale } from '../gen/kite/meta/v1/meta';
import { sumQuantities } from '../api/quantity';
import { isDefaultClass } from '../api/storage-classes';
import { humanDuration, since } from './age';
import { formatEndpoints, formatSelector, formatServicePorts } from './format';
import { podSummary } from './pod-status';

export interface TableDef<T extends KubeObject = KubeObject> {
  /** Headers after NAME (NAME is always first). */
  headers: string[];
  wideHeaders: string[];
  /** Cells after the name. */
  cells(obj: T, now: number): string[];
  wideCells(obj: T, now: number): string[];
  /** Headers whose cells Kubernetes' Table types as integer (UP-TO-DATE, DATA, ...); the others are strings. */
  integers?: string[];
  /** The NAME cell, where Kubernetes' printer decorates it (a default StorageClass); metadata.name otherwise. */
  name?(obj: T): string;
}

/** The NAME cell of an object of a kind. */
export function nameCell<T extends KubeObject>(t: TableDef<T>, obj: T): string {
  return t.name ? t.name(obj) : (obj.metadata?.name ?? '');
}

const none = (s: string | undefined) => s || '<none>';

const pods: TableDef<Pod> = {
  headers: ['READY', 'STATUS', 'RESTARTS', 'AGE'],
  wideHeaders: ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'],
  cells(p, now) {
    const s = podSummary(p, now);
    return [s.ready, s.status, s.restarts, since(p.metadata?.creationTimestamp, now)];
  },
  wideCells(p) {
    return [none(p.status?.podIPs[0]?.ip || p.status?.podIP), none(p.spec?.nodeName), none(p.status?.nominatedNodeName), '<none>'];
  },
};

function containersAndImages(spec: { containers: { name: string; image: string }[] } | undefined): [string, string] {
  const cs = spec?.containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image).join(',')];
}

const deployments: TableDef<Deployment> = {
  headers: ['READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
  wideHeaders: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
  integers: ['UP-TO-DATE', 'AVAILABLE'],
  cells(d, now) {
    const st = d.status;
    return [
      `${st?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
      String(st?.updatedReplicas ?? 0),
      String(st?.availableReplicas ?? 0),
      since(d.metadata?.creationTimestamp, now),
    ];
  },
  wideCells(d) {
    return [...containersAndImages(d.spec?.template?.spec), formatSelector(d.spec?.selector)];
  },
};

const replicaSets: TableDef<ReplicaSet> = {
  headers: ['DESIRED', 'CURRENT', 'READY', 'AGE'],
  wideHeaders: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
  integers: ['DESIRED', 'CURRENT', 'READY'],
  cells(rs, now) {
    return [
      String(rs.spec?.replicas ?? 0),
      String(rs.status?.replicas ?? 0),
      String(rs.status?.readyReplicas ?? 0),
      since(rs.metadata?.creationTimestamp, now),
    ];
  },
  wideCells(rs) {
    return [...containersAndImages(rs.spec?.template?.spec), formatSelector(rs.spec?.selector)];
  },
};

function externalIP(svc: Service): string {
  const spec = svc.spec;
  const ext = spec?.externalIPs ?? [];
  switch (spec?.type || 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return ext.length ? ext.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname);
      const all = [...ingress, ...ext];
      return all.length ? all.join(',') : '<pending>';
    }
    default:
      return '<unknown>';
  }
}

const services: TableDef<Service> = {
  headers: ['TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
  wideHeaders: ['SELECTOR'],
  cells(s, now) {
    return [s.spec?.type || 'ClusterIP', none(s.spec?.clusterIP), externalIP(s), formatServicePorts(s.spec?.ports), since(s.metadata?.creationTimestamp, now)];
  },
  wideCells(s) {
    const sel = s.spec?.selector ?? {};
    const keys = Object.keys(sel).sort();
    return [keys.length ? keys.map((k) => `${k}=${sel[k]}`).join(',') : '<none>'];
  },
};

/** "Ready", "NotReady,SchedulingDisabled", "Unknown" like kubectl. */
export function nodeStatus(n: Node): string {
  const ready = n.status?.conditions.find((c) => c.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (n.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

export function nodeRoles(n: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(n.metadata?.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

const nodes: TableDef<Node> = {
  headers: ['STATUS', 'ROLES', 'AGE', 'VERSION'],
  wideHeaders: ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'],
  cells(n, now) {
    return [nodeStatus(n), nodeRoles(n), since(n.metadata?.creationTimestamp, now), n.status?.nodeInfo?.kubeletVersion ?? ''];
  },
  wideCells(n) {
    const addr = (t: string) => none(n.status?.addresses.find((a) => a.type === t)?.address);
    const info = n.status?.nodeInfo;
    const unknown = (s: string | undefined) => s || '<unknown>';
    return [addr('InternalIP'), addr('ExternalIP'), unknown(info?.osImage), unknown(info?.kernelVersion), unknown(info?.containerRuntimeVersion)];
  },
};

const namespaces: TableDef<Namespace> = {
  headers: ['STATUS', 'AGE'],
  wideHeaders: [],
  cells(ns, now) {
    return [ns.status?.phase ?? '', since(ns.metadata?.creationTimestamp, now)];
  },
  wideCells: () => [],
};

const endpoints: TableDef<Endpoints> = {
  headers: ['ENDPOINTS', 'AGE'],
  wideHeaders: [],
  cells(ep, now) {
    return [formatEndpoints(ep), since(ep.metadata?.creationTimestamp, now)];
  },
  wideCells: () => [],
};

/** kubectl's listWithMoreString: the first `max` items, then "+ N more...", "<unset>" for none. */
function listWithMore(items: string[], max = 3): string {
  if (items.length > max) return `${items.slice(0, max).join(',')} + ${items.length - max} more...`;
  return items.length ? items.join(',') : '<unset>';
}

const endpointSlices: TableDef<EndpointSlice> = {
  headers: ['ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'],
  wideHeaders: [],
  cells(s, now) {
    const ports = s.ports.map((p) => (p.port !== undefined ? String(p.port) : (p.name ?? '*')));
    return [s.addressType, listWithMore(ports), listWithMore(s.endpoints.flatMap((e) => e.addresses)), since(s.metadata?.creationTimestamp, now)];
  },
  wideCells: () => [],
};

const networkPolicies: TableDef<NetworkPolicy> = {
  headers: ['POD-SELECTOR', 'AGE'],
  wideHeaders: [],
  cells: (n, now) => [formatSelector(n.spec?.podSelector ?? { matchLabels: {}, matchExpressions: [] }), since(n.metadata?.creationTimestamp, now)],
  wideCells: () => [],
};

const leases: TableDef<Lease> = {
  headers: ['HOLDER', 'AGE'],
  wideHeaders: [],
  cells(l, now) {
    return [l.spec?.holderIdentity ?? '', since(l.metadata?.creationTimestamp, now)];
  },
  wideCells: () => [],
};

/** The timestamp an event is sorted and aged by: lastTimestamp, else firstTimestamp, else eventTime. */
export function eventTime(e: Event): string {
  return e.lastTimestamp || e.firstTimestamp || e.eventTime || e.metadata?.creationTimestamp || '';
}

export function eventObject(e: Event): string {
  const o = e.involvedObject;
  return o?.name ? `${(o.kind ?? '').toLowerCase()}/${o.name}` : (o?.kind ?? '').toLowerCase();
}

/** Events have no NAME column first in kubectl; the table printer special-cases them. */
export const events = {
  headers: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
  wideHeaders: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'SUBOBJECT', 'SOURCE', 'MESSAGE', 'FIRST SEEN', 'COUNT', 'NAME'],
  integers: ['COUNT'],
  cells(e: Event, now: number): string[] {
    return [since(eventTime(e), now), e.type, e.reason, eventObject(e), e.message.trim()];
  },
  wideCells(e: Event, now: number): string[] {
    const source = e.source?.component ? [e.source.component, e.source.host].filter(Boolean).join(', ') : e.reportingComponent;
    const first = since(e.firstTimestamp || e.eventTime || e.metadata?.creationTimestamp, now);
    return [
      since(eventTime(e), now),
      e.type,
      e.reason,
      eventObject(e),
      e.involvedObject?.fieldPath ?? '',
      source,
      e.message.trim(),
      first,
      String(e.count || 1),
      e.metadata?.name ?? '',
    ];
  },
};

/** Kinds kubectl lists with only their creation time (roles, limit ranges). */
const createdAt: TableDef = {
  headers: ['CREATED AT'],
  wideHeaders: [],
  cells: (r) => [r.metadata?.creationTimestamp ?? ''],
  wideCells: () => [],
};

interface BindingLike extends KubeObject {
  roleRef?: { kind: string; name: string } | undefined;
  subjects: { kind: string; name: string; namespace: string }[];
}

const bindings: TableDef<BindingLike> = {
  headers: ['ROLE', 'AGE'],
  wideHeaders: ['USERS', 'GROUPS', 'SERVICEACCOUNTS'],
  cells: (b, now) => [b.roleRef ? `${b.roleRef.kind}/${b.roleRef.name}` : '', since(b.metadata?.creationTimestamp, now)],
  wideCells(b) {
    const of = (kind: string) => b.subjects.filter((s) => s.kind === kind);
    return [
      of('User').map((s) => s.name).join(', '),
      of('Group').map((s) => s.name).join(', '),
      of('ServiceAccount').map((s) => `${s.namespace}/${s.name}`).join(', '),
    ];
  },
};

/** DATA of `get cm`: the number of keys in data and binaryData. */
const configMaps: TableDef<ConfigMap> = {
  headers: ['DATA', 'AGE'],
  wideHeaders: [],
  integers: ['DATA'],
  cells: (c, now) => [String(Object.keys(c.data ?? {}).length + Object.keys(c.binaryData ?? {}).length), since(c.metadata?.creationTimestamp, now)],
  wideCells: () => [],
};

/** TYPE and DATA of `get secrets` (kubectl's printSecret): the type and the number of data keys. */
const secrets: TableDef<Secret> = {
  headers: ['TYPE', 'DATA', 'AGE'],
  wideHeaders: [],
  integers: ['DATA'],
  cells: (s, now) => [s.type, String(Object.keys(s.data ?? {}).length), since(s.metadata?.creationTimestamp, now)],
  wideCells: () => [],
};

/** SECRETS of `get sa` (kubectl's printServiceAccount): the number of listed secrets. */
const serviceAccounts: TableDef<ServiceAccount> = {
  headers: ['SECRETS', 'AGE'],
  wideHeaders: [],
  integers: ['SECRETS'],
  cells: (s, now) => [String(s.secrets?.length ?? 0), since(s.metadata?.creationTimestamp, now)],
  wideCells: () => [],
};

/** REQUEST and LIMIT of `get quota`: "used/hard" per resource, limits.* under LIMIT. */
const quotas: TableDef = {
  headers: ['AGE', 'REQUEST', 'LIMIT'],
  wideHeaders: [],
  cells(q, now) {
    const hard: Record<string, string> = q.status?.hard && Object.keys(q.status.hard).length ? q.status.hard : (q.spec?.hard ?? {});
    const used: Record<string, string> = q.status?.used ?? {};
    const show = (keys: string[]) => keys.map((k) => `${k}: ${used[k] ?? '0'}/${hard[k]}`).join(', ');
    const keys = Object.keys(hard).sort();
    return [since(q.metadata?.creationTimestamp, now), show(keys.filter((k) => !k.startsWith('limits.'))), show(keys.filter((k) => k.startsWith('limits.')))];
  },
  wideCells: () => [],
};

/** kubectl's printJob: the first True condition of Complete, Failed, (deleting), Suspended, FailureTarget, SuccessCriteriaMet. */
export function jobStatus(j: Job): string {
  const has = (type: string) => (j.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (j.metadata?.deletionTimestamp) return 'Terminating';
  if (has('Suspended')) return 'Suspended';
  if (has('FailureTarget')) return 'FailureTarget';
  if (has('SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

/** "2/3", or "1/1 of 4" for a work-queue Job (no completions, parallelism above 1). */
export function jobCompletions(j: Job): string {
  const succeeded = j.status?.succeeded ?? 0;
  if (j.spec?.completions !== undefined) return `${succeeded}/${j.spec.completions}`;
  const parallelism = j.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** From start to completion, or to now while it runs; empty before it starts. */
export function jobDuration(j: Job, now: number): string {
  const start = j.status?.startTime;
  if (!start) return '';
  const end = j.status?.completionTime ? Date.parse(j.status.completionTime) : now;
  return humanDuration(end - Date.parse(start));
}

const jobs: TableDef<Job> = {
  headers: ['STATUS', 'COMPLETIONS', 'DURATION', 'AGE'],
  wideHeaders: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
  cells: (j, now) => [jobStatus(j), jobCompletions(j), jobDuration(j, now), since(j.metadata?.creationTimestamp, now)],
  wideCells: (j) => [...containersAndImages(j.spec?.template?.spec), formatSelector(j.spec?.selector)],
};

const cronJobs: TableDef<CronJob> = {
  headers: ['SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE'],
  wideHeaders: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
  integers: ['ACTIVE'],
  cells(cj, now) {
    const suspend = cj.spec?.suspend;
    return [
      cj.spec?.schedule ?? '',
      cj.spec?.timeZone ?? '<none>',
      suspend === undefined ? '<unset>' : suspend ? 'True' : 'False',
      String(cj.status?.active.length ?? 0),
      cj.status?.lastScheduleTime ? since(cj.status.lastScheduleTime, now) : '<none>',
      since(cj.metadata?.creationTimestamp, now),
    ];
  },
  wideCells: (cj) => [...containersAndImages(cj.spec?.jobTemplate?.spec?.template?.spec), formatSelector(cj.spec?.jobTemplate?.spec?.selector)],
};

const daemonSets: TableDef<DaemonSet> = {
  headers: ['DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'],
  wideHeaders: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
  integers: ['DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE'],
  cells(ds, now) {
    const st = ds.status;
    const selector = Object.entries(ds.spec?.template?.spec?.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
    return [
      String(st?.desiredNumberScheduled ?? 0),
      String(st?.currentNumberScheduled ?? 0),
      String(st?.numberReady ?? 0),
      String(st?.updatedNumberScheduled ?? 0),
      String(st?.numberAvailable ?? 0),
      none(selector),
      since(ds.metadata?.creationTimestamp, now),
    ];
  },
  wideCells: (ds) => [...containersAndImages(ds.spec?.template?.spec), formatSelector(ds.spec?.selector)],
};

const statefulSets: TableDef<StatefulSet> = {
  headers: ['READY', 'AGE'],
  wideHeaders: ['CONTAINERS', 'IMAGES'],
  cells: (ss, now) => [`${ss.status?.readyReplicas ?? 0}/${ss.spec?.replicas ?? 0}`, since(ss.metadata?.creationTimestamp, now)],
  wideCells: (ss) => containersAndImages(ss.spec?.template?.spec),
};

/** kubectl's printControllerRevision: the controller as `<kind>.<group>/<name>`. */
const controllerRevisions: TableDef<ControllerRevision> = {
  headers: ['CONTROLLER', 'REVISION', 'AGE'],
  wideHeaders: [],
  integers: ['REVISION'],
  cells(cr, now) {
    const owner = cr.metadata?.ownerReferences.find((o) => o.controller);
    const group = owner ? owner.apiVersion.split('/').slice(0, -1).join('/') : '';
    const controller = owner ? `${owner.kind.toLowerCase()}${group ? `.${group}` : ''}/${owner.name}` : '<none>';
    return [controller, String(cr.revision ?? 0), since(cr.metadata?.creationTimestamp, now)];
  },
  wideCells: () => [],
};

const accessModeShort: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };
/** kubectl's GetAccessModesAsString: the short forms, in that fixed order, comma-separated. */
export function accessModes(modes: string[] | undefined): string {
  return Object.keys(accessModeShort).filter((m) => modes?.includes(m)).map((m) => accessModeShort[m]).join(',');
}

const persistentVolumes: TableDef<PersistentVolume> = {
  headers: ['CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE'],
  wideHeaders: ['VOLUMEMODE'],
  cells(pv, now) {
    const claim = pv.spec?.claimRef?.name ? `${pv.spec.claimRef.namespace}/${pv.spec.claimRef.name}` : '';
    return [
      pv.spec?.capacity.storage ?? '',
      accessModes(pv.spec?.accessModes),
      pv.spec?.persistentVolumeReclaimPolicy ?? '',
      pv.status?.phase ?? '',
      claim,
      pv.spec?.storageClassName ?? '',
      '<unset>',
      pv.status?.reason ?? '',
      since(pv.metadata?.creationTimestamp, now),
    ];
  },
  wideCells: (pv) => [pv.spec?.volumeMode ?? '<unset>'],
};

const persistentVolumeClaims: TableDef<PersistentVolumeClaim> = {
  headers: ['STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE'],
  wideHeaders: ['VOLUMEMODE'],
  cells(pvc, now) {
    const bound = !!pvc.spec?.volumeName;
    return [
      pvc.metadata?.deletionTimestamp ? 'Terminating' : (pvc.status?.phase ?? ''),
      pvc.spec?.volumeName ?? '',
      bound ? (pvc.status?.capacity.storage ?? '') : '',
      bound ? accessModes(pvc.status?.accessModes) : '',
      pvc.spec?.storageClassName ?? '',
      '<unset>',
      since(pvc.metadata?.creationTimestamp, now),
    ];
  },
  wideCells: (pvc) => [pvc.spec?.volumeMode ?? '<unset>'],
};

const storageClasses: TableDef<StorageClass> = {
  headers: ['PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE'],
  wideHeaders: [],
  cells: (sc, now) => [
    sc.provisioner,
    sc.reclaimPolicy || 'Delete',
    sc.volumeBindingMode || 'Immediate',
    String(sc.allowVolumeExpansion ?? false),
    since(sc.metadata?.creationTimestamp, now),
  ],
  wideCells: () => [],
  // printStorageClass: the default class is marked.
  name: (sc) => `${sc.metadata?.name ?? ''}${isDefaultClass(sc) ? ' (default)' : ''}`,
};

const intOrString = (v: unknown) => (v === undefined || v === null ? 'N/A' : String(v));
const podDisruptionBudgets: TableDef<PodDisruptionBudget> = {
  headers: ['MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE'],
  wideHeaders: [],
  integers: ['ALLOWED DISRUPTIONS'],
  cells: (pdb, now) => [
    intOrString(pdb.spec?.minAvailable),
    intOrString(pdb.spec?.maxUnavailable),
    String(pdb.status?.disruptionsAllowed ?? 0),
    since(pdb.metadata?.creationTimestamp, now),
  ],
  wideCells: () => [],
};

const priorityClasses: TableDef<PriorityClass> = {
  headers: ['VALUE', 'GLOBAL-DEFAULT', 'AGE', 'PREEMPTIONPOLICY'],
  wideHeaders: [],
  integers: ['VALUE'],
  cells: (pc, now) => [String(pc.value ?? 0), String(pc.globalDefault ?? false), since(pc.metadata?.creationTimestamp, now), pc.preemptionPolicy ?? ''],
  wideCells: () => [],
};

/**
 * kubectl's formatHPAMetrics: "cpu: 40%/80%" for resource metrics, "current/target" for Pods,
 * Object and External ones ("(avg)" after an average value target), "<unknown>" for a current
 * value the status lacks; at most two, then "+ N more...".
 */
function hpaTargets(specs: MetricSpec[], statuses: MetricStatus[]): string {
  if (specs.length === 0) return '<none>';
  const UNKNOWN = '<unknown>';
  const shown = specs.slice(0, 2).map((spec, i) => {
    const st = statuses[i];
    if (spec.type === 'Pods') return `${st?.pods ? (st.pods.current?.averageValue ?? '0') : UNKNOWN}/${spec.pods?.target?.averageValue ?? '0'}`;
    if (spec.type === 'Object' || spec.type === 'External') {
      const target = (spec.type === 'Object' ? spec.object : spec.external)?.target;
      const current = (spec.type === 'Object' ? st?.object : st?.external)?.current;
      if (target?.averageValue !== undefined) return `${current?.averageValue ?? UNKNOWN}/${target.averageValue} (avg)`;
      return `${current ? (current.value ?? '0') : UNKNOWN}/${target?.value ?? '0'}`;
    }
    const source = spec.resource ?? spec.containerResource;
    const status = st?.resource ?? st?.containerResource;
    if (!source) return '<unknown type>';
    const prefix = spec.containerResource ? `${source.name} on ${spec.containerResource.container}` : source.name;
    if (source.target?.averageValue !== undefined) return `${prefix}: ${status?.current?.averageValue ?? '<unknown>'}/${source.target.averageValue}`;
    const current = status?.current?.averageUtilization !== undefined ? `${status.current.averageUtilization}%` : '<unknown>';
    const target = source.target?.averageUtilization !== undefined ? `${source.target.averageUtilization}%` : '<auto>';
    return `${prefix}: ${current}/${target}`;
  });
  return specs.length > 2 ? `${shown.join(', ')} + ${specs.length - 2} more...` : shown.join(', ');
}

const horizontalPodAutoscalers: TableDef<HorizontalPodAutoscaler> = {
  headers: ['REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE'],
  wideHeaders: [],
  integers: ['MAXPODS', 'REPLICAS'],
  cells: (hpa, now) => [
    `${hpa.spec?.scaleTargetRef?.kind ?? ''}/${hpa.spec?.scaleTargetRef?.name ?? ''}`,
    hpaTargets(hpa.spec?.metrics ?? [], hpa.status?.currentMetrics ?? []),
    hpa.spec?.minReplicas !== undefined ? String(hpa.spec.minReplicas) : '<unset>',
    String(hpa.spec?.maxReplicas ?? 0),
    String(hpa.status?.currentReplicas ?? 0),
    since(hpa.metadata?.creationTimestamp, now),
  ],
  wideCells: () => [],
};

/**
 * metrics-server's table of NodeMetrics and PodMetrics (pkg/api/table.go): each resource's usage
 * (a pod's summed over its containers) and the window; `kubectl top` prints its own layout.
 */
const nodeMetrics: TableDef<NodeMetrics> = {
  headers: ['CPU', 'MEMORY', 'WINDOW'],
  wideHeaders: [],
  cells: (m) => [m.usage.cpu ?? '', m.usage.memory ?? '', m.window],
  wideCells: () => [],
};

const podMetrics: TableDef<PodMetrics> = {
  headers: ['CPU', 'MEMORY', 'WINDOW'],
  wideHeaders: [],
  cells: (m) => [sumUsage(m, 'cpu'), sumUsage(m, 'memory'), m.window],
  wideCells: () => [],
};

function sumUsage(m: PodMetrics, resource: string): string {
  return sumQuantities(m.containers.flatMap((c) => (c.usage[resource] !== undefined ? [c.usage[resource]] : [])));
}

const generic: TableDef = {
  headers: ['AGE'],
  wideHeaders: [],
  cells: (o, now) => [since(o.metadata?.creationTimestamp, now)],
  wideCells: () => [],
};

/** A Scale subresource (`kubectl get --subresource=scale`), as Kubernetes' printScale prints it. */
export const scales: TableDef<Scale> = {
  headers: ['DESIRED', 'AVAILABLE', 'AGE'],
  wideHeaders: [],
  cells: (s, now) => [String(s.spec?.replicas ?? 0), String(s.status?.replicas ?? 0), since(s.metadata?.creationTimestamp, now)],
  wideCells: () => [],
  integers: ['DESIRED', 'AVAILABLE'],
};

/** Printer columns by kind (kubectl's table conventions); test/unit/kinds.test.ts checks every declared kind has one. */
export const PRINTER_COLUMNS: Record<string, TableDef<any>> = {
  Pod: pods,
  Event: events,
  Deployment: deployments,
  ReplicaSet: replicaSets,
  Service: services,
  Node: nodes,
  Namespace: namespaces,
  Endpoints: endpoints,
  Lease: leases,
  Role: createdAt,
  ClusterRole: createdAt,
  RoleBinding: bindings,
  ClusterRoleBinding: bindings,
  ResourceQuota: quotas,
  LimitRange: createdAt,
  ConfigMap: configMaps,
  Secret: secrets,
  ServiceAccount: serviceAccounts,
  EndpointSlice: endpointSlices,
  NetworkPolicy: networkPolicies,
  Job: jobs,
  CronJob: cronJobs,
  DaemonSet: daemonSets,
  StatefulSet: statefulSets,
  ControllerRevision: controllerRevisions,
  PersistentVolume: persistentVolumes,
  PersistentVolumeClaim: persistentVolumeClaims,
  StorageClass: storageClasses,
  PodDisruptionBudget: podDisruptionBudgets,
  PriorityClass: priorityClasses,
  HorizontalPodAutoscaler: horizontalPodAutoscalers,
  NodeMetrics: nodeMetrics,
  PodMetrics: podMetrics,
};

/** The columns of `kind`: its own, or AGE alone for a kind without printer columns. */
export function columnsFor(kind: string): TableDef<any> {
  return PRINTER_COLUMNS[kind] ?? generic;
}
