// What a document handler answers: a status, a content type and a body, with optional headers
// (ETag, Cache-Control). The HTTP server (services/apiserver/http/) writes it as it is.

export interface DocumentResponse {
  status: number;
  contentType: string;
  /** Text or JSON; a Buffer for binary encodings (the protobuf OpenAPI v2 document). */
  body: string | Buffer;
  headers?: Record<string, string>;
}

/** A JSON document, as Kubernetes' apiserver writes one. */
export function jsonResponse(value: unknown, status = 200, contentType = 'application/json'): DocumentResponse {
  return { status, contentType, body: JSON.stringify(value) };
}
