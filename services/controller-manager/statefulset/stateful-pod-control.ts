// Kubernetes' StatefulPodControl: creates a StatefulSet's pods (their PersistentVolumeClaims
// first), mends a pod's identity and storage, deletes pods, and keeps the claims' owner
// references as the retention policy asks; every write is reported as an event on the set with
// Kubernetes' reasons and wording ("create Pod web-0 in StatefulSet web successful").
import { isAlreadyExists, isConflict, isNotFound } from '../../../lib/api/errors';
import { PersistentVolumeClaims, Pods } from '../../../lib/api/kinds';
import type { StatefulSet } from '../../../lib/gen/kite/apps/v1/types';
import type { PersistentVolumeClaim, Pod } from '../../../lib/gen/kite/core/v1/types';
import type { EventRecorder } from '../../../lib/events';
import type { Lister } from '../../../lib/informer';
import type { ApiClient } from '../controller';
import {
  claimName, claimOwnerMatchesSetAndPod, getOrdinal, hasStaleOwnerRef, hasUnexpectedController, identityMatches, podClaims,
  storageMatches, updateIdentity, updateStorage, withClaimOwnerRefs,
} from './statefulset-utils';

const title = (verb: string) => verb[0].toUpperCase() + verb.slice(1);

export class StatefulPodControl {
  constructor(
    private readonly client: ApiClient,
    private readonly claims: Lister<PersistentVolumeClaim>,
    private readonly recorder: EventRecorder,
  ) {}

  private recordPodEvent(verb: string, set: StatefulSet, pod: Pod, err?: unknown): void {
    const [p, s] = [pod.metadata!.name, set.metadata!.name];
    if (!err) this.recorder.event(set, 'Normal', `Successful${title(verb)}`, `${verb} Pod ${p} in StatefulSet ${s} successful`);
    else this.recorder.event(set, 'Warning', `Failed${title(verb)}`, `${verb} Pod ${p} in StatefulSet ${s} failed error: ${(err as Error).message}`);
  }

  private recordClaimEvent(verb: string, set: StatefulSet, pod: Pod, claim: PersistentVolumeClaim, err?: unknown): void {
    const [c, p, s] = [claim.metadata!.name, pod.metadata!.name, set.metadata!.name];
    if (!err) this.recorder.event(set, 'Normal', `Successful${title(verb)}`, `${verb} Claim ${c} Pod ${p} in StatefulSet ${s} success`);
    else this.recorder.event(set, 'Warning', `Failed${title(verb)}`, `${verb} Claim ${c} for Pod ${p} in StatefulSet ${s} failed error: ${(err as Error).message}`);
  }

  private getClaim(namespace: string, name: string): PersistentVolumeClaim | undefined {
    return this.claims.namespace(namespace).get(name);
  }

  /** createPersistentVolumeClaims: the pod's missing claims; a claim being deleted is an error. */
  async createMissingClaims(set: StatefulSet, pod: Pod): Promise<void> {
    const errors: string[] = [];
    for (const claim of podClaims(set, getOrdinal(pod)).values()) {
      const existing = this.getClaim(claim.metadata!.namespace, claim.metadata!.name);
      if (existing) {
        if (existing.metadata!.deletionTimestamp) errors.push(`pvc ${claim.metadata!.name} is being deleted`);
        continue;
      }
      try {
        await this.client.resource(PersistentVolumeClaims).create(claim);
        this.recordClaimEvent('create', set, pod, claim);
      } catch (err) {
        // Made already (the cache is behind): nothing to report.
        if (isAlreadyExists(err)) continue;
        errors.push(`failed to create PVC ${claim.metadata!.name}: ${(err as Error).message}`);
        this.recordClaimEvent('create', set, pod, claim, err);
      }
    }
    if (errors.length > 0) throw new Error(errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`);
  }

  /** CreateStatefulPod: the claims first, then the pod, then the claims' retention references. */
  async createPod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.createMissingClaims(set, pod);
    } catch (err) {
      this.recordPodEvent('create', set, pod, err);
      throw err;
    }
    let created: Pod;
    try {
      created = await this.client.resource(Pods).create(pod);
    } catch (err) {
      if (!isAlreadyExists(err)) this.recordPodEvent('create', set, pod, err);
      throw err;
    }
    try {
      await this.updateClaimsForRetentionPolicy(set, created);
    } catch (err) {
      this.recordPodEvent('update', set, pod, err);
      throw err;
    }
    this.recordPodEvent('create', set, pod);
  }

  /** UpdateStatefulPod: identity, storage and claim references made consistent, retrying on conflicts. */
  async updatePod(set: StatefulSet, original: Pod): Promise<void> {
    let pod = structuredClone(original);
    let attempted = false;
    let error: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      error = undefined;
      let consistent = true;
      if (!identityMatches(set, pod)) {
        updateIdentity(set, pod);
        consistent = false;
      }
      try {
        if (!storageMatches(set, pod)) {
          updateStorage(set, pod);
          consistent = false;
          await this.createMissingClaims(set, pod);
        }
        if (!this.claimsMatchRetentionPolicy(set, pod)) {
          await this.updateClaimsForRetentionPolicy(set, pod);
          consistent = false;
        }
      } catch (err) {
        this.recordPodEvent('update', set, pod, err);
        throw err;
      }
      if (consistent) return;
      attempted = true;
      try {
        await this.client.resource(Pods).update(pod);
        break;
      } catch (err) {
        error = err;
        if (!isConflict(err)) break;
        pod = await this.client.resource(Pods).get(pod.metadata!.name, set.metadata!.namespace);
      }
    }
    if (attempted) this.recordPodEvent('update', set, pod, error);
    if (error) throw error;
  }

  /** DeleteStatefulPod. */
  async deletePod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.client.resource(Pods).delete(pod.metadata!.name, { namespace: pod.metadata!.namespace });
      this.recordPodEvent('delete', set, pod);
    } catch (err) {
      this.recordPodEvent('delete', set, pod, err);
      throw err;
    }
  }

  /** ClaimsMatchRetentionPolicy: every existing claim of the pod carries the references its policy asks for. */
  claimsMatchRetentionPolicy(set: StatefulSet, pod: Pod): boolean {
    const ordinal = getOrdinal(pod);
    return (set.spec?.volumeClaimTemplates ?? []).every((t) => {
      const claim = this.getClaim(set.metadata!.namespace, claimName(set, t, ordinal));
      return !claim || claimOwnerMatchesSetAndPod(claim, set, pod);
    });
  }

  /** UpdatePodClaimForRetentionPolicy. */
  async updateClaimsForRetentionPolicy(set: StatefulSet, pod: Pod): Promise<void> {
    const ordinal = getOrdinal(pod);
    for (const t of set.spec?.volumeClaimTemplates ?? []) {
      const name = claimName(set, t, ordinal);
      const claim = this.getClaim(set.metadata!.namespace, name);
      if (!claim) continue;
      if (hasUnexpectedController(claim, set, pod)) {
        this.recorder.event(set, 'Warning', 'ConflictingController',
          `PersistentVolumeClaim ${name} has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim`);
      } else if (!claimOwnerMatchesSetAndPod(claim, set, pod)) {
        try {
          await this.client.resource(PersistentVolumeClaims).update(withClaimOwnerRefs(claim, set, pod));
        } catch (err) {
          if (isNotFound(err)) continue;
          throw new Error(`could not update claim ${name} for delete policy ownerRefs: ${(err as Error).message}`);
        }
      }
    }
  }

  /** PodClaimIsStale: with whenScaled Delete, a claim still owned by an earlier pod of this name must go first. */
  podClaimIsStale(set: StatefulSet, pod: Pod): boolean {
    if (set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled !== 'Delete') return false;
    return [...podClaims(set, getOrdinal(pod)).values()].some((c) => {
      const claim = this.getClaim(c.metadata!.namespace, c.metadata!.name);
      return !!claim && hasStaleOwnerRef(claim, pod, Pods);
    });
  }
}
