// Authentication before a request's body is read. grpc-js buffers a call's message until it is
// complete (up to --max-request-bytes), and the request gate only sees whole messages, so a
// stranger could make the apiserver hold megabytes per stream without ever being identified.
// This server interceptor authenticates each call on its headers (client certificate of the
// connection, bearer token), as kube-apiserver's authentication filter does before any handler
// reads the body: a call without valid credentials is answered UNAUTHENTICATED at once (and
// audited) and none of its body is read. The few methods open to everyone (health, reflection)
// admit a bounded number of unauthenticated calls at a time; the excess is RESOURCE_EXHAUSTED.
// Authenticated calls that are not exempt from priority and fairness (system:masters is) then
// wait for their event-loop turn (flowcontrol/turn-scheduler.ts) before their body is read.
import { Metadata, ServerInterceptingCall, status as Status, type ServerInterceptor } from '@grpc/grpc-js';
import { ApiError } from '../../../../lib/api/errors';
import { ALL_KINDS } from '../../../../lib/api/kinds';
import type { AuditSink } from '../audit/audit-log';
import type { TurnScheduler } from '../../flowcontrol/turn-scheduler';
import type { Authenticator, CallCredentials } from '../authn/authenticator';
import { attributesForCall, fullResource } from '../request-attributes';
import { isMaster, type UserInfo } from '../user-info';

/** Services anyone may call (Kubernetes' /healthz and discovery; the HTTP API's non-resource paths, for RBAC to decide). */
export const OPEN_SERVICE_PREFIXES = [
  '/grpc.health.v1.Health/',
  '/grpc.reflection.v1.ServerReflection/',
  '/grpc.reflection.v1alpha.ServerReflection/',
  '/kite.authorization.v1.AuthorizationService/AuthorizeNonResourceRequest',
];

export interface AuthenticateOnHeadersOptions {
  authenticator: Authenticator;
  audit?: AuditSink;
  /** Unauthenticated calls of open services in progress at once, server-wide. */
  maxUnauthenticatedOpenCalls: number;
  /** Where calls that are not exempt wait for their turn (absent: none wait). */
  turns?: TurnScheduler;
}

const kindsByService = new Map(ALL_KINDS.map((k) => [k.serviceName, k]));

/** Verb and resource of a <Kind>Service method, known from its path alone (namespace and name are in the body). */
function methodAttributes(method: string): { verb: string; apiGroup: string; resource: string } {
  const [service, rpc] = method.split('/');
  const kind = kindsByService.get(service);
  if (!kind) return { verb: '', apiGroup: '', resource: '' };
  try {
    const a = attributesForCall(kind, rpc, {});
    return { verb: a.verb, apiGroup: a.apiGroup, resource: fullResource(a) };
  } catch {
    return { verb: '', apiGroup: kind.group, resource: kind.resource };
  }
}

/** The caller, or why it is not authenticated. */
async function identify(authenticator: Authenticator, metadata: Metadata, getAuthContext: CallCredentials['getAuthContext']): Promise<UserInfo | string> {
  try {
    return await authenticator.authenticate({ metadata, getAuthContext });
  } catch (err) {
    return err instanceof ApiError ? err.message : String(err);
  }
}

export function authenticateOnHeaders(opts: AuthenticateOnHeadersOptions): ServerInterceptor {
  let openUnauthenticated = 0;
  return (method, call) => {
    const start = process.hrtime.bigint();
    // The request gate's spelling: "kite.core.v1.PodService/GetPod".
    const methodName = method.path.replace(/^\//, '');
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
        ...methodAttributes(methodName),
        namespace: '',
        name: '',
        method: methodName,
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
            void identify(opts.authenticator, metadata, () => call.getAuthContext()).then((who) => {
              if (typeof who !== 'string') {
                if (open || isMaster(who) || !opts.turns) return proceed(metadata);
                return opts.turns.run(who.name, () => proceed(metadata));
              }
              if (!open) return refuse(metadata, Status.UNAUTHENTICATED, who);
              if (openUnauthenticated >= opts.maxUnauthenticatedOpenCalls) {
                return refuse(metadata, Status.RESOURCE_EXHAUSTED, 'Too many requests from unauthenticated clients, please try again later', 1);
              }
              openUnauthenticated++;
              counted = true;
              proceed(metadata);
            });
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
