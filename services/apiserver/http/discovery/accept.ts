// The media types of an Accept header with their parameters, as Kubernetes' content negotiation
// reads them ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList, application/json").
import { createHash } from 'node:crypto';
import type { DocumentResponse } from './response';

export interface MediaType {
  /** "application/json" */
  type: string;
  params: Record<string, string>;
}

export function parseAccept(accept: string | undefined): MediaType[] {
  if (!accept) return [];
  return accept
    .split(',')
    .map((part) => {
      const [type, ...params] = part.split(';').map((s) => s.trim());
      const p: Record<string, string> = {};
      for (const kv of params) {
        const i = kv.indexOf('=');
        if (i > 0) p[kv.slice(0, i).trim().toLowerCase()] = kv.slice(i + 1).trim().replace(/^"|"$/g, '');
      }
      return { type: type.toLowerCase(), params: p };
    })
    .filter((m) => m.type);
}

/** Whether `m` is application/json (or a wildcard that allows it). */
export function allowsJson(m: MediaType): boolean {
  return m.type === 'application/json' || m.type === 'application/*' || m.type === '*/*';
}

/** Whether a plain JSON answer is acceptable: no Accept header, or one that allows JSON without asking for another shape. */
export function acceptsPlainJson(accept: string | undefined): boolean {
  const types = parseAccept(accept);
  return types.length === 0 || types.some((m) => allowsJson(m) && !m.params.as);
}

/** The strong ETag of a document body, and a 304 when the client already has it (If-None-Match). */
export function withETag(res: DocumentResponse, ifNoneMatch: string | undefined): DocumentResponse {
  const etag = `"${createHash('sha512').update(res.body).digest('hex').toUpperCase()}"`;
  const headers = { ...res.headers, ETag: etag, Vary: 'Accept' };
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etag)) return { status: 304, contentType: res.contentType, body: '', headers };
  return { ...res, headers };
}

/**
 * Whether the Accept header asks for server-side printing (`application/json;as=Table;g=meta.k8s.io;v=v1`,
 * kubectl get's first choice) before any plain type: the HTTP server then answers tableFor's Table.
 */
export function tableRequested(accept: string | undefined): boolean {
  for (const m of parseAccept(accept)) {
    if (allowsJson(m) && m.params.as === 'Table' && m.params.g === 'meta.k8s.io' && (m.params.v === 'v1' || m.params.v === 'v1beta1')) return true;
    if (allowsJson(m) && !m.params.as) return false;
  }
  return false;
}
