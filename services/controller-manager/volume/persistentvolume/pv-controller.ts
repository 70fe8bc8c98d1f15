// The PersistentVolume controller (Kubernetes' pkg/controller/volume/persistentvolume,
// PersistentVolumeController, registered as persistentvolume-binder). Claims and volumes are
// synced one at a time from one queue ("claim:<ns>/<name>", "volume:<name>"), and everything is
// synced again every resync period, as Kubernetes' controller does:
// - a Pending claim gets the best matching Available volume (volume-matching.ts): the volume's
//   claimRef is set first (annotation pv.kubernetes.io/bound-by-controller when the binder chose
//   it), the volume turns Bound, then the claim's volumeName (bound-by-controller when the user
//   left it empty) and pv.kubernetes.io/bind-completed, then the claim's status (Bound, the
//   volume's access modes and capacity); a claim naming a volume binds only to it;
// - a claim of a WaitForFirstConsumer class waits (event WaitForFirstConsumer) until the
//   scheduler annotates it with volume.kubernetes.io/selected-node or binds a volume to it;
// - with no volume and a class, its provisioner is asked (annotations
//   volume.kubernetes.io/storage-provisioner and the beta one, event ExternalProvisioning); the
//   volume it creates points at the claim and is bound as any other;
// - a bound claim whose volume is gone or bound elsewhere is Lost;
// - a volume is Available without a claim, Bound with its claim, Released once its claim is
//   gone; then its reclaim policy applies: Retain keeps it, Delete deletes it (a provisioned
//   volume is left to its provisioner, which removes the data first), Recycle fails (Kite has no
//   recycler).
import { isNotFound } from '../../../../lib/api/errors';
import { objectKey, PersistentVolumeClaims, PersistentVolumes, StorageClasses } from '../../../../lib/api/kinds';
import type { PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimStatus } from '../../../../lib/gen/kite/core/v1/types';
import type { StorageClass } from '../../../../lib/gen/kite/storage/v1/types';
import type { EventRecorder } from '../../../../lib/events';
import type { Lister, SharedInformer } from '../../../../lib/informer';
import { rfc3339 } from '../../../../lib/util/time';
import type { ReconcileResult } from '../../../../lib/workqueue';
import { QueueController, type ControllerContext } from '../../controller';
import * as PV from '../../../../lib/api/persistent-volumes';
import * as U from '../volume-util';
import { findBestMatch, volumeSatisfiesClaim } from './volume-matching';

export interface PersistentVolumeControllerOptions {
  /** Workers; Kubernetes syncs claims and volumes one at a time. */
  workers: number;
  /** Every claim and volume is synced again this often (--pvclaimbinder-sync-period, 15 s). */
  resyncPeriodMs: number;
}

export const DEFAULT_PV_CONTROLLER_OPTIONS: PersistentVolumeControllerOptions = { workers: 1, resyncPeriodMs: 15_000 };

const CLAIM = 'claim:';
const VOLUME = 'volume:';
/** Provisioners named kubernetes.io/... are in-tree plugins, and Kite has none. */
const IN_TREE_PREFIX = 'kubernetes.io/';

export class PersistentVolumeController extends QueueController<PersistentVolumeControllerOptions> {
  readonly name = 'persistentvolume-binder';
  private readonly claimInformer: SharedInformer<PersistentVolumeClaim>;
  private readonly volumeInformer: SharedInformer<PersistentVolume>;
  private readonly classInformer: SharedInformer<StorageClass>;
  private readonly claims: Lister<PersistentVolumeClaim>;
  private readonly volumes: Lister<PersistentVolume>;
  private readonly classes: Lister<StorageClass>;
  private readonly recorder: EventRecorder;

  constructor(ctx: ControllerContext, opts: Partial<PersistentVolumeControllerOptions> = {}) {
    super(ctx, 'persistentvolume-controller', DEFAULT_PV_CONTROLLER_OPTIONS, opts);
    this.recorder = ctx.recorder('persistentvolume-controller');
    this.claimInformer = ctx.informers.forKind(PersistentVolumeClaims);
    this.volumeInformer = ctx.informers.forKind(PersistentVolumes);
    this.classInformer = ctx.informers.forKind(StorageClasses);
    this.claims = this.claimInformer.lister();
    this.volumes = this.volumeInformer.lister();
    this.classes = this.classInformer.lister();
    this.claimInformer.addEventHandler({
      onAdd: (c) => this.queue.add(CLAIM + objectKey(c)),
      onUpdate: (_o, c) => this.queue.add(CLAIM + objectKey(c)),
      // The volume of a deleted claim is released.
      onDelete: (c) => {
        if (c.spec?.volumeName) this.queue.add(VOLUME + c.spec.volumeName);
      },
    });
    this.volumeInformer.addEventHandler({
      onAdd: (v) => this.queue.add(VOLUME + objectKey(v)),
      onUpdate: (_o, v) => this.queue.add(VOLUME + objectKey(v)),
      // The claim of a deleted volume is lost.
      onDelete: (v) => {
        const key = U.claimRefKey(v);
        if (key) this.queue.add(CLAIM + key);
      },
    });
  }

  protected syncedInformers(): SharedInformer<any>[] {
    return [this.claimInformer, this.volumeInformer, this.classInformer];
  }

  override async run(signal: AbortSignal): Promise<void> {
    const resync = setInterval(() => this.resync(), this.opts.resyncPeriodMs);
    resync.unref();
    signal.addEventListener('abort', () => clearInterval(resync), { once: true });
    await super.run(signal);
  }

  /** Kubernetes' resync: every claim and volume synced again. */
  resync(): void {
    for (const c of this.claims.list()) this.queue.add(CLAIM + objectKey(c));
    for (const v of this.volumes.list()) this.queue.add(VOLUME + objectKey(v));
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    if (key.startsWith(CLAIM)) {
      const claim = this.claims.get(key.slice(CLAIM.length));
      if (!claim) return;
      if (claim.metadata?.annotations[PV.ANN_BIND_COMPLETED] === undefined) await this.syncUnboundClaim(claim);
      else await this.syncBoundClaim(claim);
    } else if (key.startsWith(VOLUME)) {
      const volume = this.volumes.get(key.slice(VOLUME.length));
      if (volume) await this.syncVolume(volume);
    }
  }

  private classOf(claim: PersistentVolumeClaim): StorageClass | undefined {
    const name = PV.claimClass(claim);
    return name ? this.classes.get(name) : undefined;
  }

  /** syncUnboundClaim. */
  private async syncUnboundClaim(claim: PersistentVolumeClaim): Promise<void> {
    const volumeName = claim.spec?.volumeName ?? '';
    if (!volumeName) {
      const cls = this.classOf(claim);
      const delayBinding = cls?.volumeBindingMode === 'WaitForFirstConsumer';
      const volume = findBestMatch(claim, this.volumes.list(), delayBinding);
      if (volume) return this.bind(volume, claim);
      if (delayBinding && claim.metadata?.annotations[PV.ANN_SELECTED_NODE] === undefined) {
        this.recorder.event(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      } else if (PV.claimClass(claim)) {
        claim = await this.provisionClaim(claim, cls);
      } else {
        this.recorder.event(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      }
      await this.updateClaimStatus(claim, 'Pending', undefined);
      return;
    }
    const volume = this.volumes.get(volumeName);
    if (!volume) {
      await this.updateClaimStatus(claim, 'Pending', undefined);
      return;
    }
    if (!volume.spec?.claimRef) {
      const mismatch = volumeSatisfiesClaim(volume, claim);
      if (!mismatch) return this.bind(volume, claim);
      this.recorder.event(claim, 'Warning', 'VolumeMismatch', `Cannot bind to requested volume "${volumeName}": ${mismatch}`);
      await this.updateClaimStatus(claim, 'Pending', undefined);
      return;
    }
    if (PV.isVolumeBoundToClaim(volume, claim)) return this.bind(volume, claim);
    if (claim.metadata?.annotations[PV.ANN_BOUND_BY_CONTROLLER] !== undefined) {
      throw new Error(`claim ${objectKey(claim)} was bound by the controller to volume ${volumeName}, which is bound to another claim`);
    }
    this.recorder.event(claim, 'Warning', 'FailedBinding', `volume "${volumeName}" already bound to a different claim.`);
    await this.updateClaimStatus(claim, 'Pending', undefined);
  }

  /** syncBoundClaim. */
  private async syncBoundClaim(claim: PersistentVolumeClaim): Promise<void> {
    const volumeName = claim.spec?.volumeName ?? '';
    if (!volumeName) return this.lose(claim, 'ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
    const volume = this.volumes.get(volumeName);
    if (!volume) return this.lose(claim, 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
    // An unbound volume (or one the cache has not seen bound yet) is bound again.
    if (!volume.spec?.claimRef || volume.spec.claimRef.uid === claim.metadata?.uid) return this.bind(volume, claim);
    return this.lose(claim, 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
  }

  private async lose(claim: PersistentVolumeClaim, reason: string, message: string): Promise<void> {
    if (claim.status?.phase !== 'Lost') this.recorder.event(claim, 'Warning', reason, message);
    await this.updateClaimStatus(claim, 'Lost', undefined);
  }

  /**
   * provisionClaim for an external provisioner: the claim is annotated with it (it provisions
   * claims carrying its name). Kite has no in-tree provisioner plugins.
   */
  private async provisionClaim(claim: PersistentVolumeClaim, cls: StorageClass | undefined): Promise<PersistentVolumeClaim> {
    if (!cls) {
      this.recorder.event(claim, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${PV.claimClass(claim)}" not found`);
      return claim;
    }
    if (cls.provisioner.startsWith(IN_TREE_PREFIX)) {
      this.recorder.event(claim, 'Warning', 'ProvisioningFailed', `no volume plugin matched name: ${cls.provisioner}`);
      return claim;
    }
    const annotations = claim.metadata?.annotations ?? {};
    if (annotations[U.ANN_STORAGE_PROVISIONER] !== cls.provisioner || annotations[U.ANN_BETA_STORAGE_PROVISIONER] !== cls.provisioner) {
      const next = structuredClone(claim);
      next.metadata!.annotations[U.ANN_STORAGE_PROVISIONER] = cls.provisioner;
      next.metadata!.annotations[U.ANN_BETA_STORAGE_PROVISIONER] = cls.provisioner;
      claim = await this.ctx.client.resource(PersistentVolumeClaims).update(next);
    }
    this.recorder.event(
      claim,
      'Normal',
      'ExternalProvisioning',
      `Waiting for a volume to be created either by the external provisioner '${cls.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
    );
    return claim;
  }

  /** bind: the volume's half, its phase, the claim's half, the claim's status, in that order. */
  private async bind(volume: PersistentVolume, claim: PersistentVolumeClaim): Promise<void> {
    volume = await this.bindVolumeToClaim(volume, claim);
    volume = await this.updateVolumePhase(volume, 'Bound', '');
    claim = await this.bindClaimToVolume(claim, volume);
    await this.updateClaimStatus(claim, 'Bound', volume);
  }

  private async bindVolumeToClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): Promise<PersistentVolume> {
    const ref = volume.spec?.claimRef;
    const m = claim.metadata!;
    if (ref && ref.name === m.name && ref.namespace === m.namespace && ref.uid === m.uid) return volume;
    const next = structuredClone(volume);
    next.spec!.claimRef = U.claimReference(claim);
    if (!PV.isVolumeBoundToClaim(volume, claim)) next.metadata!.annotations[PV.ANN_BOUND_BY_CONTROLLER] = 'yes';
    return this.ctx.client.resource(PersistentVolumes).update(next);
  }

  private async bindClaimToVolume(claim: PersistentVolumeClaim, volume: PersistentVolume): Promise<PersistentVolumeClaim> {
    const name = volume.metadata!.name;
    const annotations = claim.metadata?.annotations ?? {};
    if (claim.spec?.volumeName === name && annotations[PV.ANN_BIND_COMPLETED] !== undefined) return claim;
    const next = structuredClone(claim);
    if (next.spec!.volumeName !== name) {
      if (!next.spec!.volumeName) next.metadata!.annotations[PV.ANN_BOUND_BY_CONTROLLER] = 'yes';
      next.spec!.volumeName = name;
    }
    next.metadata!.annotations[PV.ANN_BIND_COMPLETED] = 'yes';
    return this.ctx.client.resource(PersistentVolumeClaims).update(next);
  }

  /** updateClaimStatus: the phase, and the volume's access modes and capacity (cleared without one). */
  private async updateClaimStatus(claim: PersistentVolumeClaim, phase: string, volume: PersistentVolume | undefined): Promise<PersistentVolumeClaim> {
    const status: PersistentVolumeClaimStatus = {
      ...(claim.status ?? { conditions: [] }),
      phase,
      accessModes: volume ? [...volume.spec!.accessModes] : [],
      capacity: volume?.spec?.capacity.storage ? { storage: volume.spec.capacity.storage } : {},
    };
    if (JSON.stringify(status) === JSON.stringify(claim.status)) return claim;
    return this.ctx.client.resource(PersistentVolumeClaims).updateStatus({ ...structuredClone(claim), status });
  }

  private async updateVolumePhase(volume: PersistentVolume, phase: string, message: string): Promise<PersistentVolume> {
    if (volume.status?.phase === phase && volume.status.message === message) return volume;
    const next = structuredClone(volume);
    // The status strategy's PrepareForUpdate in Kubernetes: the time follows a change of phase.
    const changed = volume.status?.phase !== phase;
    next.status = { reason: '', lastPhaseTransitionTime: '', ...next.status, phase, message };
    if (changed) next.status.lastPhaseTransitionTime = rfc3339(new Date(this.ctx.now()));
    return this.ctx.client.resource(PersistentVolumes).updateStatus(next);
  }

  /** syncVolume. */
  private async syncVolume(volume: PersistentVolume): Promise<void> {
    const ref = volume.spec?.claimRef;
    // No claim, or reserved for a claim by name only: the claim's sync binds it.
    if (!ref || !ref.uid) {
      await this.updateVolumePhase(volume, 'Available', '');
      return;
    }
    const claim = await this.claimOf(volume);
    if (!claim) {
      if (volume.status?.phase !== 'Released' && volume.status?.phase !== 'Failed') volume = await this.updateVolumePhase(volume, 'Released', '');
      return this.reclaimVolume(volume);
    }
    const claimVolume = claim.spec?.volumeName ?? '';
    if (!claimVolume) {
      // Half bound: the claim's sync finishes (or repairs) the binding.
      this.queue.add(CLAIM + objectKey(claim));
      return;
    }
    if (claimVolume === volume.metadata!.name) {
      await this.updateVolumePhase(volume, 'Bound', '');
      return;
    }
    // The claim is bound to another volume.
    if (volume.metadata?.annotations[U.ANN_PROVISIONED_BY] !== undefined && volume.spec?.persistentVolumeReclaimPolicy === 'Delete') {
      if (volume.status?.phase !== 'Released' && volume.status?.phase !== 'Failed') volume = await this.updateVolumePhase(volume, 'Released', '');
      return this.reclaimVolume(volume);
    }
    if (volume.metadata?.annotations[PV.ANN_BOUND_BY_CONTROLLER] !== undefined) {
      await this.unbindVolume(volume);
      return;
    }
    await this.updateVolumePhase(volume, 'Available', '');
  }

  /** The claim the volume's claimRef names, with its uid; the API is asked when the cache has none. */
  private async claimOf(volume: PersistentVolume): Promise<PersistentVolumeClaim | undefined> {
    const ref = volume.spec!.claimRef!;
    let claim = this.claims.get(`${ref.namespace}/${ref.name}`);
    if (!claim) {
      try {
        claim = await this.ctx.client.resource(PersistentVolumeClaims).get(ref.name, ref.namespace);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return claim && claim.metadata?.uid === ref.uid ? claim : undefined;
  }

  /** unbindVolume: the binder's claimRef removed (a user's pre-binding kept without its uid). */
  private async unbindVolume(volume: PersistentVolume): Promise<void> {
    const next = structuredClone(volume);
    if (next.metadata!.annotations[PV.ANN_BOUND_BY_CONTROLLER] !== undefined) next.spec!.claimRef = undefined;
    else next.spec!.claimRef!.uid = '';
    delete next.metadata!.annotations[PV.ANN_BOUND_BY_CONTROLLER];
    const updated = await this.ctx.client.resource(PersistentVolumes).update(next);
    await this.updateVolumePhase(updated, 'Available', '');
  }

  /** reclaimVolume: what the reclaim policy says to do with a Released volume. */
  private async reclaimVolume(volume: PersistentVolume): Promise<void> {
    if (volume.status?.phase !== 'Released') return;
    switch (volume.spec?.persistentVolumeReclaimPolicy) {
      case 'Recycle': {
        const message = 'No recycler plugin found for the volume!';
        this.recorder.event(volume, 'Warning', 'VolumeFailedRecycle', message);
        await this.updateVolumePhase(volume, 'Failed', message);
        return;
      }
      case 'Delete':
        // A provisioned volume is deleted by its provisioner, with its data.
        if (volume.metadata?.annotations[U.ANN_PROVISIONED_BY] !== undefined || volume.metadata?.deletionTimestamp) return;
        try {
          await this.ctx.client.resource(PersistentVolumes).delete(volume.metadata!.name, { preconditions: { uid: volume.metadata!.uid } });
          this.log.info({ volume: volume.metadata!.name }, 'deleted a released volume (reclaim policy Delete)');
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        return;
      default:
        // Retain: the volume and its data stay until an administrator deals with them.
        return;
    }
  }
}
