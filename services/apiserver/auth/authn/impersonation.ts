// Impersonation (kubectl --as / --as-group): a caller allowed the "impersonate" verb on users,
// groups or service accounts may act as someone else by sending impersonate-user and
// impersonate-group metadata (Kubernetes' Impersonate-User / Impersonate-Group headers).
// Everything after this step, authorization and audit included, sees the impersonated user.
import type { Metadata } from '@grpc/grpc-js';
import { BadRequestError } from '../../../../lib/api/errors';
import type { Authorizer } from '../authz/authorizer';
import { forbidden } from '../authz/forbidden';
import { resourceAttributes, type RequestAttributes } from '../request-attributes';
import { ANONYMOUS_USER, SERVICE_ACCOUNT_PREFIX, withAuthenticatedGroup, type UserInfo } from '../user-info';

export const IMPERSONATE_USER = 'impersonate-user';
export const IMPERSONATE_GROUP = 'impersonate-group';

function targetOf(user: string): RequestAttributes {
  if (user.startsWith(SERVICE_ACCOUNT_PREFIX)) {
    const [namespace, name] = user.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
    return resourceAttributes({ verb: 'impersonate', resource: 'serviceaccounts', namespace: namespace ?? '', name: name ?? '' });
  }
  return resourceAttributes({ verb: 'impersonate', resource: 'users', name: user });
}

/** Returns the user to act as (the caller itself when there is no impersonation metadata). */
export async function impersonate(caller: UserInfo, metadata: Metadata, authorizer: Authorizer): Promise<UserInfo> {
  const user = metadata.get(IMPERSONATE_USER)[0];
  const groups = metadata.get(IMPERSONATE_GROUP).map(String);
  if (user === undefined) {
    if (groups.length) throw new BadRequestError(`requested ${IMPERSONATE_GROUP} without ${IMPERSONATE_USER}: impersonating groups needs a user`);
    return caller;
  }
  const checks = [targetOf(String(user)), ...groups.map((g) => resourceAttributes({ verb: 'impersonate', resource: 'groups', name: g }))];
  for (const attrs of checks) {
    const r = await authorizer.authorize(caller, attrs);
    if (r.decision !== 'allow') throw forbidden(caller, attrs, r.reason);
  }
  const target: UserInfo = { name: String(user), uid: '', groups };
  return target.name === ANONYMOUS_USER ? target : withAuthenticatedGroup(target);
}
