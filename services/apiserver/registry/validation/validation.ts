// Validation of each kind with Kubernetes' rules and field paths. Each function returns the
// causes; the registry turns a non-empty list into INVALID_ARGUMENT.
import type { FieldCause } from '../../../../lib/api/errors';
import { canonicalQuantity, isValidQuantity, Quantity } from '../../../../lib/api/quantity';
import type { Deployment, ReplicaSet } from '../../../../lib/gen/kite/apps/v1/types';
import type { Lease } from '../../../../lib/gen/kite/coordination/v1/lease';
import type {
  Container,
  Endpoints,
  Event,
  ExecAction,
  HTTPGetAction,
  Lifecycle,
  LifecycleHandler,
  Namespace,
  Node,
  Pod,
  PodSpec,
  PodTemplateSpec,
  Probe,
  Service,
  TCPSocketAction,
} from '../../../../lib/gen/kite/core/v1/types';
import type { LabelSelector, ObjectMeta } from '../../../../lib/gen/kite/meta/v1/meta';
import { validateContainerSecurityContext, validatePodSecurityContext } from './security-context-validation';
import * as v from './validation-helpers';
import { validatePodDNS } from './pod-dns-validation';
import { validateOnlyDeletedSchedulingGates, validatePodCreateSchedulingGates, validatePodSchedulingFields } from './pod-scheduling-validation';
import { validatePodAffinity, validateTopologySpreadConstraints } from './pod-affinity-validation';
import { validateEnv, validateEnvFrom, validateVolumeMountPaths, validateVolumeSource } from './volume-validation';
import { jsonEqual } from '../../../../lib/util/json';
import { sameValue } from '../../../../lib/api/managed-fields/same-value';
import { isIP } from 'node:net';
import { parseTime } from '../../../../lib/util/time';

type NameRule = 'subdomain' | 'label' | 'dns1035';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

export function validateMeta(c: v.Causes, meta: ObjectMeta | undefined, namespaced: boolean, rule: NameRule, path = 'metadata'): void {
  if (!meta) {
    c.add(path, 'Required value');
    return;
  }
  const validName = { subdomain: v.dns1123Subdomain, label: v.dns1123Label, dns1035: v.dns1035Label }[rule];
  // As Kubernetes' ValidateObjectMeta: generateName is a name prefix, its trailing dash masked.
  if (meta.generateName) validName(c, `${path}.generateName`, v.maskTrailingDash(meta.generateName), meta.generateName);
  if (!meta.name) c.add(`${path}.name`, 'Required value: name or generateName is required');
  else validName(c, `${path}.name`, meta.name);
  if (namespaced && !meta.namespace) c.add(`${path}.namespace`, 'Required value');
  if (!namespaced && meta.namespace) c.add(`${path}.namespace`, 'Forbidden: not allowed on this type');
  v.labels(c, `${path}.labels`, meta.labels);
  v.annotations(c, `${path}.annotations`, meta.annotations);
  meta.ownerReferences.forEach((o, i) => {
    const p = `${path}.ownerReferences[${i}]`;
    c.required(`${p}.apiVersion`, o.apiVersion);
    c.required(`${p}.kind`, o.kind);
    c.required(`${p}.name`, o.name);
    c.required(`${p}.uid`, o.uid);
  });
  if (meta.ownerReferences.filter((o) => o.controller).length > 1) {
    c.add(`${path}.ownerReferences`, 'Invalid value: only one reference can have Controller set to true');
  }
  for (const f of meta.finalizers) v.qualifiedName(c, `${path}.finalizers`, f);
}

/** The checks of each handler action a probe or lifecycle handler names. */
function validateActions(c: v.Causes, path: string, h: { exec?: ExecAction; httpGet?: HTTPGetAction; tcpSocket?: TCPSocketAction }): void {
  if (h.exec && h.exec.command.length === 0) c.add(`${path}.exec.command`, 'Required value');
  if (h.httpGet) v.intOrStringPort(c, `${path}.httpGet.port`, h.httpGet.port);
  if (h.tcpSocket) v.intOrStringPort(c, `${path}.tcpSocket.port`, h.tcpSocket.port);
}

/**
 * Kubernetes' validateHandler for postStart / preStop: exactly one handler type (a second one is
 * Forbidden at its own path), and a sleep within the pod's grace period.
 */
function validateLifecycleHandler(c: v.Causes, path: string, h: LifecycleHandler, gracePeriod: number | undefined): void {
  const named = (['exec', 'httpGet', 'tcpSocket', 'sleep'] as const).filter((k) => h[k] !== undefined);
  if (named.length === 0) c.add(path, 'Required value: must specify a handler type');
  for (const extra of named.slice(1)) c.add(`${path}.${extra}`, 'Forbidden: may not specify more than 1 handler type');
  validateActions(c, path, h);
  const seconds = h.sleep?.seconds;
  if (seconds !== undefined && (seconds < 0 || (gracePeriod !== undefined && seconds > gracePeriod))) {
    const bound = gracePeriod === undefined ? '' : ` and less than terminationGracePeriodSeconds (${gracePeriod})`;
    c.add(`${path}.sleep`, `Invalid value: ${seconds}: must be non-negative${bound}`);
  }
}

function validateLifecycle(c: v.Causes, path: string, l: Lifecycle | undefined, gracePeriod: number | undefined): void {
  if (!l) return;
  if (l.postStart) validateLifecycleHandler(c, `${path}.postStart`, l.postStart, gracePeriod);
  if (l.preStop) validateLifecycleHandler(c, `${path}.preStop`, l.preStop, gracePeriod);
}

function validateProbe(c: v.Causes, path: string, p: Probe | undefined): void {
  if (!p) return;
  const handlers = [p.exec, p.httpGet, p.tcpSocket].filter((h) => h !== undefined).length;
  if (handlers === 0) c.add(path, 'Required value: must specify a handler type');
  if (handlers > 1) c.add(path, 'Forbidden: may not specify more than 1 handler type');
  validateActions(c, path, p);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) {
    v.nonNegative(c, `${path}.${f}`, p[f]);
  }
}

function validateContainer(c: v.Causes, path: string, ct: Container, volumes: Set<string>, init: boolean, gracePeriod: number | undefined): void {
  if (c.required(`${path}.name`, ct.name)) v.dns1123Label(c, `${path}.name`, ct.name);
  c.required(`${path}.image`, ct.image);
  if (ct.image && ct.image.trim() !== ct.image) c.add(`${path}.image`, 'Invalid value: must not have leading or trailing whitespace');
  const portNames = new Set<string>();
  ct.ports.forEach((p, i) => {
    const pp = `${path}.ports[${i}]`;
    v.port(c, `${pp}.containerPort`, p.containerPort);
    if (p.hostPort) v.port(c, `${pp}.hostPort`, p.hostPort);
    if (p.name) {
      v.portName(c, `${pp}.name`, p.name);
      if (portNames.has(p.name)) c.add(`${pp}.name`, `Duplicate value: "${p.name}"`);
      portNames.add(p.name);
    }
    c.notSupported(`${pp}.protocol`, p.protocol, PROTOCOLS);
  });
  validateEnv(c, `${path}.env`, ct.env);
  validateEnvFrom(c, `${path}.envFrom`, ct.envFrom);
  for (const kind of ['limits', 'requests'] as const) {
    for (const [r, q] of Object.entries(ct.resources?.[kind] ?? {})) v.quantity(c, `${path}.resources.${kind}[${r}]`, q);
  }
  validateRequestsWithinLimits(c, `${path}.resources`, ct.resources?.requests ?? {}, ct.resources?.limits ?? {});
  ct.volumeMounts.forEach((m, i) => {
    c.required(`${path}.volumeMounts[${i}].mountPath`, m.mountPath);
    if (!volumes.has(m.name)) c.add(`${path}.volumeMounts[${i}].name`, `Not found: "${m.name}"`);
  });
  validateVolumeMountPaths(c, `${path}.volumeMounts`, ct.volumeMounts);
  // Kubernetes' SidecarContainers: only an init container may set restartPolicy, to Always.
  if (ct.restartPolicy !== undefined) {
    if (init) c.notSupported(`${path}.restartPolicy`, ct.restartPolicy, ['Always']);
    else c.add(`${path}.restartPolicy`, 'Forbidden: may not be set for non-init containers');
  }
  // Plain init containers run to completion: no probes, no hooks; sidecars may have both.
  const plainInit = init && ct.restartPolicy !== 'Always';
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
    if (plainInit && ct[probe]) c.add(`${path}.${probe}`, 'Forbidden: may not be set for init containers without restartPolicy=Always');
    else validateProbe(c, `${path}.${probe}`, ct[probe]);
  }
  if (plainInit && ct.lifecycle) c.add(`${path}.lifecycle`, 'Forbidden: may not be set for init containers without restartPolicy=Always');
  else validateLifecycle(c, `${path}.lifecycle`, ct.lifecycle, gracePeriod);
  validateContainerSecurityContext(c, `${path}.securityContext`, ct);
  if (ct.imagePullPolicy) c.notSupported(`${path}.imagePullPolicy`, ct.imagePullPolicy, ['Always', 'IfNotPresent', 'Never']);
}

/** Kubernetes' native resources (no domain, or a kubernetes.io one) but hugepages may be overcommitted. */
function overcommitAllowed(resource: string): boolean {
  const native = !resource.includes('/') || resource.includes('kubernetes.io/');
  return native && !resource.startsWith('hugepages-');
}

/** As Kubernetes' ValidateResourceRequirements: a request never above its limit; extended resources' equal to it. */
function validateRequestsWithinLimits(c: v.Causes, path: string, requests: Record<string, string>, limits: Record<string, string>): void {
  const valid = (q: string) => isValidQuantity(q) && !q.trim().startsWith('-') && !Quantity.parse(q).exceedsMax();
  for (const [r, request] of Object.entries(requests)) {
    const limit = limits[r];
    if (limit === undefined) {
      if (!overcommitAllowed(r)) c.add(`${path}.limits`, 'Required value: Limit must be set for non overcommitable resources');
      continue;
    }
    if (!valid(request) || !valid(limit)) continue;
    const cmp = Quantity.parse(request).scaled(9) - Quantity.parse(limit).scaled(9);
    if (cmp !== 0n && !overcommitAllowed(r)) {
      c.add(`${path}.requests`, `Invalid value: "${canonicalQuantity(request)}": must be equal to ${r} limit of ${canonicalQuantity(limit)}`);
    } else if (cmp > 0n) {
      c.add(`${path}.requests`, `Invalid value: "${canonicalQuantity(request)}": must be less than or equal to ${r} limit of ${canonicalQuantity(limit)}`);
    }
  }
}

export function validatePodSpec(c: v.Causes, spec: PodSpec | undefined, path: string): void {
  if (!spec) {
    c.add(path, 'Required value');
    return;
  }
  validatePodSecurityContext(c, `${path}.securityContext`, spec.securityContext);
  const volumes = new Set<string>();
  spec.volumes.forEach((vol, i) => {
    if (c.required(`${path}.volumes[${i}].name`, vol.name)) v.dns1123Label(c, `${path}.volumes[${i}].name`, vol.name);
    if (volumes.has(vol.name)) c.add(`${path}.volumes[${i}].name`, `Duplicate value: "${vol.name}"`);
    volumes.add(vol.name);
    validateVolumeSource(c, `${path}.volumes[${i}]`, vol);
  });
  if (spec.containers.length === 0) c.add(`${path}.containers`, 'Required value');
  const names = new Set<string>();
  const all: [string, Container[]][] = [['initContainers', spec.initContainers], ['containers', spec.containers]];
  for (const [field, list] of all) {
    list.forEach((ct, i) => {
      validateContainer(c, `${path}.${field}[${i}]`, ct, volumes, field === 'initContainers', spec.terminationGracePeriodSeconds);
      if (ct.name && names.has(ct.name)) c.add(`${path}.${field}[${i}].name`, `Duplicate value: "${ct.name}"`);
      names.add(ct.name);
    });
  }
  c.notSupported(`${path}.restartPolicy`, spec.restartPolicy, ['Always', 'OnFailure', 'Never']);
  c.notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']);
  validatePodDNS(c, spec, path);
  validatePodSchedulingFields(c, spec, path);
  v.nonNegative(c, `${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds);
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds <= 0) {
    c.add(`${path}.activeDeadlineSeconds`, `Invalid value: ${spec.activeDeadlineSeconds}: must be between 1 and 2147483647, inclusive`);
  }
  v.labels(c, `${path}.nodeSelector`, spec.nodeSelector);
  if (spec.nodeName) v.dns1123Subdomain(c, `${path}.nodeName`, spec.nodeName);
  if (spec.serviceAccountName) v.dns1123Subdomain(c, `${path}.serviceAccountName`, spec.serviceAccountName);
  spec.tolerations.forEach((t, i) => {
    const p = `${path}.tolerations[${i}]`;
    c.notSupported(`${p}.operator`, t.operator, ['Exists', 'Equal']);
    if (t.operator === 'Exists' && t.value) c.add(`${p}.operator`, `Invalid value: "${t.value}": value must be empty when \`operator\` is 'Exists'`);
    if (!t.key && t.operator !== 'Exists') c.add(`${p}.operator`, `Invalid value: "${t.operator}": operator must be Exists when \`key\` is empty, which means "match all values and all keys"`);
    if (t.effect) c.notSupported(`${p}.effect`, t.effect, TAINT_EFFECTS);
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      c.add(`${p}.effect`, `Invalid value: "${t.effect}": effect must be 'NoExecute' when \`tolerationSeconds\` is set`);
    }
  });
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  terms.forEach((term, i) => {
    term.matchExpressions.forEach((e, j) => {
      validateNodeSelectorRequirement(c, `${path}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[${i}].matchExpressions[${j}]`, e);
    });
  });
  validatePodAffinity(c, spec.affinity, `${path}.affinity`);
  validateTopologySpreadConstraints(c, spec.topologySpreadConstraints, `${path}.topologySpreadConstraints`);
}

/** Kubernetes' ValidateNodeSelectorRequirement: a known operator and the values it takes. */
export function validateNodeSelectorRequirement(c: v.Causes, p: string, e: { operator: string; values: string[] }): void {
  c.notSupported(`${p}.operator`, e.operator, ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']);
  if ((e.operator === 'In' || e.operator === 'NotIn') && e.values.length === 0) c.add(`${p}.values`, 'Required value: must be specified when `operator` is \'In\' or \'NotIn\'');
  if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && e.values.length > 0) c.add(`${p}.values`, 'Forbidden: may not be specified when `operator` is \'Exists\' or \'DoesNotExist\'');
  if ((e.operator === 'Gt' || e.operator === 'Lt') && (e.values.length !== 1 || !/^-?\d+$/.test(e.values[0]))) c.add(`${p}.values`, 'Required value: must be specified single value when `operator` is \'Lt\' or \'Gt\'');
}

export function validatePod(pod: Pod): FieldCause[] {
  const c = new v.Causes();
  validateMeta(c, pod.metadata, true, 'subdomain');
  validatePodSpec(c, pod.spec, 'spec');
  if (pod.spec) validatePodCreateSchedulingGates(c, pod.spec, 'spec');
  return c.list;
}

const POD_MUTABLE_MESSAGE =
  'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** Pod specs are immutable but for images, activeDeadlineSeconds and added tolerations. */
export function validatePodUpdate(pod: Pod, old: Pod, encodeSpec: (s: PodSpec) => Uint8Array): FieldCause[] {
  const causes = validatePod(pod);
  if (!pod.spec || !old.spec) return causes;
  const normalized: PodSpec = {
    ...pod.spec,
    containers: pod.spec.containers.map((ct, i) => ({ ...ct, image: old.spec!.containers[i]?.image ?? ct.image })),
    initContainers: pod.spec.initContainers.map((ct, i) => ({ ...ct, image: old.spec!.initContainers[i]?.image ?? ct.image })),
    activeDeadlineSeconds: old.spec.activeDeadlineSeconds,
    tolerations: pod.spec.tolerations.slice(0, old.spec.tolerations.length),
    schedulingGates: old.spec.schedulingGates,
  };
  const gates = new v.Causes();
  validateOnlyDeletedSchedulingGates(gates, pod.spec.schedulingGates, old.spec.schedulingGates, 'spec.schedulingGates');
  causes.push(...gates.list);
  // Compared as values; encoded only when they differ as values (a map's order is no change).
  if (!sameValue(normalized, old.spec) && Buffer.compare(Buffer.from(encodeSpec(normalized)), Buffer.from(encodeSpec(old.spec))) !== 0) {
    causes.push({ field: 'spec', message: POD_MUTABLE_MESSAGE });
  }
  return causes;
}

function validateSelectorAndTemplate(c: v.Causes, selector: LabelSelector | undefined, template: PodTemplateSpec | undefined, path: string): void {
  if (!selector || (Object.keys(selector.matchLabels).length === 0 && selector.matchExpressions.length === 0)) {
    c.add(`${path}.selector`, 'Invalid value: empty selector is invalid for deployment');
  }
  if (!template) {
    c.add(`${path}.template`, 'Required value');
    return;
  }
  const tlabels = template.metadata?.labels ?? {};
  v.labels(c, `${path}.template.metadata.labels`, tlabels);
  if (selector) {
    v.selectorMatchesTemplate(c, path, selector, tlabels);
  }
  validatePodSpec(c, template.spec, `${path}.template.spec`);
  if (template.spec && template.spec.restartPolicy !== 'Always') {
    c.add(`${path}.template.spec.restartPolicy`, `Unsupported value: "${template.spec.restartPolicy}": supported values: "Always"`);
  }
}

function intOrPercent(value: unknown): { n: number; percent: boolean } | undefined {
  if (typeof value === 'number') return { n: value, percent: false };
  if (typeof value === 'string') {
    const m = value.match(/^(\d+)%$/);
    if (m) return { n: Number(m[1]), percent: true };
    if (/^\d+$/.test(value)) return { n: Number(value), percent: false };
  }
  return undefined;
}

export function validateReplicaSet(rs: ReplicaSet): FieldCause[] {
  const c = new v.Causes();
  validateMeta(c, rs.metadata, true, 'subdomain');
  if (!rs.spec) c.add('spec', 'Required value');
  else {
    v.nonNegative(c, 'spec.replicas', rs.spec.replicas);
    v.nonNegative(c, 'spec.minReadySeconds', rs.spec.minReadySeconds);
    validateSelectorAndTemplate(c, rs.spec.selector, rs.spec.template, 'spec');
  }
  return c.list;
}

export function validateDeployment(d: Deployment): FieldCause[] {
  const c = new v.Causes();
  validateMeta(c, d.metadata, true, 'subdomain');
  const spec = d.spec;
  if (!spec) {
    c.add('spec', 'Required value');
    return c.list;
  }
  v.nonNegative(c, 'spec.replicas', spec.replicas);
  v.nonNegative(c, 'spec.minReadySeconds', spec.minReadySeconds);
  v.nonNegative(c, 'spec.revisionHistoryLimit', spec.revisionHistoryLimit);
  validateSelectorAndTemplate(c, spec.selector, spec.template, 'spec');
  const strategy = spec.strategy;
  if (strategy) {
    c.notSupported('spec.strategy.type', strategy.type, ['Recreate', 'RollingUpdate']);
    if (strategy.type === 'Recreate' && strategy.rollingUpdate) {
      c.add('spec.strategy.rollingUpdate', "Forbidden: may not be specified when strategy `type` is 'Recreate'");
    }
    const ru = strategy.rollingUpdate;
    if (strategy.type === 'RollingUpdate' && ru) {
      const surge = intOrPercent(ru.maxSurge);
      const unavailable = intOrPercent(ru.maxUnavailable);
      if (!surge) c.add('spec.strategy.rollingUpdate.maxSurge', `Invalid value: ${JSON.stringify(ru.maxSurge)}: must be an integer or percentage (e.g '5%')`);
      if (!unavailable) c.add('spec.strategy.rollingUpdate.maxUnavailable', `Invalid value: ${JSON.stringify(ru.maxUnavailable)}: must be an integer or percentage (e.g '5%')`);
      if (unavailable?.percent && unavailable.n > 100) c.add('spec.strategy.rollingUpdate.maxUnavailable', `Invalid value: "${ru.maxUnavailable}": must not be greater than 100%`);
      if (surge && unavailable && surge.n === 0 && unavailable.n === 0) {
        c.add('spec.strategy.rollingUpdate.maxUnavailable', 'Invalid value: 0: may not be 0 when `maxSurge` is 0');
      }
    }
  }
  if (spec.progressDeadlineSeconds !== undefined && spec.progressDeadlineSeconds <= spec.minReadySeconds) {
    c.add('spec.progressDeadlineSeconds', `Invalid value: ${spec.progressDeadlineSeconds}: must be greater than minReadySeconds`);
  }
  return c.list;
}

/** apps/v1 selectors are immutable. */
export function validateSelectorUpdate(spec: { selector?: LabelSelector } | undefined, old: { selector?: LabelSelector } | undefined): FieldCause[] {
  if (!jsonEqual(spec?.selector, old?.selector)) {
    return [{ field: 'spec.selector', message: `Invalid value: ${JSON.stringify(spec?.selector)}: field is immutable` }];
  }
  return [];
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Kubernetes' MaxClientIPServiceAffinitySeconds (one day). */
const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;

export function validateService(svc: Service, nodePortRange: [number, number]): FieldCause[] {
  const c = new v.Causes();
  validateMeta(c, svc.metadata, true, 'dns1035');
  const spec = svc.spec;
  if (!spec) {
    c.add('spec', 'Required value');
    return c.list;
  }
  c.notSupported('spec.type', spec.type, ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']);
  if (spec.type !== 'ExternalName' && spec.ports.length === 0 && spec.clusterIP !== 'None') c.add('spec.ports', 'Required value');
  const names = new Set<string>();
  spec.ports.forEach((p, i) => {
    const pp = `spec.ports[${i}]`;
    if (spec.ports.length > 1 && !p.name) c.add(`${pp}.name`, 'Required value');
    if (p.name) {
      v.dns1123Label(c, `${pp}.name`, p.name);
      if (names.has(p.name)) c.add(`${pp}.name`, `Duplicate value: "${p.name}"`);
      names.add(p.name);
    }
    v.port(c, `${pp}.port`, p.port);
    c.notSupported(`${pp}.protocol`, p.protocol, PROTOCOLS);
    v.intOrStringPort(c, `${pp}.targetPort`, p.targetPort);
    if (p.nodePort) {
      if (spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') {
        c.add(`${pp}.nodePort`, `Forbidden: may not be used when \`type\` is '${spec.type}'`);
      } else if (p.nodePort < nodePortRange[0] || p.nodePort > nodePortRange[1]) {
        c.add(`${pp}.nodePort`, `Invalid value: ${p.nodePort}: provided port is not in the valid range. The range of valid ports is ${nodePortRange[0]}-${nodePortRange[1]}`);
      }
    }
  });
  if (spec.clusterIP && spec.clusterIP !== 'None' && !IPV4.test(spec.clusterIP)) {
    c.add('spec.clusterIP', `Invalid value: "${spec.clusterIP}": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`);
  }
  c.notSupported('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']);
  validateSessionAffinityConfig(c, spec);
  v.labels(c, 'spec.selector', spec.selector);
  validateServiceType(c, spec);
  validateTrafficPolicies(c, spec);
  return c.list;
}

type ServiceSpec = NonNullable<Service['spec']>;

/** Kubernetes' validateClientIPAffinityConfig, and no config without ClientIP affinity. */
function validateSessionAffinityConfig(c: v.Causes, spec: ServiceSpec): void {
  const field = 'spec.sessionAffinityConfig';
  if (spec.sessionAffinity === 'ClientIP') {
    const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
    if (!spec.sessionAffinityConfig) c.add(field, 'Required value: when session affinity type is ClientIP');
    else if (!spec.sessionAffinityConfig.clientIP) c.add(`${field}.clientIP`, 'Required value: when session affinity type is ClientIP');
    else if (timeout === undefined) c.add(`${field}.clientIP.timeoutSeconds`, 'Required value: when session affinity type is ClientIP');
    else if (!(timeout > 0 && timeout <= MAX_CLIENT_IP_AFFINITY_SECONDS)) {
      c.add(`${field}.clientIP.timeoutSeconds`, `Invalid value: ${timeout}: must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`);
    }
  } else if (spec.sessionAffinity === 'None' && spec.sessionAffinityConfig) {
    c.add(field, 'Forbidden: must not be set when session affinity is None');
  }
}

/** What each type allows (Kubernetes' ValidateService switch on the type). */
function validateServiceType(c: v.Causes, spec: ServiceSpec): void {
  if (spec.type === 'ExternalName') {
    if (spec.clusterIP) c.add('spec.clusterIPs', 'Forbidden: may not be set for ExternalName services');
    // The value (a CNAME) may have a trailing dot to denote it as fully qualified.
    const cname = spec.externalName.replace(/\.$/, '');
    if (cname) v.dns1123Subdomain(c, 'spec.externalName', cname);
    else c.add('spec.externalName', 'Required value');
  } else if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && spec.clusterIP === 'None') {
    c.add('spec.clusterIPs[0]', `Invalid value: "None": may not be set to 'None' for ${spec.type} services`);
  }
}

/** Kubernetes' validateServiceExternalTrafficPolicy and validateServiceInternalTrafficPolicy. */
function validateTrafficPolicies(c: v.Causes, spec: ServiceSpec): void {
  const externallyAccessible = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  if (!externallyAccessible) {
    if (spec.externalTrafficPolicy) c.add('spec.externalTrafficPolicy', `Invalid value: "${spec.externalTrafficPolicy}": may only be set for externally-accessible services`);
  } else if (!spec.externalTrafficPolicy) {
    c.add('spec.externalTrafficPolicy', 'Required value');
  } else {
    c.notSupported('spec.externalTrafficPolicy', spec.externalTrafficPolicy, ['Cluster', 'Local']);
  }
  // The allocator fills healthCheckNodePort in after validation; only a value set where none belongs is refused here.
  const needsHealthCheck = spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
  if (spec.healthCheckNodePort && !needsHealthCheck) {
    c.add('spec.healthCheckNodePort', `Invalid value: ${spec.healthCheckNodePort}: may only be set when \`type\` is 'LoadBalancer' and \`externalTrafficPolicy\` is 'Local'`);
  } else if (spec.healthCheckNodePort) {
    v.port(c, 'spec.healthCheckNodePort', spec.healthCheckNodePort);
  }
  if (spec.type === 'ExternalName') return;
  if (!spec.internalTrafficPolicy) c.add('spec.internalTrafficPolicy', 'Required value');
  else c.notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, ['Cluster', 'Local']);
}

export function validateServiceUpdate(svc: Service, old: Service): FieldCause[] {
  const causes: FieldCause[] = [];
  const oldIP = old.spec?.clusterIP ?? '';
  if (oldIP && svc.spec && svc.spec.clusterIP !== oldIP && svc.spec.type !== 'ExternalName') {
    causes.push({ field: 'spec.clusterIP', message: `Invalid value: "${svc.spec.clusterIP}": field is immutable` });
  }
  return causes;
}

export function validateNode(node: Node): FieldCause[] {
  const c = new v.Causes();
  validateMeta(c, node.metadata, false, 'subdomain');
  node.spec?.taints.forEach((t, i) => {
    c.required(`spec.taints[${i}].key`, t.key);
    c.notSupported(`spec.taints[${i}].effect`, t.effect, TAINT_EFFECTS);
  });
  const cidr = (field: string, value: string) => {
    if (!isCIDR(value)) c.add(field, `Invalid value: "${value}": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`);
  };
  if (node.spec?.podCIDR) cidr('spec.podCIDR', node.spec.podCIDR);
  const podCIDRs = node.spec?.podCIDRs ?? [];
  podCIDRs.forEach((value, i) => cidr(`spec.podCIDRs[${i}]`, value));
  // At most one CIDR per IP family (dual-stack), as Kubernetes' ValidateNode.
  if (podCIDRs.length > 2) c.add('spec.podCIDRs', `Too many: ${podCIDRs.length}: must have at most 2 items`);
  for (const [name, value] of Object.entries(node.status?.capacity ?? {})) v.quantity(c, `status.capacity[${name}]`, value.slice(0, 100));
  for (const [name, value] of Object.entries(node.status?.allocatable ?? {})) v.quantity(c, `status.allocatable[${name}]`, value.slice(0, 100));
  return c.list;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 timestamp (metav1.Time, MicroTime). */
function isRFC3339(t: string): boolean {
  return RFC3339.test(t) && !Number.isNaN(parseTime(t));
}

/** An IPv4 or IPv6 CIDR, as netutils.ParseCIDRSloppy accepts it. */
function isCIDR(value: string): boolean {
  const [ip, bits, ...rest] = value.split('/');
  if (rest.length || !/^\d{1,3}$/.test(bits ?? '')) return false;
  const family = isIP(ip);
  return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
}

export function validateNodeUpdate(node: Node, old: Node): FieldCause[] {
  const causes = validateNode(node);
  const oldCIDR = old.spec?.podCIDR ?? '';
  if (oldCIDR && node.spec?.podCIDR !== oldCIDR) {
    causes.push({ field: 'spec.podCIDR', message: 'Forbidden: node updates may not change podCIDR except from "" to valid' });
  }
  return causes;
}

export function validateNamespace(ns: Namespace): FieldCause[] {
  const c = new v.Causes();
  validateMeta(c, ns.metadata, false, 'label');
  return c.list;
}

export function validateEndpoints(ep: Endpoints): FieldCause[] {
  const c = new v.Causes();
  validateMeta(c, ep.metadata, true, 'subdomain');
  ep.subsets.forEach((s, i) => {
    [...s.addresses, ...s.notReadyAddresses].forEach((a, j) => {
      if (!IPV4.test(a.ip)) c.add(`subsets[${i}].addresses[${j}].ip`, `Invalid value: "${a.ip}": must be a valid IP address`);
    });
    s.ports.forEach((p, j) => {
      v.port(c, `subsets[${i}].ports[${j}].port`, p.port);
      c.notSupported(`subsets[${i}].ports[${j}].protocol`, p.protocol, PROTOCOLS);
    });
  });
  return c.list;
}

export function validateEvent(ev: Event): FieldCause[] {
  const c = new v.Causes();
  validateMeta(c, ev.metadata, true, 'subdomain');
  c.required('involvedObject.kind', ev.involvedObject?.kind);
  c.required('involvedObject.name', ev.involvedObject?.name);
  if (ev.type) c.notSupported('type', ev.type, ['Normal', 'Warning']);
  return c.list;
}

export function validateLease(lease: Lease): FieldCause[] {
  const c = new v.Causes();
  validateMeta(c, lease.metadata, true, 'subdomain');
  if (lease.spec?.leaseDurationSeconds !== undefined && lease.spec.leaseDurationSeconds <= 0) {
    c.add('spec.leaseDurationSeconds', `Invalid value: ${lease.spec.leaseDurationSeconds}: must be greater than 0`);
  }
  // MicroTime fields: Kubernetes refuses text that is not an RFC 3339 time when it decodes them.
  for (const field of ['acquireTime', 'renewTime'] as const) {
    const t = lease.spec?.[field];
    if (t && !isRFC3339(t)) c.add(`spec.${field}`, `Invalid value: "${t.slice(0, 100)}": must be an RFC 3339 time (e.g. 2006-01-02T15:04:05.000000Z)`);
  }
  return c.list;
}
