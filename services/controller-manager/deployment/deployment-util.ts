// Kubernetes' deployment utilities: the arithmetic of rollouts (surge and unavailability
// fenceposts, proportional scaling), revision and replica annotations, and how a Deployment's
// ReplicaSets split into the new one and the old ones. Pure functions over API objects.
import type { Deployment, DeploymentStatus, ReplicaSet } from '../../../lib/gen/kite/apps/v1/types';
import { PodTemplateSpec } from '../../../lib/gen/kite/core/v1/types';
import { parseTime } from '../../../lib/util/time';
import { scaledValue } from '../common/int-or-percent';
import { canonicalJson } from '../../../lib/util/json';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const POD_TEMPLATE_HASH = 'pod-template-hash';
/** Longest revision-history annotation kept (Kubernetes' maxRevHistoryLengthInChars). */
export const MAX_REVISION_HISTORY_CHARS = 2000;
/** Kubernetes' "no deadline" value of progressDeadlineSeconds. */
const MAX_INT32 = 2147483647;

/** Deployment annotations that are not copied to its ReplicaSets. */
const SKIPPED_ANNOTATIONS = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  'deprecated.deployment.rollback.to',
]);

export function specReplicas(o: Deployment | ReplicaSet | undefined): number {
  return o?.spec?.replicas ?? 0;
}

export function isRollingUpdate(d: Deployment): boolean {
  return d.spec?.strategy?.type !== 'Recreate';
}

/** maxSurge and maxUnavailable as pod counts; never both zero (Kubernetes' ResolveFenceposts). */
export function resolveFenceposts(d: Deployment): { surge: number; unavailable: number } {
  const ru = d.spec?.strategy?.rollingUpdate;
  const desired = specReplicas(d);
  const surge = scaledValue(ru?.maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(ru?.maxUnavailable ?? 0, desired, false);
  // Rounding down may zero maxUnavailable; with no surge either the rollout could not move.
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxSurge(d: Deployment): number {
  return isRollingUpdate(d) ? resolveFenceposts(d).surge : 0;
}

export function maxUnavailable(d: Deployment): number {
  const desired = specReplicas(d);
  if (!isRollingUpdate(d) || desired === 0) return 0;
  return Math.min(resolveFenceposts(d).unavailable, desired);
}

export function replicaCount(rss: (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + specReplicas(rs), 0);
}

export function actualReplicaCount(rss: (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
}

export function readyReplicaCount(rss: (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
}

export function availableReplicaCount(rss: (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0);
}

/** How many replicas the new ReplicaSet may have now (Kubernetes' NewRSNewReplicas). */
export function newRSNewReplicas(d: Deployment, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet): number {
  if (!isRollingUpdate(d)) return specReplicas(d);
  const desired = specReplicas(d);
  const surge = scaledValue(d.spec?.strategy?.rollingUpdate?.maxSurge ?? 0, desired, true);
  const current = replicaCount(allRSs);
  const maxTotal = desired + surge;
  if (current >= maxTotal) return specReplicas(newRS);
  const scaleUp = Math.min(maxTotal - current, desired - specReplicas(newRS));
  return specReplicas(newRS) + scaleUp;
}

function templateWithoutHash(t: PodTemplateSpec | undefined): string {
  const copy = PodTemplateSpec.fromPartial(structuredClone(t ?? {}));
  if (copy.metadata?.labels) delete copy.metadata.labels[POD_TEMPLATE_HASH];
  return canonicalJson(PodTemplateSpec.toJSON(copy));
}

/** Equal pod templates once the pod-template-hash label is ignored; empty equals absent. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return templateWithoutHash(a) === templateWithoutHash(b);
}

function created(rs: ReplicaSet): number {
  const t = parseTime(rs.metadata?.creationTimestamp);
  return Number.isNaN(t) ? 0 : t;
}

/** Oldest first; ties by name. */
export function byCreationTimestamp(a: ReplicaSet, b: ReplicaSet): number {
  return created(a) - created(b) || (a.metadata!.name < b.metadata!.name ? -1 : a.metadata!.name > b.metadata!.name ? 1 : 0);
}

/** Largest first; among equals the newer first (scaling up). */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  return specReplicas(b) - specReplicas(a) || byCreationTimestamp(b, a);
}

/** Largest first; among equals the older first (scaling down). */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  return specReplicas(b) - specReplicas(a) || byCreationTimestamp(a, b);
}

export function revisionOf(rs: ReplicaSet | Deployment): number {
  const v = rs.metadata?.annotations?.[REVISION];
  const n = Number(v ?? '');
  return v && Number.isInteger(n) ? n : 0;
}

/** Lowest revision first; ties oldest first. */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  return revisionOf(a) - revisionOf(b) || byCreationTimestamp(a, b);
}

export function maxRevision(rss: ReplicaSet[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

/** The oldest ReplicaSet whose template is the Deployment's (Kubernetes' FindNewReplicaSet). */
export function findNewReplicaSet(d: Deployment, rsList: ReplicaSet[]): ReplicaSet | undefined {
  return [...rsList].sort(byCreationTimestamp).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** Every ReplicaSet but the new one (`all`), and those of them that still have replicas (`withReplicas`). */
export function findOldReplicaSets(d: Deployment, rsList: ReplicaSet[]): { withReplicas: ReplicaSet[]; all: ReplicaSet[] } {
  const newRS = findNewReplicaSet(d, rsList);
  const all = rsList.filter((rs) => rs.metadata!.uid !== newRS?.metadata!.uid);
  return { withReplicas: all.filter((rs) => specReplicas(rs) !== 0), all };
}

export function filterActive(rss: (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((rs): rs is ReplicaSet => !!rs && specReplicas(rs) > 0);
}

function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata?.annotations?.[key];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isInteger(n) ? n : undefined;
}

export function desiredReplicasAnnotation(rs: ReplicaSet): number | undefined {
  return intAnnotation(rs, DESIRED_REPLICAS);
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata?.annotations ?? {};
  return a[DESIRED_REPLICAS] !== String(desired) || a[MAX_REPLICAS] !== String(max);
}

/** Records the Deployment's size on a ReplicaSet (used for proportional scaling); true if changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  if (!replicasAnnotationsNeedUpdate(rs, desired, max)) return false;
  rs.metadata!.annotations[DESIRED_REPLICAS] = String(desired);
  rs.metadata!.annotations[MAX_REPLICAS] = String(max);
  return true;
}

/**
 * Brings the new ReplicaSet's annotations up to date (Kubernetes' SetNewReplicaSetAnnotations):
 * the Deployment's own annotations, the revision (raised to `newRevision`, remembering the
 * revisions it had in revision-history when a rollback reuses it) and, for a ReplicaSet about to
 * be created, the replica annotations. True if anything changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  const ann = rs.metadata!.annotations;
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (SKIPPED_ANNOTATIONS.has(k) || ann[k] === v) continue;
    ann[k] = v;
    changed = true;
  }
  const had = ann[REVISION];
  const old = had === undefined || had === '' ? 0 : Number(had);
  if (!Number.isInteger(old)) return changed;
  if (old < newRevision) {
    ann[REVISION] = String(newRevision);
    changed = true;
    if (had !== undefined && had !== '') {
      const history = ann[REVISION_HISTORY] ? ann[REVISION_HISTORY].split(',') : [];
      let total = (ann[REVISION_HISTORY] ?? '').length + had.length + 1;
      let start = 0;
      while (total > MAX_REVISION_HISTORY_CHARS && start < history.length) total -= history[start++].length + 1;
      if (total <= MAX_REVISION_HISTORY_CHARS) ann[REVISION_HISTORY] = [...history.slice(start), had].join(',');
    }
  }
  if (!exists && setReplicasAnnotations(rs, specReplicas(d), specReplicas(d) + maxSurge(d))) changed = true;
  return changed;
}

/** The new ReplicaSet has all the Deployment's replicas, all available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicasAnnotation(rs);
  const want = specReplicas(d);
  return desired !== undefined && specReplicas(rs) === want && desired === want && (rs.status?.availableReplicas ?? 0) === want;
}

/**
 * How many of `toAdd` replicas (negative: to remove) go to `rs` when a Deployment is resized
 * mid-rollout, in proportion to its share of the previous size (Kubernetes' GetProportion).
 */
export function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  if (specReplicas(d) === 0) return -specReplicas(rs);
  const deploymentMax = specReplicas(d) + maxSurge(d);
  let before = intAnnotation(rs, MAX_REPLICAS) ?? 0;
  // Edited by hand, or the Deployment was at zero: fall back to its current size.
  if (before === 0) before = d.status?.replicas ?? 0;
  if (before === 0) return 0;
  // Go's math.Round: halves away from zero.
  const size = (specReplicas(rs) * deploymentMax) / before;
  return Math.sign(size) * Math.round(Math.abs(size)) - specReplicas(rs);
}

export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec?.progressDeadlineSeconds;
  return s !== undefined && s !== MAX_INT32;
}

export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const want = specReplicas(d);
  return s.updatedReplicas === want && s.replicas === want && s.availableReplicas === want && s.observedGeneration >= (d.metadata?.generation ?? 0);
}

/** Any progress since the Deployment's recorded status (Kubernetes' DeploymentProgressing). */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status;
  const oldOld = (old?.replicas ?? 0) - (old?.updatedReplicas ?? 0);
  const newOld = s.replicas - s.updatedReplicas;
  return (
    s.updatedReplicas > (old?.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    s.readyReplicas > (old?.readyReplicas ?? 0) ||
    s.availableReplicas > (old?.availableReplicas ?? 0)
  );
}
