// The gate in front of every call on the kubelet's endpoint (Kubernetes' InstallAuthFilter in
// pkg/kubelet/server/server.go): authenticate the caller by its client certificate (CN user, O
// groups, plus system:authenticated), map the call to `nodes/<subresource>` attributes of this
// node, and ask the authorizer. The handler starts only once the call is allowed; otherwise the
// call ends with UNAUTHENTICATED, PERMISSION_DENIED or, when no answer could be had,
// UNAVAILABLE. Kite has no TokenReview, so bearer tokens are not accepted here.
import { Metadata, ServerInterceptingCall, type ServerInterceptingCallInterface, type ServerInterceptor, type StatusObject } from '@grpc/grpc-js';
import { ForbiddenError, UnauthenticatedError, UnavailableError, toServiceError, type ApiError } from '../../../lib/api/errors';
import { statusFor } from '../../../lib/grpc/panic-recovery';
import type { Logger } from '../../../lib/log';
import { userFromCertificate } from '../../../lib/pki/client-identity';
import { authorizationErrorMessage, forbiddenMessage, kubeletRequestAttributes } from './auth';
import type { KubeletAuthorizer } from './webhook-authorizer';

const AUTHENTICATED_GROUP = 'system:authenticated';

export interface AuthFilterOptions {
  nodeName: string;
  authorizer: KubeletAuthorizer;
  log: Logger;
}

/** The status a refusal ends the call with, encoded as every Kite error is (any text is safe to send). */
const refusal = (err: ApiError): StatusObject => {
  const s = toServiceError(err);
  return { code: s.code!, details: s.details!, metadata: s.metadata! };
};

/** undefined when the call may go on, else the status that ends it. */
async function check(method: string, call: ServerInterceptingCallInterface, o: AuthFilterOptions): Promise<StatusObject | undefined> {
  const identity = userFromCertificate(call.getAuthContext()?.sslPeerCertificate);
  if (!identity || 'error' in identity) {
    o.log.debug({ method, peer: call.getPeer(), err: identity?.error }, 'unauthenticated call refused');
    return refusal(new UnauthenticatedError(identity ? `Unauthorized: ${identity.error}` : 'Unauthorized'));
  }
  const { user } = identity;
  const groups = user.groups.includes(AUTHENTICATED_GROUP) ? user.groups : [...user.groups, AUTHENTICATED_GROUP];
  const attrs = kubeletRequestAttributes({ ...user, groups }, method, o.nodeName);
  let allowed: boolean;
  try {
    allowed = await o.authorizer.authorize(attrs);
  } catch (err) {
    o.log.warn({ method, user: user.name, verb: attrs.verb, subresource: attrs.subresource, err: (err as Error).message }, 'authorization error');
    return refusal(new UnavailableError(`${authorizationErrorMessage(attrs)}: ${(err as Error).message}`));
  }
  if (allowed) return undefined;
  o.log.debug({ method, user: user.name, verb: attrs.verb, subresource: attrs.subresource }, 'forbidden');
  return refusal(new ForbiddenError(forbiddenMessage(attrs)));
}

export function authFilter(o: AuthFilterOptions): ServerInterceptor {
  return (method, call) =>
    new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, proceed) => {
            void check(method.path, call, o).then(
              (refused) => (refused ? call.sendStatus(refused) : proceed(metadata)),
              (err: unknown) => {
                const s = statusFor(method.path, err);
                call.sendStatus({ code: s.code, details: s.details ?? '', metadata: s.metadata ?? new Metadata() });
              },
            );
          },
        }),
    });
}
