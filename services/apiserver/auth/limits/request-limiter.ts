// What the request gate asks before a request may run: a seat, given back when it is done.
// Kubernetes has two such filters, API Priority and Fairness (the default, flowcontrol/) and the
// older max-in-flight limit (inflight-limiter.ts, with --enable-priority-and-fairness=false).
import type { RequestAttributes } from '../request-attributes';
import type { UserInfo } from '../user-info';

/**
 * The part of a call a limiter watches. grpc-js marks a call cancelled when its stream closes:
 * while it waits, because its client gave up; once answered, when the response has been written
 * out (a unary call's trailers follow its message only once that is flushed).
 */
export interface CancellableCall {
  readonly cancelled: boolean;
  once(event: 'cancelled', listener: () => void): unknown;
  removeListener(event: 'cancelled', listener: () => void): unknown;
}

export interface RequestLimiter {
  /** Resolves with the seat's release function, or rejects (TooManyRequestsError) when the request is refused. */
  admit(user: UserInfo, attrs: RequestAttributes, call?: CancellableCall): Promise<() => void>;
}
