// The -o flag: a table (default or wide), or one of the machine formats.
import type { KindInfo, KubeObject } from '../../lib/api/kinds';
import { CliError } from './cli-errors';
import { jsonPath } from './printers/jsonpath';
import { formatJSON, formatName, formatYAML, listJSON, toKubeJSON } from './printers/object-output';

export type OutputFormat =
  | { type: 'table'; wide: boolean }
  | { type: 'json' | 'yaml' | 'name' }
  | { type: 'jsonpath'; template: string };

export function parseOutput(o: string | undefined): OutputFormat {
  if (!o) return { type: 'table', wide: false };
  if (o === 'wide') return { type: 'table', wide: true };
  if (o === 'json' || o === 'yaml' || o === 'name') return { type: o };
  const m = o.match(/^jsonpath=(.*)$/s);
  if (m) {
    const t = m[1].replace(/^'(.*)'$/s, '$1');
    if (!t) throw new CliError('template format specified but no template given');
    return { type: 'jsonpath', template: t };
  }
  throw new CliError(`unable to match a printer suitable for the output format "${o}", allowed formats are: json,jsonpath,name,wide,yaml`);
}

export interface Typed {
  kind: KindInfo;
  obj: KubeObject;
}

/**
 * Formats objects in a machine format: one object alone when exactly one was asked for by
 * name, else a List, as kubectl does. `sorted` orders every object's keys as kubectl get prints
 * what it read as unstructured JSON (Go writes a map's keys sorted). JSON and YAML leave out
 * metadata.managedFields unless `showManagedFields` (kubectl's --show-managed-fields).
 */
export function formatObjects(fmt: Exclude<OutputFormat, { type: 'table' }>, items: Typed[], single: boolean, sorted = false, showManagedFields = false): string {
  if (fmt.type === 'name') return items.map((i) => formatName(i.kind, i.obj)).join('');
  const hide = !showManagedFields && (fmt.type === 'json' || fmt.type === 'yaml');
  const shown = (obj: KubeObject): KubeObject => (hide && obj.metadata ? { ...obj, metadata: { ...obj.metadata, managedFields: [] } } : obj);
  const jsons = items.map((i) => (sorted ? sortKeys(toKubeJSON(i.kind, shown(i.obj))) : toKubeJSON(i.kind, shown(i.obj))) as Record<string, unknown>);
  const data = single && jsons.length === 1 ? jsons[0] : listJSON(jsons);
  if (fmt.type === 'json') return formatJSON(data);
  if (fmt.type === 'jsonpath') return jsonPath(fmt.template, data);
  return formatYAML(data);
}

/** A JSON value with every object's keys in sorted order, as Go's encoder writes a map. */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, x]) => [k, sortKeys(x)]));
}
