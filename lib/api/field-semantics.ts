// What Kubernetes' Go types say about each field that Kite's proto messages cannot: which fields
// are quantities (resource.Quantity, ResourceList), timestamps (metav1.Time, metav1.MicroTime),
// which fields Kubernetes' JSON always carries although proto3 omits zero values (fields without
// `omitempty`, and non-pointer structs, which omitempty never drops), and the strategic merge patch
// strategy of each list (`patchStrategy`, `patchMergeKey`). Keyed by message name, then JSON field
// name; derived from k8s.io/api and k8s.io/apimachinery v0.32 types.go (the kubectl v1.32 reference),
// restricted to the fields Kite's messages have. The JSON codec (kube-json.ts), strategic merge
// patch (strategic-merge-patch.ts) and the OpenAPI documents (x-kubernetes-patch-merge-key) read it.

/** Message name -> JSON field names. */
export type FieldTable = Readonly<Record<string, readonly string[]>>;

/** A list's strategic merge patch behaviour: merged by mergeKey (or as a set of primitives), keys retained. */
export interface PatchStrategy {
  strategy: 'merge' | 'retainKeys' | 'merge,retainKeys';
  mergeKey?: string;
}

/** Fields Kubernetes writes even when zero: no omitempty in the Go tag, or a non-pointer struct. */
export const ALWAYS_EMITTED: FieldTable = {
  AppArmorProfile: ['type'],
  ClusterRole: ['metadata', 'rules'],
  ClusterRoleBinding: ['metadata', 'roleRef'],
  ClusterRoleBindingList: ['metadata', 'items'],
  ClusterRoleList: ['metadata', 'items'],
  Condition: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
  ConfigMap: ['metadata'],
  ConfigMapList: ['metadata', 'items'],
  Container: ['name', 'resources'],
  ContainerImage: ['names'],
  ContainerPort: ['containerPort'],
  ContainerStateRunning: ['startedAt'],
  ContainerStateTerminated: ['exitCode', 'startedAt', 'finishedAt'],
  ContainerStatus: ['name', 'state', 'lastState', 'ready', 'restartCount', 'image', 'imageID'],
  ControllerRevision: ['metadata', 'revision'],
  ControllerRevisionList: ['metadata', 'items'],
  DaemonEndpoint: ['Port'],
  DaemonSet: ['metadata', 'spec', 'status'],
  DaemonSetCondition: ['type', 'status'],
  DaemonSetList: ['metadata', 'items'],
  DaemonSetSpec: ['selector', 'template'],
  DaemonSetStatus: ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady'],
  Deployment: ['metadata', 'spec', 'status'],
  DeploymentCondition: ['type', 'status', 'lastUpdateTime', 'lastTransitionTime'],
  DeploymentList: ['metadata', 'items'],
  DeploymentSpec: ['selector', 'template', 'strategy'],
  DownwardAPIVolumeFile: ['path'],
  EndpointAddress: ['ip'],
  EndpointPort: ['port'],
  Endpoints: ['metadata'],
  EndpointsList: ['metadata', 'items'],
  EnvVar: ['name'],
  Event: ['metadata', 'involvedObject', 'source', 'firstTimestamp', 'lastTimestamp', 'eventTime', 'reportingComponent', 'reportingInstance'],
  EventList: ['metadata', 'items'],
  HTTPGetAction: ['port'],
  HTTPHeader: ['name', 'value'],
  HostIP: ['ip'],
  HostPathVolumeSource: ['path'],
  KeyToPath: ['key', 'path'],
  LabelSelectorRequirement: ['key', 'operator'],
  Lease: ['metadata', 'spec'],
  LeaseList: ['metadata', 'items'],
  LimitRange: ['metadata', 'spec'],
  LimitRangeItem: ['type'],
  LimitRangeList: ['metadata', 'items'],
  LimitRangeSpec: ['limits'],
  LocalVolumeSource: ['path'],
  Namespace: ['metadata', 'spec', 'status'],
  NamespaceList: ['metadata', 'items'],
  Node: ['metadata', 'spec', 'status'],
  NodeAddress: ['type', 'address'],
  NodeCondition: ['type', 'status', 'lastHeartbeatTime', 'lastTransitionTime'],
  NodeDaemonEndpoints: ['kubeletEndpoint'],
  NodeList: ['metadata', 'items'],
  NodeSelector: ['nodeSelectorTerms'],
  NodeSelectorRequirement: ['key', 'operator'],
  NodeStatus: ['daemonEndpoints', 'nodeInfo'],
  NodeSystemInfo: ['machineID', 'systemUUID', 'bootID', 'kernelVersion', 'osImage', 'containerRuntimeVersion', 'kubeletVersion', 'kubeProxyVersion', 'operatingSystem', 'architecture'],
  ObjectFieldSelector: ['fieldPath'],
  ObjectMeta: ['creationTimestamp'],
  OwnerReference: ['apiVersion', 'kind', 'name', 'uid'],
  PersistentVolume: ['metadata', 'spec', 'status'],
  PersistentVolumeClaim: ['metadata', 'spec', 'status'],
  PersistentVolumeClaimCondition: ['type', 'status'],
  PersistentVolumeClaimList: ['metadata', 'items'],
  PersistentVolumeClaimVolumeSource: ['claimName'],
  PersistentVolumeList: ['metadata', 'items'],
  Pod: ['metadata', 'spec', 'status'],
  PodCondition: ['type', 'status', 'lastProbeTime', 'lastTransitionTime'],
  PodDisruptionBudget: ['metadata', 'spec', 'status'],
  PodDisruptionBudgetList: ['metadata', 'items'],
  PodDisruptionBudgetStatus: ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'],
  PodIP: ['ip'],
  PodList: ['metadata', 'items'],
  PodSpec: ['containers'],
  PodTemplateSpec: ['metadata', 'spec'],
  PolicyRule: ['verbs'],
  PreferredSchedulingTerm: ['weight', 'preference'],
  ProjectedVolumeSource: ['sources'],
  ReplicaSet: ['metadata', 'spec', 'status'],
  ReplicaSetCondition: ['type', 'status', 'lastTransitionTime'],
  ReplicaSetList: ['metadata', 'items'],
  ReplicaSetSpec: ['selector', 'template'],
  ReplicaSetStatus: ['replicas'],
  ResourceFieldSelector: ['resource', 'divisor'],
  ResourceQuota: ['metadata', 'spec', 'status'],
  ResourceQuotaList: ['metadata', 'items'],
  Role: ['metadata', 'rules'],
  RoleBinding: ['metadata', 'roleRef'],
  RoleBindingList: ['metadata', 'items'],
  RoleList: ['metadata', 'items'],
  RoleRef: ['apiGroup', 'kind', 'name'],
  Scale: ['metadata', 'spec', 'status'],
  ScaleStatus: ['replicas'],
  ScopedResourceSelectorRequirement: ['scopeName', 'operator'],
  SeccompProfile: ['type'],
  Secret: ['metadata'],
  SecretList: ['metadata', 'items'],
  SelfSubjectAccessReview: ['metadata', 'spec', 'status'],
  SelfSubjectReview: ['metadata', 'status'],
  SelfSubjectReviewStatus: ['userInfo'],
  Service: ['metadata', 'spec', 'status'],
  ServiceAccount: ['metadata'],
  ServiceAccountList: ['metadata', 'items'],
  ServiceAccountTokenProjection: ['path'],
  ServiceList: ['metadata', 'items'],
  ServicePort: ['port', 'targetPort'],
  ServiceStatus: ['loadBalancer'],
  SleepAction: ['seconds'],
  StatefulSet: ['metadata', 'spec', 'status'],
  StatefulSetCondition: ['type', 'status'],
  StatefulSetList: ['metadata', 'items'],
  StatefulSetSpec: ['selector', 'template', 'serviceName'],
  StatefulSetStatus: ['replicas', 'availableReplicas'],
  StorageClass: ['metadata', 'provisioner'],
  StorageClassList: ['metadata', 'items'],
  Subject: ['kind', 'name'],
  SubjectAccessReview: ['metadata', 'spec', 'status'],
  SubjectAccessReviewStatus: ['allowed'],
  Sysctl: ['name', 'value'],
  TCPSocketAction: ['port'],
  Taint: ['key', 'effect'],
  TokenRequestSpec: ['audiences', 'expirationSeconds', 'boundObjectRef'],
  TokenRequestStatus: ['token', 'expirationTimestamp'],
  TopologySelectorLabelRequirement: ['key', 'values'],
  Volume: ['name'],
  VolumeMount: ['name', 'mountPath'],
};
/** Pointers among ALWAYS_EMITTED (`*T` without omitempty): written as null when unset, never filled in. */
export const NIL_POINTERS: FieldTable = {
  DeploymentSpec: ['selector'],
  ReplicaSetSpec: ['selector'],
  StatefulSetSpec: ['selector'],
  TokenRequestSpec: ['expirationSeconds', 'boundObjectRef'],
};
/** Quantities and maps of quantities: a plain number is accepted, the canonical form is stored. */
export const QUANTITY_FIELDS: FieldTable = {
  EmptyDirVolumeSource: ['sizeLimit'],
  LimitRangeItem: ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'],
  NodeStatus: ['capacity', 'allocatable'],
  PersistentVolumeClaimStatus: ['capacity'],
  PersistentVolumeSpec: ['capacity'],
  ResourceFieldSelector: ['divisor'],
  ResourceQuotaSpec: ['hard'],
  ResourceQuotaStatus: ['hard', 'used'],
  ResourceRequirements: ['limits', 'requests'],
  VolumeResourceRequirements: ['limits', 'requests'],
};
/** metav1.Time: RFC 3339 in UTC with whole seconds; a zero non-pointer Time is written as null. */
export const TIME_FIELDS: FieldTable = {
  Condition: ['lastTransitionTime'],
  ContainerStateRunning: ['startedAt'],
  ContainerStateTerminated: ['startedAt', 'finishedAt'],
  CronJobStatus: ['lastScheduleTime', 'lastSuccessfulTime'],
  DaemonSetCondition: ['lastTransitionTime'],
  DeploymentCondition: ['lastUpdateTime', 'lastTransitionTime'],
  Event: ['firstTimestamp', 'lastTimestamp'],
  JobCondition: ['lastProbeTime', 'lastTransitionTime'],
  JobStatus: ['startTime', 'completionTime'],
  ManagedFieldsEntry: ['time'],
  NodeCondition: ['lastHeartbeatTime', 'lastTransitionTime'],
  ObjectMeta: ['creationTimestamp', 'deletionTimestamp'],
  PersistentVolumeClaimCondition: ['lastProbeTime', 'lastTransitionTime'],
  PersistentVolumeStatus: ['lastPhaseTransitionTime'],
  PodCondition: ['lastProbeTime', 'lastTransitionTime'],
  PodDisruptionBudgetStatus: ['disruptedPods'],
  PodStatus: ['startTime'],
  ReplicaSetCondition: ['lastTransitionTime'],
  StatefulSetCondition: ['lastTransitionTime'],
  Taint: ['timeAdded'],
  TokenRequestStatus: ['expirationTimestamp'],
};
/** JSON values Kite's messages carry as their text (metav1.FieldsV1): an object in Kubernetes' JSON. */
export const RAW_JSON_FIELDS: FieldTable = {
  ManagedFieldsEntry: ['fieldsV1'],
};
/** Kubernetes' +listType/+listMapKeys tags, by message and JSON field (lists without one follow PATCH_STRATEGIES). */
export const LIST_TYPES: Readonly<Record<string, Readonly<Record<string, { listType: 'atomic' | 'map' | 'set'; listMapKeys?: string[] }>>>> = {
  Container: { ports: { listType: 'map', listMapKeys: ['containerPort', 'protocol'] } },
  DeploymentStatus: { conditions: { listType: 'map', listMapKeys: ['type'] } },
  NodeSpec: { podCIDRs: { listType: 'set' } },
  ObjectMeta: { finalizers: { listType: 'set' }, ownerReferences: { listType: 'map', listMapKeys: ['uid'] } },
  PodStatus: { hostIPs: { listType: 'atomic' } },
  PersistentVolumeSpec: { accessModes: { listType: 'atomic' }, mountOptions: { listType: 'atomic' } },
  PersistentVolumeClaimSpec: { accessModes: { listType: 'atomic' } },
  PersistentVolumeClaimStatus: { accessModes: { listType: 'atomic' }, conditions: { listType: 'map', listMapKeys: ['type'] } },
  StorageClass: { mountOptions: { listType: 'atomic' }, allowedTopologies: { listType: 'atomic' } },
  ServiceSpec: { ports: { listType: 'map', listMapKeys: ['port', 'protocol'] } },
  StatefulSetSpec: { volumeClaimTemplates: { listType: 'atomic' } },
  StatefulSetStatus: { conditions: { listType: 'map', listMapKeys: ['type'] } },
};
/** Structs Kubernetes marks `+structType=atomic`: server-side apply owns and replaces them whole. */
export const ATOMIC_STRUCTS: readonly string[] = [
  'ConfigMapKeySelector',
  'LabelSelector',
  'LocalObjectReference',
  'NodeSelector',
  'NodeSelectorTerm',
  'ObjectFieldSelector',
  'ObjectReference',
  'ResourceFieldSelector',
  'SecretKeySelector',
];
/** metav1.MicroTime: RFC 3339 in UTC with microseconds. */
export const MICRO_TIME_FIELDS: FieldTable = {
  Event: ['eventTime'],
  LeaseSpec: ['acquireTime', 'renewTime'],
};
/** Go's patchStrategy/patchMergeKey tags; lists without one are replaced whole by a strategic merge patch. */
export const PATCH_STRATEGIES: Readonly<Record<string, Readonly<Record<string, PatchStrategy>>>> = {
  Container: { ports: { strategy: 'merge', mergeKey: 'containerPort' }, env: { strategy: 'merge', mergeKey: 'name' }, volumeMounts: { strategy: 'merge', mergeKey: 'mountPath' } },
  DeploymentSpec: { strategy: { strategy: 'retainKeys' } },
  DeploymentStatus: { conditions: { strategy: 'merge', mergeKey: 'type' } },
  NodeSpec: { podCIDRs: { strategy: 'merge' } },
  NodeStatus: { conditions: { strategy: 'merge', mergeKey: 'type' }, addresses: { strategy: 'merge', mergeKey: 'type' } },
  ObjectMeta: { ownerReferences: { strategy: 'merge', mergeKey: 'uid' }, finalizers: { strategy: 'merge' } },
  PodSpec: { volumes: { strategy: 'merge,retainKeys', mergeKey: 'name' }, initContainers: { strategy: 'merge', mergeKey: 'name' }, containers: { strategy: 'merge', mergeKey: 'name' }, imagePullSecrets: { strategy: 'merge', mergeKey: 'name' } },
  PersistentVolumeClaimStatus: { conditions: { strategy: 'merge', mergeKey: 'type' } },
  PodStatus: { conditions: { strategy: 'merge', mergeKey: 'type' }, hostIPs: { strategy: 'merge', mergeKey: 'ip' }, podIPs: { strategy: 'merge', mergeKey: 'ip' } },
  ReplicaSetStatus: { conditions: { strategy: 'merge', mergeKey: 'type' } },
  ServiceAccount: { secrets: { strategy: 'merge', mergeKey: 'name' } },
  ServiceSpec: { ports: { strategy: 'merge', mergeKey: 'port' } },
  StatefulSetStatus: { conditions: { strategy: 'merge', mergeKey: 'type' } },
};

/** The strategic merge patch strategy of `message`.`field`, if Kubernetes declares one. */
export function patchStrategyOf(message: string, field: string): PatchStrategy | undefined {
  return PATCH_STRATEGIES[message]?.[field];
}

export function isQuantityField(message: string, field: string): boolean {
  return QUANTITY_FIELDS[message]?.includes(field) ?? false;
}
