// The claims of a bound service-account token, as Kubernetes' pkg/serviceaccount/claims.go
// writes them: the registered claims (iss, sub system:serviceaccount:<ns>:<name>, aud, exp, iat,
// nbf, jti) and the private "kubernetes.io" claim naming the namespace, the ServiceAccount and
// the object the token is bound to (a Pod, with the Node it runs on, or a Secret), each by name
// and uid. Also the user names and groups of service accounts (apiserver/pkg/authentication/serviceaccount).
import { randomUUID } from 'node:crypto';
import { SERVICE_ACCOUNT_PREFIX } from '../user-info';

export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
/** Extra keys of a service account's user info. */
export const POD_NAME_KEY = 'authentication.kubernetes.io/pod-name';
export const POD_UID_KEY = 'authentication.kubernetes.io/pod-uid';
export const NODE_NAME_KEY = 'authentication.kubernetes.io/node-name';
export const NODE_UID_KEY = 'authentication.kubernetes.io/node-uid';
export const CREDENTIAL_ID_KEY = 'authentication.kubernetes.io/credential-id';

export interface ObjectRef {
  name: string;
  uid: string;
}

/** The private claim "kubernetes.io". */
export interface KubernetesClaim {
  namespace: string;
  serviceaccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
}

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': KubernetesClaim;
}

/** What a token is bound to: a pod (and the node it is scheduled to, when known) or a secret. */
export type BoundObjects = { pod: ObjectRef; node?: ObjectRef } | { secret: ObjectRef } | Record<string, never>;

/** system:serviceaccount:<namespace>:<name> */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;
}

/** system:serviceaccounts and system:serviceaccounts:<namespace> */
export function serviceAccountGroups(namespace: string): string[] {
  return [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`];
}

/** Kubernetes' CredentialIDForJTI. */
export function credentialIdForJTI(jti: string): string {
  return jti ? `JTI=${jti}` : '';
}

/** The claims of a token for `serviceAccount` valid `expirationSeconds` from `nowSeconds`, bound to `bound`. */
export function tokenClaims(
  issuer: string,
  serviceAccount: { namespace: string; name: string; uid: string },
  bound: BoundObjects,
  expirationSeconds: number,
  audiences: string[],
  nowSeconds: number,
): TokenClaims {
  const kubernetes: KubernetesClaim = { namespace: serviceAccount.namespace, serviceaccount: { name: serviceAccount.name, uid: serviceAccount.uid } };
  if ('pod' in bound) {
    kubernetes.pod = bound.pod;
    if (bound.node) kubernetes.node = bound.node;
  } else if ('secret' in bound) kubernetes.secret = bound.secret;
  return {
    iss: issuer,
    sub: serviceAccountUsername(serviceAccount.namespace, serviceAccount.name),
    aud: audiences,
    exp: nowSeconds + expirationSeconds,
    iat: nowSeconds,
    nbf: nowSeconds,
    jti: randomUUID(),
    'kubernetes.io': kubernetes,
  };
}
