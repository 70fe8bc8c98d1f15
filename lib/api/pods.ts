// Pod predicates every component shares (Kubernetes' podutil): readiness, availability, whether a
// pod has finished or still counts, and the key informers and logs name it by.
import type { Container, Pod, PodCondition } from '../gen/kite/core/v1/types';
import { parseTime } from '../util/time';
import { objectKey } from './kinds';

/** "namespace/name". */
export const podKey: (pod: Pod) => string = objectKey;

export function podReadyCondition(pod: Pod): PodCondition | undefined {
  return pod.status?.conditions.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/** When the pod last became ready (ms), or undefined when unknown. */
export function podReadyTime(pod: Pod): number | undefined {
  const c = podReadyCondition(pod);
  if (c?.status !== 'True') return undefined;
  const t = parseTime(c.lastTransitionTime);
  return Number.isNaN(t) ? undefined : t;
}

/** Ready for at least minReadySeconds at `nowMs`. */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = podReadyTime(pod);
  return since !== undefined && since + minReadySeconds * 1000 < nowMs;
}

/** A sidecar (Kubernetes' IsRestartableInitContainer): an init container with restartPolicy Always. */
export function isSidecar(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

/** The pod's sidecars, in spec order. */
export function sidecarsOf(pod: Pod): Container[] {
  return (pod.spec?.initContainers ?? []).filter(isSidecar);
}

/** Succeeded or Failed: a phase a pod never leaves. */
export function isTerminalPhase(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Finished for good: its containers will not run again and its resources are free. */
export function isPodTerminal(pod: Pod): boolean {
  return isTerminalPhase(pod.status?.phase);
}

/** Not finished and not being deleted: counts toward a controller's replicas. */
export function isPodActive(pod: Pod): boolean {
  return !isPodTerminal(pod) && !pod.metadata?.deletionTimestamp;
}

/** A ConfigMap or Secret a pod names, in the pod's namespace. */
export interface PodConfigReference {
  kind: 'ConfigMap' | 'Secret';
  name: string;
}

/**
 * Every ConfigMap and Secret a pod names (Kubernetes' VisitPodConfigmapNames and
 * VisitPodSecretNames): its imagePullSecrets; the env keyRefs and envFrom of its init containers
 * and containers; its configMap and secret volumes and the configMap and secret sources of its
 * projected volumes. Each once, in that order; empty names are skipped.
 */
export function podConfigReferences(pod: Pod): PodConfigReference[] {
  const out: PodConfigReference[] = [];
  const seen = new Set<string>();
  const add = (kind: PodConfigReference['kind'], name: string | undefined) => {
    if (!name || seen.has(`${kind}/${name}`)) return;
    seen.add(`${kind}/${name}`);
    out.push({ kind, name });
  };
  const spec = pod.spec;
  for (const ref of spec?.imagePullSecrets ?? []) add('Secret', ref.name);
  for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
    for (const from of c.envFrom ?? []) {
      add('ConfigMap', from.configMapRef?.name);
      add('Secret', from.secretRef?.name);
    }
    for (const e of c.env ?? []) {
      add('ConfigMap', e.valueFrom?.configMapKeyRef?.name);
      add('Secret', e.valueFrom?.secretKeyRef?.name);
    }
  }
  for (const v of spec?.volumes ?? []) {
    add('ConfigMap', v.configMap?.name);
    add('Secret', v.secret?.secretName);
    for (const source of v.projected?.sources ?? []) {
      add('ConfigMap', source.configMap?.name);
      add('Secret', source.secret?.name);
    }
  }
  return out;
}
