// Snapshots of everything the runtime holds, grouped by pod uid. fresh() always answers with a
// listing that started after the call (so a sync sees its own actions), and callers that arrive
// together share one listing: twenty pods syncing at once cost one or two `docker ps`.
import type { ContainerRuntime, PodRuntimeState } from '../runtime/types';

export type RuntimeSnapshot = ReadonlyMap<string, PodRuntimeState>;

export class RuntimeCache {
  private running: Promise<RuntimeSnapshot> | undefined;
  private queued: Promise<RuntimeSnapshot> | undefined;
  private last: RuntimeSnapshot = new Map();
  private listed = false;

  constructor(private readonly runtime: ContainerRuntime) {}

  /** The newest snapshot taken, possibly stale. */
  latest(): RuntimeSnapshot {
    return this.last;
  }

  /** Whether a listing has completed (latest() then holds everything made before this process started). */
  hasListed(): boolean {
    return this.listed;
  }

  /** A snapshot whose listing started after this call. */
  fresh(): Promise<RuntimeSnapshot> {
    if (this.queued) return this.queued;
    const previous = this.running;
    const next = (async () => {
      await previous?.catch(() => undefined);
      this.queued = undefined;
      const listing = this.list();
      this.running = listing;
      try {
        return await listing;
      } finally {
        if (this.running === listing) this.running = undefined;
      }
    })();
    this.queued = next;
    return next;
  }

  private async list(): Promise<RuntimeSnapshot> {
    const pods = await this.runtime.listPodContainers();
    const snapshot = new Map(pods.map((p) => [p.uid, p]));
    this.last = snapshot;
    this.listed = true;
    return snapshot;
  }
}
