// `kubectl top`'s tables (k8s.io/kubectl/pkg/metricsutil/metrics_printer.go): CPU in millicores
// ("12m"), memory in whole Mi ("64Mi"), a node's CPU(%) and MEMORY(%) of its allocatable; every
// cell ends with a tab, as kubectl prints them (so lines end padded); nodes without metrics get
// <unknown> lines after the others. Sorting by cpu or memory puts the largest first, else by
// (namespace and) name.
import { parseQuantity, sumQuantities } from '../../../lib/api/quantity';
import type { NodeMetrics, PodMetrics } from '../../../lib/gen/kite/metrics/v1beta1/types';
import { TABLE_OPTIONS, TabWriter } from '../../../lib/util/tabwriter';

export type SortBy = '' | 'cpu' | 'memory';

const milli = (q: string | undefined) => Number(parseQuantity(q ?? '0').milliValue());
const bytes = (q: string | undefined) => Number(parseQuantity(q ?? '0').value());

function usageCells(usage: Record<string, string>, available?: Record<string, string>): string[] {
  const cells: string[] = [];
  for (const res of ['cpu', 'memory']) {
    const q = usage[res] ?? '0';
    cells.push(res === 'cpu' ? `${milli(q)}m` : `${Math.trunc(bytes(q) / (1024 * 1024))}Mi`);
    const a = available?.[res];
    if (a !== undefined) cells.push(`${Math.trunc((milli(q) / milli(a)) * 100)}%`);
  }
  return cells;
}

function render(rows: string[][]): string {
  const w = new TabWriter(TABLE_OPTIONS);
  for (const r of rows) w.write(`${r.map((c) => `${c}\t`).join('')}\n`);
  return w.flush();
}

/** The largest first by cpu or memory, as kubectl's sorters compare (MilliValue, Value). */
const byUsage =
  <T>(sortBy: 'cpu' | 'memory', usage: (x: T) => Record<string, string>) =>
  (a: T, b: T) =>
    sortBy === 'cpu' ? milli(usage(b).cpu) - milli(usage(a).cpu) : bytes(usage(b).memory) - bytes(usage(a).memory);
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** `top node`: one line per node with metrics, then <unknown> lines for nodes in `allocatable` without. */
export function printNodeMetrics(metrics: NodeMetrics[], allocatable: Map<string, Record<string, string>>, opts: { noHeaders?: boolean; sortBy?: SortBy } = {}): string {
  if (metrics.length === 0) return '';
  const sortBy = opts.sortBy ?? '';
  const sorted = [...metrics].sort(sortBy ? byUsage<NodeMetrics>(sortBy, (m) => m.usage) : (a, b) => byName(a.metadata!.name, b.metadata!.name));
  const rows: string[][] = opts.noHeaders ? [] : [['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)']];
  const missing = new Map(allocatable);
  for (const m of sorted) {
    rows.push([m.metadata!.name, ...usageCells(m.usage, allocatable.get(m.metadata!.name))]);
    missing.delete(m.metadata!.name);
  }
  for (const name of missing.keys()) rows.push([name, '<unknown>', '<unknown>', '<unknown>', '<unknown>']);
  return render(rows);
}

/** A pod's usage: its containers' summed. */
function podUsage(m: PodMetrics): Record<string, string> {
  const sum = (res: string) => sumQuantities(m.containers.flatMap((c) => (c.usage[res] !== undefined ? [c.usage[res]] : [])));
  return { cpu: sum('cpu'), memory: sum('memory') };
}

export interface PodPrintOptions {
  withNamespace?: boolean;
  containers?: boolean;
  noHeaders?: boolean;
  sortBy?: SortBy;
  sum?: boolean;
}

/** `top pod`: a line per pod (or per container with --containers), optionally the --sum line. */
export function printPodMetrics(metrics: PodMetrics[], opts: PodPrintOptions = {}): string {
  if (metrics.length === 0) return '';
  const sortBy = opts.sortBy ?? '';
  const pods = metrics.map((m) => ({ m, usage: podUsage(m) }));
  pods.sort(
    sortBy
      ? byUsage<(typeof pods)[number]>(sortBy, (p) => p.usage)
      : (a, b) => {
          const [x, y] = [a.m.metadata!, b.m.metadata!];
          if (opts.withNamespace && x.namespace !== y.namespace) return byName(x.namespace, y.namespace);
          return byName(x.name, y.name);
        },
  );
  const header = [...(opts.withNamespace ? ['NAMESPACE'] : []), ...(opts.containers ? ['POD'] : []), 'NAME', 'CPU(cores)', 'MEMORY(bytes)'];
  const rows: string[][] = opts.noHeaders ? [] : [header];
  for (const { m, usage } of pods) {
    const ns = opts.withNamespace ? [m.metadata!.namespace] : [];
    if (!opts.containers) {
      rows.push([...ns, m.metadata!.name, ...usageCells(usage)]);
      continue;
    }
    const containers = [...m.containers].sort(sortBy ? byUsage<(typeof m.containers)[number]>(sortBy, (c) => c.usage) : (a, b) => byName(a.name, b.name));
    for (const c of containers) rows.push([...ns, m.metadata!.name, c.name, ...usageCells(c.usage)]);
  }
  if (opts.sum) {
    const width = header.length;
    const total = { cpu: sumQuantities(pods.map((p) => p.usage.cpu)), memory: sumQuantities(pods.map((p) => p.usage.memory)) };
    rows.push([...new Array<string>(width - 2).fill(''), '________', '________']);
    rows.push([...new Array<string>(width - 3).fill(''), '', ...usageCells(total)]);
  }
  return render(rows);
}
