// Kubernetes' wording of a refusal, so people and tools recognise it:
//   pods "x" is forbidden: User "u" cannot update resource "pods/status" in API group "" in the namespace "default": <reason>
import { ForbiddenError } from '../../../../lib/api/errors';
import { fullResource, type RequestAttributes } from '../request-attributes';
import type { UserInfo } from '../user-info';

export function forbiddenMessage(user: UserInfo, a: RequestAttributes, reason = ''): string {
  let what: string;
  if (!a.resourceRequest) {
    what = `User "${user.name}" cannot ${a.verb} path "${a.path}"`;
  } else {
    const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
    what = `User "${user.name}" cannot ${a.verb} resource "${fullResource(a)}" in API group "${a.apiGroup}" ${scope}`;
  }
  if (reason) what += `: ${reason}`;
  if (!a.resourceRequest) return `forbidden: ${what}`;
  const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  return a.name ? `${qualified} "${a.name}" is forbidden: ${what}` : `${qualified} is forbidden: ${what}`;
}

export function forbidden(user: UserInfo, a: RequestAttributes, reason = ''): ForbiddenError {
  return new ForbiddenError(forbiddenMessage(user, a, reason));
}
