// What an HTTP request asks for, read from its method, path and query as Kubernetes'
// RequestInfoFactory does (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go):
//   /api/v1/namespaces/{namespace}/{resource}/{name}/{subresource}
//   /apis/{group}/{version}/{resource}/{name}          (cluster-scoped, or across namespaces)
//   /api/v1/watch/namespaces/{namespace}/{resource}    (the deprecated watch prefix)
// A path outside /api and /apis, or too short to name a resource, is a non-resource request.

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  /** get, list, watch, create, update, patch, delete, deletecollection (or the special verb "watch"/"proxy"). */
  verb: string;
  apiPrefix: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** The path segments after the namespace (resource, name, subresource...). */
  parts: string[];
}

const API_PREFIXES = new Set(['api', 'apis']);
const GROUPLESS_API_PREFIXES = new Set(['api']);
/** Verbs named in the path instead of by the method. */
const SPECIAL_VERBS = new Set(['proxy', 'watch']);
/** Special verbs whose third segment is part of the name, not a subresource. */
const SPECIAL_VERBS_NO_SUBRESOURCES = new Set(['proxy']);
/** namespaces/{name}/{these} are subresources of the namespace, not resources in it. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

const METHOD_VERBS: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

export class RequestInfoError extends Error {}

/** strconv.ParseBool, as query parameters are read into ListOptions. */
export function parseBool(v: string | null): boolean | undefined {
  if (v === null) return undefined;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False', ''].includes(v)) return false;
  return undefined;
}

/** The name a list's fieldSelector pins (metadata.name=x or ==x), as requestinfo.go reads it for authorization. */
function nameFromFieldSelector(selector: string | null): string {
  if (!selector) return '';
  for (const term of selector.split(',')) {
    const m = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(term);
    if (m) return m[1];
  }
  return '';
}

function nonResource(path: string, method: string): RequestInfo {
  return {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };
}

export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const info = nonResource(path, method);
  if (!path.startsWith('/')) return info;
  let parts = path.replace(/^\/+|\/+$/g, '').split('/');
  if (parts.length < 3 || !API_PREFIXES.has(parts[0])) return info;
  info.apiPrefix = parts[0];
  parts = parts.slice(1);
  if (!GROUPLESS_API_PREFIXES.has(info.apiPrefix)) {
    if (parts.length < 3) return info;
    info.apiGroup = parts[0];
    parts = parts.slice(1);
  }
  info.isResourceRequest = true;
  info.apiVersion = parts[0];
  parts = parts.slice(1);

  if (SPECIAL_VERBS.has(parts[0])) {
    if (parts.length < 2) throw new RequestInfoError(`unable to determine kind and namespace from url, ${path}`);
    info.verb = parts[0];
    parts = parts.slice(1);
  } else {
    info.verb = METHOD_VERBS[method.toUpperCase()] ?? '';
  }

  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = parts[1];
      // namespaces/{ns}/{resource}...: what follows is a resource in the namespace.
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
    }
  }
  info.parts = parts;
  if (parts.length >= 3 && !SPECIAL_VERBS_NO_SUBRESOURCES.has(info.verb)) info.subresource = parts[2];
  if (parts.length >= 2) info.name = parts[1];
  if (parts.length >= 1) info.resource = parts[0];

  if (!info.name && info.verb === 'get') {
    info.verb = parseBool(query.get('watch')) ? 'watch' : 'list';
    info.name = nameFromFieldSelector(query.get('fieldSelector'));
  }
  if (!info.name && info.verb === 'delete') info.verb = 'deletecollection';
  return info;
}
