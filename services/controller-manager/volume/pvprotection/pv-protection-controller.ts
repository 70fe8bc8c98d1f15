// The PV protection controller (Kubernetes' pkg/controller/volume/pvprotection): every volume
// carries the finalizer kubernetes.io/pv-protection (added here to volumes made before the
// StorageObjectInUseProtection admission put it on new ones); a deleted volume keeps it while it
// is Bound to a claim (its status, which the PersistentVolume controller keeps), then it is
// removed and the volume goes.
import { objectKey, PersistentVolumes } from '../../../../lib/api/kinds';
import type { PersistentVolume } from '../../../../lib/gen/kite/core/v1/types';
import type { Lister, SharedInformer } from '../../../../lib/informer';
import { PV_PROTECTION_FINALIZER } from '../../../apiserver/registry/validation/persistentvolume-validation';
import { QueueController, type ControllerContext } from '../../controller';

export interface PVProtectionOptions {
  workers: number;
}

export const DEFAULT_PV_PROTECTION_OPTIONS: PVProtectionOptions = { workers: 1 };

export class PVProtectionController extends QueueController<PVProtectionOptions> {
  readonly name = 'pv-protection';
  private readonly volumeInformer: SharedInformer<PersistentVolume>;
  private readonly volumes: Lister<PersistentVolume>;

  constructor(ctx: ControllerContext, opts: Partial<PVProtectionOptions> = {}) {
    super(ctx, 'pv-protection-controller', DEFAULT_PV_PROTECTION_OPTIONS, opts);
    this.volumeInformer = ctx.informers.forKind(PersistentVolumes);
    this.volumes = this.volumeInformer.lister();
    this.volumeInformer.addEventHandler({ onAdd: (v) => this.queue.add(objectKey(v)), onUpdate: (_o, v) => this.queue.add(objectKey(v)) });
  }

  protected syncedInformers(): SharedInformer<any>[] {
    return [this.volumeInformer];
  }

  async reconcile(key: string): Promise<void> {
    const volume = this.volumes.get(key);
    if (!volume) return;
    const finalizers = volume.metadata?.finalizers ?? [];
    const has = finalizers.includes(PV_PROTECTION_FINALIZER);
    if (!volume.metadata?.deletionTimestamp) {
      if (!has) await this.setFinalizers(volume, [...finalizers, PV_PROTECTION_FINALIZER]);
      return;
    }
    // isBeingUsed: a Bound volume is still some claim's.
    if (!has || volume.status?.phase === 'Bound') return;
    await this.setFinalizers(volume, finalizers.filter((f) => f !== PV_PROTECTION_FINALIZER));
    this.log.info({ volume: key }, 'removed the PV protection finalizer: the volume is not bound');
  }

  private async setFinalizers(volume: PersistentVolume, finalizers: string[]): Promise<void> {
    const next = structuredClone(volume);
    next.metadata!.finalizers = finalizers;
    await this.ctx.client.resource(PersistentVolumes).update(next);
  }
}
