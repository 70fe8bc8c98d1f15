// Who a request comes from, as Kubernetes models it: a user name, a uid and groups. Well-known
// names live here so every authenticator and authorizer spells them the same way.
export interface UserInfo {
  name: string;
  uid: string;
  groups: string[];
  /** Kubernetes' extra attributes (a service account token's pod and credential id). */
  extra?: Record<string, string[]>;
}

export const MASTERS_GROUP = 'system:masters';
export const NODES_GROUP = 'system:nodes';
export const AUTHENTICATED_GROUP = 'system:authenticated';
export const UNAUTHENTICATED_GROUP = 'system:unauthenticated';
export const ANONYMOUS_USER = 'system:anonymous';
export const NODE_USER_PREFIX = 'system:node:';
export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** Adds system:authenticated (every authenticated user is in it). */
export function withAuthenticatedGroup(u: UserInfo): UserInfo {
  return u.groups.includes(AUTHENTICATED_GROUP) ? u : { ...u, groups: [...u.groups, AUTHENTICATED_GROUP] };
}

/** The node a kubelet identity speaks for: system:node:<name> in group system:nodes. */
export function nodeNameOf(u: UserInfo): string | undefined {
  if (!u.groups.includes(NODES_GROUP) || !u.name.startsWith(NODE_USER_PREFIX)) return undefined;
  return u.name.slice(NODE_USER_PREFIX.length) || undefined;
}

export function isMaster(u: UserInfo): boolean {
  return u.groups.includes(MASTERS_GROUP);
}
