// Recognising the apiserver's refusal to create objects in a namespace being deleted
// (Kubernetes' NamespaceTerminatingCause): controllers treat it as "nothing to do".
import { status as Status } from '@grpc/grpc-js';
import { ApiError } from '../../../lib/api/errors';

export function isForbiddenTerminating(err: unknown): boolean {
  return err instanceof ApiError && err.code === Status.PERMISSION_DENIED && /because it is being terminated/.test(err.message);
}
