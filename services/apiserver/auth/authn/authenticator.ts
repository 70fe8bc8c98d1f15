// Authentication of one call: a client certificate verified against --client-ca-file, else a
// bearer token: one from --token-auth-file, or a service-account JWT of our issuers
// (serviceaccount/token-authenticator.ts). Every authenticated user is in system:authenticated.
// With neither configured the apiserver is in insecure development mode and every caller is
// system:anonymous in system:masters; with either configured, a caller without valid
// credentials gets UNAUTHENTICATED, except where anonymous requests are allowed (the requests for
// paths that are not resources, as kube-apiserver's anonymous authenticator with RBAC deciding):
// a caller with no credentials at all is then system:anonymous in system:unauthenticated.
import type { Metadata, ServerUnaryCall } from '@grpc/grpc-js';
import { UnauthenticatedError } from '../../../../lib/api/errors';
import { userFromCertificate } from '../../../../lib/pki/client-identity';
import { ANONYMOUS_USER, MASTERS_GROUP, UNAUTHENTICATED_GROUP, withAuthenticatedGroup, type UserInfo } from '../user-info';
import { InvalidTokenError } from '../serviceaccount/token-signer';
import type { ServiceAccountTokenAuthenticator } from '../serviceaccount/token-authenticator';
import type { FrontDoorTrust } from './front-door-trust';
import type { TokenFileAuthenticator } from './token-file';

export interface AuthenticationConfig {
  /** Client certificates are trusted (the TLS layer verifies them against --client-ca-file). */
  clientCertificates: boolean;
  tokens?: TokenFileAuthenticator;
  /** Bound service-account tokens (--service-account-issuer and its keys). */
  serviceAccounts?: ServiceAccountTokenAuthenticator;
  /** Whom the HTTP front door's internal calls speak for (front-door-trust.ts). */
  frontDoor?: FrontDoorTrust;
}

/** What of a call authentication reads. */
export interface CallCredentials {
  metadata: Metadata;
  getAuthContext: ServerUnaryCall<unknown, unknown>['getAuthContext'];
}

const DEV_USER: UserInfo = withAuthenticatedGroup({ name: ANONYMOUS_USER, uid: '', groups: [MASTERS_GROUP] });

function bearerToken(metadata: Metadata): { token?: string; error?: string } {
  const header = metadata.get('authorization')[0];
  if (header === undefined) return {};
  const m = /^Bearer\s+(\S+)\s*$/i.exec(String(header));
  if (!m) return { error: 'the authorization metadata must be "Bearer <token>"' };
  return { token: m[1] };
}

export class Authenticator {
  /**
   * Who each call's credentials proved, by the call's Metadata object: grpc-js hands the object
   * the interceptor authenticated (authenticate-on-headers.ts) on to the handler, so the request
   * gate gets that answer instead of verifying the same certificate or token signature again
   * (kube-apiserver authenticates a request once). Only successes are kept, per call.
   */
  private readonly byCall = new WeakMap<Metadata, UserInfo>();

  constructor(private readonly cfg: AuthenticationConfig) {}

  /** True when no authentication is configured: everyone is an anonymous cluster admin. */
  get insecureDevMode(): boolean {
    return !this.cfg.clientCertificates && !this.cfg.tokens && !this.cfg.serviceAccounts;
  }

  /** The caller; with `anonymous`, one that presents no credentials is system:anonymous. */
  async authenticate(call: CallCredentials, opts: { anonymous?: boolean } = {}): Promise<UserInfo> {
    if (this.insecureDevMode) return DEV_USER;
    const known = this.byCall.get(call.metadata);
    if (known) return known;
    const user = await this.verify(call);
    if (user) {
      this.byCall.set(call.metadata, user);
      return user;
    }
    if (opts.anonymous) return { name: ANONYMOUS_USER, uid: '', groups: [UNAUTHENTICATED_GROUP] };
    throw new UnauthenticatedError(
      'Unauthorized: no valid credentials: send a client certificate signed by the cluster CA (an expired certificate or one from another CA counts as none) or a bearer token',
    );
  }

  /** The user a call's credentials prove; undefined when it presents none; UNAUTHENTICATED for invalid ones. */
  private async verify(call: CallCredentials): Promise<UserInfo | undefined> {
    const problems: string[] = [];
    if (this.cfg.clientCertificates) {
      // A call of the HTTP front door carries its caller's certificate; any other, its own TLS peer's.
      const forwarded = this.cfg.frontDoor?.forwarded(call.metadata);
      const r = userFromCertificate(forwarded ? forwarded.certificate : call.getAuthContext()?.sslPeerCertificate);
      if (r && 'user' in r) return withAuthenticatedGroup(r.user);
      if (r) problems.push(r.error);
    }
    const bearer = bearerToken(call.metadata);
    if (bearer.error) problems.push(bearer.error);
    if (bearer.token !== undefined) {
      const before = problems.length;
      const user = this.cfg.tokens?.authenticate(bearer.token) ?? (await this.serviceAccount(bearer.token, problems));
      if (user) return withAuthenticatedGroup(user);
      if (problems.length === before) problems.push('invalid bearer token');
    }
    if (problems.length) throw new UnauthenticatedError(`Unauthorized: ${problems.join('; ')}`);
    return undefined;
  }

  /** The service account of a bound token; a token of ours that is invalid adds why to `problems`. */
  private async serviceAccount(token: string, problems: string[]): Promise<UserInfo | undefined> {
    try {
      return await this.cfg.serviceAccounts?.authenticate(token);
    } catch (err) {
      if (!(err instanceof InvalidTokenError)) throw err;
      problems.push(`invalid bearer token: ${err.message}`);
      return undefined;
    }
  }
}
