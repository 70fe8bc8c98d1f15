// The slices a controller last wrote, so that it never acts on a cache that has not seen its own
// writes yet (Kubernetes' EndpointSliceTracker, by generation there; by resourceVersion here, as
// Kite does not count generations of kinds without a spec): a sync whose cache lacks a slice it
// created, holds an older version of one it updated, or still holds one it deleted is stale and
// retried; an informer event for a version it did not write means someone else changed a slice.
import type { EndpointSlice } from '../../../lib/gen/kite/discovery/v1/types';

const DELETION_EXPECTED = -1;

const rv = (s: EndpointSlice) => Number(s.metadata?.resourceVersion || 0);

export class EndpointSliceTracker {
  /** Service key -> slice uid -> the resourceVersion written, or DELETION_EXPECTED. */
  private readonly byService = new Map<string, Map<string, number>>();

  constructor(private readonly serviceKeyOf: (s: EndpointSlice) => string) {}

  private versions(s: EndpointSlice, create: boolean): Map<string, number> | undefined {
    const key = this.serviceKeyOf(s);
    let m = this.byService.get(key);
    if (!m && create) this.byService.set(key, (m = new Map()));
    return m;
  }

  /** Records a slice as written (created or updated) with its new resourceVersion. */
  update(s: EndpointSlice): void {
    this.versions(s, true)!.set(s.metadata!.uid, rv(s));
  }

  expectDeletion(s: EndpointSlice): void {
    this.versions(s, true)!.set(s.metadata!.uid, DELETION_EXPECTED);
  }

  has(s: EndpointSlice): boolean {
    return this.versions(s, false)?.has(s.metadata!.uid) ?? false;
  }

  /** Whether an informer event shows a version of the slice this controller did not write. */
  shouldSync(s: EndpointSlice): boolean {
    const v = this.versions(s, false)?.get(s.metadata!.uid);
    return v === undefined || v === DELETION_EXPECTED || rv(s) > v;
  }

  /** Forgets a deleted slice; true if the deletion was not this controller's. */
  handleDeletion(s: EndpointSlice): boolean {
    const m = this.versions(s, false);
    const v = m?.get(s.metadata!.uid);
    m?.delete(s.metadata!.uid);
    return v !== DELETION_EXPECTED;
  }

  /** Whether the cached slices of `serviceKey` miss what this controller wrote. */
  stale(serviceKey: string, slices: EndpointSlice[]): boolean {
    const m = this.byService.get(serviceKey);
    if (!m) return false;
    const seen = new Set<string>();
    for (const s of slices) {
      seen.add(s.metadata!.uid);
      const v = m.get(s.metadata!.uid);
      if (v !== undefined && (v === DELETION_EXPECTED || v > rv(s))) return true;
    }
    for (const [uid, v] of m) if (v !== DELETION_EXPECTED && !seen.has(uid)) return true;
    return false;
  }

  deleteService(serviceKey: string): void {
    this.byService.delete(serviceKey);
  }
}
