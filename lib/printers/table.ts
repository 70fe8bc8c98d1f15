// Server-side printing: the meta.k8s.io/v1 Table kube-apiserver answers when a client asks for
// `Accept: application/json;as=Table;g=meta.k8s.io;v=v1` (kubectl get does), built from the same
// columns kitectl prints (table-columns.ts), as Kubernetes' TableConvertor does from its printers:
// every column is sent, the -o wide ones with priority 1, and each row carries its object as
// PartialObjectMetadata (includeObject=Metadata, the default), the whole object (Object) or
// nothing (None).
import { encodeKube } from '../api/kube-json';
import type { KindInfo, KubeObject } from '../api/kinds';
import { columnsFor, events, nameCell, scales, type TableDef } from './table-columns';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableColumnDefinition {
  name: string;
  type: 'string' | 'integer';
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: (string | number)[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export interface TableOptions {
  includeObject?: IncludeObject;
  /** The list's metadata (resourceVersion, continue) the Table carries. */
  listMeta?: Table['metadata'];
  /** Milliseconds since the epoch the AGE cells count from (Date.now() by default). */
  now?: number;
  /** An object's Kubernetes JSON (lib/api/kube-json.ts' encodeKube by default). */
  encode?: (obj: KubeObject) => Record<string, unknown>;
}

/** Kubernetes' descriptions of the columns every kind has (metav1.ObjectMeta's swagger docs). */
const DESCRIPTIONS: Record<string, string> = {
  NAME: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  AGE: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
};

/** Kubernetes' spelling of kubectl's upper-cased headers ("UP-TO-DATE" is "Up-to-date", "CLUSTER-IP" is "Cluster-IP"). */
const SPELLED: Record<string, string> = { 'UP-TO-DATE': 'Up-to-date', SERVICEACCOUNTS: 'ServiceAccounts' };

/** The column name Kubernetes' printers give a header kubectl prints upper-cased. */
export function columnName(header: string): string {
  return (
    SPELLED[header] ??
    header
      .split(/([ -])/)
      .map((w) => (w === 'IP' || w === 'OS' ? w : w.charAt(0) + w.slice(1).toLowerCase()))
      .join('')
  );
}

interface Columns {
  headers: string[];
  priorities: number[];
  integers: Set<string>;
  row(obj: KubeObject, now: number): string[];
}

/** The columns of a kind: NAME, its own, then the wide ones; events list kubectl's event columns without NAME first. */
function columnsOf(kind: string): Columns {
  if (kind === 'Event') {
    return {
      headers: events.wideHeaders,
      priorities: events.wideHeaders.map((h) => (events.headers.includes(h) ? 0 : 1)),
      integers: new Set(events.integers),
      row: (o, now) => events.wideCells(o as never, now),
    };
  }
  return columnsOfDef(columnsFor(kind));
}

function columnsOfDef(t: TableDef): Columns {
  return {
    headers: ['NAME', ...t.headers, ...t.wideHeaders],
    priorities: [0, ...t.headers.map(() => 0), ...t.wideHeaders.map(() => 1)],
    integers: new Set(t.integers ?? []),
    row: (o, now) => [nameCell(t, o), ...t.cells(o, now), ...t.wideCells(o, now)],
  };
}

/** The Table of `objects` of `kind` (one object for a get, the items for a list). */
export function tableFor<T extends KubeObject>(kind: KindInfo<T>, objects: readonly T[], opts: TableOptions = {}): Table {
  return tableWith(columnsOf(kind.kind), objects, opts.encode ?? ((o: KubeObject) => encodeKube(kind, o as T)), opts);
}

/** The Table of a Scale subresource (`kubectl get --subresource=scale`), `encode` writing its autoscaling/v1 JSON. */
export function scaleTable(scale: KubeObject, encode: (o: KubeObject) => Record<string, unknown>, opts: TableOptions = {}): Table {
  return tableWith(columnsOfDef(scales), [scale], encode, opts);
}

function tableWith(cols: Columns, objects: readonly KubeObject[], encode: (o: KubeObject) => Record<string, unknown>, opts: TableOptions): Table {
  const now = opts.now ?? Date.now();
  const include = opts.includeObject ?? 'Metadata';
  const columnDefinitions = cols.headers.map((h, i) => ({
    name: columnName(h),
    type: cols.integers.has(h) ? ('integer' as const) : ('string' as const),
    format: h === 'NAME' && i === 0 ? 'name' : '',
    description: DESCRIPTIONS[h] ?? '',
    priority: cols.priorities[i],
  }));
  const rows = objects.map((obj) => {
    const cells = cols.row(obj, now).map((c, i) => (cols.integers.has(cols.headers[i]) && /^-?\d+$/.test(c) ? Number(c) : c));
    if (include === 'None') return { cells };
    const json = encode(obj);
    const object = include === 'Object' ? json : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: json.metadata ?? {} };
    return { cells, object };
  });
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { ...opts.listMeta }, columnDefinitions, rows };
}
