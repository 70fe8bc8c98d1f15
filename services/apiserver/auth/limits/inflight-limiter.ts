// kube-apiserver's --max-requests-inflight / --max-mutating-requests-inflight: two pools of
// slots, one for reads and one for writes. A request that finds its pool full is refused with
// RESOURCE_EXHAUSTED and a retry-after hint (clients back off and retry) instead of queueing
// without bound. Long-running watches never take a slot. Some requests are counted but never
// refused: system:masters (as Kubernetes does, so an admin always gets an answer) and node
// heartbeats (a node's Lease and Node status), so overload cannot make healthy nodes look dead.
// API Priority and Fairness (flowcontrol/) replaces it unless --enable-priority-and-fairness=false.
import { TooManyRequestsError } from '../../../../lib/api/errors';
import { isOwnHeartbeat } from '../node/node-policy';
import { READ_VERBS, type RequestAttributes } from '../request-attributes';
import { isMaster, nodeNameOf, type UserInfo } from '../user-info';
import type { RequestLimiter } from './request-limiter';

export interface InflightLimits {
  /** Read-only requests in flight at once (0: unlimited). */
  maxReadonly: number;
  /** Mutating requests in flight at once (0: unlimited). */
  maxMutating: number;
  /** Seconds the client is asked to wait before retrying. */
  retryAfterSeconds: number;
}

export class InflightLimiter implements RequestLimiter {
  private readonly inflight = { readonly: 0, mutating: 0 };

  constructor(private readonly limits: InflightLimits) {}

  async admit(user: UserInfo, attrs: RequestAttributes): Promise<() => void> {
    const node = nodeNameOf(user);
    const neverRefuse = isMaster(user) || (node !== undefined && isOwnHeartbeat(node, attrs));
    return this.acquire(!READ_VERBS.has(attrs.verb), neverRefuse);
  }

  /** Takes a slot; returns its release function. Throws TooManyRequestsError if the pool is full and the request may be refused. */
  acquire(mutating: boolean, neverRefuse: boolean): () => void {
    const pool = mutating ? 'mutating' : 'readonly';
    const max = mutating ? this.limits.maxMutating : this.limits.maxReadonly;
    if (max > 0 && this.inflight[pool] >= max && !neverRefuse) {
      throw new TooManyRequestsError(
        `too many requests in flight (${max} ${mutating ? 'mutating' : 'read-only'} requests at once); please try again later`,
        this.limits.retryAfterSeconds,
      );
    }
    this.inflight[pool]++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inflight[pool]--;
    };
  }

  get current(): { readonly: number; mutating: number } {
    return { ...this.inflight };
  }
}
