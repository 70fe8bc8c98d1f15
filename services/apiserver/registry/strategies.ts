// The strategy of each kind: Kubernetes' rules for defaults, validation, status and fields.
import type { KindInfo, KubeObject } from '../../../lib/api/kinds';
import * as K from '../../../lib/api/kinds';
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../../../lib/gen/kite/apps/v1/types';
import type { CronJob, Job } from '../../../lib/gen/kite/batch/v1/types';
import type { Lease } from '../../../lib/gen/kite/coordination/v1/lease';
import { PodSpec, type ConfigMap, type Endpoints, type Event, type LimitRange, type Namespace, type Node, type Pod, type ResourceQuota, type Secret, type Service, type ServiceAccount } from '../../../lib/gen/kite/core/v1/types';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../../lib/gen/kite/rbac/v1/types';
import type { EndpointSlice } from '../../../lib/gen/kite/discovery/v1/types';
import type { NetworkPolicy } from '../../../lib/gen/kite/networking/v1/types';
import type { PersistentVolume, PersistentVolumeClaim } from '../../../lib/gen/kite/core/v1/types';
import type { StorageClass } from '../../../lib/gen/kite/storage/v1/types';
import type { PodDisruptionBudget } from '../../../lib/gen/kite/policy/v1/types';
import type { HorizontalPodAutoscaler } from '../../../lib/gen/kite/autoscaling/v2/types';
import * as D from './defaults';
import type { ServiceAllocators } from './service-allocators';
import { dropServiceTypeDependentFields } from './service-type-fields';
import * as V from './validation/validation';
import { validateConfigMap, validateConfigMapUpdate } from './validation/configmap-validation';
import { defaultSecret, validateSecret, validateSecretUpdate } from './validation/secret-validation';
import { validateServiceAccount } from './validation/serviceaccount-validation';
import { defaultEndpointSlice, validateEndpointSlice, validateEndpointSliceUpdate } from './validation/endpointslice-validation';
import { defaultNetworkPolicy, validateNetworkPolicy } from './validation/networkpolicy-validation';
import { defaultLimitRange, validateLimitRange } from './validation/limit-ranger-validation';
import { validateResourceQuota, validateResourceQuotaUpdate } from './validation/quota-validation';
import * as RV from './validation/rbac-validation';
import { defaultJob, prepareJobForCreate, validateJob, validateJobUpdate } from './validation/job-validation';
import { defaultCronJob, validateCronJob, validateCronJobUpdate } from './validation/cronjob-validation';
import { preparePodDisruptionBudgetForCreate, validatePodDisruptionBudget } from './validation/poddisruptionbudget-validation';
import * as DS from './validation/daemonset-validation';
import { defaultStatefulSet, prepareStatefulSetForCreate, validateStatefulSet, validateStatefulSetStatusUpdate, validateStatefulSetUpdate } from './validation/statefulset-validation';
import * as PV from './validation/persistentvolume-validation';
import * as PVC from './validation/persistentvolumeclaim-validation';
import { defaultStorageClass, validateStorageClass, validateStorageClassUpdate } from './validation/storageclass-validation';
import * as HPA from './validation/hpa-validation';
import { defaultPriorityClass, validatePriorityClass, validatePriorityClassUpdate } from './validation/priorityclass-validation';
import { keepPodPriorityOnUpdate } from './validation/pod-scheduling-validation';
import type { PriorityClass } from '../../../lib/gen/kite/scheduling/v1/types';
import type { NodeMetrics, PodMetrics } from '../../../lib/gen/kite/metrics/v1beta1/types';
import { validateNodeMetrics, validatePodMetrics } from './validation/metrics-validation';
import { rfc3339 } from '../../../lib/util/time';
import { baseStrategy, type Strategy } from './strategy';
import { Causes } from './validation/validation-helpers';
import { applyMatchLabelKeys } from './validation/pod-affinity-validation';

export interface StrategyConfig {
  defaulting: D.DefaultingConfig;
  allocators: ServiceAllocators;
}

function podStrategy(cfg: StrategyConfig): Strategy<Pod> {
  return baseStrategy<Pod>({
    defaults: (p) => D.defaultPod(p, cfg.defaulting),
    validate: V.validatePod,
    validateUpdate: (p, old) => V.validatePodUpdate(p, old, (s) => PodSpec.encode(s).finish()),
    prepareForUpdate: (p, old) => keepPodPriorityOnUpdate(p.spec, old.spec),
    prepareForCreate: (p) => {
      p.status = { ...emptyPodStatus(), phase: 'Pending', qosClass: p.spec ? D.qosClass(p.spec) : '' };
      applyMatchLabelKeys(p);
      // applySchedulingGatedCondition: a gated pod says why it waits.
      if (p.spec?.schedulingGates.length) {
        p.status.conditions.push({ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates', lastProbeTime: '', lastTransitionTime: rfc3339() });
      }
    },
    fields: {
      'spec.nodeName': (p) => p.spec?.nodeName,
      'spec.restartPolicy': (p) => p.spec?.restartPolicy,
      'spec.schedulerName': (p) => p.spec?.schedulerName,
      'spec.serviceAccountName': (p) => p.spec?.serviceAccountName,
      'spec.hostNetwork': (p) => String(p.spec?.hostNetwork ?? false),
      'status.phase': (p) => p.status?.phase,
      'status.podIP': (p) => p.status?.podIP,
      'status.nominatedNodeName': (p) => p.status?.nominatedNodeName,
    },
    // Pods on a node wait for their kubelet to stop the containers; unbound pods go at once.
    gracePeriod: (p, requested) => {
      if (!p.spec?.nodeName) return 0;
      if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') return 0;
      return requested ?? p.spec.terminationGracePeriodSeconds ?? 30;
    },
  });
}

function emptyPodStatus() {
  return {
    phase: '', conditions: [], message: '', reason: '', nominatedNodeName: '', hostIP: '', hostIPs: [], podIP: '',
    podIPs: [], startTime: '', initContainerStatuses: [], containerStatuses: [], qosClass: '',
  };
}

function serviceStrategy(cfg: StrategyConfig): Strategy<Service> {
  return baseStrategy<Service>({
    defaults: D.defaultService,
    validate: (s) => V.validateService(s, cfg.allocators.nodePortRange),
    validateUpdate: (s, old) => [...V.validateService(s, cfg.allocators.nodePortRange), ...V.validateServiceUpdate(s, old)],
    prepareForUpdate: dropServiceTypeDependentFields,
    prepareForCreate: (s) => {
      s.status = { loadBalancer: { ingress: [] } };
    },
    fields: { 'spec.clusterIP': (s) => s.spec?.clusterIP, 'spec.type': (s) => s.spec?.type },
    // ClusterIPs and node ports come from pools, as Kubernetes' Service storage allocates them.
    allocate: (s, old) => cfg.allocators.allocate(s, old),
    release: (s) => cfg.allocators.release(s),
  });
}

const replicaSetStrategy = baseStrategy<ReplicaSet>({
  defaults: D.defaultReplicaSet,
  validate: V.validateReplicaSet,
  validateUpdate: (rs, old) => [...V.validateReplicaSet(rs), ...V.validateSelectorUpdate(rs.spec, old.spec)],
  prepareForCreate: (rs) => {
    rs.status = { replicas: 0, fullyLabeledReplicas: 0, readyReplicas: 0, availableReplicas: 0, observedGeneration: 0, conditions: [] };
  },
  fields: { 'status.replicas': (rs) => String(rs.status?.replicas ?? 0) },
});

const deploymentStrategy = baseStrategy<Deployment>({
  defaults: D.defaultDeployment,
  validate: V.validateDeployment,
  validateUpdate: (d, old) => [...V.validateDeployment(d), ...V.validateSelectorUpdate(d.spec, old.spec)],
  prepareForCreate: (d) => {
    d.status = {
      observedGeneration: 0, replicas: 0, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0,
      unavailableReplicas: 0, conditions: [],
    };
  },
});

const namespaceStrategy = baseStrategy<Namespace>({
  validate: V.validateNamespace,
  // Only on create: the namespace controller clears spec.finalizers by update when it is done.
  prepareForCreate: (ns) => {
    D.defaultNamespace(ns);
    ns.status = { phase: 'Active' };
  },
  fields: { 'status.phase': (ns) => ns.status?.phase },
  // The namespace controller's "kubernetes" finalizer (spec.finalizers) holds a deleted namespace
  // until its content is gone; meanwhile it is Terminating.
  pendingFinalizers: (ns) => (ns.spec?.finalizers.length ?? 0) > 0,
  prepareForDelete: (ns) => {
    ns.status = { ...ns.status, phase: 'Terminating' };
  },
});

const nodeStrategy = baseStrategy<Node>({
  validate: V.validateNode,
  validateUpdate: V.validateNodeUpdate,
  fields: { 'spec.unschedulable': (n) => String(n.spec?.unschedulable ?? false) },
});

const eventStrategy = baseStrategy<Event>({
  validate: V.validateEvent,
  fields: {
    'involvedObject.kind': (e) => e.involvedObject?.kind,
    'involvedObject.namespace': (e) => e.involvedObject?.namespace,
    'involvedObject.name': (e) => e.involvedObject?.name,
    'involvedObject.uid': (e) => e.involvedObject?.uid,
    'involvedObject.apiVersion': (e) => e.involvedObject?.apiVersion,
    'involvedObject.resourceVersion': (e) => e.involvedObject?.resourceVersion,
    'involvedObject.fieldPath': (e) => e.involvedObject?.fieldPath,
    reason: (e) => e.reason,
    reportingComponent: (e) => e.reportingComponent,
    source: (e) => e.source?.component,
    type: (e) => e.type,
  },
});

const endpointsStrategy = baseStrategy<Endpoints>({ defaults: D.defaultEndpoints, validate: V.validateEndpoints });
const leaseStrategy = baseStrategy<Lease>({ validate: V.validateLease });
const resourceQuotaStrategy = baseStrategy<ResourceQuota>({
  validate: validateResourceQuota,
  validateUpdate: validateResourceQuotaUpdate,
  prepareForCreate: (q) => {
    q.status = { hard: {}, used: {} };
  },
});

const limitRangeStrategy = baseStrategy<LimitRange>({ defaults: defaultLimitRange, validate: validateLimitRange });
const configMapStrategy = baseStrategy<ConfigMap>({ validate: validateConfigMap, validateUpdate: validateConfigMapUpdate });
// stringData is merged into data and cleared on create and update (defaults runs on both).
const secretStrategy = baseStrategy<Secret>({ defaults: defaultSecret, validate: validateSecret, validateUpdate: validateSecretUpdate });
const serviceAccountStrategy = baseStrategy<ServiceAccount>({ validate: validateServiceAccount });

const roleStrategy = baseStrategy<Role>({ validate: RV.validateRole });
const clusterRoleStrategy = baseStrategy<ClusterRole>({ validate: RV.validateClusterRole });
const roleBindingStrategy = baseStrategy<RoleBinding>({
  validate: RV.validateRoleBinding,
  validateUpdate: (b, old) => [...RV.validateRoleBinding(b), ...RV.validateRoleRefUpdate(b, old)],
});
const clusterRoleBindingStrategy = baseStrategy<ClusterRoleBinding>({
  validate: RV.validateClusterRoleBinding,
  validateUpdate: (b, old) => [...RV.validateClusterRoleBinding(b), ...RV.validateRoleRefUpdate(b, old)],
});

const endpointSliceStrategy = baseStrategy<EndpointSlice>({
  defaults: defaultEndpointSlice,
  validate: validateEndpointSlice,
  validateUpdate: validateEndpointSliceUpdate,
});
const networkPolicyStrategy = baseStrategy<NetworkPolicy>({ defaults: defaultNetworkPolicy, validate: validateNetworkPolicy });

// Kubernetes' job strategy: the selector generated on create, status only through the subresource.
const jobStrategy = baseStrategy<Job>({
  defaults: defaultJob,
  validate: validateJob,
  validateUpdate: validateJobUpdate,
  prepareForCreate: prepareJobForCreate,
  fields: { 'status.successful': (j) => String(j.status?.succeeded ?? 0) },
});
const cronJobStrategy = baseStrategy<CronJob>({
  defaults: defaultCronJob,
  validate: validateCronJob,
  validateUpdate: validateCronJobUpdate,
  prepareForCreate: (cj) => {
    cj.status = { active: [], lastScheduleTime: '', lastSuccessfulTime: '' };
  },
});

// Kubernetes' daemonset strategy: status reset on create, the template generation on template change.
const daemonSetStrategy = baseStrategy<DaemonSet>({
  defaults: DS.defaultDaemonSet,
  validate: DS.validateDaemonSet,
  validateUpdate: DS.validateDaemonSetUpdate,
  prepareForCreate: DS.prepareDaemonSetForCreate,
  prepareForUpdate: DS.prepareDaemonSetForUpdate,
  validateStatusUpdate: DS.validateDaemonSetStatusUpdate,
});
const controllerRevisionStrategy = baseStrategy<ControllerRevision>({
  validate: DS.validateControllerRevision,
  validateUpdate: DS.validateControllerRevisionUpdate,
});

const statefulSetStrategy = baseStrategy<StatefulSet>({
  defaults: defaultStatefulSet,
  validate: validateStatefulSet,
  validateUpdate: validateStatefulSetUpdate,
  prepareForCreate: prepareStatefulSetForCreate,
  validateStatusUpdate: validateStatefulSetStatusUpdate,
});

// policy/v1: the spec is mutable (validated again on update), status only through the subresource.
const podDisruptionBudgetStrategy = baseStrategy<PodDisruptionBudget>({
  validate: validatePodDisruptionBudget,
  prepareForCreate: preparePodDisruptionBudgetForCreate,
});

// Kubernetes' persistentvolume, persistentvolumeclaim and storageclass strategies; "name" is the
// field selector both volume kinds add.
const persistentVolumeStrategy = baseStrategy<PersistentVolume>({
  defaults: PV.defaultPersistentVolume,
  validate: PV.validatePersistentVolume,
  validateUpdate: PV.validatePersistentVolumeUpdate,
  prepareForCreate: (pv) => PV.preparePersistentVolumeForCreate(pv, rfc3339()),
  fields: { name: (pv) => pv.metadata?.name },
});
const persistentVolumeClaimStrategy = baseStrategy<PersistentVolumeClaim>({
  defaults: PVC.defaultPersistentVolumeClaim,
  validate: PVC.validatePersistentVolumeClaim,
  validateUpdate: PVC.validatePersistentVolumeClaimUpdate,
  prepareForCreate: PVC.preparePersistentVolumeClaimForCreate,
  fields: { name: (pvc) => pvc.metadata?.name },
});
const storageClassStrategy = baseStrategy<StorageClass>({
  defaults: defaultStorageClass,
  validate: validateStorageClass,
  validateUpdate: validateStorageClassUpdate,
});
const priorityClassStrategy = baseStrategy<PriorityClass>({
  defaults: defaultPriorityClass,
  validate: validatePriorityClass,
  validateUpdate: validatePriorityClassUpdate,
});
const nodeMetricsStrategy = baseStrategy<NodeMetrics>({ validate: validateNodeMetrics });
const podMetricsStrategy = baseStrategy<PodMetrics>({ validate: validatePodMetrics });

// Kinds whose rules are still being written: metadata only (a name Kubernetes accepts).
// Kubernetes' horizontalpodautoscaler strategy (autoscaling/v2).
const horizontalPodAutoscalerStrategy = baseStrategy<HorizontalPodAutoscaler>({
  defaults: HPA.defaultHorizontalPodAutoscaler,
  validate: HPA.validateHorizontalPodAutoscaler,
  validateStatusUpdate: HPA.validateHorizontalPodAutoscalerStatusUpdate,
  prepareForCreate: HPA.prepareHorizontalPodAutoscalerForCreate,
  prepareForUpdate: HPA.dropRoundTripHorizontalPodAutoscalerAnnotations,
});

function metadataOnly<T extends KubeObject>(namespaced: boolean): Strategy<T> {
  return baseStrategy<T>({
    validate: (o) => {
      const c = new Causes();
      V.validateMeta(c, o.metadata, namespaced, 'subdomain');
      return c.list;
    },
  });
}

export function strategies(cfg: StrategyConfig): Map<KindInfo<any>, Strategy<any>> {
  return new Map<KindInfo<any>, Strategy<any>>([
    [K.Pods, podStrategy(cfg)],
    [K.Services, serviceStrategy(cfg)],
    [K.ReplicaSets, replicaSetStrategy],
    [K.Deployments, deploymentStrategy],
    [K.Namespaces, namespaceStrategy],
    [K.Nodes, nodeStrategy],
    [K.Events, eventStrategy],
    [K.EndpointsKind, endpointsStrategy],
    [K.Leases, leaseStrategy],
    [K.ResourceQuotas, resourceQuotaStrategy],
    [K.LimitRanges, limitRangeStrategy],
    [K.ConfigMaps, configMapStrategy],
    [K.Secrets, secretStrategy],
    [K.ServiceAccounts, serviceAccountStrategy],
    [K.Roles, roleStrategy],
    [K.ClusterRoles, clusterRoleStrategy],
    [K.RoleBindings, roleBindingStrategy],
    [K.ClusterRoleBindings, clusterRoleBindingStrategy],
    [K.EndpointSlices, endpointSliceStrategy],
    [K.NetworkPolicies, networkPolicyStrategy],
    [K.Jobs, jobStrategy],
    [K.CronJobs, cronJobStrategy],
    [K.DaemonSets, daemonSetStrategy],
    [K.StatefulSets, statefulSetStrategy],
    [K.ControllerRevisions, controllerRevisionStrategy],
    [K.PersistentVolumes, persistentVolumeStrategy],
    [K.PersistentVolumeClaims, persistentVolumeClaimStrategy],
    [K.StorageClasses, storageClassStrategy],
    [K.PodDisruptionBudgets, podDisruptionBudgetStrategy],
    [K.PriorityClasses, priorityClassStrategy],
    [K.HorizontalPodAutoscalers, horizontalPodAutoscalerStrategy],
    [K.NodeMetricsKind, nodeMetricsStrategy],
    [K.PodMetricsKind, podMetricsStrategy],
  ]);
}

export type AnyStrategy = Strategy<KubeObject>;
