// What a DaemonSet's pods look like and where they belong (Kubernetes' pkg/controller/daemon/util
// and NodeShouldRunDaemonPod): the tolerations every daemon pod gets, the node affinity that pins
// a pod to its node for the default scheduler, whether a node should run (or keep running) the
// pod, which node an unscheduled pod is meant for, and whether a pod is of the current revision.
import type { DaemonSet } from '../../../lib/gen/kite/apps/v1/types';
import type { Affinity, Node, Pod, PodSpec, PodTemplateSpec, Toleration } from '../../../lib/gen/kite/core/v1/types';
import { fitsNodeAffinity } from '../../../lib/api/node-selector';
import { findUntoleratedTaint } from '../../../lib/api/taints';
import { TEMPLATE_GENERATION_ANNOTATION } from '../../apiserver/registry/validation/daemonset-validation';
import { CONTROLLER_REVISION_HASH } from '../history/history';

/** The pod label carrying the DaemonSet's template generation (DaemonSetTemplateGenerationKey). */
export const POD_TEMPLATE_GENERATION = 'pod-template-generation';

const exists = (key: string, effect: string): Toleration => ({ key, operator: 'Exists', value: '', effect });

/**
 * AddOrUpdateDaemonPodTolerations: daemon pods stay on not-ready and unreachable nodes (no
 * tolerationSeconds), and ignore pressure and cordons; host-network pods ignore an unready network.
 */
export function addDaemonPodTolerations(spec: PodSpec): void {
  const add = [
    exists('node.kubernetes.io/not-ready', 'NoExecute'),
    exists('node.kubernetes.io/unreachable', 'NoExecute'),
    exists('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/unschedulable', 'NoSchedule'),
  ];
  if (spec.hostNetwork) add.push(exists('node.kubernetes.io/network-unavailable', 'NoSchedule'));
  for (const t of add) {
    // AddOrUpdateTolerationInPodSpec: one matching key, operator, value and effect is replaced.
    const i = spec.tolerations.findIndex((o) => o.key === t.key && o.operator === t.operator && o.value === t.value && o.effect === t.effect);
    if (i >= 0) spec.tolerations[i] = t;
    else spec.tolerations.push(t);
  }
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity: the required terms become "metadata.name In [node]". */
export function pinToNode(affinity: Affinity | undefined, nodeName: string): Affinity {
  const next: Affinity = structuredClone(affinity ?? {});
  next.nodeAffinity ??= { preferredDuringSchedulingIgnoredDuringExecution: [] };
  next.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
    nodeSelectorTerms: [{ matchExpressions: [], matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
  };
  return next;
}

/** GetTargetNodeName: spec.nodeName, or the node the pinning affinity names. */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values.length === 1) return f.values[0];
    }
  }
  return undefined;
}

export function templateGeneration(ds: DaemonSet): string | undefined {
  return ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
}

/** CreatePodTemplate: the template with the daemon tolerations, labelled with the template generation and revision hash. */
export function daemonPodTemplate(ds: DaemonSet, hash: string): PodTemplateSpec {
  const template = structuredClone(ds.spec!.template!);
  if (template.spec) addDaemonPodTolerations(template.spec);
  const labels: Record<string, string> = { ...template.metadata?.labels };
  const generation = templateGeneration(ds);
  if (generation !== undefined) labels[POD_TEMPLATE_GENERATION] = generation;
  if (hash) labels[CONTROLLER_REVISION_HASH] = hash;
  template.metadata = { ...template.metadata!, labels };
  return template;
}

/** IsPodUpdated: the pod has the current revision hash, or the current template generation. */
export function isPodUpdated(pod: Pod, hash: string, generation: string | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  return (!!hash && labels[CONTROLLER_REVISION_HASH] === hash) || (generation !== undefined && labels[POD_TEMPLATE_GENERATION] === generation);
}

export interface NodeDecision {
  /** A daemon pod should be created on the node if it has none. */
  shouldRun: boolean;
  /** A daemon pod already there may stay. */
  shouldContinueRunning: boolean;
}

const NEITHER: NodeDecision = { shouldRun: false, shouldContinueRunning: false };

/**
 * NodeShouldRunDaemonPod: the node must match the template's nodeName, nodeSelector and required
 * node affinity, and its NoSchedule/NoExecute taints be tolerated (with the daemon tolerations);
 * a pod that tolerates every NoExecute taint keeps running on a node it would not be placed on.
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): NodeDecision {
  const template = ds.spec?.template;
  const nodeName = node.metadata!.name;
  if (template?.spec?.nodeName && template.spec.nodeName !== nodeName) return NEITHER;
  const pod = { metadata: template?.metadata, spec: structuredClone(template?.spec) } as Pod;
  if (!pod.spec) return NEITHER;
  addDaemonPodTolerations(pod.spec);
  if (!fitsNodeAffinity(pod, nodeName, node.metadata!.labels ?? {})) return NEITHER;
  const taints = node.spec?.taints ?? [];
  if (findUntoleratedTaint(taints, pod.spec.tolerations, ['NoSchedule', 'NoExecute'])) {
    return { shouldRun: false, shouldContinueRunning: !findUntoleratedTaint(taints, pod.spec.tolerations, ['NoExecute']) };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}

/** podByCreationTimestampAndPhase: scheduled pods first, then oldest, then by name. */
export function byCreationTimestampAndPhase(a: Pod, b: Pod): number {
  const sa = !!a.spec?.nodeName;
  const sb = !!b.spec?.nodeName;
  if (sa !== sb) return sa ? -1 : 1;
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta === tb) return a.metadata!.name.localeCompare(b.metadata!.name);
  return ta < tb ? -1 : 1;
}
