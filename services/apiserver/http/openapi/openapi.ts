// /openapi/v2 (Swagger 2.0) and /openapi/v3 (the index of group-versions and one OpenAPI 3.0
// document per group-version), as kube-openapi serves them: built once per process, each
// v3 document addressed by the SHA-512 of its body (/openapi/v3/api/v1?hash=...), served with
// that ETag, immutable caching for a current hash and a redirect for a stale one. /openapi/v2 is
// also served in gnostic's protobuf encoding, which client-go asks for (v2-protobuf.ts); the v3
// documents are JSON only (a client that accepts nothing else gets 406).
import { createHash } from 'node:crypto';
import { parseAccept } from '../discovery/accept';
import type { DocumentResponse } from '../discovery/response';
import type { DiscoveredGroupVersion } from '../discovery/resources';
import { versionInfo } from '../discovery/version';
import { encodeOpenApiV2 } from './v2-protobuf';
import { groupVersionPaths, type Operation, type Parameter, type PathItem } from './paths';
import { withConvertedDefinitions } from './converted-schemas';
import { buildDefinitions, loadComments, loadMessages, typeProtoFiles, type Definitions } from './schemas';
import { API_GROUPS } from '../../../../lib/api/kind-declarations';
import { PATCH_TYPES } from '../../../../lib/api/patch';
import type { Schema } from './kubernetes-types';

const PRODUCES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const BEARER = { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' };

/** The proto messages the documents start from: every kind and its list, the subresources' bodies, and the reviews (AuthorizationService's messages). */
function rootMessages(model: DiscoveredGroupVersion[]): string[] {
  const roots = ['kite.meta.v1.ObjectMeta', 'kite.meta.v1.ListMeta', 'kite.meta.v1.Preconditions', 'kite.core.v1.ObjectReference'];
  for (const gv of model)
    for (const r of gv.resources) {
      if (!r.declaration) {
        roots.push(`kite.authorization.v1.${r.kind}`);
        continue;
      }
      const pkg = API_GROUPS[r.declaration.apiGroup].protoPackage;
      roots.push(`${pkg}.${r.kind}`, `${pkg}.${r.kind}List`);
      for (const s of r.subresources) {
        if (s.name === 'scale') roots.push('kite.meta.v1.Scale');
        if (s.name === 'token') roots.push('kite.authentication.v1.TokenRequest');
      }
    }
  return roots;
}

function v2Parameter(p: Parameter): Schema {
  return { description: p.description, in: p.in, name: p.name, ...(p.required ? { required: true } : {}), type: p.type, uniqueItems: true };
}

function v2Operation(o: Operation): Schema {
  const schema = o.response === 'string' ? { type: 'string' } : { $ref: `#/definitions/${o.response}` };
  const responses: Schema = { '200': { description: 'OK', schema } };
  if (o.created) responses['201'] = { description: 'Created', schema };
  if (o.method === 'post') responses['202'] = { description: 'Accepted', schema };
  responses['401'] = { description: 'Unauthorized' };
  return {
    consumes: o.patch ? PATCH_TYPES : ['*/*'],
    description: o.description,
    operationId: o.operationId,
    parameters: [...(o.body ? [{ in: 'body', name: 'body', required: !o.body.endsWith('DeleteOptions'), schema: { $ref: `#/definitions/${o.body}` } }] : []), ...o.parameters.map(v2Parameter)],
    produces: o.response === 'string' ? ['text/plain', 'application/json', 'application/yaml'] : PRODUCES,
    responses,
    schemes: ['https'],
    tags: [o.tag],
    'x-kubernetes-action': o.action,
    'x-kubernetes-group-version-kind': o.gvk,
  };
}

function v2Paths(items: PathItem[]): Record<string, Schema> {
  return Object.fromEntries(items.map((p) => [p.path, { ...Object.fromEntries(p.operations.map((o) => [o.method, v2Operation(o)])), parameters: p.parameters.map(v2Parameter) }]));
}

/** A v2 schema as OpenAPI 3.0 writes it: refs under components, a ref with siblings wrapped in allOf. */
export function toV3Schema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(toV3Schema);
  if (!s || typeof s !== 'object') return s;
  const o = s as Schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(o)) out[k] = k === '$ref' ? String(v).replace('#/definitions/', '#/components/schemas/') : toV3Schema(v);
  if (typeof out.$ref === 'string' && Object.keys(out).length > 1) {
    const { $ref, ...rest } = out;
    return { allOf: [{ $ref }], ...rest };
  }
  return out;
}

function v3Parameter(p: Parameter): Schema {
  return { description: p.description, in: p.in, name: p.name, ...(p.required ? { required: true } : {}), schema: { type: p.type, uniqueItems: true } };
}

function v3Operation(o: Operation): Schema {
  const schema = o.response === 'string' ? { type: 'string' } : { $ref: `#/components/schemas/${o.response}` };
  const types = o.response === 'string' ? ['*/*'] : PRODUCES;
  const content = Object.fromEntries(types.map((t) => [t, { schema }]));
  const responses: Schema = { '200': { content, description: 'OK' } };
  if (o.created) responses['201'] = { content, description: 'Created' };
  if (o.method === 'post') responses['202'] = { content, description: 'Accepted' };
  responses['401'] = { description: 'Unauthorized' };
  const body = o.body && {
    content: Object.fromEntries((o.patch ? PATCH_TYPES : ['*/*']).map((t) => [t, { schema: { $ref: `#/components/schemas/${o.body}` } }])),
    ...(o.body.endsWith('DeleteOptions') ? {} : { required: true }),
  };
  return {
    description: o.description,
    operationId: o.operationId,
    parameters: o.parameters.map(v3Parameter),
    ...(body ? { requestBody: body } : {}),
    responses,
    tags: [o.tag],
    'x-kubernetes-action': o.action,
    'x-kubernetes-group-version-kind': o.gvk,
  };
}

/** The names of the definitions `value` refers to, transitively. */
function referenced(value: unknown, definitions: Record<string, Schema>, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) referenced(v, definitions, out);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') {
        const name = v.slice(v.lastIndexOf('/') + 1);
        if (!out.has(name) && definitions[name]) {
          out.add(name);
          referenced(definitions[name], definitions, out);
        }
      } else referenced(v, definitions, out);
    }
  return out;
}

function hashOf(body: string | Buffer): string {
  return createHash('sha512').update(body).digest('hex').toUpperCase();
}

/** Whether the Accept header allows JSON (no header, application/json, or a wildcard). */
function acceptsJson(accept: string | undefined): boolean {
  const types = parseAccept(accept);
  return types.length === 0 || types.some((m) => ['application/json', 'application/*', '*/*'].includes(m.type));
}

/** The protobuf media types of /openapi/v2 (kube-openapi's handler accepts both spellings). */
const V2_PROTOBUF = ['application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf'];

/** Whether the Accept header prefers the protobuf v2 document to JSON (its first acceptable type is protobuf). */
function wantsV2Protobuf(accept: string | undefined): boolean {
  for (const m of parseAccept(accept)) {
    if (V2_PROTOBUF.includes(m.type)) return true;
    if (['application/json', 'application/*', '*/*'].includes(m.type)) return false;
  }
  return false;
}

const NOT_ACCEPTABLE: DocumentResponse = { status: 406, contentType: 'text/plain; charset=utf-8', body: 'only application/json is served\n' };

/** The OpenAPI documents of one model; each is generated on first request and kept. */
export class OpenApiDocuments {
  private definitionsCache?: Definitions;
  private v2Cache?: string;
  private v2ProtobufCache?: Buffer;
  private v3Cache?: Map<string, { body: string; hash: string }>;

  constructor(private readonly model: DiscoveredGroupVersion[]) {}

  definitions(): Definitions {
    this.definitionsCache ??= withConvertedDefinitions(buildDefinitions(rootMessages(this.model), loadMessages(), loadComments(typeProtoFiles())));
    return this.definitionsCache;
  }

  /** The Swagger 2.0 document (/openapi/v2). */
  v2(): Schema {
    const { definitions, byKind } = this.definitions();
    return {
      definitions,
      info: { title: 'Kubernetes', version: versionInfo().gitVersion },
      paths: v2Paths(this.model.flatMap((gv) => groupVersionPaths(gv, byKind))),
      security: [{ BearerToken: [] }],
      securityDefinitions: { BearerToken: BEARER },
      swagger: '2.0',
    };
  }

  /** The OpenAPI 3.0 document of one group-version ("api/v1", "apis/apps/v1"). */
  v3(gv: DiscoveredGroupVersion): Schema {
    const { definitions, byKind } = this.definitions();
    const items = groupVersionPaths(gv, byKind);
    const paths = Object.fromEntries(items.map((p) => [p.path, { ...Object.fromEntries(p.operations.map((o) => [o.method, v3Operation(o)])), parameters: p.parameters.map(v3Parameter) }]));
    const names = [...referenced(paths, definitions)].sort();
    return {
      components: { schemas: Object.fromEntries(names.map((n) => [n, toV3Schema(definitions[n])])), securitySchemes: { BearerToken: { description: BEARER.description, in: 'header', name: 'authorization', type: 'apiKey' } } },
      info: { title: 'Kubernetes', version: versionInfo().gitVersion },
      openapi: '3.0.0',
      paths,
      security: [{ BearerToken: [] }],
    };
  }

  /** Every group-version's v3 document, by its index key ("api/v1"). */
  private v3Documents(): Map<string, { body: string; hash: string }> {
    if (!this.v3Cache) {
      this.v3Cache = new Map();
      for (const gv of this.model) {
        const body = JSON.stringify(this.v3(gv));
        this.v3Cache.set(gv.group ? `apis/${gv.groupVersion}` : `api/${gv.version}`, { body, hash: hashOf(body) });
      }
    }
    return this.v3Cache;
  }

  /** The /openapi/v3 index: each group-version's document and its current hash. */
  v3Index(): { paths: Record<string, { serverRelativeURL: string }> } {
    return { paths: Object.fromEntries([...this.v3Documents()].map(([key, d]) => [key, { serverRelativeURL: `/openapi/v3/${key}?hash=${d.hash}` }])) };
  }

  /** The answer for an OpenAPI path, or undefined for other paths. */
  serve(path: string, query: URLSearchParams, accept: string | undefined, ifNoneMatch: string | undefined): DocumentResponse | undefined {
    if (path !== '/openapi/v2' && !path.startsWith('/openapi/v3')) return undefined;
    const etagged = (body: string | Buffer, hash: string, headers: Record<string, string>, contentType = 'application/json'): DocumentResponse => {
      const etag = `"${hash}"`;
      const all = { ...headers, ETag: etag, Vary: 'Accept' };
      if (ifNoneMatch?.split(',').some((t) => t.trim() === etag)) return { status: 304, contentType, body: '', headers: all };
      return { status: 200, contentType, body, headers: all };
    };
    if (path === '/openapi/v2') {
      if (wantsV2Protobuf(accept)) {
        this.v2ProtobufCache ??= encodeOpenApiV2(this.v2());
        return etagged(this.v2ProtobufCache, hashOf(this.v2ProtobufCache), {}, V2_PROTOBUF[1]);
      }
      if (!acceptsJson(accept)) return NOT_ACCEPTABLE;
      this.v2Cache ??= JSON.stringify(this.v2());
      return etagged(this.v2Cache, hashOf(this.v2Cache), {});
    }
    if (path === '/openapi/v3') return { status: 200, contentType: 'application/json', body: JSON.stringify(this.v3Index()) };
    const doc = this.v3Documents().get(path.slice('/openapi/v3/'.length));
    if (!doc) return undefined;
    if (!acceptsJson(accept)) return NOT_ACCEPTABLE;
    const asked = query.get('hash');
    if (asked && asked !== doc.hash) return { status: 301, contentType: 'text/plain; charset=utf-8', body: '', headers: { Location: `${path}?hash=${doc.hash}` } };
    const cache: Record<string, string> = asked ? { 'Cache-Control': 'public, immutable', Expires: new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString() } : { 'Cache-Control': 'no-cache, private' };
    return etagged(doc.body, doc.hash, cache);
  }
}
