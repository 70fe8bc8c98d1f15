// The table of API kinds: every kind declared once in kind-declarations.ts, bound to its
// generated messages and service in lib/gen/kite/kinds.ts (npm run gen). The apiserver, the
// typed clients, informers, the namespace controller, the garbage collector and kitectl all read
// this table instead of repeating per-kind code.
import type { ObjectMeta } from '../gen/kite/meta/v1/meta';
import { ALL_KINDS } from '../gen/kite/kinds';
import type { KindInfo } from './kind-info';

export * from './kind-info';
export * from '../gen/kite/kinds';
export { KIND_DECLARATIONS, type KindDeclaration, type KindMethods, type Verb } from './kind-declarations';

/**
 * Finds a kind by the names kubectl accepts: kind ("Pod"), resource ("pods"), singular ("pod"),
 * short name ("po"), optionally qualified by group ("deployments.apps"). Case-insensitive.
 */
export function lookupKind(name: string): KindInfo<any> | undefined {
  const lower = name.toLowerCase();
  const [base, ...groupParts] = lower.split('.');
  const group = groupParts.join('.');
  return ALL_KINDS.find((k) => {
    if (group && k.group !== group) return false;
    const b = group ? base : lower;
    return k.kind.toLowerCase() === b || k.resource === b || k.shortNames.includes(b);
  });
}

/** Finds a kind by a manifest's apiVersion and kind. */
export function kindFor(apiVersion: string, kind: string): KindInfo<any> | undefined {
  return ALL_KINDS.find((k) => k.kind === kind && k.apiVersion === apiVersion);
}

/** "namespace/name" for namespaced objects, "name" otherwise: the key informers and workqueues use. */
export function objectKey(obj: { metadata?: ObjectMeta | undefined }): string {
  const m = obj.metadata;
  if (!m) return '';
  return m.namespace ? `${m.namespace}/${m.name}` : m.name;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export type { ObjectMeta };
