// `kitectl describe KIND [NAME...]`: a readable account of objects, with their events.
import { isNotFound } from '../../lib/api/errors';
import { ClusterRoleBindings, ClusterRoles, ConfigMaps, CronJobs, DaemonSets, Deployments, HorizontalPodAutoscalers, Jobs, EndpointSlices, EndpointsKind, Leases, LimitRanges, Namespaces, NetworkPolicies, Nodes, PersistentVolumeClaims, PersistentVolumes, PodDisruptionBudgets, Pods, ReplicaSets, ResourceQuotas, RoleBindings, Roles, Secrets, ServiceAccounts, Services, StatefulSets, StorageClasses, type KindInfo, type KubeObject } from '../../lib/api/kinds';
import type { Clientset } from '../../lib/client/clientset';
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../../lib/gen/kite/apps/v1/types';
import type { CronJob, Job } from '../../lib/gen/kite/batch/v1/types';
import type { Lease } from '../../lib/gen/kite/coordination/v1/lease';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../lib/gen/kite/rbac/v1/types';
import type { ConfigMap, Endpoints, LimitRange, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, ResourceQuota, Secret, Service, ServiceAccount } from '../../lib/gen/kite/core/v1/types';
import type { EndpointSlice } from '../../lib/gen/kite/discovery/v1/types';
import type { NetworkPolicy } from '../../lib/gen/kite/networking/v1/types';
import type { PodDisruptionBudget } from '../../lib/gen/kite/policy/v1/types';
import type { StorageClass } from '../../lib/gen/kite/storage/v1/types';
import type { Cli } from './cli-context';
import { ReportedError, formatError } from './cli-errors';
import { findNewReplicaSet, ownedReplicaSets } from './deployment-revisions';
import { describeConfigMap } from './describers/configmap';
import { describeGeneric, describeNamespace } from './describers/generic';
import { describeNode } from './describers/node';
import { describeSecret } from './describers/secret';
import { describeServiceAccount, serviceAccountSecrets } from './describers/serviceaccount';
import { describePod } from './describers/pod';
import { describeRole, describeRoleBinding } from './describers/rbac';
import { describeLimitRange, describeResourceQuota } from './describers/policy';
import { describeEndpointSlice } from './describers/endpointslice';
import { describeNetworkPolicy } from './describers/networkpolicy';
import { describeEndpoints, describeService } from './describers/service';
import { describeDeployment, describeReplicaSet } from './describers/workloads';
import { describeJob } from './describers/job';
import { describeStatefulSet } from './describers/statefulset';
import { describeDaemonSet } from './describers/daemonset';
import { describeCronJob } from './describers/cronjob';
import { describePersistentVolume } from './describers/persistentvolume';
import { describePersistentVolumeClaim, podsUsingClaim } from './describers/persistentvolumeclaim';
import { describeStorageClass } from './describers/storageclass';
import { describePodDisruptionBudget } from './describers/poddisruptionbudget';
import { describeHorizontalPodAutoscaler } from './describers/horizontalpodautoscaler';
import type { HorizontalPodAutoscaler } from '../../lib/gen/kite/autoscaling/v2/types';
import { objectEvents } from './object-events';
import { formatSelector } from '../../lib/printers/format';
import { parseResourceArgs } from './resource-args';

export interface DescribeOptions {
  selector?: string;
  allNamespaces?: boolean;
}

async function getOrUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export async function describeObject(cs: Clientset, kind: KindInfo, obj: KubeObject): Promise<string> {
  const events = await objectEvents(cs, kind, obj);
  const ns = obj.metadata?.namespace ?? '';
  const name = obj.metadata?.name ?? '';
  switch (kind) {
    case Pods:
      return describePod(obj as Pod, events);
    case Deployments: {
      const d = obj as Deployment;
      const rss = await ownedReplicaSets(cs, d);
      const newRS = findNewReplicaSet(d, rss);
      const old = rss.filter((rs) => rs !== newRS && (rs.spec?.replicas ?? 0) > 0);
      return describeDeployment(d, newRS, old, events);
    }
    case ReplicaSets: {
      const rs = obj as ReplicaSet;
      const sel = formatSelector(rs.spec?.selector);
      const pods = sel === '<none>' ? [] : (await cs.pods.listAll({ namespace: ns, labelSelector: sel })).items;
      const owned = pods.filter((p) => p.metadata?.ownerReferences.some((r) => r.uid === rs.metadata?.uid));
      return describeReplicaSet(rs, owned, events);
    }
    case Jobs:
      return describeJob(obj as Job, events);
    case StatefulSets: {
      const set = obj as StatefulSet;
      const sel = formatSelector(set.spec?.selector);
      const pods = sel === '<none>' ? [] : (await cs.pods.listAll({ namespace: ns, labelSelector: sel })).items;
      return describeStatefulSet(set, pods.filter((p) => p.metadata?.ownerReferences.some((r) => r.controller && r.uid === set.metadata?.uid)), events);
    }
    case DaemonSets: {
      const ds = obj as DaemonSet;
      const sel = formatSelector(ds.spec?.selector);
      const pods = sel === '<none>' ? [] : (await cs.pods.listAll({ namespace: ns, labelSelector: sel })).items;
      return describeDaemonSet(ds, pods.filter((p) => p.metadata?.ownerReferences.some((r) => r.controller && r.uid === ds.metadata?.uid)), events);
    }
    case CronJobs:
      return describeCronJob(obj as CronJob, events);
    case PersistentVolumes:
      return describePersistentVolume(obj as PersistentVolume, events);
    case PersistentVolumeClaims: {
      const pods = (await cs.pods.listAll({ namespace: ns })).items;
      return describePersistentVolumeClaim(obj as PersistentVolumeClaim, podsUsingClaim(obj as PersistentVolumeClaim, pods), events);
    }
    case StorageClasses:
      return describeStorageClass(obj as StorageClass, events);
    case PodDisruptionBudgets:
      return describePodDisruptionBudget(obj as PodDisruptionBudget, events);
    case HorizontalPodAutoscalers:
      return describeHorizontalPodAutoscaler(obj as HorizontalPodAutoscaler, events);
    case Nodes: {
      const pods = (await cs.pods.listAll({ namespace: '', fieldSelector: `spec.nodeName=${name}` })).items;
      const lease = await getOrUndefined(cs.resource<Lease>(Leases).get(name, 'kube-node-lease'));
      return describeNode(obj as Node, pods, lease, events);
    }
    case Services: {
      // kubectl 1.32 lists the Service's EndpointSlices; a refused list shows no endpoints.
      const slices = await cs
        .resource<EndpointSlice>(EndpointSlices)
        .listAll({ namespace: ns, labelSelector: `kubernetes.io/service-name=${name}` })
        .then((l) => l.items, () => []);
      return describeService(obj as Service, slices, events);
    }
    case EndpointSlices:
      return describeEndpointSlice(obj as EndpointSlice, events);
    case NetworkPolicies:
      return describeNetworkPolicy(obj as NetworkPolicy);
    case EndpointsKind:
      return describeEndpoints(obj as Endpoints, events);
    case Namespaces: {
      // Either list may be forbidden: its section is left out, as kubectl leaves it out.
      const quotas = await cs.resource<ResourceQuota>(ResourceQuotas).listAll({ namespace: name }).then((l) => l.items, () => undefined);
      const limits = await cs.resource<LimitRange>(LimitRanges).listAll({ namespace: name }).then((l) => l.items, () => undefined);
      return describeNamespace(obj as Namespace, quotas, limits);
    }
    case LimitRanges:
      return describeLimitRange(obj as LimitRange);
    case ResourceQuotas:
      return describeResourceQuota(obj as ResourceQuota);
    case ConfigMaps:
      return describeConfigMap(obj as ConfigMap, events);
    case Roles:
    case ClusterRoles:
      return describeRole(obj as Role | ClusterRole);
    case RoleBindings:
    case ClusterRoleBindings:
      return describeRoleBinding(obj as RoleBinding | ClusterRoleBinding);
    case Secrets:
      return describeSecret(obj as Secret);
    case ServiceAccounts: {
      // Listing Secrets may be forbidden (the view role cannot): the account is described anyway.
      const secrets = await cs
        .resource<Secret>(Secrets)
        .listAll({ namespace: ns })
        .then((l) => l.items, () => undefined);
      return describeServiceAccount(obj as ServiceAccount, serviceAccountSecrets(obj as ServiceAccount, secrets), events);
    }
    default:
      return describeGeneric(kind, obj, events);
  }
}

export async function describe(cli: Cli, args: string[], opts: DescribeOptions): Promise<void> {
  const groups = parseResourceArgs(args);
  const cs = await cli.clientset();
  const namespace = opts.allNamespaces ? '' : await cli.namespace();
  const outputs: string[] = [];
  let failed = false;
  let named = false;
  for (const g of groups) {
    const client = cs.resource(g.kind);
    let objs: KubeObject[] = [];
    if (g.names.length) {
      named = true;
      for (const name of g.names) {
        try {
          objs.push(await client.get(name, namespace || undefined));
        } catch (e) {
          if (!isNotFound(e)) throw e;
          failed = true;
          cli.io.err(`${formatError(e)}\n`);
        }
      }
    } else {
      objs = (await client.listAll({ namespace, labelSelector: opts.selector })).items;
    }
    for (const o of objs) outputs.push(await describeObject(cs, g.kind, o));
  }
  if (outputs.length) cli.io.out(outputs.join('\n\n'));
  else if (!named) cli.io.err(namespace ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n');
  if (failed) throw new ReportedError();
}
