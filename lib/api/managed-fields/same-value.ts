// Deep equality of the plain values managed fields compare on every write: Kubernetes JSON and
// generated message objects (plain objects, arrays, primitives). It answers as node:util's
// isDeepStrictEqual does, several times faster on these values; anything else (bytes, a class
// instance) is left to isDeepStrictEqual. Mirrors the reflect.DeepEqual / value.Equals calls of
// structured-merge-diff's comparison.
import { isDeepStrictEqual } from 'node:util';

export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) return isDeepStrictEqual(a, b);
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  for (const k of keys) if (!Object.prototype.hasOwnProperty.call(y, k) || !sameValue(x[k], y[k])) return false;
  return true;
}
