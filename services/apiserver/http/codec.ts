// Kubernetes-shaped JSON <-> Kite's objects for the HTTP front door: ts-proto's toJSON/fromJSON
// through the kinds table, with what Kubernetes' JSON serializer adds: every object carries its
// kind and apiVersion, a list is `{kind: <Kind>List, apiVersion, metadata, items: [...]}` whose
// items carry neither (as kube-apiserver writes typed lists), and a body is decoded with the
// request's fieldValidation (Strict: unknown fields refused; Warn: dropped with a warning;
// Ignore: dropped), wrongly typed values refused always.
import { BadRequestError } from '../../../lib/api/errors';
import type { KindInfo, KubeList, KubeObject } from '../../../lib/api/kinds';
import { strictProblems } from '../../../lib/api/manifest';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function parseFieldValidation(v: string | null): FieldValidation {
  // kube-apiserver's default when the parameter is absent.
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw new BadRequestError(`fieldValidation parameter unsupported: ${v}`);
}

export function objectToJSON<T extends KubeObject>(kind: KindInfo<T>, obj: T): Record<string, unknown> {
  const json = kind.type.toJSON(obj) as Record<string, unknown>;
  return { kind: kind.kind, apiVersion: kind.apiVersion, ...json, ...(json.kind ? {} : { kind: kind.kind }), ...(json.apiVersion ? {} : { apiVersion: kind.apiVersion }) };
}

export function listToJSON<T extends KubeObject>(kind: KindInfo<T>, list: KubeList<T>): Record<string, unknown> {
  const m = list.metadata;
  return {
    kind: `${kind.kind}List`,
    apiVersion: kind.apiVersion,
    metadata: {
      resourceVersion: m?.resourceVersion ?? '',
      ...(m?.continue ? { continue: m.continue } : {}),
      ...(m?.remainingItemCount !== undefined && m.continue ? { remainingItemCount: m.remainingItemCount } : {}),
    },
    items: list.items.map((item) => {
      const { kind: _k, apiVersion: _v, ...rest } = kind.type.toJSON(item) as Record<string, unknown>;
      return rest;
    }),
  };
}

/** Parses a JSON body (Kubernetes' wording for what is not JSON). */
export function parseJSONBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new BadRequestError(`couldn't get version/kind; json parse error: ${(err as Error).message.replace(/, ".*" is not valid JSON$/s, '')}`);
  }
}

const isUnknownField = (p: string) => p.startsWith('unknown field ');

/** The object a create or update body holds, with the warnings fieldValidation=Warn gives. */
export function objectFromJSON<T extends KubeObject>(kind: KindInfo<T>, raw: unknown, validation: FieldValidation): { object: T; warnings: string[] } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new BadRequestError(`${kind.kind} in version "v1" cannot be handled as a ${kind.kind}: the body is not a JSON object`);
  const doc = raw as Record<string, unknown>;
  if (doc.kind !== undefined && doc.kind !== kind.kind) {
    throw new BadRequestError(`${kind.kind} in version "v1" cannot be handled as a ${kind.kind}: the object's kind is ${JSON.stringify(doc.kind)}`);
  }
  const problems = strictProblems(kind, doc);
  const typeErrors = problems.filter((p) => !isUnknownField(p));
  if (typeErrors.length) throw new BadRequestError(`${kind.kind} in version "v1" cannot be handled as a ${kind.kind}: ${typeErrors.join(', ')}`);
  const unknown = problems.filter(isUnknownField);
  if (unknown.length && validation === 'Strict') throw new BadRequestError(`strict decoding error: ${unknown.join(', ')}`);
  const object = kind.type.fromJSON(doc);
  object.kind ||= kind.kind;
  object.apiVersion ||= kind.apiVersion;
  return { object, warnings: validation === 'Warn' ? unknown : [] };
}
