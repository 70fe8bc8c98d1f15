// `describe namespace`, and kubectl's generic describer for kinds without a dedicated one:
// the object's fields as an indented outline with "Title Case" keys.
import type { KindInfo, KubeObject } from '../../../lib/api/kinds';
import type { Event, LimitRange, Namespace, ResourceQuota } from '../../../lib/gen/kite/core/v1/types';
import { DescribeWriter, writeAnnotations, writeEvents, writeLabels } from './describe-writer';
import { writeNamespaceLimitRanges, writeNamespaceQuotas } from './policy';

/** A namespace with its quotas and limit ranges (undefined when the caller may not list them: left out, as kubectl does). */
export function describeNamespace(ns: Namespace, quotas?: ResourceQuota[], limitRanges?: LimitRange[]): string {
  const w = new DescribeWriter();
  w.write(0, `Name:\t${ns.metadata?.name}\n`);
  writeLabels(w, 'Labels', ns.metadata?.labels);
  writeAnnotations(w, ns.metadata?.annotations);
  w.write(0, `Status:\t${ns.status?.phase ?? ''}\n`);
  if (quotas) {
    w.write(0, '\n');
    writeNamespaceQuotas(w, quotas);
  }
  if (limitRanges) {
    w.write(0, '\n');
    writeNamespaceLimitRanges(w, limitRanges);
  }
  return w.toString();
}

/** "holderIdentity" -> "Holder Identity", "podCIDR" -> "Pod CIDR". */
export function titleCase(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function writeValue(w: DescribeWriter, level: number, key: string, v: unknown): void {
  if (v === null || v === undefined) return;
  if (Array.isArray(v)) {
    w.write(level, `${key}:\n`);
    for (const item of v) {
      if (item !== null && typeof item === 'object') {
        const entries = Object.entries(item);
        entries.forEach(([k, x]) => {
          if (x !== null && typeof x === 'object') writeValue(w, level + 1, titleCase(k), x);
          else w.write(level + 1, `${titleCase(k)}:\t${String(x)}\n`);
        });
      } else {
        w.write(level + 1, `${String(item)}\n`);
      }
    }
    return;
  }
  if (typeof v === 'object') {
    w.write(level, `${key}:\n`);
    for (const [k, x] of Object.entries(v)) writeValue(w, level + 1, k.includes('/') || k.includes('.') ? k : titleCase(k), x);
    return;
  }
  w.write(level, `${key}:\t${String(v)}\n`);
}

export function describeGeneric(kind: KindInfo, obj: KubeObject, events: Event[] | undefined, now = Date.now()): string {
  const w = new DescribeWriter();
  const m = obj.metadata;
  w.write(0, `Name:\t${m?.name}\n`);
  if (kind.namespaced) w.write(0, `Namespace:\t${m?.namespace}\n`);
  writeLabels(w, 'Labels', m?.labels);
  writeAnnotations(w, m?.annotations);
  w.write(0, `API Version:\t${kind.apiVersion}\n`);
  w.write(0, `Kind:\t${kind.kind}\n`);
  const json = kind.type.toJSON(obj) as Record<string, unknown>;
  for (const [k, v] of Object.entries(json)) {
    if (k === 'metadata' || k === 'kind' || k === 'apiVersion') continue;
    writeValue(w, 0, titleCase(k), v);
  }
  writeEvents(w, events, now);
  return w.toString();
}
