// The documents of the HTTP API that are not objects: /version, /healthz|/livez|/readyz,
// discovery (/api, /apis, /api/v1, /apis/<group>/<version>, aggregated or legacy by Accept) and
// OpenAPI (/openapi/v2, /openapi/v3, /openapi/v3/<group-version>). The HTTP server
// (services/apiserver/http/) asks createDocumentHandler's handler first for every GET; undefined
// means "not a document path", so the request goes on to the resource routes. Each document is
// built once per process from the kind declarations and the proto descriptors.
//
// Authentication and authorization stay the server's: the front door passes each such request
// through the gate first, as a non-resource URL ("get" on the path), so RBAC's
// system:public-info-viewer (health and version, for anyone) and system:discovery (discovery and
// OpenAPI, for authenticated users) decide, as in Kubernetes.
import type { KindDeclaration } from '../../../lib/api/kind-declarations';
import { DiscoveryDocuments } from './discovery/discovery';
import { healthDocument, type HealthCheck } from './discovery/health';
import type { DocumentResponse } from './discovery/response';
import { discoveryModel, withConvertedVersions, withReviews } from './discovery/resources';
import { CONVERTED_VERSIONS } from './converted-versions';
import { versionDocument } from './discovery/version';
import { OpenApiDocuments } from './openapi/openapi';

export type { DocumentResponse } from './discovery/response';
export type { HealthCheck } from './discovery/health';
// Server-side printing for get and list: when tableRequested(Accept), answer
// tableFor(kind, objects, { includeObject: query includeObject, listMeta }) as application/json.
export { tableRequested } from './discovery/accept';
export { scaleTable, tableFor, type IncludeObject, type Table, type TableOptions } from '../../../lib/printers/table';

export interface DocumentRequest {
  /** The URL path without the query ("/openapi/v3/api/v1"). */
  path: string;
  query: URLSearchParams;
  /** The Accept header. */
  accept?: string | undefined;
  /** The If-None-Match header (discovery and OpenAPI answer 304 for a current ETag). */
  ifNoneMatch?: string | undefined;
}

export interface DocumentOptions {
  /** The kinds to describe; Kite's declarations by default (tests pass their own). */
  declarations?: readonly KindDeclaration[];
  /** Health checks beside ping (e.g. the store's, named "etcd" as Kubernetes names it). */
  healthChecks?: readonly HealthCheck[];
  /** host:port clients reach the HTTP API at (the APIVersions document names it). */
  serverAddress?: string;
}


export type DocumentHandler = (req: DocumentRequest) => Promise<DocumentResponse | undefined>;

/** One handler for every document path; build it once per server. */
export function createDocumentHandler(opts: DocumentOptions = {}): DocumentHandler {
  const model = discoveryModel(opts.declarations);
  // Versions served by conversion (autoscaling/v1) beside the stored ones.
  const converted = CONVERTED_VERSIONS.map((c) => ({ apiVersion: c.apiVersion, resource: c.kind.resource }));
  const served = withReviews(withConvertedVersions(model, converted));
  const discovery = new DiscoveryDocuments(served, { serverAddress: opts.serverAddress });
  const openapi = new OpenApiDocuments(served);
  return async (req) => {
    const path = req.path.length > 1 ? req.path.replace(/\/+$/, '') : req.path;
    if (path === '/version') return versionDocument();
    const health = await healthDocument(path, req.query, opts.healthChecks ?? []);
    if (health) return health;
    return openapi.serve(path, req.query, req.accept, req.ifNoneMatch) ?? discovery.serve(path, req.accept, req.ifNoneMatch);
  };
}
