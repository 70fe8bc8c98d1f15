// What a request body and its query say before the body is decoded (lib/api/kube-json.ts decodes
// it): the body as JSON (a protobuf body, as typed clients send, transcoded to it), in
// kube-apiserver's words when it is not, and the fieldValidation parameter (Strict, Warn, Ignore;
// Warn when absent, as kube-apiserver defaults it).
import { BadRequestError } from '../../../lib/api/errors';
import { decodeProtobuf } from '../../../lib/api/k8s-protobuf';
import type { FieldValidation } from '../../../lib/api/kube-json';

export function parseFieldValidation(v: string | null): FieldValidation {
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw new BadRequestError(`fieldValidation parameter unsupported: ${v}`);
}

/** Parses a JSON body (Kubernetes' wording for what is not JSON, without quoting the body). */
export function parseJSONBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new BadRequestError(`couldn't get version/kind; json parse error: ${(err as Error).message.replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '')}`);
  }
}

/** The kind and apiVersion a request's path expects of its body (any version: a meta/v1 kind, which every group version has). */
export interface ExpectedKind {
  kind: string;
  apiVersion?: string;
}

const versionOf = (apiVersion: string) => apiVersion.slice(apiVersion.lastIndexOf('/') + 1);
/** The Go type of a kind in its internal package (`core.Namespace`, `apps.Deployment`), as conversion errors name it. */
const internalType = (e: ExpectedKind) => `${e.apiVersion === undefined ? 'internalversion' : e.apiVersion.includes('/') ? e.apiVersion.split('.')[0].split('/')[0] : 'core'}.${e.kind}`;

/**
 * A protobuf body as Kubernetes' JSON. A body of another kind than the path's is refused as
 * kube-apiserver's decoder refuses it (it cannot convert one kind into the other), one of another
 * version as its create and update handlers do.
 */
export function parseProtobufBody(body: Buffer, expected: ExpectedKind): Record<string, unknown> {
  const { apiVersion, kind, object } = decodeProtobuf(body);
  if (kind !== expected.kind) {
    throw new BadRequestError(`${kind} in version ${JSON.stringify(versionOf(apiVersion))} cannot be handled as a ${expected.kind}: converting (${versionOf(apiVersion)}.${kind}) to (${internalType(expected)}): unknown conversion`);
  }
  if (expected.apiVersion !== undefined && apiVersion !== expected.apiVersion) throw new BadRequestError(`the API version in the data (${apiVersion}) does not match the expected API version (${expected.apiVersion})`);
  return object;
}
