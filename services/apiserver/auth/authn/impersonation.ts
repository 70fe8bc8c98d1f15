// Impersonation (kubectl --as / --as-group / --as-uid): a caller allowed the "impersonate" verb on
// users, groups or service accounts may act as someone else by sending impersonate-user and
// impersonate-group metadata (Kubernetes' Impersonate-User / Impersonate-Group headers), with a
// uid (impersonate-uid: Impersonate-Uid, `impersonate` on uids.authentication.k8s.io) and extra
// attributes (impersonate-extra values "<key>=<value>", both percent-encoded: Impersonate-Extra-<key>,
// `impersonate` on userextras/<key>.authentication.k8s.io named by the value). HTTP/2 joins a
// repeated metadata key's values with commas, so the values of impersonate-group and
// impersonate-extra are split there (as Kubernetes' own header lists are).
// Everything after this step, authorization and audit included, sees the impersonated user.
// As in Kubernetes' impersonation filter, a user name is a service account only when it is
// exactly system:serviceaccount:<namespace>:<name> with valid names (serviceaccount.SplitUsername);
// anything else, "system:serviceaccount:ns:name:extra" included, is a plain user name.
import type { Metadata } from '@grpc/grpc-js';
import { BadRequestError } from '../../../../lib/api/errors';
import { Causes, dns1123Label, dns1123Subdomain } from '../../registry/validation/validation-helpers';
import type { Authorizer } from '../authz/authorizer';
import { forbidden } from '../authz/forbidden';
import { resourceAttributes, type RequestAttributes } from '../request-attributes';
import { ANONYMOUS_USER, AUTHENTICATED_GROUP, SERVICE_ACCOUNT_PREFIX, UNAUTHENTICATED_GROUP, type UserInfo } from '../user-info';

export const IMPERSONATE_USER = 'impersonate-user';
export const IMPERSONATE_GROUP = 'impersonate-group';
export const IMPERSONATE_UID = 'impersonate-uid';
export const IMPERSONATE_EXTRA = 'impersonate-extra';
const AUTHENTICATION_GROUP = 'authentication.k8s.io';

/** One impersonate-extra metadata value: key and value percent-encoded (so they may hold "=", "/" and ","), joined by "=". */
export function extraEntry(key: string, value: string): string {
  return `${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
}

/** A metadata key's values, each comma-separated list split. */
function listOf(metadata: Metadata, key: string): string[] {
  return metadata
    .get(key)
    .flatMap((v) => String(v).split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

/** The extra attributes of impersonate-extra metadata, keys in order. */
function extrasOf(metadata: Metadata): Record<string, string[]> {
  const extra: Record<string, string[]> = {};
  for (const entry of listOf(metadata, IMPERSONATE_EXTRA)) {
    const eq = entry.indexOf('=');
    let key = '';
    let value = '';
    try {
      if (eq > 0) [key, value] = [decodeURIComponent(entry.slice(0, eq)), decodeURIComponent(entry.slice(eq + 1))];
    } catch {
      key = '';
    }
    if (!key) throw new BadRequestError(`${IMPERSONATE_EXTRA} "${entry}": expected <percent-encoded key>=<percent-encoded value>`);
    (extra[key] ??= []).push(value);
  }
  return Object.fromEntries(Object.keys(extra).sort().map((k) => [k, extra[k]]));
}

const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';

/** Kubernetes' serviceaccount.SplitUsername: the namespace and name of a service account's user name, or undefined. */
export function splitServiceAccountUsername(user: string): { namespace: string; name: string } | undefined {
  if (!user.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const parts = user.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
  if (parts.length !== 2) return undefined;
  const [namespace, name] = parts;
  const c = new Causes();
  dns1123Label(c, 'namespace', namespace);
  dns1123Subdomain(c, 'name', name);
  return c.list.length ? undefined : { namespace, name };
}

function targetOf(user: string): RequestAttributes {
  const sa = splitServiceAccountUsername(user);
  if (sa) return resourceAttributes({ verb: 'impersonate', resource: 'serviceaccounts', namespace: sa.namespace, name: sa.name });
  return resourceAttributes({ verb: 'impersonate', resource: 'users', name: user });
}

/**
 * The impersonated user's groups: those asked for (a service account's own when none are), plus
 * system:authenticated (system:unauthenticated for the anonymous user) unless one is there already.
 */
function groupsOf(user: string, requested: string[]): string[] {
  const sa = splitServiceAccountUsername(user);
  const groups = requested.length || !sa ? [...requested] : [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${sa.namespace}`];
  if (user === ANONYMOUS_USER) return groups.includes(UNAUTHENTICATED_GROUP) ? groups : [...groups, UNAUTHENTICATED_GROUP];
  return groups.includes(AUTHENTICATED_GROUP) || groups.includes(UNAUTHENTICATED_GROUP) ? groups : [...groups, AUTHENTICATED_GROUP];
}

/** Returns the user to act as (the caller itself when there is no impersonation metadata). */
export async function impersonate(caller: UserInfo, metadata: Metadata, authorizer: Authorizer): Promise<UserInfo> {
  const user = metadata.get(IMPERSONATE_USER)[0];
  const groups = listOf(metadata, IMPERSONATE_GROUP);
  const uid = metadata.get(IMPERSONATE_UID)[0];
  const extra = extrasOf(metadata);
  if (user === undefined) {
    if (groups.length) throw new BadRequestError(`requested ${IMPERSONATE_GROUP} without ${IMPERSONATE_USER}: impersonating groups needs a user`);
    if (uid !== undefined) throw new BadRequestError(`requested ${IMPERSONATE_UID} without ${IMPERSONATE_USER}: impersonating a uid needs a user`);
    if (Object.keys(extra).length) throw new BadRequestError(`requested ${IMPERSONATE_EXTRA} without ${IMPERSONATE_USER}: impersonating extra attributes needs a user`);
    return caller;
  }
  // In Kubernetes' order: the user, its groups, its extra attributes, its uid.
  const checks = [
    targetOf(String(user)),
    ...groups.map((g) => resourceAttributes({ verb: 'impersonate', resource: 'groups', name: g })),
    ...Object.entries(extra).flatMap(([key, values]) =>
      values.map((v) => resourceAttributes({ verb: 'impersonate', apiGroup: AUTHENTICATION_GROUP, resource: 'userextras', subresource: key, name: v })),
    ),
    ...(uid !== undefined ? [resourceAttributes({ verb: 'impersonate', apiGroup: AUTHENTICATION_GROUP, resource: 'uids', name: String(uid) })] : []),
  ];
  for (const attrs of checks) {
    const r = await authorizer.authorize(caller, attrs);
    if (r.decision !== 'allow') throw forbidden(caller, attrs, r.reason);
  }
  return {
    name: String(user),
    uid: uid !== undefined ? String(uid) : '',
    groups: groupsOf(String(user), groups),
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}
