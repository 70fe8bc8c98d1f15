// The deadline of the client request a storage call is made for, as the context.Context that
// kube-apiserver hands to every etcd call: a request's etcd calls end a little before the client
// gives up (so the apiserver answers a Timeout instead of the client seeing its own deadline pass),
// and a request without a deadline is bounded by --request-timeout's default (60 s). Watches are
// long-lived and run outside any request's deadline.
import { AsyncLocalStorage } from 'node:async_hooks';

/** kube-apiserver's --request-timeout default: the longest a non-watch request may take. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** The share of the client's remaining time the storage calls may use; the rest is for answering. */
export const DEADLINE_SHARE = 0.9;

const requestDeadline = new AsyncLocalStorage<number>();

/**
 * When the storage calls of a request must be answered (ms since the epoch): 90% of the time left
 * before the client's deadline, at most DEFAULT_REQUEST_TIMEOUT_MS; that cap alone without one.
 */
export function storageDeadline(clientDeadlineMs: number, nowMs: number): number {
  const left = Number.isFinite(clientDeadlineMs) ? Math.max(0, clientDeadlineMs - nowMs) * DEADLINE_SHARE : Infinity;
  return nowMs + Math.min(left, DEFAULT_REQUEST_TIMEOUT_MS);
}

/** Runs fn with its storage calls bounded by the client's deadline (Infinity: none). */
export function withRequestDeadline<R>(clientDeadlineMs: number, fn: () => R): R {
  return requestDeadline.run(storageDeadline(clientDeadlineMs, Date.now()), fn);
}

/** The deadline of the current request's storage calls; the default cap outside any request. */
export function currentStorageDeadline(): number {
  return requestDeadline.getStore() ?? Date.now() + DEFAULT_REQUEST_TIMEOUT_MS;
}

/** Runs fn outside any request's deadline (a watch outlives the request that opened it). */
export function withoutRequestDeadline<R>(fn: () => R): R {
  return requestDeadline.exit(fn);
}
