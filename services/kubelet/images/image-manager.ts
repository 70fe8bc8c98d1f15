// Makes a container's image available as its imagePullPolicy says (Kubernetes' imageManager):
// Never uses only a local image, IfNotPresent pulls when missing, Always pulls but falls back to a
// local copy when the pull fails (no registry is reachable on these machines). Failed pulls back
// off per pod and image: ErrImagePull, then ImagePullBackOff until the backoff expires.
import type { Container, Pod } from '../../../lib/gen/kite/core/v1/types';
import { Backoff } from '../backoff';
import type { BackoffSettings } from '../config';
import type { EventRecorder } from '../../../lib/events';
import { ImagePullError } from '../runtime/errors';
import { normalizeImageRef } from '../runtime/image-ref';
import type { ContainerRuntime } from '../runtime/types';
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

  async ensureImage(pod: Pod, container: Container): Promise<EnsureImageResult> {
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
      await this.runtime.pullImage(image);
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

  forgetPod(uid: string): void {
    this.backoff.forgetPrefix(`${uid}/`);
  }
}
