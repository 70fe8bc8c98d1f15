// The serviceaccounts/token subresource (CreateServiceAccountToken), as Kubernetes' TokenREST
// (pkg/registry/core/serviceaccount/storage/token.go): the ServiceAccount must exist (with the
// TokenRequest's uid, if one is given); the lifetime defaults to an hour, may not be under ten
// minutes and is shortened to --service-account-max-token-expiration (with a warning); the
// audiences default to the apiserver's; a bound object (a Pod running as that ServiceAccount, or
// a Secret) must exist, with the uid given if one is; a pod-bound token also names the pod's
// node. The answer is the request with status.token and status.expirationTimestamp.
import { BadRequestError, ConflictError, InvalidError, type FieldCause } from '../../../../lib/api/errors';
import { TokenRequest } from '../../../../lib/gen/kite/authentication/v1/types';
import type { CreateServiceAccountTokenRequest } from '../../../../lib/gen/kite/core/v1/services';
import type { Node, Pod, Secret, ServiceAccount } from '../../../../lib/gen/kite/core/v1/types';
import { rfc3339 } from '../../../../lib/util/time';
import { tokenClaims, type BoundObjects } from './claims';
import type { TokenIssuer } from './token-signer';

/** authentication.MinTokenAgeSec */
export const MIN_TOKEN_SECONDS = 10 * 60;
/** The default of spec.expirationSeconds. */
export const DEFAULT_TOKEN_SECONDS = 60 * 60;
const MAX_TOKEN_SECONDS = 2 ** 32;

export interface TokenRequestSources {
  serviceAccount(namespace: string, name: string): Promise<ServiceAccount>;
  pod(namespace: string, name: string): Promise<Pod>;
  secret(namespace: string, name: string): Promise<Secret>;
  /** The node from the watch cache, undefined when unknown. */
  cachedNode(name: string): Node | undefined;
}

export interface TokenRequestOptions {
  issuer: TokenIssuer;
  /** --api-audiences */
  audiences: string[];
  /** --service-account-max-token-expiration in seconds (0: no limit). */
  maxExpirationSeconds: number;
  /** Wall-clock milliseconds. */
  now?: () => number;
}

const WHAT = 'TokenRequest.authentication.k8s.io';

/** GroupVersionKind.String() of an apiVersion and kind: "/v1, Kind=ConfigMap". */
function gvkString(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  return `${group}/${version}, Kind=${kind}`;
}

export class TokenRequests {
  private readonly now: () => number;

  constructor(
    private readonly opts: TokenRequestOptions,
    private readonly sources: TokenRequestSources,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Issues a token; `warn` carries Kubernetes' warning when the lifetime was shortened. */
  async create(r: CreateServiceAccountTokenRequest, warn: (text: string) => void): Promise<TokenRequest> {
    const namespace = r.namespace || 'default';
    const name = r.name;
    const req = r.tokenRequest;
    const meta = req?.metadata;
    if (meta?.name && meta.name !== name) {
      throw InvalidError.of(`${WHAT} "${name}"`, [{ field: 'metadata.name', message: `Invalid value: ${JSON.stringify(meta.name)}: must match the service account name if specified` }]);
    }
    if (meta?.namespace && meta.namespace !== namespace) {
      throw InvalidError.of(`${WHAT} "${name}"`, [{ field: 'metadata.namespace', message: `Invalid value: ${JSON.stringify(meta.namespace)}: must match the service account namespace if specified` }]);
    }
    const sa = await this.sources.serviceAccount(namespace, name);
    // TokenRequestServiceAccountUIDValidation: a request for another incarnation of the ServiceAccount.
    if (meta?.uid && meta.uid !== sa.metadata!.uid) {
      throw new ConflictError(
        `Operation cannot be fulfilled on ${WHAT} "${name}": the UID in the token request (${meta.uid}) does not match the UID of the service account (${sa.metadata!.uid})`,
      );
    }
    const audiences = req?.spec?.audiences.length ? [...req.spec.audiences] : [...this.opts.audiences];
    const nowMs = this.now();
    let expirationSeconds = Number(req?.spec?.expirationSeconds ?? DEFAULT_TOKEN_SECONDS);
    const causes: FieldCause[] = [];
    if (expirationSeconds < MIN_TOKEN_SECONDS) causes.push({ field: 'spec.expirationSeconds', message: `Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes` });
    if (expirationSeconds > MAX_TOKEN_SECONDS) causes.push({ field: 'spec.expirationSeconds', message: `Invalid value: ${expirationSeconds}: may not specify a duration larger than 2^32 seconds` });
    if (causes.length) throw InvalidError.of(`${WHAT} ""`, causes);

    const ref = req?.spec?.boundObjectRef;
    const bound = ref && (ref.kind || ref.name || ref.apiVersion || ref.uid) ? await this.boundObjects(namespace, name, ref) : {};

    const max = this.opts.maxExpirationSeconds;
    if (max > 0 && expirationSeconds > max) {
      warn(`requested expiration of ${expirationSeconds} seconds shortened to ${max} seconds`);
      expirationSeconds = max;
    }
    const nowSeconds = Math.floor(nowMs / 1000);
    const claims = tokenClaims(this.opts.issuer.issuer, { namespace, name, uid: sa.metadata!.uid }, bound, expirationSeconds, audiences, nowSeconds);
    const token = await this.opts.issuer.sign(claims);
    return TokenRequest.fromPartial({
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { ...meta, name: sa.metadata!.name, namespace, uid: meta?.uid || sa.metadata!.uid, creationTimestamp: rfc3339(new Date(nowMs)) },
      spec: { audiences, expirationSeconds, boundObjectRef: ref },
      status: { token, expirationTimestamp: rfc3339(new Date((nowSeconds + expirationSeconds) * 1000)) },
    });
  }

  private async boundObjects(namespace: string, saName: string, ref: { apiVersion: string; kind: string; name: string; uid: string }): Promise<BoundObjects> {
    const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
    let uid: string;
    let bound: BoundObjects;
    if (group === '' && ref.kind === 'Pod') {
      const pod = await this.sources.pod(namespace, ref.name);
      // A pod without one runs as "default" (the ServiceAccount admission plugin writes it).
      if (saName !== (pod.spec?.serviceAccountName || 'default')) {
        throw new BadRequestError(`cannot bind token for serviceaccount ${JSON.stringify(saName)} to pod running with different serviceaccount name.`);
      }
      uid = pod.metadata!.uid;
      const nodeName = pod.spec?.nodeName;
      const node = nodeName ? this.sources.cachedNode(nodeName) : undefined;
      bound = { pod: { name: pod.metadata!.name, uid }, ...(node ? { node: { name: node.metadata!.name, uid: node.metadata!.uid } } : {}) };
    } else if (group === '' && ref.kind === 'Secret') {
      const secret = await this.sources.secret(namespace, ref.name);
      uid = secret.metadata!.uid;
      bound = { secret: { name: secret.metadata!.name, uid } };
    } else {
      throw new BadRequestError(`cannot bind token to object of type ${gvkString(ref.apiVersion, ref.kind)}`);
    }
    if (ref.uid && ref.uid !== uid) {
      throw new ConflictError(
        `Operation cannot be fulfilled on ${ref.kind} "${ref.name}": the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
    }
    return bound;
  }
}
