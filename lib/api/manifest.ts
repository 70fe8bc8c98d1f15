// Decodes Kubernetes manifests (YAML or JSON, several documents per file) into typed objects,
// as strictly as kubectl and the apiserver do: unknown fields and wrong types are reported with
// their paths instead of being dropped or coerced, and hostile input (alias bombs, deep nesting,
// huge documents) is rejected before it costs much.
import { Lexer, parseAllDocuments } from 'yaml';
import { quantitiesAsText } from './kube-json';
import { horizontalPodAutoscalerV1ToV2, isHorizontalPodAutoscalerV1 } from './autoscaling-v1';
import { kindFor, type KindInfo, type KubeObject } from './kinds';
import { messageTypeOf } from './proto-schema';
import { describeType, strictProblems } from './strict-fields';

export { strictProblems };

/** Kubernetes refuses request bodies above 3 MiB; a manifest document is one request. */
export const MAX_DOCUMENT_BYTES = 3 * 1024 * 1024;
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
export const MAX_DEPTH = 100;
/** Manifests rarely use aliases; a small budget stops exponential expansion early. */
export const MAX_ALIAS_COUNT = 100;

export interface Manifest<T extends KubeObject = KubeObject> {
  kind: KindInfo<T>;
  object: T;
  /** The document as written (plain JSON), e.g. for kubectl's last-applied-configuration. */
  raw: Record<string, unknown>;
  /** File name (or "STDIN") the document came from, for messages. */
  source: string;
}

/** A manifest that cannot be used; the message is worded like kubectl's. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

/** Parses every document of a file and decodes each into its kind. */
export function decodeManifests(text: string, source: string): Manifest[] {
  return parseDocuments(text, source).flatMap((raw) => expandList(raw, source)).map((raw) => decodeManifest(raw, source));
}

/** YAML/JSON text -> plain JSON values, one per non-empty document. */
export function parseDocuments(text: string, source: string): Record<string, unknown>[] {
  if (Buffer.byteLength(text) > MAX_FILE_BYTES) {
    throw new ManifestError(`error parsing ${source}: file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`);
  }
  checkDocumentSizes(text, source);
  checkFlowDepth(text, source);
  const docs = parseAllDocuments(text, { merge: true, prettyErrors: true, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: Record<string, unknown>[] = [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0].line;
      const what = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      throw new ManifestError(`error parsing ${source}: error converting YAML to JSON: yaml: ${line ? `line ${line}: ` : ''}${what}`);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      throw new ManifestError(`error parsing ${source}: ${(e as Error).message}`);
    }
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new ManifestError(`error parsing ${source}: a document must be an object, not ${describeType(value)}`);
    }
    if (depthOf(value, 0) > MAX_DEPTH) {
      throw new ManifestError(`error parsing ${source}: a document is nested deeper than ${MAX_DEPTH} levels`);
    }
    out.push(value as Record<string, unknown>);
  }
  return out;
}

/** Rejects oversized documents before parsing them; "---" at the start of a line always separates documents. */
function checkDocumentSizes(text: string, source: string): void {
  if (Buffer.byteLength(text) <= MAX_DOCUMENT_BYTES) return;
  for (const doc of text.split(/^---/m)) {
    if (Buffer.byteLength(doc) > MAX_DOCUMENT_BYTES) {
      throw new ManifestError(`error parsing ${source}: a document is larger than ${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB`);
    }
  }
}

/** Rejects deeply nested flow collections ([[[[...) before the recursive parser sees them. */
function checkFlowDepth(text: string, source: string): void {
  if (!/[[{]/.test(text)) return;
  let depth = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      if (++depth > MAX_DEPTH) throw new ManifestError(`error parsing ${source}: a document is nested deeper than ${MAX_DEPTH} levels`);
    } else if (token === ']' || token === '}') depth = Math.max(0, depth - 1);
  }
}

function depthOf(v: unknown, d: number): number {
  if (d > MAX_DEPTH || v === null || typeof v !== 'object') return d;
  let max = d + 1;
  for (const child of Object.values(v)) max = Math.max(max, depthOf(child, d + 1));
  return max;
}

/** `kind: List` documents carry their objects in items, as kubectl accepts. */
function expandList(raw: Record<string, unknown>, source: string): Record<string, unknown>[] {
  if (raw.kind !== 'List' || raw.apiVersion !== 'v1') return [raw];
  if (!Array.isArray(raw.items)) throw new ManifestError(`error validating "${source}": List has no items array`);
  return raw.items.map((item) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new ManifestError(`error validating "${source}": List items must be objects`);
    }
    return item as Record<string, unknown>;
  });
}

/** Finds the kind of one parsed document and decodes it strictly. */
export function decodeManifest(input: Record<string, unknown>, source: string): Manifest {
  // autoscaling/v1 HorizontalPodAutoscalers are read as the v2 objects Kite stores.
  const raw = isHorizontalPodAutoscalerV1(input) ? horizontalPodAutoscalerV1ToV2(input) : input;
  const missing: string[] = [];
  if (typeof raw.apiVersion !== 'string' || !raw.apiVersion) missing.push('apiVersion not set');
  if (typeof raw.kind !== 'string' || !raw.kind) missing.push('kind not set');
  if (missing.length) throw new ManifestError(`error validating "${source}": error validating data: [${missing.join(', ')}]`);
  const apiVersion = raw.apiVersion as string;
  const kindName = raw.kind as string;
  const kind = kindFor(apiVersion, kindName);
  const meta = (raw.metadata ?? {}) as Record<string, unknown>;
  if (!kind) {
    throw new ManifestError(
      `resource mapping not found for name: "${String(meta.name ?? '')}" namespace: "${String(meta.namespace ?? '')}" from "${source}": ` +
        `no matches for kind "${kindName}" in version "${apiVersion}"\nensure CRDs are installed first`,
    );
  }
  // A quantity written as a number (`cpu: 2`) is read as its text, as resource.Quantity reads it.
  const doc = quantitiesAsText(messageTypeOf(kind), raw) as Record<string, unknown>;
  const problems = strictProblems(kind, doc);
  if (problems.length) {
    const name = typeof meta.name === 'string' && meta.name ? ` "${meta.name}"` : '';
    throw new ManifestError(`error validating "${source}": ${kindName}${name}: strict decoding error: ${problems.join(', ')}`);
  }
  return { kind, object: kind.type.fromJSON(doc), raw, source };
}
