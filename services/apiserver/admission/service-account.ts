// The ServiceAccount admission (Kubernetes' plugin/pkg/admission/serviceaccount). When a pod is
// created, it gets the ServiceAccount `default` if it names none (the deprecated
// spec.serviceAccount mirrors spec.serviceAccountName); that ServiceAccount must exist (the
// watch cache, then storage, as Kubernetes asks its informer and then the API); unless
// automountServiceAccountToken is false (the pod's setting first, then the ServiceAccount's),
// the projected `kube-api-access-<5 chars>` volume (a bound token, the kube-root-ca.crt CA and
// the namespace) is mounted read-only at /var/run/secrets/kubernetes.io/serviceaccount in every
// container and init container not already mounting something there; and a pod without
// imagePullSecrets takes the ServiceAccount's. Mirror pods are left as the kubelet made them,
// but may not reference a ServiceAccount, Secrets or a token projection. Updates pass untouched
// (serviceAccountName is immutable, as pod validation says).
import { setTimeout as delay } from 'node:timers/promises';
import { ForbiddenError, isNotFound } from '../../../lib/api/errors';
import type { Container, Pod, PodSpec, ProjectedVolumeSource, ServiceAccount } from '../../../lib/gen/kite/core/v1/types';
import { generateSuffix } from '../registry/registry';
import type { AdmissionPlugin, AdmissionRequest } from './chain';

export const DEFAULT_SERVICE_ACCOUNT_NAME = 'default';
export const DEFAULT_API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The prefix of the projected token volume's name. */
export const SERVICE_ACCOUNT_VOLUME_NAME = 'kube-api-access';
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
/**
 * Kubernetes' WarnOnlyBoundTokenExpirationSeconds: one hour and seven seconds, a value the
 * apiserver recognises to issue a longer-lived token to old clients while warning.
 */
export const TOKEN_EXPIRATION_SECONDS = 3607;
/** corev1.ProjectedVolumeSourceDefaultMode (0644). */
const PROJECTED_DEFAULT_MODE = 0o644;
/** The default ServiceAccount is made by a controller a moment after its namespace: Kubernetes reads it this many times. */
const DEFAULT_SA_ATTEMPTS = 10;

/** Where ServiceAccounts are looked up: the watch cache, then storage (the registry satisfies it). */
export interface ServiceAccountSource {
  cached(namespace: string, name: string): ServiceAccount | undefined;
  get(namespace: string, name: string): Promise<ServiceAccount>;
}

export interface ServiceAccountAdmissionOptions {
  /** Pause between direct reads of the default ServiceAccount (Kubernetes: 100-200 ms, drawn once per lookup). */
  retryIntervalMs?: () => number;
  /** The volume name's random part. */
  generateSuffix?: () => string;
}

/** TokenVolumeSource: the projected volume of a pod's API credentials, as Kubernetes writes it. */
export function tokenVolumeSource(): ProjectedVolumeSource {
  return {
    defaultMode: PROJECTED_DEFAULT_MODE,
    sources: [
      { serviceAccountToken: { audience: '', expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  };
}

/** shouldAutomount: the pod's preference wins, then the ServiceAccount's, then true. */
export function shouldAutomount(sa: ServiceAccount, pod: Pod): boolean {
  return pod.spec?.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;
}

/** Whether the pod names a Secret anywhere (Kubernetes' VisitPodSecretNames over all containers). */
function referencesSecrets(spec: PodSpec): boolean {
  if (spec.imagePullSecrets.length > 0) return true;
  const containers: Container[] = [...spec.initContainers, ...spec.containers];
  if (containers.some((c) => c.envFrom.some((e) => e.secretRef) || c.env.some((e) => e.valueFrom?.secretKeyRef))) return true;
  return spec.volumes.some((v) => v.secret || v.projected?.sources.some((s) => s.secret));
}

/** What a mirror pod may not reference, in Kubernetes' words; undefined when it references none of it. */
export function mirrorPodRefusal(spec: PodSpec): string | undefined {
  if (spec.serviceAccountName) return 'a mirror pod may not reference service accounts';
  if (referencesSecrets(spec)) return 'a mirror pod may not reference secrets';
  if (spec.volumes.some((v) => v.projected?.sources.some((s) => s.serviceAccountToken))) return 'a mirror pod may not use ServiceAccountToken volume projections';
  return undefined;
}

/** mountServiceAccountToken: the token volume (kept if the pod has one) mounted where no container mounts something else. */
export function mountServiceAccountToken(spec: PodSpec, suffix: () => string): void {
  const existing = spec.volumes.find((v) => v.name.startsWith(`${SERVICE_ACCOUNT_VOLUME_NAME}-`));
  const volumeName = existing?.name ?? `${SERVICE_ACCOUNT_VOLUME_NAME}-${suffix()}`;
  let needsVolume = false;
  for (const c of [...spec.initContainers, ...spec.containers]) {
    // An existing mount at the path keeps the token out of that container.
    if (c.volumeMounts.some((m) => m.mountPath === DEFAULT_API_TOKEN_MOUNT_PATH)) continue;
    c.volumeMounts.push({ name: volumeName, readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH, subPath: '', subPathExpr: '' });
    needsVolume = true;
  }
  if (!existing && needsVolume) spec.volumes.push({ name: volumeName, projected: tokenVolumeSource() });
}

export class ServiceAccountAdmission implements AdmissionPlugin {
  readonly name = 'ServiceAccount';
  private readonly retryIntervalMs: () => number;
  private readonly suffix: () => string;

  constructor(
    private readonly serviceAccounts: ServiceAccountSource,
    opts: ServiceAccountAdmissionOptions = {},
  ) {
    this.retryIntervalMs = opts.retryIntervalMs ?? (() => 100 + Math.floor(Math.random() * 100));
    this.suffix = opts.generateSuffix ?? generateSuffix;
  }

  /** Mutating: defaults the ServiceAccount, mounts its token, copies its pull secrets. */
  async admit(req: AdmissionRequest): Promise<void> {
    const pod = podCreate(req);
    if (!pod) return;
    const spec = pod.spec!;
    // A mirror pod's spec must stay the kubelet's: only checked (validate).
    if (pod.metadata?.annotations[MIRROR_POD_ANNOTATION] !== undefined) return;
    // The deprecated field is read when the current one is empty, as v1 conversion does.
    spec.serviceAccountName ||= spec.serviceAccount || DEFAULT_SERVICE_ACCOUNT_NAME;
    spec.serviceAccount = spec.serviceAccountName;
    const sa = await this.lookup(req, pod);
    if (shouldAutomount(sa, pod)) mountServiceAccountToken(spec, this.suffix);
    if (spec.imagePullSecrets.length === 0) spec.imagePullSecrets = sa.imagePullSecrets.map((s) => ({ name: s.name }));
  }

  /** Validating: a mirror pod's references; the ServiceAccount still exists. */
  async validate(req: AdmissionRequest): Promise<void> {
    const pod = podCreate(req);
    if (!pod) return;
    if (pod.metadata?.annotations[MIRROR_POD_ANNOTATION] !== undefined) {
      const refusal = mirrorPodRefusal(pod.spec!);
      if (refusal) throw forbidden(pod, refusal);
      return;
    }
    await this.lookup(req, pod);
  }

  /** getServiceAccount, refusing the pod when it cannot be found. */
  private async lookup(req: AdmissionRequest, pod: Pod): Promise<ServiceAccount> {
    const namespace = req.attributes.namespace;
    const name = pod.spec!.serviceAccountName;
    try {
      return await this.getServiceAccount(namespace, name);
    } catch (err) {
      throw forbidden(pod, `error looking up service account ${namespace}/${name}: ${(err as Error).message}`);
    }
  }

  private async getServiceAccount(namespace: string, name: string): Promise<ServiceAccount> {
    const cached = this.serviceAccounts.cached(namespace, name);
    if (cached) return cached;
    // Not in the cache yet: read storage, several times for the default one, which a
    // controller creates a moment after its namespace.
    const attempts = name === DEFAULT_SERVICE_ACCOUNT_NAME ? DEFAULT_SA_ATTEMPTS : 1;
    const interval = this.retryIntervalMs();
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await delay(interval);
      try {
        return await this.serviceAccounts.get(namespace, name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    throw new Error(`serviceaccount "${name}" not found`);
  }
}

/** The pod of a pod create (not a subresource), if that is what the request is. */
function podCreate(req: AdmissionRequest): Pod | undefined {
  if (req.kind.kind !== 'Pod' || req.verb !== 'create' || req.attributes.subresource || !req.object) return undefined;
  const pod = req.object as Pod;
  return pod.spec ? pod : undefined;
}

function forbidden(pod: Pod, message: string): ForbiddenError {
  return new ForbiddenError(`pods "${pod.metadata?.name || pod.metadata?.generateName || ''}" is forbidden: ${message}`);
}
