// A watcher's filter: namespace, label selector and field selector, applied to old and new
// states of an object so that objects moving in or out of the selection are reported as ADDED or
// DELETED, as Kubernetes' watch cache does.
import type { KubeObject } from '../../../lib/api/kinds';
import type { FieldSelector, Selector } from '../../../lib/api/selectors';

export interface ObjectFilter<T extends KubeObject> {
  namespace: string;
  labels: Selector;
  fields: FieldSelector;
  /** Reads a selectable field of an object ("spec.nodeName"). */
  getField: (obj: T, field: string) => string | undefined;
}

export function matches<T extends KubeObject>(f: ObjectFilter<T>, obj: T | undefined): boolean {
  if (!obj) return false;
  if (f.namespace && obj.metadata?.namespace !== f.namespace) return false;
  if (!f.labels.empty() && !f.labels.matches(obj.metadata?.labels)) return false;
  if (!f.fields.empty() && !f.fields.matches((field) => f.getField(obj, field))) return false;
  return true;
}
