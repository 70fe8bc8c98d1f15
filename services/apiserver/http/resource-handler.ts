// Kubernetes' resource endpoints (k8s.io/apiserver/pkg/endpoints/handlers: get, list, watch,
// create, update, patch, delete, deletecollection; pods/eviction) for every kind of the kinds
// table, each request translated into the <Kind>Service call the gRPC API has and made through the
// gate (gate-client.ts): the reply becomes Kubernetes' JSON, an error its metav1.Status. Nothing
// here is per kind.
import { Metadata, status as GrpcStatus, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { ApiError, BadRequestError, InternalError, fromServiceError } from '../../../lib/api/errors';
import { ALL_KINDS, type KindInfo, type KubeList, type KubeObject, type Verb, type WatchEvent } from '../../../lib/api/kinds';
import { encodeWatchFrame, PROTOBUF_MEDIA_TYPE, PROTOBUF_WATCH_MEDIA_TYPE } from '../../../lib/api/k8s-protobuf';
import { PATCH_TYPES } from '../../../lib/api/patch';
import { TokenRequest } from '../../../lib/gen/kite/authentication/v1/types';
import type { PodLogChunk } from '../../../lib/gen/kite/core/v1/services';
import { ObjectReference } from '../../../lib/gen/kite/core/v1/types';
import { Scale } from '../../../lib/gen/kite/meta/v1/meta';
import { CREATED_TRAILER, FIELD_VALIDATION_METADATA, toScale } from '../grpc/resource-service';
import { scaleTable, tableFor, tableRequested, type IncludeObject } from './documents';
import { upgradeRequired } from './exec-websocket';
import { GateClient, type HttpCaller } from './gate-client';
import { protobufWatch } from './protobuf-reply';
import { convertedVersionOf, versionCodec, type VersionCodec } from './converted-versions';
import { parseFieldValidation, parseJSONBody, parseProtobufBody, parseYAMLBody, patchFieldWarnings, YAML_MEDIA_TYPE, type ExpectedKind } from './request-body';
import { parseBool, type RequestInfo } from './request-info';
import { failure, statusOf, type Status, type Subject } from './status';

/** What of an HTTP exchange the handlers use (node's http and http2 compatibility APIs both have it). */
export interface HttpExchange {
  method: string;
  query: URLSearchParams;
  header(name: string): string | undefined;
  /** The request body (bounded by the caller). */
  body(): Promise<Buffer>;
  /** Sends a JSON reply (an object or a Status). */
  json(code: number, value: unknown, warnings?: string[], headers?: Record<string, string>): void;
  /** Starts a streamed reply. */
  start(code: number, contentType: string, headers?: Record<string, string>): void;
  /** Writes part of a streamed reply; false: wait for drain. */
  write(chunk: string | Buffer): boolean;
  end(): void;
  onDrain(fn: () => void): void;
  /** The client went away. */
  onClose(fn: () => void): void;
}

/** Resources that answer a finished delete with the object rather than a Status (ReturnDeletedObject in their registries). */
const RETURNS_DELETED_OBJECT = new Set(['pods', 'services']);

/** Subresources kubectl has that the front door does not serve yet. */
const NOT_YET = new Set(['proxy', 'ephemeralcontainers']);

/** Kubernetes' 415 for a body it cannot decode. */
class UnsupportedMediaTypeError extends ApiError {
  constructor(message: string) {
    super(GrpcStatus.INVALID_ARGUMENT, message, 'UnsupportedMediaType');
  }
}

export function notFoundPath(): Status {
  return failure(404, 'NotFound', 'the server could not find the requested resource');
}

/** The kind a resource request names, by its API prefix, group, version and resource. */
export function kindOf(info: RequestInfo): KindInfo<any> | undefined {
  if ((info.apiPrefix === 'api') !== (info.apiGroup === '')) return undefined;
  const apiVersion = info.apiGroup ? `${info.apiGroup}/${info.apiVersion}` : info.apiVersion;
  return ALL_KINDS.find((k) => k.apiVersion === apiVersion && k.resource === info.resource);
}

const dryRunOf = (q: URLSearchParams): string[] => q.getAll('dryRun');

function int(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw new BadRequestError(`invalid value for ${name}: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

export class ResourceHandler {
  constructor(private readonly gate: GateClient) {}

  async serve(info: RequestInfo, x: HttpExchange, caller: HttpCaller): Promise<void> {
    // A version served by conversion (autoscaling/v1 HorizontalPodAutoscalers), else the kind's own.
    const converted = info.apiPrefix === 'apis' ? convertedVersionOf(`${info.apiGroup}/${info.apiVersion}`, info.resource) : undefined;
    const kind = converted?.kind ?? kindOf(info);
    if (!kind) return x.json(404, notFoundPath());
    const named = info.parts.length >= 2;
    // Namespaces are named by their own path; other cluster-scoped kinds have none, namespaced ones need one unless listing.
    const namespace = kind.namespaced ? info.namespace : '';
    if (!kind.namespaced && info.namespace && kind.resource !== 'namespaces') return x.json(404, notFoundPath());
    if (kind.namespaced && !info.namespace && (named || info.verb === 'create')) return x.json(404, notFoundPath());
    const subject: Subject = { group: kind.group, resource: kind.resource, kind: kind.kind, name: named ? info.name : '' };
    try {
      await this.dispatch(kind, versionCodec(kind, converted), info, namespace, named, x, caller, subject);
    } catch (err) {
      x.json(...reply(statusOf(err, subject)));
    }
  }

  private async call<R>(kind: KindInfo<any>, verb: Verb, request: unknown, caller: HttpCaller, extra?: Metadata) {
    return this.gate.unary<R>(GateClient.method(kind, verb), request, caller, extra);
  }

  /** `subject` names what errors are about; a create learns its name from the body. */
  private async dispatch(kind: KindInfo<any>, codec: VersionCodec, info: RequestInfo, namespace: string, named: boolean, x: HttpExchange, caller: HttpCaller, subject: Subject): Promise<void> {
    const q = x.query;
    const sub = info.subresource;
    const name = named ? info.name : '';
    if (sub && NOT_YET.has(sub)) {
      return x.json(405, failure(405, 'MethodNotAllowed', `${kind.resource}/${sub} is not served by Kite yet`));
    }
    // exec, attach and portforward are upgrades (exec-websocket.ts, port-forward.ts); a plain request is refused as Kubernetes refuses it.
    if (kind.declaration.streams && (sub === 'exec' || sub === 'attach' || sub === 'portforward')) return x.json(...reply(upgradeRequired()));
    const has = (verb: Verb) => kind.methods[verb] !== undefined;
    switch (info.verb) {
      case 'get': {
        if (sub === 'log' && has('logs')) return this.podLog(kind, namespace, name, x, caller);
        if (sub === 'scale' && has('getScale')) {
          const scale = await this.call<Scale>(kind, 'getScale', { namespace, name }, caller);
          if (asTable(x)) return this.answer(x, 200, scale, (s) => scaleTable(s, (o) => scaleJSON(o as Scale), { includeObject: includeObject(q) }));
          return this.answer(x, 200, scale, (s) => scaleJSON(s));
        }
        if (sub && sub !== 'status') break;
        const r = await this.call<KubeObject>(kind, 'get', { namespace, name, resourceVersion: q.get('resourceVersion') ?? '' }, caller);
        if (asTable(x)) return this.answer(x, 200, r, (o) => tableFor(kind, [o], { includeObject: includeObject(q) }));
        return this.answer(x, 200, r, (o) => codec.encode(o));
      }
      case 'list': {
        const r = await this.call<KubeList<KubeObject>>(kind, 'list', listRequest(namespace, q), caller);
        if (asTable(x)) return this.answer(x, 200, r, (l) => tableFor(kind, l.items, { includeObject: includeObject(q), listMeta: listMetaOf(l) }));
        return this.answer(x, 200, r, (l) => codec.encodeList(l));
      }
      case 'watch':
        return this.watch(kind, codec, namespace, name, x, caller);
      case 'create': {
        if (!named) {
          const { object, warnings } = codec.decode(await objectBody(x, codec.expected), parseFieldValidation(q.get('fieldValidation')));
          checkNamespace(object, namespace);
          subject.name = object.metadata?.name ?? '';
          const r = await this.call<KubeObject>(kind, 'create', { namespace, [kind.requestField]: object, dryRun: dryRunOf(q), fieldManager: q.get('fieldManager') ?? '' }, caller);
          return this.answer(x, 201, r, (o) => codec.encode(o), warnings);
        }
        if (sub === 'binding' && has('bind')) return this.bind(kind, namespace, name, x, caller);
        if (sub === 'token' && has('createToken')) return this.token(kind, namespace, name, x, caller);
        if (sub === 'eviction' && has('evict')) return this.evict(kind, namespace, name, x, caller);
        break;
      }
      case 'update': {
        if (sub === 'scale' && has('updateScale')) {
          const scale = Scale.fromJSON(await objectBody(x, { kind: 'Scale', apiVersion: 'autoscaling/v1' }));
          checkName(scale.metadata?.name, name);
          return this.answer(x, 200, await this.call<Scale>(kind, 'updateScale', { namespace, name, scale }, caller), (s) => scaleJSON(s));
        }
        if (sub && !(sub === 'status' && has('updateStatus'))) break;
        const body = await objectBody(x, codec.expected);
        const validation = parseFieldValidation(q.get('fieldValidation'));
        // A version served by conversion is written over the current object, keeping what it cannot express.
        const current = async () => (await this.call<KubeObject>(kind, 'get', { namespace, name, resourceVersion: '' }, caller)).response;
        const { object, warnings } = codec.decodeOver ? await codec.decodeOver(body, validation, current) : codec.decode(body, validation);
        checkNamespace(object, namespace);
        checkName(object.metadata?.name, name);
        object.metadata = { ...object.metadata!, name, namespace };
        // The gRPC status update has no dry run: refused rather than written.
        if (sub && dryRunOf(q).length) throw new BadRequestError(`dryRun is not supported for ${kind.resource}/status updates`);
        const fieldManager = q.get('fieldManager') ?? '';
        const r = sub
          ? await this.call<KubeObject>(kind, 'updateStatus', { [kind.requestField]: object, fieldManager }, caller)
          : await this.call<KubeObject>(kind, 'update', { [kind.requestField]: object, dryRun: dryRunOf(q), fieldManager }, caller);
        return this.answer(x, 200, r, (o) => codec.encode(o), warnings);
      }
      case 'patch': {
        if (sub && sub !== 'status' && !(sub === 'scale' && kind.hasScale)) break;
        const type = (x.header('content-type') ?? '').split(';')[0].trim();
        if (!PATCH_TYPES.includes(type)) throw new UnsupportedMediaTypeError(`the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`);
        const body = (await x.body()).toString('utf8');
        const validation = parseFieldValidation(q.get('fieldValidation'));
        // A version served by conversion: the patch is applied to the object in that version (converted-versions.ts).
        const current = async () => (await this.call<KubeObject>(kind, 'get', { namespace, name, resourceVersion: '' }, caller)).response;
        const converted = codec.convertPatch && sub !== 'scale' ? await codec.convertPatch(type, body, validation, current) : undefined;
        const [patchType, patch] = converted ? [converted.patchType, converted.patch] : [type, body];
        const warnings = converted ? converted.warnings : sub === 'scale' ? [] : patchFieldWarnings(kind, type, patch, validation);
        // A JSON patch's unknown fields are known once it is applied: the registry checks them.
        const extra = new Metadata();
        if (patchType === 'application/json-patch+json' && sub !== 'scale') extra.set(FIELD_VALIDATION_METADATA, validation);
        const force = q.get('force');
        const r = await this.call<KubeObject>(
          kind,
          'patch',
          { namespace, name, patchType, patch, dryRun: dryRunOf(q), subresource: sub, fieldManager: q.get('fieldManager') ?? '', force: force === null ? undefined : force === 'true' },
          caller,
          extra,
        );
        if (sub === 'scale') return this.answer(x, 200, r, (o) => scaleJSON(toScale(o)), warnings);
        // An apply patch that created the object is a 201, as Kubernetes' patcher answers it.
        const code = r.trailer.get(CREATED_TRAILER)[0] === 'true' ? 201 : 200;
        return this.answer(x, code, r, (o) => codec.encode(o), warnings);
      }
      case 'delete': {
        if (sub) break;
        const r = await this.call<KubeObject>(kind, 'delete', await deleteRequest(namespace, name, x), caller);
        return this.answer(x, 200, r, (o) => deleted(kind, name, o, codec));
      }
      case 'deletecollection': {
        // Kubernetes serves it at a namespace's collection path (or a cluster-scoped kind's), not across namespaces.
        if (sub || (kind.namespaced && !namespace)) break;
        const d = await deleteRequest(namespace, '', x);
        if (d.preconditions) throw new BadRequestError('preconditions are not supported for deletecollection: delete the object by name');
        const request = { namespace, labelSelector: q.get('labelSelector') ?? '', fieldSelector: q.get('fieldSelector') ?? '', gracePeriodSeconds: d.gracePeriodSeconds, propagationPolicy: d.propagationPolicy, dryRun: d.dryRun };
        return this.answer(x, 200, await this.call<KubeList<KubeObject>>(kind, 'deleteCollection', request, caller), (l) => codec.encodeList(l));
      }
      default:
        break;
    }
    if (info.verb === 'deletecollection') return x.json(405, failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
    return x.json(404, notFoundPath());
  }

  private answer<R>(x: HttpExchange, code: number, r: { response: R; warnings: string[] }, encode: (v: R) => unknown, warnings: string[] = []): void {
    x.json(code, encode(r.response), [...warnings, ...r.warnings]);
  }

  private async bind(kind: KindInfo<any>, namespace: string, name: string, x: HttpExchange, caller: HttpCaller): Promise<void> {
    const body = (await objectBody(x)) as { metadata?: { name?: string; uid?: string }; target?: unknown };
    checkName(body?.metadata?.name, name);
    const target = ObjectReference.fromJSON(body?.target ?? {});
    const r = await this.call<KubeObject>(kind, 'bind', { namespace, name, target, uid: body?.metadata?.uid ?? '' }, caller);
    x.json(201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 }, r.warnings);
  }

  private async token(kind: KindInfo<any>, namespace: string, name: string, x: HttpExchange, caller: HttpCaller): Promise<void> {
    const tokenRequest = TokenRequest.fromJSON(await objectBody(x, { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1' }));
    const r = await this.call<TokenRequest>(kind, 'createToken', { namespace, name, tokenRequest, dryRun: dryRunOf(x.query) }, caller);
    this.answer(x, 201, r, (t) => ({ kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', ...(TokenRequest.toJSON(t) as object) }));
  }

  /**
   * pods/eviction: a policy/v1 (or v1beta1) Eviction naming the pod, its DeleteOptions passed to
   * the EvictPod call; answered, as Kubernetes answers, 201 with a Status Success.
   */
  private async evict(kind: KindInfo<any>, namespace: string, name: string, x: HttpExchange, caller: HttpCaller): Promise<void> {
    const body = (await objectBody(x, { kind: 'Eviction' })) as { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string }; deleteOptions?: DeleteOptionsJSON } | null;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequestError('the body of an eviction must be an Eviction object');
    if (body.kind && body.kind !== 'Eviction') throw new BadRequestError(`${body.kind} in version ${JSON.stringify(body.apiVersion ?? '')} cannot be handled as a Eviction`);
    if (body.apiVersion && !EVICTION_VERSIONS.includes(body.apiVersion)) throw new BadRequestError(`the API version in the data (${body.apiVersion}) does not match the expected API version (policy/v1)`);
    const ns = body.metadata?.namespace ?? '';
    if (ns && ns !== namespace) throw new BadRequestError('the namespace of the provided object does not match the namespace sent on the request');
    if ((body.metadata?.name ?? '') !== name) throw new BadRequestError('name in URL does not match name in Eviction object');
    const opts = body.deleteOptions ?? {};
    const r = await this.call<KubeObject>(kind, 'evict', { namespace, name, gracePeriodSeconds: opts.gracePeriodSeconds, preconditions: preconditionsOf(opts), dryRun: evictionDryRun(opts.dryRun, dryRunOf(x.query)) }, caller);
    x.json(201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 }, r.warnings);
  }

  /**
   * A watch as Kubernetes streams it: one JSON event per line (protobuf WatchEvent frames to a
   * client that accepts only protobuf); a failure after the start is an ERROR event carrying the Status.
   */
  private watch(kind: KindInfo<any>, codec: VersionCodec, namespace: string, name: string, x: HttpExchange, caller: HttpCaller): Promise<void> {
    const q = x.query;
    const selector = q.get('fieldSelector') ?? '';
    const request = {
      namespace,
      labelSelector: q.get('labelSelector') ?? '',
      // The deprecated /watch/.../<name> path watches one object.
      fieldSelector: name ? [`metadata.name=${name}`, selector].filter(Boolean).join(',') : selector,
      resourceVersion: q.get('resourceVersion') ?? '',
      allowWatchBookmarks: parseBool(q.get('allowWatchBookmarks')) ?? false,
      timeoutSeconds: int(q, 'timeoutSeconds'),
      sendInitialEvents: parseBool(q.get('sendInitialEvents')) ?? false,
    };
    const stream = this.gate.stream<WatchEvent<KubeObject>>(GateClient.method(kind, 'watch'), request, caller);
    const table = asTable(x);
    if (!table && protobufWatch(x.header('accept'))) {
      const frame = (ev: WatchEvent<KubeObject>) => encodeWatchFrame(ev.type, ev.object ? codec.encode(ev.object) : undefined);
      return pipeStream(stream, x, PROTOBUF_WATCH_MEDIA_TYPE, frame, (s) => encodeWatchFrame('ERROR', s as unknown as Record<string, unknown>));
    }
    let first = true;
    const encode = (ev: WatchEvent<KubeObject>): unknown => {
      if (!ev.object) return {};
      if (!table || ev.type === 'BOOKMARK') return codec.encode(ev.object);
      // As kube-apiserver's watch of Tables: the column definitions come with the first event only.
      const t = tableFor(kind, [ev.object], { includeObject: includeObject(q) });
      if (!first) t.columnDefinitions = [];
      first = false;
      return t;
    };
    return pipeStream(stream, x, 'application/json', (ev) => `${JSON.stringify({ type: ev.type, object: encode(ev) })}\n`, (s) => `${JSON.stringify({ type: 'ERROR', object: s })}\n`);
  }

  /** pods/log as text/plain, streamed from the PodLogs call. */
  private podLog(kind: KindInfo<any>, namespace: string, name: string, x: HttpExchange, caller: HttpCaller): Promise<void> {
    const q = x.query;
    const request = {
      namespace,
      podName: name,
      podUid: '',
      container: q.get('container') ?? '',
      follow: parseBool(q.get('follow')) ?? false,
      previous: parseBool(q.get('previous')) ?? false,
      tailLines: int(q, 'tailLines'),
      timestamps: parseBool(q.get('timestamps')) ?? false,
      sinceSeconds: int(q, 'sinceSeconds'),
      sinceTime: q.get('sinceTime') ?? '',
      limitBytes: int(q, 'limitBytes'),
    };
    const stream = this.gate.stream<PodLogChunk>(GateClient.method(kind, 'logs'), request, caller);
    return pipeStream(stream, x, 'text/plain', (c) => Buffer.from(c.content), () => undefined, true);
  }
}

/** Copies a server stream into the reply; the reply starts with the first message (or the response headers unless `waitForData`). */
function pipeStream<M>(
  stream: ClientReadableStream<M>,
  x: HttpExchange,
  contentType: string,
  encode: (m: M) => string | Buffer,
  errorEvent: (s: Status) => string | Buffer | undefined,
  waitForData = false,
): Promise<void> {
  return new Promise<void>((resolve) => {
    let started = false;
    let done = false;
    const start = () => {
      if (started) return;
      started = true;
      x.start(200, contentType);
    };
    const finish = () => {
      if (done) return;
      done = true;
      resolve();
    };
    x.onClose(() => {
      stream.cancel();
      finish();
    });
    x.onDrain(() => stream.resume());
    if (!waitForData) stream.on('metadata', start);
    stream.on('data', (m: M) => {
      start();
      if (!x.write(encode(m))) stream.pause();
    });
    stream.on('error', (err: ServiceError) => {
      if (done) return;
      const status = statusOf(typeof err.code === 'number' ? fromServiceError(err) : err);
      if (!started) x.json(...reply(status));
      else {
        const ev = errorEvent(status);
        if (ev) x.write(ev);
        x.end();
      }
      finish();
    });
    stream.on('end', () => {
      if (done) return;
      start();
      x.end();
      finish();
    });
  });
}

/** The arguments of HttpExchange.json for a Status (Retry-After for 429 and 504). */
export function reply(s: Status): [number, Status, string[], Record<string, string>] {
  const after = s.details?.retryAfterSeconds;
  return [s.code, s, [], after && after > 0 ? { 'retry-after': String(after) } : {}];
}

/**
 * A body in a media type the front door reads, as Kubernetes' JSON: JSON, YAML, or Kubernetes'
 * protobuf (what typed clients such as kubectl create send) where the path names the kind it
 * expects; any other is a 415.
 */
export async function objectBody(x: HttpExchange, expected?: ExpectedKind): Promise<unknown> {
  const type = (x.header('content-type') ?? 'application/json').split(';')[0].trim().toLowerCase();
  if (type === PROTOBUF_MEDIA_TYPE && expected) return parseProtobufBody(await x.body(), expected);
  if (type === YAML_MEDIA_TYPE) return parseYAMLBody(await x.body());
  if (type !== 'application/json' && type !== '') {
    const accepted = expected ? `application/json, ${YAML_MEDIA_TYPE}, ${PROTOBUF_MEDIA_TYPE}` : `application/json, ${YAML_MEDIA_TYPE}`;
    throw new UnsupportedMediaTypeError(`the body of the request was in an unknown format - accepted media types include: ${accepted}`);
  }
  return parseJSONBody(await x.body());
}

/** An autoscaling/v1 Scale as Kubernetes writes it (status.replicas even when 0: it has no omitempty). */
function scaleJSON(s: Scale): Record<string, unknown> {
  const json = Scale.toJSON(s) as { status?: object };
  return { kind: 'Scale', apiVersion: 'autoscaling/v1', ...json, status: { replicas: s.status?.replicas ?? 0, ...json.status } };
}

/** Server-side printing: the client asked for a meta.k8s.io/v1 Table (kubectl get does). */
const asTable = (x: HttpExchange) => tableRequested(x.header('accept'));

function includeObject(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject') ?? '';
  if (v === '') return 'Metadata';
  if (v === 'None' || v === 'Metadata' || v === 'Object') return v;
  throw new BadRequestError(`includeObject: Unsupported value: ${JSON.stringify(v)}: supported values: "None", "Metadata", "Object"`);
}

function listMetaOf(l: KubeList<unknown>) {
  const m = l.metadata;
  return { resourceVersion: m?.resourceVersion ?? '', ...(m?.continue ? { continue: m.continue } : {}) };
}

function listRequest(namespace: string, q: URLSearchParams) {
  return {
    namespace,
    labelSelector: q.get('labelSelector') ?? '',
    fieldSelector: q.get('fieldSelector') ?? '',
    resourceVersion: q.get('resourceVersion') ?? '',
    resourceVersionMatch: q.get('resourceVersionMatch') ?? '',
    limit: int(q, 'limit') ?? 0,
    continue: q.get('continue') ?? '',
  };
}

/** The object's namespace must be empty or the request's (handlers/rest.go's checkName). */
function checkNamespace(object: KubeObject, namespace: string): void {
  const ns = object.metadata?.namespace ?? '';
  if (ns && ns !== namespace) throw new BadRequestError('the namespace of the provided object does not match the namespace sent on the request');
}

function checkName(bodyName: string | undefined, name: string): void {
  if (bodyName && bodyName !== name) throw new BadRequestError(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
}

interface DeleteOptionsJSON {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  orphanDependents?: boolean;
  dryRun?: string[];
}

function preconditionsOf(opts: DeleteOptionsJSON): { uid?: string; resourceVersion?: string } | undefined {
  const pre = opts.preconditions;
  return pre && (pre.uid !== undefined || pre.resourceVersion !== undefined) ? { uid: pre.uid, resourceVersion: pre.resourceVersion } : undefined;
}

/** The Eviction versions pods/eviction accepts (Kubernetes' EvictionREST.AcceptsGroupVersion). */
const EVICTION_VERSIONS = ['policy/v1', 'policy/v1beta1'];

/** The eviction's dryRun: the body's or the query's; both given, they must agree (Kubernetes' propagateDryRun). */
function evictionDryRun(body: string[] | undefined, query: string[]): string[] {
  if (!body?.length) return query;
  if (!query.length || JSON.stringify(body) === JSON.stringify(query)) return body;
  throw new InternalError(`Internal error occurred: Non-matching dry-run options in request and content: [${query.join(' ')}] and [${body.join(' ')}]`);
}

/** DeleteOptions from the body (kubectl sends one) or the query, as handlers/delete.go reads them. */
async function deleteRequest(namespace: string, name: string, x: HttpExchange) {
  const body = await x.body();
  const q = x.query;
  let opts: DeleteOptionsJSON = {};
  if (body.length) {
    const v = await objectBody(x, { kind: 'DeleteOptions' });
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BadRequestError('the body of a delete must be a DeleteOptions object');
    opts = v as DeleteOptionsJSON;
  }
  const grace = opts.gracePeriodSeconds ?? int(q, 'gracePeriodSeconds');
  const orphan = opts.orphanDependents ?? parseBool(q.get('orphanDependents'));
  let policy = opts.propagationPolicy ?? q.get('propagationPolicy') ?? '';
  if (!policy && orphan !== undefined) policy = orphan ? 'Orphan' : 'Background';
  return {
    namespace,
    name,
    gracePeriodSeconds: grace,
    preconditions: preconditionsOf(opts),
    propagationPolicy: policy,
    dryRun: opts.dryRun ?? dryRunOf(q),
  };
}

/**
 * What a delete answers: the object while its deletion is pending (finalizers, a pod's grace
 * period), else the object for the resources whose registries return it, else a Status Success
 * naming it (the generic registry's finalizeDelete).
 */
function deleted(kind: KindInfo<any>, name: string, obj: KubeObject, codec: VersionCodec): unknown {
  const m = obj.metadata;
  const pending = !!m?.deletionTimestamp && ((m.finalizers?.length ?? 0) > 0 || (m.deletionGracePeriodSeconds ?? 0) > 0);
  if (pending || RETURNS_DELETED_OBJECT.has(kind.resource)) return codec.encode(obj);
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, ...(kind.group ? { group: kind.group } : {}), kind: kind.resource, ...(m?.uid ? { uid: m.uid } : {}) },
  };
}
