// Serves a unary call within its deadline, as kube-apiserver's handlers pass the request's context
// (with its deadline, or --request-timeout's) to every storage call: the storage calls end before
// the client gives up, and one the store did not answer in time is Kubernetes' 504 Timeout.
import type { Deadline } from '@grpc/grpc-js';
import { TimeoutError } from '../../../lib/api/errors';
import { StorageTimeoutError } from '../storage/interface';
import { withRequestDeadline } from '../storage/request-deadline';

/** Kubernetes' answer to a request whose etcd call ran out of time (its finisher's wording). */
export const STORAGE_TIMEOUT_MESSAGE =
  'Timeout: request did not complete within requested timeout - context deadline exceeded (the server was unable to return a response in the time allotted, but may still be processing the request: a write may still have been applied)';

/** Runs a call's handler with its storage calls bounded by the call's deadline. */
export async function withinCallDeadline<R>(deadline: Deadline, fn: () => Promise<R>): Promise<R> {
  try {
    return await withRequestDeadline(deadline instanceof Date ? deadline.getTime() : deadline, fn);
  } catch (err) {
    if (err instanceof StorageTimeoutError) throw new TimeoutError(STORAGE_TIMEOUT_MESSAGE);
    throw err;
  }
}
