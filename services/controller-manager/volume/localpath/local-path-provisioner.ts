// The local path provisioner: rancher's local-path-provisioner (kind's default `standard`
// StorageClass) run as a controller, with the claim and volume handling of
// sig-storage-lib-external-provisioner's ProvisionController. Provisioner name rancher.io/local-path.
// - Provisioning: a claim without a volume that the PersistentVolume controller annotated with
//   this provisioner (volume.kubernetes.io/storage-provisioner), of a class of this provisioner,
//   with the node the scheduler chose (volume.kubernetes.io/selected-node; rancher's provisioner
//   refuses claims without one), gets a volume `pvc-<claim uid>`: a hostPath (DirectoryOrCreate)
//   `<base path>/pvc-<uid>_<namespace>_<name>` on that node (node affinity on
//   kubernetes.io/hostname), the claim's size, access modes and volume mode, the class's reclaim
//   policy and mount options, a claimRef to the claim and pv.kubernetes.io/provisioned-by. The
//   directory is made by the kubelet when a pod mounts the volume (DirectoryOrCreate).
// - Deleting: a Released volume of this provisioner with reclaim policy Delete has its directory
//   removed as rancher's provisioner does it: a helper pod `helper-pod-delete-<volume>` in the
//   provisioner's namespace, on the volume's node (system-node-critical, as rancher's
//   helperPod.yaml has it), mounting the base path and running `rm -rf` of that one directory;
//   once it has succeeded the pod and then the volume are deleted (a failed helper is deleted and
//   tried again).
import { posix } from 'node:path';
import { isAlreadyExists, isNotFound } from '../../../../lib/api/errors';
import { objectKey, PersistentVolumeClaims, PersistentVolumes, Pods, StorageClasses } from '../../../../lib/api/kinds';
import { PersistentVolume, Pod, type PersistentVolumeClaim } from '../../../../lib/gen/kite/core/v1/types';
import type { StorageClass } from '../../../../lib/gen/kite/storage/v1/types';
import type { EventRecorder } from '../../../../lib/events';
import type { Lister, SharedInformer } from '../../../../lib/informer';
import type { ReconcileResult } from '../../../../lib/workqueue';
import { QueueController, type ControllerContext } from '../../controller';
import * as PV from '../../../../lib/api/persistent-volumes';
import * as U from '../volume-util';

export interface LocalPathProvisionerOptions {
  workers: number;
  /** The provisioner's name, as StorageClasses name it. */
  provisionerName: string;
  /** Where the helper pods run (rancher's deployment namespace; kind's local-path-storage). */
  namespace: string;
  /** The directory on each node holding the volumes (kind's /var/local-path-provisioner). */
  basePath: string;
  /** The helper pods' image. */
  helperImage: string;
  /** A failed helper pod is tried again after this long. */
  retryAfterMs: number;
}

export const DEFAULT_LOCAL_PATH_OPTIONS: LocalPathProvisionerOptions = {
  workers: 1,
  provisionerName: 'rancher.io/local-path',
  namespace: 'local-path-storage',
  basePath: '/var/local-path-provisioner',
  helperImage: 'kite/busybox:1',
  retryAfterMs: 10_000,
};

const HOSTNAME_LABEL = 'kubernetes.io/hostname';
const HELPER_PREFIX = 'helper-pod-delete-';
const CLAIM = 'claim:';
const VOLUME = 'volume:';
/** Rancher's provisioner serves only single-node access modes. */
const ACCESS_MODES = ['ReadWriteOnce', 'ReadWriteOncePod'];

/** The node a volume of this provisioner lives on: its kubernetes.io/hostname affinity. */
export function volumeNode(volume: PersistentVolume): string | undefined {
  for (const term of volume.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []) {
    for (const e of term.matchExpressions) if (e.key === HOSTNAME_LABEL && e.operator === 'In' && e.values.length === 1) return e.values[0];
  }
  return undefined;
}

/** The volume rancher's provisioner makes for a claim on a node. */
export function localPathVolume(claim: PersistentVolumeClaim, cls: StorageClass, node: string, o: LocalPathProvisionerOptions): PersistentVolume {
  const m = claim.metadata!;
  const name = `pvc-${m.uid}`;
  return PersistentVolume.fromPartial({
    metadata: { name, annotations: { [U.ANN_PROVISIONED_BY]: o.provisionerName } },
    spec: {
      capacity: { storage: claim.spec!.resources!.requests.storage },
      accessModes: [...claim.spec!.accessModes],
      persistentVolumeReclaimPolicy: cls.reclaimPolicy ?? 'Delete',
      storageClassName: cls.metadata!.name,
      mountOptions: [...cls.mountOptions],
      volumeMode: claim.spec!.volumeMode ?? 'Filesystem',
      claimRef: U.claimReference(claim),
      hostPath: { path: posix.join(o.basePath, `${name}_${m.namespace}_${m.name}`), type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values: [node] }], matchFields: [] }] } },
    },
  });
}

/** The helper pod removing a volume's directory on its node. */
export function deleteHelperPod(volume: PersistentVolume, node: string, o: LocalPathProvisionerOptions): Pod {
  const path = volume.spec!.hostPath!.path;
  return Pod.fromPartial({
    metadata: { name: HELPER_PREFIX + volume.metadata!.name, namespace: o.namespace },
    spec: {
      nodeName: node,
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      priorityClassName: 'system-node-critical',
      tolerations: [{ operator: 'Exists' }],
      containers: [{ name: 'helper-pod', image: o.helperImage, command: ['rm', '-rf', path], volumeMounts: [{ name: 'data', mountPath: o.basePath }] }],
      volumes: [{ name: 'data', hostPath: { path: o.basePath, type: 'DirectoryOrCreate' } }],
    },
  });
}

export class LocalPathProvisioner extends QueueController<LocalPathProvisionerOptions> {
  readonly name = 'local-path-provisioner';
  private readonly claimInformer: SharedInformer<PersistentVolumeClaim>;
  private readonly volumeInformer: SharedInformer<PersistentVolume>;
  private readonly classInformer: SharedInformer<StorageClass>;
  private readonly podInformer: SharedInformer<Pod>;
  private readonly claims: Lister<PersistentVolumeClaim>;
  private readonly volumes: Lister<PersistentVolume>;
  private readonly classes: Lister<StorageClass>;
  private readonly pods: Lister<Pod>;
  private readonly recorder: EventRecorder;

  constructor(ctx: ControllerContext, opts: Partial<LocalPathProvisionerOptions> = {}) {
    super(ctx, 'local-path-provisioner', DEFAULT_LOCAL_PATH_OPTIONS, opts);
    this.recorder = ctx.recorder(`${this.opts.provisionerName}_${this.name}`);
    this.claimInformer = ctx.informers.forKind(PersistentVolumeClaims);
    this.volumeInformer = ctx.informers.forKind(PersistentVolumes);
    this.classInformer = ctx.informers.forKind(StorageClasses);
    this.podInformer = ctx.informers.forKind(Pods);
    this.claims = this.claimInformer.lister();
    this.volumes = this.volumeInformer.lister();
    this.classes = this.classInformer.lister();
    this.pods = this.podInformer.lister();
    const claim = (c: PersistentVolumeClaim) => this.queue.add(CLAIM + objectKey(c));
    this.claimInformer.addEventHandler({ onAdd: claim, onUpdate: (_o, c) => claim(c) });
    const volume = (v: PersistentVolume) => this.queue.add(VOLUME + objectKey(v));
    this.volumeInformer.addEventHandler({ onAdd: volume, onUpdate: (_o, v) => volume(v) });
    // A helper pod's progress moves its volume's deletion on.
    const helper = (p: Pod) => {
      const name = p.metadata?.name ?? '';
      if (p.metadata?.namespace === this.opts.namespace && name.startsWith(HELPER_PREFIX)) this.queue.add(VOLUME + name.slice(HELPER_PREFIX.length));
    };
    this.podInformer.addEventHandler({ onUpdate: (_o, p) => helper(p), onDelete: helper });
  }

  protected syncedInformers(): SharedInformer<any>[] {
    return [this.claimInformer, this.volumeInformer, this.classInformer, this.podInformer];
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    if (key.startsWith(CLAIM)) {
      const claim = this.claims.get(key.slice(CLAIM.length));
      if (claim) await this.syncClaim(claim);
      return;
    }
    const volume = this.volumes.get(key.slice(VOLUME.length));
    if (volume) return this.syncVolume(volume);
  }

  /** The class of a claim this provisioner should provision (shouldProvision), if it should. */
  private provisionable(claim: PersistentVolumeClaim): StorageClass | undefined {
    if (claim.spec?.volumeName || claim.metadata?.deletionTimestamp) return undefined;
    const a = claim.metadata?.annotations ?? {};
    const asked = a[U.ANN_STORAGE_PROVISIONER] ?? a[U.ANN_BETA_STORAGE_PROVISIONER];
    if (asked !== this.opts.provisionerName) return undefined;
    const cls = this.classes.get(PV.claimClass(claim));
    return cls?.provisioner === this.opts.provisionerName ? cls : undefined;
  }

  private async syncClaim(claim: PersistentVolumeClaim): Promise<void> {
    const cls = this.provisionable(claim);
    if (!cls) return;
    const name = `pvc-${claim.metadata!.uid}`;
    if (this.volumes.get(name)) return;
    const node = claim.metadata!.annotations[PV.ANN_SELECTED_NODE];
    const fail = (message: string) => this.recorder.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${cls.metadata!.name}": ${message}`);
    if (!node) return fail('configuration error, no node was specified');
    const unsupported = claim.spec!.accessModes.find((m) => !ACCESS_MODES.includes(m));
    if (unsupported) return fail(`NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes`);
    if (claim.spec!.volumeMode === 'Block') return fail('Block volume mode is not supported');
    this.recorder.event(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${objectKey(claim)}"`);
    try {
      await this.ctx.client.resource(PersistentVolumes).create(localPathVolume(claim, cls, node, this.opts));
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      return;
    }
    this.recorder.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${name}`);
    this.log.info({ claim: objectKey(claim), volume: name, node }, 'provisioned a volume');
  }

  /** shouldDelete, then rancher's Delete: the helper pod, then the volume. */
  private async syncVolume(volume: PersistentVolume): Promise<ReconcileResult | void> {
    if (volume.metadata?.annotations[U.ANN_PROVISIONED_BY] !== this.opts.provisionerName) return;
    if (volume.status?.phase !== 'Released' || volume.spec?.persistentVolumeReclaimPolicy !== 'Delete') return;
    const node = volumeNode(volume);
    const path = volume.spec.hostPath?.path ?? '';
    if (!node || posix.dirname(path) !== this.opts.basePath || posix.basename(path) === '..') {
      this.recorder.event(volume, 'Warning', 'VolumeFailedDelete', `no node or path under ${this.opts.basePath} to delete volume ${volume.metadata!.name} from`);
      return;
    }
    const pods = this.ctx.client.resource(Pods);
    const helperName = HELPER_PREFIX + volume.metadata!.name;
    const helper = this.pods.namespace(this.opts.namespace).get(helperName);
    if (!helper) {
      // The volume may be on its way out already (its helper finished): the cache can lag behind.
      if (await this.beingDeleted(volume)) return;
      try {
        await pods.create(deleteHelperPod(volume, node, this.opts));
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      return;
    }
    const phase = helper.status?.phase;
    if (phase !== 'Succeeded' && phase !== 'Failed') return;
    await this.deleteIgnoringGone(() => pods.delete(helperName, { namespace: this.opts.namespace }));
    if (phase === 'Failed') {
      this.recorder.event(volume, 'Warning', 'VolumeFailedDelete', `failed to delete volume ${volume.metadata!.name}: helper pod ${helperName} failed`);
      return { requeueAfter: this.opts.retryAfterMs };
    }
    await this.deleteIgnoringGone(() => this.ctx.client.resource(PersistentVolumes).delete(volume.metadata!.name, { preconditions: { uid: volume.metadata!.uid } }));
    this.log.info({ volume: volume.metadata!.name, node, path }, 'deleted a released volume and its directory');
  }

  private async beingDeleted(volume: PersistentVolume): Promise<boolean> {
    if (volume.metadata?.deletionTimestamp) return true;
    try {
      const fresh = await this.ctx.client.resource(PersistentVolumes).get(volume.metadata!.name);
      return !!fresh.metadata?.deletionTimestamp || fresh.metadata?.uid !== volume.metadata?.uid;
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
  }

  private async deleteIgnoringGone(del: () => Promise<unknown>): Promise<void> {
    try {
      await del();
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
