// What the request gate asks before a request may run: a seat, given back when it is done.
// Kubernetes has two such filters, API Priority and Fairness (the default, flowcontrol/) and the
// older max-in-flight limit (inflight-limiter.ts, with --enable-priority-and-fairness=false).
import type { RequestAttributes } from '../request-attributes';
import type { UserInfo } from '../user-info';

/** The part of a call a limiter watches: a waiting request whose client gives up leaves its queue. */
export interface CancellableCall {
  once(event: 'cancelled', listener: () => void): unknown;
  removeListener(event: 'cancelled', listener: () => void): unknown;
}

export interface RequestLimiter {
  /** Resolves with the seat's release function, or rejects (TooManyRequestsError) when the request is refused. */
  admit(user: UserInfo, attrs: RequestAttributes, call?: CancellableCall): Promise<() => void>;
}
