// `kitectl top node|pod`, as kubectl's top commands (k8s.io/kubectl/pkg/cmd/top): read the
// metrics API (metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics, which the controller-manager's
// metrics-scraper keeps), and for nodes their allocatable (or capacity) for the percentages.
// kubectl's errors: "Metrics API not available" when the server has no metrics API, "metrics not
// available yet" when no node has metrics, and for pods without metrics whether they are too
// young to have any (checkPodAge: metrics appear within 2 minutes of a pod's creation).
import { isNotFound } from '../../lib/api/errors';
import { NodeMetricsKind, Nodes, PodMetricsKind, Pods } from '../../lib/api/kinds';
import type { Node, Pod } from '../../lib/gen/kite/core/v1/types';
import type { NodeMetrics, PodMetrics } from '../../lib/gen/kite/metrics/v1beta1/types';
import type { Cli } from './cli-context';
import { CliError } from './cli-errors';
import { formatDuration } from '../../lib/util/duration';
import { printNodeMetrics, printPodMetrics, type SortBy } from './printers/top-printer';

export interface TopNodeOptions {
  selector?: string;
  sortBy?: string;
  noHeaders?: boolean;
  showCapacity?: boolean;
}

export interface TopPodOptions {
  selector?: string;
  fieldSelector?: string;
  allNamespaces?: boolean;
  containers?: boolean;
  sortBy?: string;
  noHeaders?: boolean;
  sum?: boolean;
}

/** kubectl's metricsCreationDelay: a pod older than this without metrics is reported, not waited for. */
const METRICS_CREATION_DELAY_MS = 2 * 60_000;

function sortByOf(v: string | undefined): SortBy {
  if (!v) return '';
  if (v !== 'cpu' && v !== 'memory') throw new CliError('--sort-by accepts only cpu or memory');
  return v;
}

/** A server without the metrics API answers UNIMPLEMENTED (no such service): kubectl's discovery check. */
async function metricsApi<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if ((err as { code?: number }).code === 12) throw new CliError('Metrics API not available');
    throw err;
  }
}

export async function topNode(cli: Cli, name: string | undefined, opts: TopNodeOptions): Promise<void> {
  const sortBy = sortByOf(opts.sortBy);
  if (name && opts.selector) throw new CliError('only one of NAME or --selector can be provided');
  const cs = await cli.clientset();
  let metrics: NodeMetrics[];
  let nodes: Node[];
  if (name) {
    metrics = [await metricsApi(() => cs.resource(NodeMetricsKind).get(name))];
    nodes = [await cs.resource(Nodes).get(name)];
  } else {
    metrics = (await metricsApi(() => cs.resource(NodeMetricsKind).listAll({ labelSelector: opts.selector }))).items;
    nodes = (await cs.resource(Nodes).listAll({ labelSelector: opts.selector })).items;
  }
  if (metrics.length === 0) throw new CliError('metrics not available yet');
  const available = new Map(nodes.map((n) => [n.metadata!.name, (opts.showCapacity ? n.status?.capacity : n.status?.allocatable) ?? {}]));
  cli.io.out(printNodeMetrics(metrics, available, { noHeaders: opts.noHeaders, sortBy }));
}

export async function topPod(cli: Cli, name: string | undefined, opts: TopPodOptions): Promise<void> {
  const sortBy = sortByOf(opts.sortBy);
  if (name && (opts.selector || opts.fieldSelector)) throw new CliError('only one of NAME or selector can be provided');
  const cs = await cli.clientset();
  const namespace = opts.allNamespaces ? '' : await cli.namespace();
  let metrics: PodMetrics[];
  if (name) {
    metrics = [await metricsApi(() => cs.resource(PodMetricsKind).get(name, namespace))];
  } else {
    metrics = (await metricsApi(() => cs.resource(PodMetricsKind).listAll({ namespace, labelSelector: opts.selector, fieldSelector: opts.fieldSelector }))).items;
  }
  if (metrics.length === 0) {
    await verifyEmptyMetrics(cli, namespace, opts);
    cli.io.err(opts.allNamespaces ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`);
    return;
  }
  cli.io.out(printPodMetrics(metrics, { withNamespace: opts.allNamespaces, containers: opts.containers, noHeaders: opts.noHeaders, sortBy, sum: opts.sum }));
}

/** kubectl's verifyEmptyMetrics: a terminating pod, or one old enough to have metrics, is an error. */
async function verifyEmptyMetrics(cli: Cli, namespace: string, opts: TopPodOptions): Promise<void> {
  const cs = await cli.clientset();
  let pods: Pod[];
  try {
    pods = (await cs.resource(Pods).listAll({ namespace, labelSelector: opts.selector, fieldSelector: opts.fieldSelector })).items;
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  for (const pod of pods) {
    const m = pod.metadata!;
    if (m.deletionTimestamp) throw new CliError(`pod ${m.namespace}/${m.name} is terminating`);
    const age = Date.now() - Date.parse(m.creationTimestamp);
    if (age > METRICS_CREATION_DELAY_MS) throw new CliError(`Metrics not available for pod ${m.namespace}/${m.name}, age: ${formatDuration(age)}`);
  }
}

