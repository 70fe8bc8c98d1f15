// Kubernetes' controller expectations: after a controller asks for N creations (or deletions of
// given pods) it does not act on the same owner again until its informer has seen them, since
// until then the cache still shows the old count and it would create (or delete) twice.
// Expectations expire after a TTL so a lost watch event cannot wedge an owner forever.

interface Expectation {
  adds: number;
  /** Keys of the pods whose deletion has not been observed yet. */
  deletes: Set<string>;
  setAt: number;
}

export const EXPECTATIONS_TTL_MS = 5 * 60_000;

export class ControllerExpectations {
  private readonly byKey = new Map<string, Expectation>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs = EXPECTATIONS_TTL_MS,
  ) {}

  /** True when the owner may be synced: nothing outstanding, expired, or never set. */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    if (e.adds <= 0 && e.deletes.size === 0) return true;
    return this.now() - e.setAt > this.ttlMs;
  }

  expectCreations(key: string, n: number): void {
    this.byKey.set(key, { adds: n, deletes: new Set(), setAt: this.now() });
  }

  expectDeletions(key: string, podKeys: string[]): void {
    this.byKey.set(key, { adds: 0, deletes: new Set(podKeys), setAt: this.now() });
  }

  /** Creations and deletions at once (Kubernetes' SetExpectations, as the DaemonSet controller syncs both). */
  expect(key: string, adds: number, podKeys: string[]): void {
    this.byKey.set(key, { adds, deletes: new Set(podKeys), setAt: this.now() });
  }

  /** The informer saw one of the expected pods created (or a create was never sent). */
  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e) e.adds--;
  }

  /** The informer saw `podKey` deleted (or its delete failed); a pod is only counted once. */
  deletionObserved(key: string, podKey: string): void {
    this.byKey.get(key)?.deletes.delete(podKey);
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }

  /** Outstanding creations and deletions (for tests and logs). */
  pending(key: string): { adds: number; deletes: number } | undefined {
    const e = this.byKey.get(key);
    return e && { adds: e.adds, deletes: e.deletes.size };
  }
}
