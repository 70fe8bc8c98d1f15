// The PodSecurity admission plugin, as Kubernetes' pod-security-admission admission package
// runs it inside kube-apiserver. One entry, admitPodSecurity, for a create or update of:
// - a Pod: refused when it violates the namespace's enforce level; a warning for the warn level,
//   an audit annotation for the audit level. An update is evaluated only when it changes what
//   the policy depends on (the containers or their images); the rest of a pod spec is immutable.
// - a workload with a pod template (Deployment, ReplicaSet ...): warn and audit only; the pods
//   it makes are enforced when they are created.
// - a Namespace: invalid pod-security labels are refused; when its enforce level tightens, the
//   existing pods that would violate it are reported as warnings.
// Unlabelled namespaces take the configured defaults; exempt namespaces and users skip the checks.
import { ForbiddenError, InvalidError, type ApiError } from '../../../../lib/api/errors';
import { patchObject } from '../../../../lib/api/patch';
import type { KindInfo, KubeObject } from '../../../../lib/api/kinds';
import type { Pod, PodSpec } from '../../../../lib/gen/kite/core/v1/types';
import type { ObjectMeta } from '../../../../lib/gen/kite/meta/v1/meta';
import { DEFAULT_POD_SECURITY_CONFIGURATION, type PodSecurityConfiguration } from './config';
import { evaluatePod, forbiddenDetail, forbiddenReason, type Evaluation } from './evaluate';
import {
  LABEL_PREFIX,
  compareLevels,
  fullyPrivileged,
  levelVersionString,
  policyFromLabels,
  sameLevelVersion,
  type LevelVersion,
  type Policy,
} from './levels';

export interface PodSecurityRequest {
  kind: KindInfo<any>;
  /** The call, e.g. "CreatePod", "UpdateDeployment", "PatchNamespace"; other calls are not admitted here. */
  rpc: string;
  /** The request's namespace (namespaced kinds). */
  namespace: string;
  /** The request message. */
  request: any;
  /** Who asks (for the configured user exemptions). */
  user?: string;
}

/** What a create, update or patch would store: a patch is applied to the stored object, as the registry will. */
interface Write {
  kind: KindInfo<any>;
  operation: 'create' | 'update';
  namespace: string;
  object: KubeObject;
}

/** What the plugin reads from the cluster. */
export interface PodSecuritySource {
  /** A namespace's labels; undefined when there is no such namespace. */
  namespaceLabels(name: string): Promise<Record<string, string> | undefined>;
  /** The stored object an update replaces. */
  current(kind: KindInfo<any>, namespace: string, name: string): Promise<KubeObject | undefined>;
  /** The pods of a namespace. */
  pods(namespace: string): Pod[];
  /** Defaults and exemptions (--admission-control-config-file); Kubernetes' built-in ones when absent. */
  configuration?: PodSecurityConfiguration;
}

export interface PodSecurityDecision {
  /** For the caller, as Kubernetes' Warning headers. */
  warnings: string[];
  /** For the audit record (Kubernetes' pod-security.kubernetes.io/* audit annotations). */
  auditAnnotations: Record<string, string>;
  /** The error to refuse the request with, if it must be refused. */
  refusal?: ApiError;
}

const ALLOW: PodSecurityDecision = { warnings: [], auditAnnotations: {} };
const ENFORCE_POLICY = `${LABEL_PREFIX}enforce-policy`;
const AUDIT_VIOLATIONS = `${LABEL_PREFIX}audit-violations`;
const POLICY_ERROR = `${LABEL_PREFIX}error`;
const EXEMPT = `${LABEL_PREFIX}exempt`;

/** Kinds whose objects carry a pod template, and where it is (Kubernetes' PodSpecExtractor). */
const TEMPLATE_PATHS: Record<string, string[]> = {
  ReplicaSet: ['spec', 'template'],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  PodTemplate: ['template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/** At most this many pods are evaluated when a namespace's enforce level changes (Kubernetes: 3000). */
const MAX_PODS_TO_CHECK = 3000;

export async function admitPodSecurity(req: PodSecurityRequest, source: PodSecuritySource): Promise<PodSecurityDecision> {
  const { kind } = req;
  if (kind.kind !== 'Namespace' && kind.kind !== 'Pod' && !TEMPLATE_PATHS[kind.kind]) return ALLOW;
  const write = await writeOf(req, source);
  if (!write) return ALLOW;
  const config = source.configuration ?? DEFAULT_POD_SECURITY_CONFIGURATION;
  if (kind.kind === 'Namespace') return admitNamespace(write, source, config);
  if (config.exemptions.namespaces.includes(write.namespace)) return { ...ALLOW, auditAnnotations: { [EXEMPT]: 'namespace' } };
  if (req.user !== undefined && config.exemptions.usernames.includes(req.user)) return { ...ALLOW, auditAnnotations: { [EXEMPT]: 'user' } };
  if (kind.kind === 'Pod') return admitPod(write, source);
  return admitWorkload(write, source);
}

async function writeOf(req: PodSecurityRequest, source: PodSecuritySource): Promise<Write | undefined> {
  const { kind, rpc, namespace, request } = req;
  const given = request?.[kind.requestField] as KubeObject | undefined;
  const verb = kind.verbOf(rpc);
  if (verb === 'create') return given && { kind, operation: 'create', namespace, object: given };
  if (verb === 'update') return given && { kind, operation: 'update', namespace, object: given };
  if (verb !== 'patch' || request?.subresource) return undefined;
  const current = await source.current(kind, namespace, request?.name ?? '');
  if (!current) return undefined;
  try {
    const object = patchObject(kind, current, request.patchType, request.patch);
    object.metadata = { ...(object.metadata ?? current.metadata!), name: current.metadata!.name, namespace: current.metadata!.namespace };
    return { kind, operation: 'update', namespace, object };
  } catch {
    // The registry refuses a patch that does not apply, with its own message.
    return undefined;
  }
}

async function namespacePolicy(source: PodSecuritySource, namespace: string): Promise<{ policy: Policy; errors: string[] } | undefined> {
  const labels = await source.namespaceLabels(namespace);
  if (!labels) return undefined;
  const parsed = policyFromLabels(labels, (source.configuration ?? DEFAULT_POD_SECURITY_CONFIGURATION).defaults);
  return { policy: parsed.policy, errors: parsed.errors.map((e) => `${e.field}: ${e.message}`) };
}

async function admitPod(req: Write, source: PodSecuritySource): Promise<PodSecurityDecision> {
  const pod = req.object as Pod;
  const ns = await namespacePolicy(source, req.namespace);
  if (!ns || !pod.spec) return ALLOW;
  if (ns.errors.length === 0 && fullyPrivileged(ns.policy)) return { warnings: [], auditAnnotations: { [ENFORCE_POLICY]: levelVersionString(ns.policy.enforce) } };
  if (req.operation === 'update') {
    const old = (await source.current(req.kind, req.namespace, pod.metadata?.name ?? '')) as Pod | undefined;
    if (old?.spec && !significantPodUpdate(pod.spec, old.spec)) return ALLOW;
  }
  const what = forbiddenSubject(req.kind, pod.metadata?.name ?? '');
  return evaluate(ns, pod.metadata, pod.spec, what);
}

async function admitWorkload(req: Write, source: PodSecuritySource): Promise<PodSecurityDecision> {
  const ns = await namespacePolicy(source, req.namespace);
  if (!ns) return ALLOW;
  if (ns.errors.length === 0 && ns.policy.warn.level === 'privileged' && ns.policy.audit.level === 'privileged') return ALLOW;
  const template = TEMPLATE_PATHS[req.kind.kind].reduce<any>((o, k) => o?.[k], req.object) as { metadata?: ObjectMeta; spec?: PodSpec } | undefined;
  if (!template?.spec) return ALLOW;
  return evaluate(ns, template.metadata, template.spec);
}

/**
 * Kubernetes' EvaluatePod: enforce (only when `forbiddenWhat` names the object to refuse), then
 * audit, then warn, each level evaluated once; no warnings on a request that is refused.
 */
function evaluate(ns: { policy: Policy; errors: string[] }, meta: ObjectMeta | undefined, spec: PodSpec, forbiddenWhat?: string): PodSecurityDecision {
  const { policy } = ns;
  const annotations: Record<string, string> = {};
  if (ns.errors.length) annotations[POLICY_ERROR] = `Failed to parse policy: ${ns.errors.join(', ')}`;
  const cache = new Map<string, Evaluation>();
  const run = (lv: LevelVersion) => {
    const key = levelVersionString(lv);
    let e = cache.get(key);
    if (!e) cache.set(key, (e = evaluatePod(lv.level, meta, spec)));
    return e;
  };
  let refusal: ApiError | undefined;
  if (forbiddenWhat !== undefined) {
    annotations[ENFORCE_POLICY] = levelVersionString(policy.enforce);
    const e = run(policy.enforce);
    if (!e.allowed) refusal = new ForbiddenError(`${forbiddenWhat}: violates PodSecurity "${levelVersionString(policy.enforce)}": ${forbiddenDetail(e)}`);
  }
  const audit = run(policy.audit);
  if (!audit.allowed) annotations[AUDIT_VIOLATIONS] = `would violate PodSecurity "${levelVersionString(policy.audit)}": ${forbiddenDetail(audit)}`;
  const warnings: string[] = [];
  if (!refusal) {
    const warn = run(policy.warn);
    if (!warn.allowed) warnings.push(`would violate PodSecurity "${levelVersionString(policy.warn)}": ${forbiddenDetail(warn)}`);
  }
  return { warnings, auditAnnotations: annotations, refusal };
}

/** `pods "x" is forbidden` (or `pods is forbidden` without a name), as Kubernetes' NewForbidden. */
function forbiddenSubject(kind: KindInfo<any>, name: string): string {
  const resource = `${kind.resource}${kind.group ? `.${kind.group}` : ''}`;
  return name ? `${resource} "${name}" is forbidden` : `${resource} is forbidden`;
}

/** Kubernetes' isSignificantPodUpdate: only container images may change in a pod's spec. */
function significantPodUpdate(spec: PodSpec, old: PodSpec): boolean {
  const images = (s: PodSpec) => [...s.initContainers, ...s.containers].map((c) => c.image);
  const a = images(spec);
  const b = images(old);
  return spec.containers.length !== old.containers.length || spec.initContainers.length !== old.initContainers.length || a.some((img, i) => img !== b[i]);
}

async function admitNamespace(req: Write, source: PodSecuritySource, config: PodSecurityConfiguration): Promise<PodSecurityDecision> {
  const name = req.object.metadata?.name ?? '';
  const next = policyFromLabels(req.object.metadata?.labels, config.defaults);
  if (req.operation === 'create') return next.errors.length ? { ...ALLOW, refusal: InvalidError.of(`Namespace "${name}"`, next.errors) } : ALLOW;
  const current = await source.current(req.kind, '', name);
  const old = policyFromLabels(current?.metadata?.labels, config.defaults);
  const changed = policyChanged(next.policy, old.policy);
  if (next.errors.length && (old.errors.length === 0 || changed)) return { ...ALLOW, refusal: InvalidError.of(`Namespace "${name}"`, next.errors) };
  const enforce = next.policy.enforce;
  const before = old.policy.enforce;
  if (!current || sameLevelVersion(enforce, before) || enforce.level === 'privileged') return ALLOW;
  if (enforce.version === before.version && compareLevels(enforce.level, before.level) < 1) return ALLOW;
  if (config.exemptions.namespaces.includes(name)) {
    return { ...ALLOW, warnings: [`namespace ${JSON.stringify(name)} is exempt from Pod Security, and the policy (${levelVersionString(enforce)}) will be ignored`] };
  }
  return { ...ALLOW, warnings: existingPodWarnings(source.pods(name), name, enforce) };
}

function policyChanged(a: Policy, b: Policy): boolean {
  return !(sameLevelVersion(a.enforce, b.enforce) && sameLevelVersion(a.audit, b.audit) && sameLevelVersion(a.warn, b.warn));
}

/**
 * Kubernetes' EvaluatePodsInNamespace: one line saying the namespace's pods violate the new
 * level, then one warning per distinct violation, naming the first pod (by name) and counting the others.
 */
function existingPodWarnings(pods: Pod[], namespace: string, enforce: LevelVersion): string[] {
  const byReason = new Map<string, { pod: string; count: number }>();
  for (const pod of pods.slice(0, MAX_PODS_TO_CHECK)) {
    if (!pod.spec) continue;
    const e = evaluatePod(enforce.level, pod.metadata, pod.spec);
    if (e.allowed) continue;
    const reason = forbiddenReason(e);
    const name = pod.metadata?.name ?? '';
    const seen = byReason.get(reason);
    if (!seen) byReason.set(reason, { pod: name, count: 1 });
    else {
      seen.count++;
      if (name < seen.pod) seen.pod = name;
    }
  }
  if (byReason.size === 0) return [];
  const lines = [...byReason].map(([reason, { pod, count }]) => {
    if (count === 1) return `${pod}: ${reason}`;
    return `${pod} (and ${count - 1} other ${count === 2 ? 'pod' : 'pods'}): ${reason}`;
  });
  return [`existing pods in namespace "${namespace}" violate the new PodSecurity enforce level "${levelVersionString(enforce)}"`, ...lines.sort()];
}
