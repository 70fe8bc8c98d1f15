// The one door every API call passes, in kube-apiserver's order: authentication,
// impersonation, strict decoding, priority and fairness (or the in-flight limit),
// authorization, patch bounds, the admission chain (admission/chain.ts), then the handler; and,
// whatever happened, one audit record (with admission's annotations). Resource services and the
// access-review service call serveResource() / serve() / admitWatch() / admitStream().
import type { Metadata, ServerDuplexStream, ServerUnaryCall, ServerWritableStream, ServiceDefinition } from '@grpc/grpc-js';
import { status as Status } from '@grpc/grpc-js';
import { ApiError, BadRequestError } from '../../../lib/api/errors';
import { warningMetadata } from '../../../lib/api/warnings';
import type { KindInfo, KubeObject } from '../../../lib/api/kinds';
import type { AdmissionChain, AdmissionRequest } from '../admission/chain';
import type { AuditDecision, AuditSink } from './audit/audit-log';
import type { Authenticator } from './authn/authenticator';
import { impersonate } from './authn/impersonation';
import type { Authorizer } from './authz/authorizer';
import type { FrontDoorTrust } from './authn/front-door-trust';
import { forbidden } from './authz/forbidden';
import { boundError } from './limits/bounded-errors';
import type { RequestLimiter } from './limits/request-limiter';
import { checkPatch } from './limits/patch-limits';
import { MalformedRequest, strictDeserializer, type RequestSchemas } from './limits/strict-decoding';
import { attributesForCall, fullResource, type RequestAttributes } from './request-attributes';
import type { UserInfo } from './user-info';

export interface RequestGateDeps {
  authenticator: Authenticator;
  authorizer: Authorizer;
  /** API Priority and Fairness, or the max-in-flight limit. */
  limiter: RequestLimiter;
  /** The admission plugins of --enable/--disable-admission-plugins, in kube-apiserver's order. */
  admission: AdmissionChain;
  audit?: AuditSink;
  schemas: RequestSchemas;
  /** The HTTP front door's calls record their caller's address and user agent. */
  frontDoor?: FrontDoorTrust;
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
  /** Authorization allowed the call (admission may still refuse it). */
  authorized: boolean;
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

  /**
   * Serves one call of a <Kind>Service method (`rpc` e.g. "UpdatePodStatus"). A deletecollection
   * is admitted object by object (admitDelete), not as a whole, as Kubernetes admits it.
   * `asCreate`: for a patch that creates its object (an apply patch of an object that does not
   * exist), the object it creates; admission then sees the create of that object (put in the
   * request's object field, where the handler finds it admitted), as Kubernetes' patcher admits it.
   */
  serveResource<R>(
    call: ServerUnaryCall<any, any>,
    kind: KindInfo<any>,
    rpc: string,
    handler: (ctx: RequestContext) => Promise<R>,
    asCreate?: (req: any) => Promise<unknown>,
  ): Promise<R> {
    const req = call.request;
    if (kind.verbOf(rpc) === 'deleteCollection') return this.serve(call, `${kind.serviceName}/${rpc}`, (r) => attributesForCall(kind, rpc, r), handler);
    const admit: Admission<R> = async (ctx, proceed) => {
      if (kind.verbOf(rpc) === 'patch') checkPatch(req.patch);
      const created = await asCreate?.(req);
      if (created) req[kind.requestField] = created;
      // Warnings (Kubernetes' Warning headers) go out once, before the reply or the refusal.
      const warnings: string[] = [];
      let sent = false;
      const flush = () => {
        if (!sent && warnings.length) call.sendMetadata(warningMetadata(warnings));
        sent = true;
      };
      try {
        return await this.deps.admission.run(this.admissionRequest(kind, created ? kind.methods.create! : rpc, req, ctx, (w) => warnings.push(w)), () => {
          flush();
          return proceed();
        });
      } finally {
        flush();
      }
    };
    return this.serve(call, `${kind.serviceName}/${rpc}`, (r) => attributesForCall(kind, rpc, r), handler, admit);
  }

  /**
   * The admission chain for one object a deletecollection deletes (Kubernetes'
   * AdmissionToValidateObjectDeleteFunc): the plugins see a delete of that object with the
   * collection's options.
   */
  admitDelete(ctx: RequestContext, kind: KindInfo<any>, options: Record<string, unknown>, obj: KubeObject): Promise<void> {
    const m = obj.metadata!;
    const rpc = kind.methods.delete!;
    const request = { ...options, namespace: m.namespace, name: m.name };
    const attributes = { ...ctx.attributes, verb: 'delete', name: m.name };
    return this.deps.admission.run(this.admissionRequest(kind, rpc, request, { ...ctx, attributes }, () => {}), async () => undefined);
  }

  /**
   * The User-Agent whose prefix is the field manager of writes that name none: an HTTP caller's as
   * the front door forwards it (empty when it sent none, never the internal hop's), a gRPC
   * caller's without its gRPC library's token (see clientAgent).
   */
  userAgent(call: { metadata: Metadata }): string {
    const forwarded = this.deps.frontDoor?.forwarded(call.metadata);
    return forwarded ? forwarded.userAgent ?? '' : clientAgent(userAgent(call.metadata));
  }

  private admissionRequest(kind: KindInfo<any>, rpc: string, request: any, ctx: RequestContext, warn: (text: string) => void): AdmissionRequest {
    return {
      kind,
      rpc,
      verb: kind.verbOf(rpc),
      request,
      object: request?.[kind.requestField],
      user: ctx.user,
      attributes: ctx.attributes,
      dryRun: isDryRun(request?.dryRun),
      warn,
      auditAnnotations: ctx.auditAnnotations,
    };
  }

  /**
   * Serves one unary call whose attributes `attrsOf` describes; `handler` runs once it is
   * authorized and `admit` (extra admission wrapped around it) lets it proceed. With
   * `anonymous`, a caller without credentials is system:anonymous, for authorization to decide.
   */
  async serve<R>(
    call: ServerUnaryCall<any, any>,
    method: string,
    attrsOf: (req: any) => RequestAttributes,
    handler: (ctx: RequestContext) => Promise<R>,
    admit: Admission<R> = (_ctx, proceed) => proceed(),
    opts: { anonymous?: boolean } = {},
  ): Promise<R> {
    return this.audited(call, method, async (t) => {
      const user = await this.identify(call, t, call.request, opts.anonymous);
      const attrs = (t.attrs = attrsOf(call.request));
      const release = await this.deps.limiter.admit(user, attrs, call);
      try {
        await this.authorize(user, attrs, t);
        const ctx = { user, attributes: attrs, auditAnnotations: t.annotations };
        return await admit(ctx, () => {
          t.admitted = true;
          return handler(ctx);
        });
      } finally {
        release();
      }
    });
  }

  /** Admits a watch (long-running: no in-flight slot). Throws the error to end the call with. */
  admitWatch(call: ServerWritableStream<any, any>, kind: KindInfo<any>): Promise<void> {
    const rpc = kind.methods.watch!;
    return this.admitStream(call, kind, rpc, (req) => attributesForCall(kind, rpc, req));
  }

  /**
   * Admits a long-running stream of `kind`'s service (watch, pods/log, pods/exec):
   * authentication, impersonation, authorization, the admission chain and an audit record, no
   * in-flight slot. `attrsOf` reads the request (for a client or bidi stream, call this with the
   * first message). Throws the error to end the call with.
   */
  async admitStream(call: AnyCall, kind: KindInfo<any>, rpc: string, attrsOf: (req: any) => RequestAttributes, firstMessage?: unknown): Promise<void> {
    return this.audited(call, `${kind.serviceName}/${rpc}`, async (t) => {
      const user = await this.identify(call, t, firstMessage);
      const request = firstMessage ?? (call as { request?: unknown }).request;
      const attrs = (t.attrs = attrsOf(request));
      await this.authorize(user, attrs, t);
      const ctx = { user, attributes: attrs, auditAnnotations: t.annotations };
      await this.deps.admission.run(this.admissionRequest(kind, rpc, request, ctx, () => {}), async () => undefined);
      t.admitted = true;
    });
  }

  /** Runs one call's way through the gate with its trace; whatever happens, one audit record. */
  private async audited<R>(call: AnyCall, method: string, body: (t: Trace) => Promise<R>): Promise<R> {
    const t = this.trace(method);
    let code: number = Status.OK;
    let message: string | undefined;
    try {
      return await body(t);
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
    return { start: process.hrtime.bigint(), method, authorized: false, admitted: false, authenticated: false, reason: '', annotations: {} };
  }

  /** Authentication, impersonation and the decoding check (after authentication, so strangers learn nothing). */
  private async identify(call: AnyCall, t: Trace, message: unknown = (call as { request?: unknown }).request, anonymous = false): Promise<UserInfo> {
    const caller = await this.deps.authenticator.authenticate(call, { anonymous });
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
    t.authorized = true;
  }

  private record(call: AnyCall, t: Trace, code: number, message: string | undefined): void {
    const audit = this.deps.audit;
    if (!audit) return;
    let decision: AuditDecision;
    // The authorizer's decision, as Kubernetes' audit annotation "authorization.k8s.io/decision":
    // an admission refusal is an allowed call answered PERMISSION_DENIED.
    if (!t.authenticated) decision = 'unauthenticated';
    else if (t.authorized) decision = 'allow';
    else if (code === Status.PERMISSION_DENIED) decision = 'forbid';
    else decision = 'error';
    const a = t.attrs;
    const forwarded = this.deps.frontDoor?.forwarded(call.metadata);
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
      sourceIP: forwarded?.peer ?? call.getPeer(),
      userAgent: forwarded?.userAgent ?? userAgent(call.metadata),
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

/**
 * A gRPC client's own agent: gRPC libraries append theirs to the one the client configures
 * (grpc-js: `kite-scheduler grpc-node-js/1.14.7`, grpc-go: `app grpc-go/1.60.0`), which would
 * make the manager `kite-scheduler grpc-node-js`; a client that configures none keeps the
 * library's (`grpc-node-js`, as kube-apiserver records `Go-http-client` for a bare Go client).
 */
export function clientAgent(userAgent: string): string {
  const i = userAgent.search(/ grpc-[\w.-]+\//);
  return i > 0 ? userAgent.slice(0, i) : userAgent;
}
