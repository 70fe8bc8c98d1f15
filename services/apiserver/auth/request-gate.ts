// The one door every API call passes, in kube-apiserver's order: authentication,
// impersonation, strict decoding, priority and fairness (or the in-flight limit),
// authorization, admission (node restriction, patch bounds, pod security, limit ranges, resource
// quota), then the handler; and,
// whatever happened, one audit record (with admission's annotations). Resource services and the
// access-review service call serve() / admitWatch().
import type { Metadata, ServerDuplexStream, ServerUnaryCall, ServerWritableStream, ServiceDefinition } from '@grpc/grpc-js';
import { status as Status } from '@grpc/grpc-js';
import { ApiError, BadRequestError } from '../../../lib/api/errors';
import { warningMetadata } from '../../../lib/api/warnings';
import { admitPodSecurity, type PodSecuritySource } from '../admission/pod-security';
import type { KindInfo, KubeObject } from '../../../lib/api/kinds';
import type { AuditDecision, AuditSink } from './audit/audit-log';
import type { Authenticator } from './authn/authenticator';
import { impersonate } from './authn/impersonation';
import type { Authorizer } from './authz/authorizer';
import { forbidden } from './authz/forbidden';
import { boundError } from './limits/bounded-errors';
import type { RequestLimiter } from './limits/request-limiter';
import { checkPatch } from './limits/patch-limits';
import { MalformedRequest, strictDeserializer, type RequestSchemas } from './limits/strict-decoding';
import type { NodeRestriction } from './node/node-authorizer';
import type { LimitRanger } from '../admission/limit-ranger';
import type { QuotaAdmission } from '../admission/resource-quota/quota-admission';
import type { EscalationCheck } from '../admission/rbac-escalation/escalation';
import { attributesForCall, fullResource, type RequestAttributes } from './request-attributes';
import type { UserInfo } from './user-info';

export interface RequestGateDeps {
  authenticator: Authenticator;
  authorizer: Authorizer;
  /** Present with --authorization-mode Node. */
  nodeRestriction?: NodeRestriction;
  /** API Priority and Fairness, or the max-in-flight limit. */
  limiter: RequestLimiter;
  quota?: QuotaAdmission;
  limitRanger?: LimitRanger;
  /** Present with --authorization-mode RBAC. */
  escalation?: EscalationCheck;
  /** The PodSecurity admission's view of namespaces and pods. */
  podSecurity?: PodSecuritySource;
  audit?: AuditSink;
  schemas: RequestSchemas;
}

/** What a handler learns about its caller. */
export interface RequestContext {
  user: UserInfo;
  attributes: RequestAttributes;
  /** Admission's notes for the audit record (Kubernetes' audit annotations). */
  auditAnnotations: Record<string, string>;
}

/** Admission around a handler: may refuse, or call `proceed` (at most once) and return its result. */
export type Admission<R> = (ctx: RequestContext, proceed: () => Promise<R>) => Promise<R>;

type AnyCall = ServerUnaryCall<any, any> | ServerWritableStream<any, any> | ServerDuplexStream<any, any>;

/** One call's path through the gate, for the audit record. */
interface Trace {
  start: bigint;
  method: string;
  user?: UserInfo;
  realUser?: UserInfo;
  attrs?: RequestAttributes;
  /** Reached the handler (authorization and admission passed). */
  admitted: boolean;
  annotations: Record<string, string>;
  authenticated: boolean;
  reason: string;
}

const isDryRun = (d: unknown) => Array.isArray(d) && d.includes('All');

export class RequestGate {
  constructor(private readonly deps: RequestGateDeps) {}

  /** Wraps a service definition's request decoders with strict decoding (see strict-decoding.ts). */
  strictDefinition(def: ServiceDefinition): ServiceDefinition {
    const out: Record<string, ServiceDefinition[string]> = {};
    for (const [key, m] of Object.entries(def)) {
      out[key] = { ...m, requestDeserialize: strictDeserializer(this.deps.schemas.requestType(m.path), m.requestDeserialize) };
    }
    return out as ServiceDefinition;
  }

  /** Serves one call of a <Kind>Service method (`rpc` e.g. "UpdatePodStatus"). */
  serveResource<R>(call: ServerUnaryCall<any, any>, kind: KindInfo<any>, rpc: string, handler: () => Promise<R>): Promise<R> {
    const req = call.request;
    const verb = kind.verbOf(rpc);
    const admit: Admission<R> = async (ctx, proceed) => {
      if (verb === 'patch') checkPatch(req.patch);
      await this.deps.escalation?.admit(ctx.user, kind, ctx.attributes.verb, ctx.attributes, req[kind.requestField]);
      if (this.deps.podSecurity) await this.admitPodSecurity(call, kind, rpc, ctx, this.deps.podSecurity);
      if (verb === 'create') {
        const obj = req[kind.requestField] as KubeObject | undefined;
        // LimitRanger first, so that quota counts the requests it defaults.
        this.deps.limitRanger?.admitCreate(kind, ctx.attributes.namespace, obj);
        if (this.deps.quota) return this.deps.quota.admitCreate(kind, ctx.attributes.namespace, obj, isDryRun(req.dryRun), proceed);
      }
      return proceed();
    };
    return this.serve(call, `${kind.serviceName}/${rpc}`, (r) => attributesForCall(kind, rpc, r), handler, admit);
  }

  /**
   * Serves one unary call whose attributes `attrsOf` describes; `handler` runs once it is
   * authorized and `admit` (extra admission wrapped around it) lets it proceed.
   */
  async serve<R>(
    call: ServerUnaryCall<any, any>,
    method: string,
    attrsOf: (req: any) => RequestAttributes,
    handler: (ctx: RequestContext) => Promise<R>,
    admit: Admission<R> = (_ctx, proceed) => proceed(),
  ): Promise<R> {
    const t = this.trace(method);
    let code: number = Status.OK;
    let message: string | undefined;
    try {
      const user = await this.identify(call, t);
      const attrs = (t.attrs = attrsOf(call.request));
      const release = await this.deps.limiter.admit(user, attrs, call);
      try {
        await this.authorize(user, attrs, t);
        await this.deps.nodeRestriction?.admit(user, attrs);
        const ctx = { user, attributes: attrs, auditAnnotations: t.annotations };
        return await admit(ctx, () => {
          t.admitted = true;
          return handler(ctx);
        });
      } finally {
        release();
      }
    } catch (err) {
      const bounded = boundError(err);
      code = bounded instanceof ApiError ? bounded.code : Status.INTERNAL;
      message = bounded instanceof Error ? bounded.message : String(bounded);
      throw bounded;
    } finally {
      this.record(call, t, code, message);
    }
  }

  /** Admits a watch (long-running: no in-flight slot). Throws the error to end the call with. */
  admitWatch(call: ServerWritableStream<any, any>, kind: KindInfo<any>): Promise<void> {
    const rpc = kind.methods.watch!;
    return this.admitStream(call, `${kind.serviceName}/${rpc}`, (req) => attributesForCall(kind, rpc, req));
  }

  /**
   * Admits a long-running stream (watch, pods/log, pods/exec): authentication, impersonation,
   * authorization and an audit record, no in-flight slot. `attrsOf` reads the request (for a
   * client or bidi stream, call this with the first message). Throws the error to end the call with.
   */
  async admitStream(call: AnyCall, method: string, attrsOf: (req: any) => RequestAttributes, firstMessage?: unknown): Promise<void> {
    const t = this.trace(method);
    let code: number = Status.OK;
    let message: string | undefined;
    try {
      const user = await this.identify(call, t, firstMessage);
      const attrs = (t.attrs = attrsOf(firstMessage ?? (call as { request?: unknown }).request));
      await this.authorize(user, attrs, t);
      await this.deps.nodeRestriction?.admit(user, attrs);
      t.admitted = true;
    } catch (err) {
      const bounded = boundError(err);
      code = bounded instanceof ApiError ? bounded.code : Status.INTERNAL;
      message = bounded instanceof Error ? bounded.message : String(bounded);
      throw bounded;
    } finally {
      this.record(call, t, code, message);
    }
  }

  private trace(method: string): Trace {
    return { start: process.hrtime.bigint(), method, admitted: false, authenticated: false, reason: '', annotations: {} };
  }

  /** PodSecurity: its warnings go out as response headers (Kubernetes' Warning headers), its notes into the audit record. */
  private async admitPodSecurity(call: ServerUnaryCall<any, any>, kind: KindInfo<any>, rpc: string, ctx: RequestContext, source: PodSecuritySource): Promise<void> {
    const d = await admitPodSecurity({ kind, rpc, namespace: ctx.attributes.namespace, request: call.request, user: ctx.user.name }, source);
    Object.assign(ctx.auditAnnotations, d.auditAnnotations);
    if (d.warnings.length) call.sendMetadata(warningMetadata(d.warnings));
    if (d.refusal) throw d.refusal;
  }

  /** Authentication, impersonation and the decoding check (after authentication, so strangers learn nothing). */
  private async identify(call: AnyCall, t: Trace, message: unknown = (call as { request?: unknown }).request): Promise<UserInfo> {
    const caller = this.deps.authenticator.authenticate(call);
    t.authenticated = true;
    t.user = caller;
    const user = await impersonate(caller, call.metadata, this.deps.authorizer);
    if (user !== caller) {
      t.user = user;
      t.realUser = caller;
    }
    if (message instanceof MalformedRequest) throw new BadRequestError(message.reason);
    return user;
  }

  private async authorize(user: UserInfo, attrs: RequestAttributes, t: Trace): Promise<void> {
    const r = await this.deps.authorizer.authorize(user, attrs);
    t.reason = r.reason;
    if (r.decision !== 'allow') throw forbidden(user, attrs, r.reason);
  }

  private record(call: AnyCall, t: Trace, code: number, message: string | undefined): void {
    const audit = this.deps.audit;
    if (!audit) return;
    let decision: AuditDecision;
    if (!t.authenticated) decision = 'unauthenticated';
    else if (code === Status.PERMISSION_DENIED && !t.admitted) decision = 'forbid';
    else if (t.admitted) decision = 'allow';
    else decision = 'error';
    const a = t.attrs;
    audit.record({
      user: t.user?.name ?? '',
      groups: t.user?.groups ?? [],
      ...(t.realUser ? { impersonatedBy: t.realUser.name } : {}),
      verb: a?.verb ?? '',
      apiGroup: a?.apiGroup ?? '',
      resource: a ? fullResource(a) : '',
      namespace: a?.namespace ?? '',
      name: a?.name ?? '',
      method: t.method,
      sourceIP: call.getPeer(),
      userAgent: userAgent(call.metadata),
      decision,
      ...(t.reason ? { reason: t.reason } : {}),
      code,
      ...(message !== undefined ? { message } : {}),
      ...(Object.keys(t.annotations).length ? { annotations: t.annotations } : {}),
      latencyMs: Number(process.hrtime.bigint() - t.start) / 1e6,
    });
  }
}

function userAgent(md: Metadata): string {
  return String(md.get('user-agent')[0] ?? '');
}
