// The kubelet's service-account token manager (Kubernetes' pkg/kubelet/token/token_manager.go):
// projected serviceAccountToken volumes get their tokens here. Each is requested from the
// serviceaccounts/token subresource bound to the pod (the Node authorizer and NodeRestriction
// let a kubelet have no others), cached per ServiceAccount, audience, lifetime and pod, and
// fetched again once it is older than 80% of its lifetime or than 24 hours (with up to 10 s of
// jitter so a node's pods do not all refresh at once). If a refresh fails the cached token is
// used until it expires. Expired tokens and those of pods that are gone are forgotten.
import type { Clientset } from '../../../lib/client/clientset';
import type { TokenRequest, TokenRequestStatus } from '../../../lib/gen/kite/authentication/v1/types';
import type { Pod, ServiceAccountTokenProjection } from '../../../lib/gen/kite/core/v1/types';
import { logger } from '../../../lib/log';
import type { PodTokenSource } from '../config-sources/types';

/** Tokens older than this are refreshed whatever their lifetime. */
export const MAX_TTL_MS = 24 * 60 * 60 * 1000;
/** Up to this much earlier, at random, per check. */
export const MAX_JITTER_MS = 10_000;
/** The default of a projection's expirationSeconds (the API's defaulting). */
const DEFAULT_EXPIRATION_SECONDS = 3600;

export interface TokenManagerOptions {
  /** Wall-clock milliseconds (tokens expire by the wall clock). */
  now?: () => number;
  /** [0, 1): the share of MAX_JITTER_MS a check is early by. */
  random?: () => number;
}

interface Cached {
  request: TokenRequest;
  podUid: string;
}

export class TokenManager implements PodTokenSource {
  private readonly cache = new Map<string, Cached>();
  private readonly inflight = new Map<string, Promise<TokenRequestStatus>>();
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly log = logger('token-manager');

  constructor(
    private readonly client: Pick<Clientset, 'serviceAccounts'>,
    opts: TokenManagerOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
  }

  getToken(pod: Pod, projection: ServiceAccountTokenProjection): Promise<TokenRequestStatus> {
    const namespace = pod.metadata!.namespace || 'default';
    const serviceAccount = pod.spec?.serviceAccountName || 'default';
    const request: TokenRequest = {
      kind: '',
      apiVersion: '',
      spec: {
        audiences: projection.audience ? [projection.audience] : [],
        expirationSeconds: Number(projection.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS),
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata!.name, uid: pod.metadata!.uid },
      },
    };
    const key = cacheKey(namespace, serviceAccount, request);
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const p = this.fetch(key, namespace, serviceAccount, request).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  forgetPod(podUid: string): void {
    for (const [key, c] of this.cache) if (c.podUid === podUid) this.cache.delete(key);
  }

  /** How many tokens are cached (for tests and metrics). */
  get size(): number {
    return this.cache.size;
  }

  private async fetch(key: string, namespace: string, name: string, request: TokenRequest): Promise<TokenRequestStatus> {
    const cached = this.cache.get(key);
    this.cleanup();
    if (cached && !this.requiresRefresh(cached.request)) return cached.request.status!;
    let fresh: TokenRequest;
    try {
      fresh = await this.client.serviceAccounts.call<TokenRequest>('createToken', { namespace, name, tokenRequest: request, dryRun: [] });
    } catch (err) {
      const why = (err as Error).message;
      if (!cached) throw new Error(`failed to fetch token: ${why}`);
      if (this.expired(cached.request)) throw new Error(`token ${key} expired and refresh failed: ${why}`);
      this.log.error({ cacheKey: key, err: why }, "Couldn't update token");
      return cached.request.status!;
    }
    this.cache.set(key, { request: fresh, podUid: request.spec!.boundObjectRef!.uid });
    return fresh.status!;
  }

  private expired(tr: TokenRequest): boolean {
    return this.now() > Date.parse(tr.status!.expirationTimestamp);
  }

  /** Kubernetes' requiresRefresh: older than 24 hours, or within the last 20% of its lifetime (less a jitter). */
  private requiresRefresh(tr: TokenRequest): boolean {
    const seconds = tr.spec?.expirationSeconds;
    if (seconds === undefined) return false;
    const now = this.now();
    const exp = Date.parse(tr.status!.expirationTimestamp);
    const iat = exp - seconds * 1000;
    const jitter = Math.floor(this.random() * (MAX_JITTER_MS / 1000)) * 1000;
    if (now > iat + MAX_TTL_MS - jitter) return true;
    return now > exp - Math.floor((seconds * 20) / 100) * 1000 - jitter;
  }

  private cleanup(): void {
    for (const [key, c] of this.cache) if (this.expired(c.request)) this.cache.delete(key);
  }
}

/** Nonconfidential and safe to log: the ServiceAccount, audiences, lifetime and bound object. */
function cacheKey(namespace: string, name: string, tr: TokenRequest): string {
  const s = tr.spec!;
  const ref = s.boundObjectRef!;
  return JSON.stringify([name, namespace, s.audiences, s.expirationSeconds, ref.kind, ref.name, ref.uid]);
}
