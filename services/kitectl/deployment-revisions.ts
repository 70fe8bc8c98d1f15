// A Deployment's ReplicaSets and revisions, as kubectl's deployment utilities find them:
// owned ReplicaSets are those whose controller reference is the Deployment, the new one is the
// one whose template equals the Deployment's (ignoring the pod-template-hash label).
import type { Clientset } from '../../lib/client/clientset';
import { ReplicaSets } from '../../lib/api/kinds';
import type { Deployment, ReplicaSet } from '../../lib/gen/kite/apps/v1/types';
import { PodTemplateSpec } from '../../lib/gen/kite/core/v1/types';
import { jsonEqual } from './apply-merge';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
export const POD_TEMPLATE_HASH = 'pod-template-hash';

export async function ownedReplicaSets(cs: Clientset, d: Deployment): Promise<ReplicaSet[]> {
  const list = await cs.resource(ReplicaSets).listAll({ namespace: d.metadata?.namespace });
  const uid = d.metadata?.uid;
  return list.items.filter((rs) => rs.metadata?.ownerReferences.some((r) => r.controller && r.uid === uid));
}

export function revisionOf(rs: ReplicaSet): number {
  const n = Number(rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** The ReplicaSet's pod template as the Deployment would carry it. */
export function templateWithoutHash(rs: ReplicaSet): PodTemplateSpec {
  const t = PodTemplateSpec.fromPartial(structuredClone(rs.spec?.template ?? {}));
  if (t.metadata?.labels) delete t.metadata.labels[POD_TEMPLATE_HASH];
  return t;
}

export function sameTemplate(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return jsonEqual(PodTemplateSpec.toJSON(PodTemplateSpec.fromPartial(a ?? {})), PodTemplateSpec.toJSON(PodTemplateSpec.fromPartial(b ?? {})));
}

export function findNewReplicaSet(d: Deployment, rss: ReplicaSet[]): ReplicaSet | undefined {
  return [...rss].sort((a, b) => revisionOf(a) - revisionOf(b)).find((rs) => sameTemplate(templateWithoutHash(rs), d.spec?.template));
}
