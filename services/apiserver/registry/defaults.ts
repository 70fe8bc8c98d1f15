// Defaulting, as Kubernetes' SetDefaults_* and the DefaultTolerationSeconds admission plugin do,
// so stored objects carry the same defaults a Kubernetes user would see.
import type { Deployment, ReplicaSet } from '../../../lib/gen/kite/apps/v1/types';
import type { Container, Endpoints, HTTPGetAction, Namespace, Pod, PodSpec, Probe, Service } from '../../../lib/gen/kite/core/v1/types';
import { defaultVolumes } from './volume-defaults';

export interface DefaultingConfig {
  /** tolerationSeconds for node.kubernetes.io/not-ready:NoExecute added to every pod (Kubernetes: 300). */
  defaultNotReadyTolerationSeconds: number;
  /** tolerationSeconds for node.kubernetes.io/unreachable:NoExecute added to every pod (Kubernetes: 300). */
  defaultUnreachableTolerationSeconds: number;
}

export const DEFAULT_DEFAULTING: DefaultingConfig = {
  defaultNotReadyTolerationSeconds: 300,
  defaultUnreachableTolerationSeconds: 300,
};

/** Always for ":latest" or no tag, IfNotPresent otherwise (digests count as tagged). */
export function defaultPullPolicy(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  const tag = colon >= 0 ? image.slice(colon + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHTTPGet(h: HTTPGetAction | undefined): void {
  if (!h) return;
  if (!h.path) h.path = '/';
  if (!h.scheme) h.scheme = 'HTTP';
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  if (!p.timeoutSeconds) p.timeoutSeconds = 1;
  if (!p.periodSeconds) p.periodSeconds = 10;
  if (!p.successThreshold) p.successThreshold = 1;
  if (!p.failureThreshold) p.failureThreshold = 3;
  defaultHTTPGet(p.httpGet);
}

function defaultContainer(c: Container, hostNetwork: boolean): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = defaultPullPolicy(c.image);
  if (!c.terminationMessagePath) c.terminationMessagePath = '/dev/termination-log';
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = 'File';
  for (const p of c.ports) {
    if (!p.protocol) p.protocol = 'TCP';
    if (hostNetwork && !p.hostPort) p.hostPort = p.containerPort;
  }
  if (c.resources) {
    // Requests default to limits where only limits are given.
    for (const [r, q] of Object.entries(c.resources.limits)) {
      if (c.resources.requests[r] === undefined) c.resources.requests[r] = q;
    }
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultHTTPGet(c.lifecycle?.postStart?.httpGet);
  defaultHTTPGet(c.lifecycle?.preStop?.httpGet);
}

export function defaultPodSpec(spec: PodSpec): void {
  if (!spec.restartPolicy) spec.restartPolicy = 'Always';
  if (!spec.dnsPolicy) spec.dnsPolicy = 'ClusterFirst';
  if (spec.terminationGracePeriodSeconds === undefined) spec.terminationGracePeriodSeconds = 30;
  if (!spec.schedulerName) spec.schedulerName = 'default-scheduler';
  if (spec.enableServiceLinks === undefined) spec.enableServiceLinks = true;
  // The deprecated serviceAccount mirrors serviceAccountName, as Kubernetes' v1 conversion keeps them.
  spec.serviceAccountName ||= spec.serviceAccount;
  spec.serviceAccount = spec.serviceAccountName;
  if (!spec.securityContext) spec.securityContext = { supplementalGroups: [], sysctls: [] };
  for (const c of [...spec.initContainers, ...spec.containers]) defaultContainer(c, spec.hostNetwork);
  for (const t of spec.tolerations) if (!t.operator) t.operator = 'Equal';
  defaultVolumes(spec);
}

function hasToleration(spec: PodSpec, key: string): boolean {
  return spec.tolerations.some((t) => (t.key === key || (t.key === '' && t.operator === 'Exists')) && (t.effect === 'NoExecute' || t.effect === ''));
}

/** The DefaultTolerationSeconds admission plugin: pods tolerate unreachable/not-ready nodes for a while. */
export function addDefaultTolerations(spec: PodSpec, cfg: DefaultingConfig): void {
  const add = (key: string, seconds: number) => {
    if (!hasToleration(spec, key)) {
      spec.tolerations.push({ key, operator: 'Exists', value: '', effect: 'NoExecute', tolerationSeconds: seconds });
    }
  };
  add('node.kubernetes.io/not-ready', cfg.defaultNotReadyTolerationSeconds);
  add('node.kubernetes.io/unreachable', cfg.defaultUnreachableTolerationSeconds);
}

/** Guaranteed, Burstable or BestEffort, as Kubernetes computes the pod's QoS class. */
export function qosClass(spec: PodSpec): string {
  const containers = [...spec.initContainers, ...spec.containers];
  let anySet = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined || lim[r] !== undefined) anySet = true;
      if (lim[r] === undefined || (req[r] !== undefined && req[r] !== lim[r])) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

export function defaultPod(pod: Pod, cfg: DefaultingConfig): void {
  if (!pod.spec) return;
  defaultPodSpec(pod.spec);
  addDefaultTolerations(pod.spec, cfg);
}

export function defaultService(svc: Service): void {
  const spec = svc.spec;
  if (!spec) return;
  if (!spec.type) spec.type = 'ClusterIP';
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'ClientIP') {
    spec.sessionAffinityConfig ??= {};
    spec.sessionAffinityConfig.clientIP ??= {};
    spec.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
  }
  if (spec.type !== 'ExternalName') {
    if (!spec.internalTrafficPolicy) spec.internalTrafficPolicy = 'Cluster';
    if (spec.ipFamilies.length === 0) spec.ipFamilies = ['IPv4'];
    if (!spec.ipFamilyPolicy) spec.ipFamilyPolicy = 'SingleStack';
  }
  if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  for (const p of spec.ports) {
    if (!p.protocol) p.protocol = 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
}

/** Kubernetes' SetDefaults_EndpointPort: a port without protocol is TCP. */
export function defaultEndpoints(ep: Endpoints): void {
  for (const subset of ep.subsets) for (const p of subset.ports) if (!p.protocol) p.protocol = 'TCP';
}

export function defaultReplicaSet(rs: ReplicaSet): void {
  if (!rs.spec) return;
  if (rs.spec.replicas === undefined) rs.spec.replicas = 1;
  if (rs.spec.template?.spec) defaultPodSpec(rs.spec.template.spec);
}

export function defaultDeployment(d: Deployment): void {
  const spec = d.spec;
  if (!spec) return;
  if (spec.replicas === undefined) spec.replicas = 1;
  spec.strategy ??= { type: '' };
  if (!spec.strategy.type) spec.strategy.type = 'RollingUpdate';
  if (spec.strategy.type === 'RollingUpdate') {
    spec.strategy.rollingUpdate ??= {};
    spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
    spec.strategy.rollingUpdate.maxSurge ??= '25%';
  }
  if (spec.revisionHistoryLimit === undefined) spec.revisionHistoryLimit = 10;
  if (spec.progressDeadlineSeconds === undefined) spec.progressDeadlineSeconds = 600;
  if (spec.template?.spec) defaultPodSpec(spec.template.spec);
}

export function defaultNamespace(ns: Namespace): void {
  ns.spec ??= { finalizers: [] };
  if (!ns.spec.finalizers.includes('kubernetes')) ns.spec.finalizers.push('kubernetes');
}
