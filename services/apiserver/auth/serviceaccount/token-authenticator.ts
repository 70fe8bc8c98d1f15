// Authentication by bound service-account token (Kubernetes' JWTTokenAuthenticator with the
// validator of pkg/serviceaccount/claims.go): a bearer JWT from one of our issuers, verified by
// signature, issuer, audience and lifetime, names a ServiceAccount that must still exist with
// the uid in the token, and the Pod or Secret it is bound to must still exist with its uid and
// not have been deleted more than a minute ago. Lookups read the apiserver's watch caches: no
// storage read per request. The user is system:serviceaccount:<ns>:<name> in
// system:serviceaccounts and system:serviceaccounts:<ns>, with the pod, node and credential id
// as extra (the request gate adds system:authenticated).
import type { KubeObject } from '../../../../lib/api/kinds';
import type { UserInfo } from '../user-info';
import {
  CREDENTIAL_ID_KEY,
  NODE_NAME_KEY,
  NODE_UID_KEY,
  POD_NAME_KEY,
  POD_UID_KEY,
  credentialIdForJTI,
  serviceAccountGroups,
  serviceAccountUsername,
  type ObjectRef,
} from './claims';
import { InvalidTokenError, LEEWAY_SECONDS, type TokenVerifier } from './token-signer';

/** Reads the current ServiceAccount, Pod or Secret (undefined when there is none). */
export interface BoundObjectGetter {
  serviceAccount(namespace: string, name: string): KubeObject | undefined;
  pod(namespace: string, name: string): KubeObject | undefined;
  secret(namespace: string, name: string): KubeObject | undefined;
}

const INVALIDATED = 'service account token has been invalidated';

export class ServiceAccountTokenAuthenticator {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly objects: BoundObjectGetter,
    /** Wall-clock milliseconds. */
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The service account a token authenticates, undefined when the token is not one of ours (not
   * a JWT of our issuers: another authenticator's), InvalidTokenError when it is ours but invalid.
   */
  async authenticate(token: string): Promise<UserInfo | undefined> {
    if (!this.verifier.isOurs(token)) return undefined;
    const claims = await this.verifier.verify(token);
    const k = claims['kubernetes.io'];
    const ns = k.namespace;
    // Objects deleted (deletionTimestamp) before now minus the leeway no longer back a token.
    const invalidBefore = this.now() - LEEWAY_SECONDS * 1000;
    const deleted = (o: KubeObject) => !!o.metadata?.deletionTimestamp && Date.parse(o.metadata.deletionTimestamp) < invalidBefore;

    const sa = this.objects.serviceAccount(ns, k.serviceaccount.name);
    if (!sa) throw new InvalidTokenError(`serviceaccounts "${k.serviceaccount.name}" not found`);
    if (deleted(sa)) throw new InvalidTokenError(`service account ${ns}/${k.serviceaccount.name} has been deleted`);
    if (sa.metadata!.uid !== k.serviceaccount.uid) throw new InvalidTokenError(`service account UID (${sa.metadata!.uid}) does not match claim (${k.serviceaccount.uid})`);
    if (k.secret) this.checkBound(this.objects.secret(ns, k.secret.name), k.secret, deleted, 'secret UID (%s) does not match service account secret ref claim (%s)');
    if (k.pod) this.checkBound(this.objects.pod(ns, k.pod.name), k.pod, deleted, 'pod UID (%s) does not match service account pod ref claim (%s)');

    const extra: Record<string, string[]> = {};
    if (k.pod?.name && k.pod.uid) {
      extra[POD_NAME_KEY] = [k.pod.name];
      extra[POD_UID_KEY] = [k.pod.uid];
    }
    const credentialId = credentialIdForJTI(claims.jti ?? '');
    if (credentialId) extra[CREDENTIAL_ID_KEY] = [credentialId];
    if (k.node?.name) {
      extra[NODE_NAME_KEY] = [k.node.name];
      if (k.node.uid) extra[NODE_UID_KEY] = [k.node.uid];
    }
    return {
      name: serviceAccountUsername(ns, k.serviceaccount.name),
      uid: k.serviceaccount.uid,
      groups: serviceAccountGroups(ns),
      ...(Object.keys(extra).length ? { extra } : {}),
    };
  }

  private checkBound(obj: KubeObject | undefined, ref: ObjectRef, deleted: (o: KubeObject) => boolean, uidMismatch: string): void {
    if (!obj || deleted(obj)) throw new InvalidTokenError(INVALIDATED);
    if (obj.metadata!.uid !== ref.uid) throw new InvalidTokenError(uidMismatch.replace('%s', obj.metadata!.uid).replace('%s', ref.uid));
  }
}
