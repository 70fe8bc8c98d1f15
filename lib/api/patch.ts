// JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch
// (strategic-merge-patch.ts), applied to an object's JSON form; apply patches are server-side
// apply's (managed-fields/).
import { isDeepStrictEqual } from 'node:util';
import { BadRequestError, InvalidError } from './errors';
import type { KindInfo, KubeObject } from './kind-info';
import { decodeKube } from './kube-json';
import { APPLY_PATCH_TYPE, applyConfiguration, parseConfiguration } from './managed-fields';
import { messageTypeOf } from './proto-schema';
import { messageSchema, strategicMergePatch } from './strategic-merge-patch';

/** The patch types of Kubernetes' PATCH (the HTTP front door accepts them, OpenAPI advertises them), apply patches (server-side apply) last. */
export const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', APPLY_PATCH_TYPE];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

interface Op {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new BadRequestError(`invalid JSON pointer "${path}"`);
  return path.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, parts: string[], path: string): { parent: Json; last: string } {
  let cur: Json = doc;
  for (const p of parts.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObject(cur)) cur = cur[p];
    else cur = undefined as unknown as Json;
    if (cur === undefined) throw new BadRequestError(`JSON patch path "${path}" does not exist`);
  }
  return { parent: cur, last: parts[parts.length - 1] };
}

function getAt(doc: Json, path: string): Json {
  const parts = pointer(path);
  if (parts.length === 0) return doc;
  const { parent, last } = parentOf(doc, parts, path);
  const v = Array.isArray(parent) ? parent[Number(last)] : isObject(parent) ? parent[last] : undefined;
  if (v === undefined) throw new BadRequestError(`JSON patch path "${path}" does not exist`);
  return v;
}

function remove(doc: Json, path: string): Json {
  const parts = pointer(path);
  const { parent, last } = parentOf(doc, parts, path);
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!(i >= 0 && i < parent.length)) throw new BadRequestError(`JSON patch path "${path}" does not exist`);
    return parent.splice(i, 1)[0];
  }
  if (!isObject(parent) || !(last in parent)) throw new BadRequestError(`JSON patch path "${path}" does not exist`);
  const v = parent[last];
  delete parent[last];
  return v;
}

function add(doc: Json, path: string, value: Json, replace: boolean): Json {
  const parts = pointer(path);
  if (parts.length === 0) return value;
  const { parent, last } = parentOf(doc, parts, path);
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (replace) {
      // RFC 6902 section 4.3: the element replaced must exist.
      if (!(i >= 0 && i < parent.length)) throw new BadRequestError(`JSON patch path "${path}" does not exist`);
      parent[i] = value;
    } else {
      if (!(i >= 0 && i <= parent.length)) throw new BadRequestError(`JSON patch index "${path}" is out of range`);
      parent.splice(i, 0, value);
    }
  } else if (isObject(parent)) {
    if (replace && !(last in parent)) throw new BadRequestError(`JSON patch path "${path}" does not exist`);
    parent[last] = value;
  } else throw new BadRequestError(`JSON patch path "${path}" does not exist`);
  return doc;
}

export function jsonPatch(doc: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new BadRequestError('a JSON patch must be an array of operations');
  let out: Json = structuredClone(doc);
  for (const raw of ops as Op[]) {
    const { op, path } = raw;
    switch (op) {
      case 'add':
        out = add(out, path, structuredClone(raw.value ?? null), false);
        break;
      case 'replace':
        out = add(out, path, structuredClone(raw.value ?? null), true);
        break;
      case 'remove':
        remove(out, path);
        break;
      case 'move': {
        const v = remove(out, raw.from ?? '');
        out = add(out, path, v, false);
        break;
      }
      case 'copy':
        out = add(out, path, structuredClone(getAt(out, raw.from ?? '')), false);
        break;
      case 'test':
        // RFC 6902 section 4.6: objects are equal whatever the order of their members.
        if (!isDeepStrictEqual(getAt(out, path), raw.value ?? null)) throw new InvalidError(`JSON patch test failed at "${path}": the value is not the one the patch expects`);
        break;
      default:
        throw new BadRequestError(`unsupported JSON patch operation "${op}"`);
    }
  }
  return out;
}

/**
 * JSON.parse's complaint without the excerpt of the input V8 quotes in it: the message reaches the
 * audit log, and a Secret's patch must leave no value there (Go's decoder quotes one character too).
 */
function withoutExcerpt(message: string): string {
  return message.replace(/, (?:\.\.\.)?"[\s\S]*"(?:\.\.\.)? is not valid JSON$/, '');
}

/**
 * Applies a patch of `patchType` to an object's JSON. A strategic merge patch needs the object's
 * kind for its merge keys; without one its lists are replaced as Kubernetes does for unknown types.
 */
export function applyPatch(doc: unknown, patchType: string, patchText: string, kind?: KindInfo): unknown {
  let patch: Json;
  try {
    patch = JSON.parse(patchText) as Json;
  } catch (err) {
    throw new BadRequestError(`the patch is not valid JSON: ${withoutExcerpt((err as Error).message)}`);
  }
  switch (patchType || 'application/merge-patch+json') {
    case 'application/merge-patch+json':
      return mergePatch(doc as Json, patch);
    case 'application/strategic-merge-patch+json':
      return strategicMergePatch(doc as Json, patch, kind && messageSchema(messageTypeOf(kind)));
    case 'application/json-patch+json':
      return jsonPatch(doc as Json, patch);
    default:
      throw new BadRequestError(`unsupported patch type "${patchType}" (use application/merge-patch+json, application/strategic-merge-patch+json or application/json-patch+json)`);
  }
}

/**
 * The object a patch makes of `obj`: applied to its JSON and read back as kube-apiserver decodes
 * the result (quantities written as numbers read as text, wrong types refused, unknown fields dropped).
 * An apply patch is merged in as a forced apply would (what admission judges; the registry's apply
 * also removes fields its manager no longer applies and refuses conflicts).
 */
export function patchObject<T extends KubeObject>(kind: KindInfo<T>, obj: T, patchType: string, patchText: string): T {
  if (patchType === APPLY_PATCH_TYPE) return applyConfiguration(kind, obj, parseConfiguration(kind, patchText), '', true).object;
  return decodeKube(kind, applyPatch(kind.type.toJSON(obj), patchType, patchText, kind), 'Ignore').object;
}
