// -o json|yaml|name: objects in Kubernetes' JSON shape (apiVersion and kind first, as kubectl
// prints them), lists as `kind: List`.
import { Document } from 'yaml';
import type { KindInfo, KubeObject } from '../../../lib/api/kinds';
import { encodeKube } from '../../../lib/api/kube-json';
import { applyGoScalarStyles, foldLikeGo, goKeyCompare } from './go-yaml-style';
import { qualifiedKind } from './table-printer';

/**
 * The object's Kubernetes JSON (lib/api's codec: the fields Kubernetes always writes, its time
 * formats) with apiVersion and kind filled in from the kinds table.
 */
export function toKubeJSON(kind: KindInfo, obj: KubeObject): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, ...rest } = encodeKube(kind, obj);
  return { apiVersion: kind.apiVersion, kind: kind.kind, ...rest };
}

export function listJSON(items: Record<string, unknown>[]): Record<string, unknown> {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

/**
 * JSON text as Go's encoding/json writes it: like JSON.stringify, but '<', '>', '&', U+2028 and
 * U+2029 escaped (they only ever occur inside strings, so the text can be rewritten safely).
 */
export function goJSON(value: unknown, indent?: number): string {
  return goEscape(JSON.stringify(value, null, indent));
}

/** Go's HTML-safe escaping applied to JSON text. */
export function goEscape(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function formatJSON(value: unknown): string {
  return `${goJSON(value, 4)}\n`;
}

/**
 * YAML as kubectl writes it: keys sorted, sequences not indented under their key, YAML 1.1
 * quoting (timestamps, "yes", "on" stay strings for 1.1 readers), and go-yaml's scalar styles
 * and line folding.
 */
export function formatYAML(value: unknown): string {
  const doc = new Document(value, { version: '1.1', sortMapEntries: (a, b) => goKeyCompare(String(a.key), String(b.key)), aliasDuplicateObjects: false });
  const fillIn = applyGoScalarStyles(doc);
  return foldLikeGo(fillIn(doc.toString({ indentSeq: false, lineWidth: 0 })));
}

export function formatName(kind: KindInfo, obj: KubeObject): string {
  return `${qualifiedKind(kind)}/${obj.metadata?.name ?? ''}\n`;
}
