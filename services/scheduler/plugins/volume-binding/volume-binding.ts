// VolumeBinding (kube-scheduler's plugin of that name with its volume binder): PreFilter reads the
// pod's PersistentVolumeClaims (a missing or deleted claim, or an unbound claim of an Immediate
// class, leaves the pod unschedulable); Filter admits a node when every bound claim's volume has
// node affinity for it and every unbound WaitForFirstConsumer claim finds a matching Available
// volume there or a class that can provision there; Reserve promises the chosen volumes to the
// pod's claims so the next pods do not pick them; PreBind writes the choices (the volume's claimRef
// for a static volume, the claim's volume.kubernetes.io/selected-node annotation for provisioning)
// and waits until the PV controller has bound every claim, failing after bindTimeoutSeconds.
import type { PersistentVolume, PersistentVolumeClaim } from '../../../../lib/gen/kite/core/v1/types';
import { logger } from '../../../../lib/log';
import type { CycleState } from '../../framework/cycle-state';
import type { ClusterEventWithHint, EnqueueExtensions } from '../../framework/events';
import type { FilterPlugin, PreBindPlugin, PreFilterPlugin, ReservePlugin } from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';
import { Status } from '../../framework/status';
import type { VolumeHandle } from '../../framework/volume-handle';
import { VOLUME_BINDING } from '../names';
import { ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE, claimClass, findMatchingVolume, isVolumeBoundToClaim, volumeFitsNode } from '../../../../lib/api/persistent-volumes';
import { canProvisionOn, claimKey, isClaimFullyBound } from './volume-matching';

export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_REASON_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const ERR_REASON_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';

export interface VolumeBindingArgs {
  /** How long PreBind waits for the claims to be bound (kube-scheduler's default: 600). */
  bindTimeoutSeconds?: number;
}

const DEFAULT_BIND_TIMEOUT_SECONDS = 600;
/** How often PreBind looks at the informers' claims while waiting for them to be bound. */
const POLL_INTERVAL_MS = 200;
const STATE_KEY = 'VolumeBinding';

/** What one node needs done for the pod's unbound claims. */
interface PodVolumes {
  /** Static volumes to bind to claims. */
  staticBindings: { pv: PersistentVolume; claim: PersistentVolumeClaim }[];
  /** Claims to provision on the node. */
  provisions: PersistentVolumeClaim[];
}

interface VolumeBindingState {
  bound: PersistentVolumeClaim[];
  /** Unbound claims of WaitForFirstConsumer classes. */
  delayed: PersistentVolumeClaim[];
  /** Filter's decision per feasible node. */
  podVolumesByNode: Map<string, PodVolumes>;
  /** The decision for the chosen node, once reserved. */
  reserved?: PodVolumes;
}

const log = logger('scheduler', { plugin: VOLUME_BINDING });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class VolumeBinding implements PreFilterPlugin, FilterPlugin, ReservePlugin, PreBindPlugin, EnqueueExtensions {
  readonly name = VOLUME_BINDING;

  /** Claims, volumes and classes created or changed; a node added or relabeled (volume node affinity, allowed topologies). */
  eventsToRegister(): ClusterEventWithHint[] {
    return [{ event: 'PvcChange' }, { event: 'PvChange' }, { event: 'StorageClassChange' }, { event: 'NodeAdd' }, { event: 'NodeLabelChange' }];
  }
  private readonly bindTimeoutMs: number;
  /** Volumes promised to a claim by Reserve whose claimRef the informer may not show yet: pv name -> claim key. */
  private readonly assumed = new Map<string, string>();

  constructor(
    private readonly volumes: VolumeHandle,
    args: VolumeBindingArgs = {},
  ) {
    this.bindTimeoutMs = (args.bindTimeoutSeconds ?? DEFAULT_BIND_TIMEOUT_SECONDS) * 1000;
  }

  preFilter(state: CycleState, pod: PodInfo): Status {
    const names = (pod.pod.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : []));
    if (names.length === 0) return Status.skip;
    const namespace = pod.pod.metadata!.namespace;
    const s: VolumeBindingState = { bound: [], delayed: [], podVolumesByNode: new Map() };
    let immediate = false;
    for (const name of names) {
      const claim = this.volumes.getClaim(namespace, name);
      if (!claim) return Status.unresolvable(`persistentvolumeclaim "${name}" not found`);
      if (claim.metadata?.deletionTimestamp) return Status.unresolvable(`persistentvolumeclaim "${name}" is being deleted`);
      if (claim.spec?.volumeName) {
        s.bound.push(claim);
        continue;
      }
      const className = claimClass(claim);
      const sc = className ? this.volumes.getStorageClass(className) : undefined;
      if (className && !sc) return Status.fromError(new Error(`storageclass.storage.k8s.io "${className}" not found`));
      if (sc?.volumeBindingMode === 'WaitForFirstConsumer') s.delayed.push(claim);
      else immediate = true;
    }
    if (immediate) return Status.unresolvable(ERR_REASON_UNBOUND_IMMEDIATE);
    state.write(STATE_KEY, s);
    return Status.success;
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): Status {
    const s = state.read<VolumeBindingState>(STATE_KEY);
    if (!s) return Status.success;
    const labels = node.labels;
    for (const claim of s.bound) {
      const pv = this.volumes.getVolume(claim.spec!.volumeName);
      if (!pv) return Status.unresolvable(ERR_REASON_PV_NOT_EXIST);
      if (!volumeFitsNode(pv, node.name, labels)) return Status.unresolvable(ERR_REASON_NODE_CONFLICT);
    }
    if (s.delayed.length === 0) return Status.success;
    const podVolumes: PodVolumes = { staticBindings: [], provisions: [] };
    const chosen = new Set<string>();
    const all = this.volumes.listVolumes();
    for (const claim of s.delayed) {
      const selected = claim.metadata?.annotations[ANN_SELECTED_NODE];
      if (selected !== undefined && selected !== node.name) return Status.unresolvable(ERR_REASON_BIND_CONFLICT);
      const key = claimKey(claim);
      const taken = (pv: PersistentVolume) => chosen.has(pv.metadata!.name) || (this.assumed.get(pv.metadata!.name) ?? key) !== key;
      const pv = selected === undefined ? findMatchingVolume(claim, all, { node: { name: node.name, labels }, delayBinding: true, excluded: taken }) : undefined;
      if (pv) {
        chosen.add(pv.metadata!.name);
        podVolumes.staticBindings.push({ pv, claim });
        continue;
      }
      const sc = this.volumes.getStorageClass(claimClass(claim));
      if (!sc || !canProvisionOn(sc, labels)) return Status.unresolvable(ERR_REASON_BIND_CONFLICT);
      podVolumes.provisions.push(claim);
    }
    s.podVolumesByNode.set(node.name, podVolumes);
    return Status.success;
  }

  reserve(state: CycleState, _pod: PodInfo, nodeName: string): Status {
    const s = state.read<VolumeBindingState>(STATE_KEY);
    const podVolumes = s?.podVolumesByNode.get(nodeName);
    if (!s || !podVolumes) return Status.success;
    for (const { pv, claim } of podVolumes.staticBindings) this.assumed.set(pv.metadata!.name, claimKey(claim));
    s.reserved = podVolumes;
    return Status.success;
  }

  unreserve(state: CycleState): void {
    const s = state.read<VolumeBindingState>(STATE_KEY);
    if (!s?.reserved) return;
    this.forget(s.reserved);
    s.reserved = undefined;
  }

  async preBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status> {
    const podVolumes = state.read<VolumeBindingState>(STATE_KEY)?.reserved;
    if (!podVolumes) return Status.skip;
    if (podVolumes.staticBindings.length === 0 && podVolumes.provisions.length === 0) return Status.success;
    try {
      await this.bindPodVolumes(podVolumes, nodeName);
      await this.waitForBound(pod, podVolumes);
    } catch (err) {
      return Status.fromError(new Error(`binding volumes: ${(err as Error).message}`));
    }
    this.forget(podVolumes);
    return Status.success;
  }

  private forget(podVolumes: PodVolumes): void {
    for (const { pv, claim } of podVolumes.staticBindings) {
      if (this.assumed.get(pv.metadata!.name) === claimKey(claim)) this.assumed.delete(pv.metadata!.name);
    }
  }

  /** The API writes of kube-scheduler's bindAPIUpdate: claimRef on static volumes, selected-node on claims to provision. */
  private async bindPodVolumes(podVolumes: PodVolumes, nodeName: string): Promise<void> {
    for (const { pv, claim } of podVolumes.staticBindings) {
      const current = this.volumes.getVolume(pv.metadata!.name) ?? pv;
      if (isVolumeBoundToClaim(current, claim)) continue;
      const next = structuredClone(current);
      const m = claim.metadata!;
      next.spec!.claimRef = { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: m.namespace, name: m.name, uid: m.uid, resourceVersion: m.resourceVersion, fieldPath: '' };
      next.metadata!.annotations = { ...next.metadata!.annotations, [ANN_BOUND_BY_CONTROLLER]: 'yes' };
      await this.volumes.updateVolume(next);
      log.debug({ pv: pv.metadata!.name, claim: claimKey(claim) }, 'bound volume to claim');
    }
    for (const claim of podVolumes.provisions) {
      const current = this.volumes.getClaim(claim.metadata!.namespace, claim.metadata!.name) ?? claim;
      if (current.metadata!.annotations[ANN_SELECTED_NODE] === nodeName) continue;
      const next = structuredClone(current);
      next.metadata!.annotations = { ...next.metadata!.annotations, [ANN_SELECTED_NODE]: nodeName };
      await this.volumes.updateClaim(next);
      log.debug({ claim: claimKey(claim), node: nodeName }, 'selected node for provisioning');
    }
  }

  /** Polls the informers' claims until all are bound (checkBindings), or the bind timeout passes. */
  private async waitForBound(pod: PodInfo, podVolumes: PodVolumes): Promise<void> {
    const claims = [...podVolumes.staticBindings.map((b) => b.claim), ...podVolumes.provisions];
    const provisioned = new Set(podVolumes.provisions.map(claimKey));
    const deadline = Date.now() + this.bindTimeoutMs;
    for (;;) {
      let done = true;
      for (const c of claims) {
        const claim = this.volumes.getClaim(c.metadata!.namespace, c.metadata!.name);
        if (!claim || claim.metadata!.uid !== c.metadata!.uid) throw new Error(`persistentvolumeclaim "${c.metadata!.name}" not found`);
        if (isClaimFullyBound(claim)) continue;
        if (provisioned.has(claimKey(claim)) && claim.metadata!.annotations[ANN_SELECTED_NODE] === undefined) {
          throw new Error(`provisioning failed for PVC "${claim.metadata!.name}"`);
        }
        done = false;
      }
      if (done) return;
      if (Date.now() >= deadline) throw new Error(`timed out waiting for the condition (pod ${pod.key})`);
      await sleep(POLL_INTERVAL_MS);
    }
  }
}
