// Authentication before a request's body is read. grpc-js buffers a call's message until it is
// complete (up to --max-request-bytes), and the request gate only sees whole messages, so a
// stranger could make the apiserver hold megabytes per stream without ever being identified.
// This server interceptor authenticates each call on its headers (client certificate of the
// connection, bearer token), as kube-apiserver's authentication filter does before any handler
// reads the body: a call without valid credentials is answered UNAUTHENTICATED at once (and
// audited) and none of its body is read. The few methods open to everyone (health, reflection)
// admit a bounded number of unauthenticated calls at a time; the excess is RESOURCE_EXHAUSTED.
import { Metadata, ServerInterceptingCall, status as Status, type ServerInterceptor } from '@grpc/grpc-js';
import { ApiError } from '../../../../lib/api/errors';
import type { AuditSink } from '../audit/audit-log';
import type { Authenticator } from '../authn/authenticator';

/** Services anyone may call (Kubernetes' /healthz and discovery). */
export const OPEN_SERVICE_PREFIXES = ['/grpc.health.v1.Health/', '/grpc.reflection.v1.ServerReflection/', '/grpc.reflection.v1alpha.ServerReflection/'];

export interface AuthenticateOnHeadersOptions {
  authenticator: Authenticator;
  audit?: AuditSink;
  /** Unauthenticated calls of open services in progress at once, server-wide. */
  maxUnauthenticatedOpenCalls: number;
}

export function authenticateOnHeaders(opts: AuthenticateOnHeadersOptions): ServerInterceptor {
  let openUnauthenticated = 0;
  return (method, call) => {
    const start = process.hrtime.bigint();
    const open = OPEN_SERVICE_PREFIXES.some((p) => method.path.startsWith(p));
    let counted = false;
    const uncount = () => {
      if (counted) openUnauthenticated--;
      counted = false;
    };
    const refuse = (metadata: Metadata, code: Status, message: string, retryAfterSeconds?: number) => {
      opts.audit?.record({
        user: '',
        groups: [],
        verb: '',
        apiGroup: '',
        resource: '',
        namespace: '',
        name: '',
        method: method.path,
        sourceIP: call.getPeer(),
        userAgent: String(metadata.get('user-agent')[0] ?? ''),
        decision: 'unauthenticated',
        code,
        message,
        latencyMs: Number(process.hrtime.bigint() - start) / 1e6,
      });
      const trailers = new Metadata();
      if (retryAfterSeconds !== undefined) trailers.set('retry-after', String(retryAfterSeconds));
      call.sendStatus({ code, details: message, metadata: trailers });
    };
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, proceed) {
            if (opts.authenticator.insecureDevMode) return proceed(metadata);
            let message: string;
            try {
              opts.authenticator.authenticate({ metadata, getAuthContext: () => call.getAuthContext() });
              return proceed(metadata);
            } catch (err) {
              message = err instanceof ApiError ? err.message : String(err);
            }
            if (!open) return refuse(metadata, Status.UNAUTHENTICATED, message);
            if (openUnauthenticated >= opts.maxUnauthenticatedOpenCalls) {
              return refuse(metadata, Status.RESOURCE_EXHAUSTED, 'Too many requests from unauthenticated clients, please try again later', 1);
            }
            openUnauthenticated++;
            counted = true;
            proceed(metadata);
          },
          onCancel: uncount,
        });
      },
      sendStatus(status, next) {
        uncount();
        next(status);
      },
    });
  };
}
