// The PVC protection controller (Kubernetes' pkg/controller/volume/pvcprotection): every claim
// carries the finalizer kubernetes.io/pvc-protection (added here to claims made before the
// StorageObjectInUseProtection admission put it on new ones); a deleted claim keeps it while a
// pod that has not finished (not Succeeded or Failed) mounts the claim, checked in the pod cache
// and then, when the cache shows none, in a fresh list from the API; then it is removed and the
// claim goes.
import { objectKey, PersistentVolumeClaims, Pods } from '../../../../lib/api/kinds';
import type { PersistentVolumeClaim, Pod } from '../../../../lib/gen/kite/core/v1/types';
import type { Lister, SharedInformer } from '../../../../lib/informer';
import { PVC_PROTECTION_FINALIZER } from '../../../apiserver/registry/validation/persistentvolumeclaim-validation';
import { QueueController, type ControllerContext } from '../../controller';
import { podClaimKeys } from '../volume-util';

export interface PVCProtectionOptions {
  workers: number;
}

export const DEFAULT_PVC_PROTECTION_OPTIONS: PVCProtectionOptions = { workers: 1 };

/** Whether the pod still needs its volumes: it has not finished. */
function podUsesVolumes(pod: Pod): boolean {
  return pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

export class PVCProtectionController extends QueueController<PVCProtectionOptions> {
  readonly name = 'pvc-protection';
  private readonly claimInformer: SharedInformer<PersistentVolumeClaim>;
  private readonly podInformer: SharedInformer<Pod>;
  private readonly claims: Lister<PersistentVolumeClaim>;
  private readonly pods: Lister<Pod>;

  constructor(ctx: ControllerContext, opts: Partial<PVCProtectionOptions> = {}) {
    super(ctx, 'pvc-protection-controller', DEFAULT_PVC_PROTECTION_OPTIONS, opts);
    this.claimInformer = ctx.informers.forKind(PersistentVolumeClaims);
    this.podInformer = ctx.informers.forKind(Pods);
    this.claims = this.claimInformer.lister();
    this.pods = this.podInformer.lister();
    const enqueueClaim = (c: PersistentVolumeClaim) => this.queue.add(objectKey(c));
    this.claimInformer.addEventHandler({ onAdd: enqueueClaim, onUpdate: (_o, c) => enqueueClaim(c) });
    // A pod that finishes or goes may free its claims.
    const enqueuePodClaims = (p: Pod) => podClaimKeys(p).forEach((k) => this.queue.add(k));
    this.podInformer.addEventHandler({
      onUpdate: (_o, p) => {
        if (!podUsesVolumes(p) || p.metadata?.deletionTimestamp) enqueuePodClaims(p);
      },
      onDelete: enqueuePodClaims,
    });
  }

  protected syncedInformers(): SharedInformer<any>[] {
    return [this.claimInformer, this.podInformer];
  }

  async reconcile(key: string): Promise<void> {
    const claim = this.claims.get(key);
    if (!claim) return;
    const finalizers = claim.metadata?.finalizers ?? [];
    const has = finalizers.includes(PVC_PROTECTION_FINALIZER);
    if (!claim.metadata?.deletionTimestamp) {
      if (!has) await this.setFinalizers(claim, [...finalizers, PVC_PROTECTION_FINALIZER]);
      return;
    }
    if (!has || (await this.inUse(claim))) return;
    await this.setFinalizers(claim, finalizers.filter((f) => f !== PVC_PROTECTION_FINALIZER));
    this.log.info({ claim: key }, 'removed the PVC protection finalizer: no pod uses the claim');
  }

  private async inUse(claim: PersistentVolumeClaim): Promise<boolean> {
    const key = objectKey(claim);
    const uses = (pods: Pod[]) => pods.some((p) => podUsesVolumes(p) && podClaimKeys(p).includes(key));
    if (uses(this.pods.namespace(claim.metadata!.namespace).list())) return true;
    // The cache may not have seen a pod created a moment ago: ask the API.
    return uses((await this.ctx.client.resource(Pods).listAll({ namespace: claim.metadata!.namespace })).items);
  }

  private async setFinalizers(claim: PersistentVolumeClaim, finalizers: string[]): Promise<void> {
    const next = structuredClone(claim);
    next.metadata!.finalizers = finalizers;
    await this.ctx.client.resource(PersistentVolumeClaims).update(next);
  }
}
