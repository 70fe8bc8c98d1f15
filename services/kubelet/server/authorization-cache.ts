// The kubelet's memory of recent authorization answers, as Kubernetes' webhook authorizer keeps
// it (k8s.io/apiserver/plugin/pkg/authorizer/webhook: an LRU cache with expiry): an allowed
// request is not asked again for --authorization-webhook-cache-authorized-ttl (5 min), a denied
// one for --authorization-webhook-cache-unauthorized-ttl (30 s). Bounded: the least recently
// used answer goes first.
export interface AuthorizationCacheTtls {
  authorizedMs: number;
  unauthorizedMs: number;
}

export const DEFAULT_AUTHORIZATION_CACHE_TTLS: AuthorizationCacheTtls = { authorizedMs: 5 * 60_000, unauthorizedMs: 30_000 };

/** Kubernetes' webhook authorizer keeps this many answers. */
const DEFAULT_MAX_ENTRIES = 8192;

export class AuthorizationCache {
  private readonly entries = new Map<string, { allowed: boolean; expiresAt: number }>();

  constructor(
    private readonly ttls: AuthorizationCacheTtls = DEFAULT_AUTHORIZATION_CACHE_TTLS,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = DEFAULT_MAX_ENTRIES,
  ) {}

  /** The remembered answer, or undefined when there is none or it expired. */
  get(key: string): boolean | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    if (e.expiresAt <= this.now()) return undefined;
    this.entries.set(key, e);
    return e.allowed;
  }

  set(key: string, allowed: boolean): void {
    const ttl = allowed ? this.ttls.authorizedMs : this.ttls.unauthorizedMs;
    this.entries.delete(key);
    if (ttl <= 0) return;
    this.entries.set(key, { allowed, expiresAt: this.now() + ttl });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}
