// The kubelet's volume manager (Kubernetes' pkg/kubelet/volumemanager with the emptyDir, hostPath,
// configMap, secret, downwardAPI and projected plugins, and persistentVolumeClaim volumes
// resolved to their PersistentVolume's hostPath or local path): sets a pod's volumes up before its
// containers are created, so that the runtime only receives bind mounts; refreshes the content of
// configMap, secret, downwardAPI and projected volumes on every later sync of the pod (the periodic
// resync, a change of the pod or of a watched object), through the atomic writer, so a container
// sees a whole new version or the old one; and removes them with the pod. A volume that cannot be
// set up holds the pod's containers back until it can; one that was set up keeps its last content
// when a refresh fails (the failure is still reported).
import { chmod, mkdir, rm } from 'node:fs/promises';
import type { Container, Pod, Volume } from '../../../lib/gen/kite/core/v1/types';
import type { PodClaimSource, PodObjectSource, PodTokenSource } from '../config-sources/types';
import { RuntimeError } from '../runtime/errors';
import type { BindMount, EnvPair } from '../runtime/types';
import { writeAtomically, type Payload } from './atomic-writer';
import { configMapVolumePayload, DEFAULT_MODE } from './configmap-volume';
import { downwardAPIPayload } from './downward-api-volume';
import { VolumeSetupError } from './errors';
import { checkHostPath } from './host-path';
import { podVolumesDir, volumeDir, volumeType } from './paths';
import { type ClaimMount, setUpClaimVolume } from './persistent-volume';
import { projectedPayload } from './projected-volume';
import { secretVolumePayload } from './secret-volume';
import { mountSubPath, resolveSubPath } from './subpath';

export interface VolumeManagerOptions {
  /** The kubelet's root directory (seen by the engine at the same path). */
  rootDir: string;
  /** ConfigMaps and Secrets; without it, configMap and secret sources cannot be set up. */
  objects?: PodObjectSource;
  /** Bound service-account tokens; without it, serviceAccountToken projections cannot be set up. */
  tokens?: PodTokenSource;
  /** PersistentVolumeClaims and PersistentVolumes; without it, persistentVolumeClaim volumes cannot be set up. */
  claims?: PodClaimSource;
  /** The node's allocatable resources: what resourceFieldRef reports for a container without limits. */
  nodeAllocatable: () => Record<string, string>;
}

/** What one pass over a pod's volumes found. */
export interface PodVolumesResult {
  /** Every volume has been set up at least once: the containers may be created. */
  ready: boolean;
  /** The volumes that failed this time (set up ones included), each worded as Kubernetes' FailedMount. */
  errors: VolumeSetupError[];
}

/** The volume types whose content comes from the API and is kept up to date. */
const API_DATA_TYPES = new Set(['configMap', 'secret', 'downwardAPI', 'projected']);

const NO_OBJECTS: PodObjectSource = {
  getConfigMap: () => Promise.reject(new Error('the kubelet has no source of ConfigMaps and Secrets')),
  getSecret: () => Promise.reject(new Error('the kubelet has no source of ConfigMaps and Secrets')),
};

const NO_CLAIMS: PodClaimSource = {
  getClaim: () => Promise.reject(new Error('the kubelet has no source of PersistentVolumeClaims')),
  getVolume: () => Promise.reject(new Error('the kubelet has no source of PersistentVolumes')),
};

const NO_TOKENS: PodTokenSource = {
  getToken: () => Promise.reject(new Error('the kubelet has no source of service account tokens')),
  forgetPod: () => undefined,
};

export class VolumeManager {
  /** The volumes set up at least once, by pod uid. */
  private readonly mounted = new Map<string, Set<string>>();
  /** Where each set-up persistentVolumeClaim volume is, by pod uid and volume name. */
  private readonly claimMounts = new Map<string, Map<string, ClaimMount>>();
  private readonly objects: PodObjectSource;
  private readonly tokens: PodTokenSource;
  private readonly claims: PodClaimSource;

  constructor(private readonly options: VolumeManagerOptions) {
    this.objects = options.objects ?? NO_OBJECTS;
    this.tokens = options.tokens ?? NO_TOKENS;
    this.claims = options.claims ?? NO_CLAIMS;
  }

  /**
   * Sets up the volumes of `pod` not set up yet and refreshes the content of the API-backed ones,
   * all at once. Every volume is tried; the failures are returned, not thrown.
   */
  async setUpPod(pod: Pod): Promise<PodVolumesResult> {
    const uid = pod.metadata!.uid;
    let mounted = this.mounted.get(uid);
    if (!mounted) {
      mounted = new Set();
      this.mounted.set(uid, mounted);
    }
    // All at once (Kubernetes' reconciler runs each mount as its own operation); failures in the pod's order.
    const failures = await Promise.all(
      (pod.spec?.volumes ?? []).map(async (volume) => {
        if (mounted.has(volume.name) && !API_DATA_TYPES.has(volumeType(volume) ?? '')) return undefined;
        try {
          await this.setUp(pod, volume);
          mounted.add(volume.name);
          return undefined;
        } catch (err) {
          return err instanceof VolumeSetupError ? err : new VolumeSetupError(volume.name, (err as Error).message);
        }
      }),
    );
    const errors = failures.filter((e): e is VolumeSetupError => e !== undefined);
    const ready = (pod.spec?.volumes ?? []).every((v) => mounted.has(v.name));
    return { ready, errors };
  }

  /** The host path a volume is bound from (without subPath). */
  hostPath(pod: Pod, volume: Volume): string {
    const uid = pod.metadata!.uid;
    const type = volumeType(volume);
    if (type === 'hostPath') return volume.hostPath!.path;
    if (type === 'persistentVolumeClaim') {
      const claim = this.claimMounts.get(uid)?.get(volume.name);
      if (!claim) throw new VolumeSetupError(volume.name, `PersistentVolumeClaim "${volume.persistentVolumeClaim!.claimName}" is not mounted yet`);
      return claim.path;
    }
    if (!type) {
      throw new VolumeSetupError(volume.name, 'no supported volume source (emptyDir, hostPath, configMap, secret, downwardAPI, projected, persistentVolumeClaim)');
    }
    return volumeDir(this.options.rootDir, uid, type, volume.name);
  }

  private async setUp(pod: Pod, volume: Volume): Promise<void> {
    if (volume.persistentVolumeClaim) {
      const mount = await setUpClaimVolume(this.claims, pod, volume);
      const uid = pod.metadata!.uid;
      let byName = this.claimMounts.get(uid);
      if (!byName) this.claimMounts.set(uid, (byName = new Map()));
      byName.set(volume.name, mount);
      return;
    }
    const path = this.hostPath(pod, volume);
    if (volume.emptyDir) {
      await mkdir(path, { recursive: true });
      // World-writable as in Kubernetes (whatever the umask), so containers running as any user can share it.
      await chmod(path, 0o777);
      return;
    }
    if (volume.hostPath) {
      await checkHostPath(volume.name, volume.hostPath.path, volume.hostPath.type);
      return;
    }
    await writeAtomically(path, await this.payload(pod, volume));
  }

  private async payload(pod: Pod, volume: Volume): Promise<Payload> {
    if (volume.configMap) {
      return configMapVolumePayload(this.objects, pod, volume.configMap, volume.configMap.defaultMode ?? DEFAULT_MODE);
    }
    if (volume.secret) {
      const s = volume.secret;
      return secretVolumePayload(this.objects, pod, { name: s.secretName, items: s.items, optional: s.optional }, s.defaultMode ?? DEFAULT_MODE);
    }
    if (volume.downwardAPI) {
      return downwardAPIPayload(volume.downwardAPI.items, pod, volume.downwardAPI.defaultMode ?? DEFAULT_MODE, this.options.nodeAllocatable());
    }
    return projectedPayload({ objects: this.objects, tokens: this.tokens, nodeAllocatable: this.options.nodeAllocatable() }, pod, volume.projected!);
  }

  /**
   * The binds for one container's volumeMounts: subPath (or subPathExpr expanded from `env`) resolved
   * now; configMap, secret, downwardAPI and projected volumes always read-only, as Kubernetes mounts them,
   * and a persistentVolumeClaim volume read-only when the pod's volume says readOnly.
   */
  async containerMounts(pod: Pod, container: Container, env: readonly EnvPair[]): Promise<BindMount[]> {
    const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
    const binds: BindMount[] = [];
    for (const mount of container.volumeMounts) {
      const volume = volumes.get(mount.name);
      if (!volume) {
        throw new RuntimeError('CreateContainerConfigError', `cannot find volume "${mount.name}" to mount into container "${container.name}"`);
      }
      let hostPath = this.hostPath(pod, volume);
      const subPath = mountSubPath(mount, env);
      if (subPath) hostPath = await resolveSubPath(volume, hostPath, subPath);
      const readOnly = mount.readOnly || API_DATA_TYPES.has(volumeType(volume) ?? '') || volume.persistentVolumeClaim?.readOnly === true;
      binds.push({ hostPath, containerPath: mount.mountPath, readOnly });
    }
    return binds;
  }

  /** Removes the pod's volumes (its emptyDirs with their data) and forgets them; hostPaths and persistent volumes stay. */
  async removePod(podUid: string): Promise<void> {
    this.mounted.delete(podUid);
    this.claimMounts.delete(podUid);
    this.tokens.forgetPod(podUid);
    if (!podUid || podUid.includes('/') || podUid === '..') return;
    await rm(podVolumesDir(this.options.rootDir, podUid), { recursive: true, force: true });
  }
}
