// Makes a container's image available as its imagePullPolicy says (Kubernetes' imageManager):
// Never uses only a local image, IfNotPresent pulls when missing, Always pulls but falls back to a
// local copy when the pull fails (no registry is reachable on these machines). Failed pulls back
// off per pod and image: ErrImagePull, then ImagePullBackOff until the backoff expires. A pull
// uses the credentials of the pod's imagePullSecrets that match the image's registry
// (credentials.ts), trying each in turn, or none (anonymous) when none match.
import type { Container, Pod, Secret } from '../../../lib/gen/kite/core/v1/types';
import { Backoff } from '../../../lib/util/backoff';
import type { BackoffSettings } from '../config';
import type { EventRecorder } from '../../../lib/events';
import { ImagePullError } from '../runtime/errors';
import { normalizeImageRef } from '../runtime/image-ref';
import type { ContainerRuntime, RegistryAuth } from '../runtime/types';
import { DockerKeyring } from './credentials';
import type { WaitingReason } from '../pod-workers/pod-status';

/** How long ErrImagePull shows before ImagePullBackOff takes over. */
const ERR_IMAGE_PULL_SHOWN_MS = 1_000;

export type EnsureImageResult = { ok: true } | { ok: false; waiting: WaitingReason; retryInMs?: number };

export class ImageManager {
  private readonly backoff: Backoff;

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly recorder: EventRecorder,
    settings: BackoffSettings,
    now: () => number = Date.now,
  ) {
    this.backoff = new Backoff({ ...settings, resetAfterMs: 2 * settings.maxMs }, now);
  }

  /** `pullSecrets`: the pod's imagePullSecrets that could be read. */
  async ensureImage(pod: Pod, container: Container, pullSecrets: readonly Secret[]): Promise<EnsureImageResult> {
    const image = container.image;
    const policy = container.imagePullPolicy || 'IfNotPresent';
    const present = await this.runtime.imageExists(image);
    if (policy === 'Never') {
      if (present) return { ok: true };
      const message = `Container image "${image}" is not present with pull policy of Never`;
      this.recorder.event(pod, 'Warning', 'ErrImageNeverPull', message);
      return { ok: false, waiting: { reason: 'ErrImageNeverPull', message } };
    }
    if (policy === 'IfNotPresent' && present) {
      this.recorder.event(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
      return { ok: true };
    }
    const key = `${pod.metadata!.uid}/${normalizeImageRef(image)}`;
    const waitMs = this.backoff.remainingSinceUpdate(key);
    if (waitMs > 0) {
      if (present) return { ok: true };
      const message = `Back-off pulling image "${image}"`;
      this.recorder.event(pod, 'Normal', 'BackOff', message);
      return { ok: false, waiting: { reason: 'ImagePullBackOff', message }, retryInMs: waitMs };
    }
    this.recorder.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
    const started = Date.now();
    try {
      await this.pull(image, pullSecrets);
    } catch (err) {
      if (!(err instanceof ImagePullError)) throw err;
      if (present) {
        this.recorder.event(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine (pull failed: ${err.message})`);
        return { ok: true };
      }
      const delay = this.backoff.next(key);
      const engineMessage = err.message.replace(/^failed to pull image "[^"]*": /, '');
      this.recorder.event(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${engineMessage}`);
      this.recorder.event(pod, 'Warning', 'Failed', 'Error: ErrImagePull');
      // Sync again soon, to show ImagePullBackOff for the rest of the backoff (as Kubernetes does).
      return { ok: false, waiting: { reason: 'ErrImagePull', message: err.message }, retryInMs: Math.min(ERR_IMAGE_PULL_SHOWN_MS, delay / 2) };
    }
    this.backoff.forget(key);
    this.recorder.event(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${Date.now() - started}ms`);
    return { ok: true };
  }

  /**
   * Pulls with each matching credential until one works (Kubernetes' pullImage over the keyring's
   * matches), anonymously when none match; the last failure is the one reported.
   */
  private async pull(image: string, pullSecrets: readonly Secret[]): Promise<void> {
    let credentials: RegistryAuth[];
    try {
      credentials = DockerKeyring.fromSecrets(pullSecrets).lookup(image);
    } catch (err) {
      throw new ImagePullError(normalizeImageRef(image), (err as Error).message);
    }
    if (credentials.length === 0) return this.runtime.pullImage(image);
    let failure: unknown;
    for (const auth of credentials) {
      try {
        return await this.runtime.pullImage(image, auth);
      } catch (err) {
        failure = err;
      }
    }
    throw failure;
  }

  forgetPod(uid: string): void {
    this.backoff.forgetPrefix(`${uid}/`);
  }
}
