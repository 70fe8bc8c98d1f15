// What a request body and its query say before the body is decoded (lib/api/kube-json.ts decodes
// it): the body as JSON (a YAML or protobuf body, as kubectl's raw requests and typed clients send,
// converted to it), in kube-apiserver's words when it is not, the fieldValidation parameter
// (Strict, Warn, Ignore; Warn when absent, as kube-apiserver defaults it), and what it says of the
// unknown fields a merge or strategic merge patch writes.
import { BadRequestError } from '../../../lib/api/errors';
import { decodeProtobuf } from '../../../lib/api/k8s-protobuf';
import type { KindInfo } from '../../../lib/api/kinds';
import { quantitiesAsText, type FieldValidation } from '../../../lib/api/kube-json';
import { ManifestError, parseDocuments, strictProblems } from '../../../lib/api/manifest';
import { messageTypeOf } from '../../../lib/api/proto-schema';

export const YAML_MEDIA_TYPE = 'application/yaml';

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

/** Parses a YAML body as Kubernetes' YAML serializer does (YAML to JSON, the first document). */
export function parseYAMLBody(body: Buffer): unknown {
  const source = 'the request body';
  try {
    return parseDocuments(body.toString('utf8'), source)[0] ?? null;
  } catch (err) {
    if (err instanceof ManifestError) throw new BadRequestError(err.message.replace(`error parsing ${source}: `, ''));
    throw err;
  }
}

/** A patch's fields with what is not an object field removed: strategic merge directives ($patch, $retainKeys, ...) and deletions (null). */
function patchFields(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(patchFields);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k, x]) => !k.startsWith('$') && x !== null)
      .map(([k, x]) => [k, patchFields(x)]),
  );
}

/**
 * The unknown fields a merge or strategic merge patch writes, as fieldValidation wants them
 * (kube-apiserver's patcher decodes the patched object strictly): Strict refuses them with a 400
 * "strict decoding error", Warn returns them as warnings, Ignore drops them. Other patch types
 * (and a patch that is not an object, which the patch itself refuses) pass unchecked.
 */
export function patchFieldWarnings(kind: KindInfo<any>, patchType: string, patch: string, validation: FieldValidation): string[] {
  if (validation === 'Ignore' || (patchType !== 'application/merge-patch+json' && patchType !== 'application/strategic-merge-patch+json')) return [];
  let doc: unknown;
  try {
    doc = JSON.parse(patch);
  } catch {
    return [];
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return [];
  const fields = quantitiesAsText(messageTypeOf(kind), patchFields(doc)) as Record<string, unknown>;
  const unknown = strictProblems(kind, fields).filter((p) => p.startsWith('unknown field '));
  if (unknown.length && validation === 'Strict') throw new BadRequestError(`strict decoding error: ${unknown.join(', ')}`);
  return unknown;
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
