// Which pods `kitectl logs` reads, as kubectl's logs does: a pod by name; for a controller
// (job/pi, deployment/web, replicaset, statefulset, daemonset, service) the first of the pods its
// selector matches, sorted as kubectl's podutils.ByLogging sorts them, waiting up to
// --pod-running-timeout for one to appear (kubectl's polymorphichelpers.LogsForObject,
// SelectorsForObject and GetFirstPod); with -l, every matching pod.
import { lookupKind, Pods, type KindInfo, type KubeObject } from '../../lib/api/kinds';
import { isPodReady } from '../../lib/api/pods';
import { labelsToSelectorString, selectorFromLabelSelector } from '../../lib/api/selectors';
import type { Pod } from '../../lib/gen/kite/core/v1/types';
import type { LabelSelector } from '../../lib/gen/kite/meta/v1/meta';
import type { Cli } from './cli-context';
import { CliError } from './cli-errors';

/** Kinds whose pods kubectl finds through spec.selector (a LabelSelector). */
const WORKLOADS = ['Job', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'];

/** SelectorsForObject: the label selector string of a controller's or Service's pods. */
export function selectorForObject(kind: KindInfo, obj: KubeObject): string {
  const spec = (obj as { spec?: { selector?: unknown } }).spec;
  if (kind.kind === 'Service') {
    const sel = (spec?.selector ?? {}) as Record<string, string>;
    if (Object.keys(sel).length === 0) throw new CliError(`cannot get the logs from *v1.Service: invalid service '${obj.metadata?.name}': Service is defined without a selector`);
    return labelsToSelectorString(sel);
  }
  if (!WORKLOADS.includes(kind.kind)) {
    const type = `*${kind.apiVersion.split('/').pop()}.${kind.kind}`;
    throw new CliError(`cannot get the logs from ${type}: selector for ${type} not implemented`);
  }
  return selectorFromLabelSelector(spec?.selector as LabelSelector | undefined).toString();
}

const PHASE_ORDER: Record<string, number> = { Running: 0, Unknown: 1, Pending: 2 };
const readyTime = (p: Pod) => Date.parse(p.status?.conditions.find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime ?? '') || 0;
const maxRestarts = (p: Pod) => Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
/** Earlier first, an unset time last (kubectl's afterOrZero). */
const earlier = (a: number, b: number) => (a === 0 || b === 0 ? a !== 0 : a < b);

/**
 * podutils.ByLogging: on a node before not; Running (and finished: Go's missing map key is 0)
 * before Unknown before Pending; ready before not, ready longer first; more restarts first; older first.
 */
export function byLogging(a: Pod, b: Pod): number {
  const less = (x: Pod, y: Pod): boolean => {
    const xn = x.spec?.nodeName ?? '';
    const yn = y.spec?.nodeName ?? '';
    if (xn !== yn && (!xn || !yn)) return !!xn;
    const xp = PHASE_ORDER[x.status?.phase ?? ''] ?? 0;
    const yp = PHASE_ORDER[y.status?.phase ?? ''] ?? 0;
    if (xp !== yp) return xp < yp;
    if (isPodReady(x) !== isPodReady(y)) return isPodReady(x);
    if (isPodReady(x) && isPodReady(y) && readyTime(x) !== readyTime(y)) return earlier(readyTime(x), readyTime(y));
    if (maxRestarts(x) !== maxRestarts(y)) return maxRestarts(x) > maxRestarts(y);
    const xc = Date.parse(x.metadata?.creationTimestamp ?? '') || 0;
    const yc = Date.parse(y.metadata?.creationTimestamp ?? '') || 0;
    return xc !== yc && earlier(xc, yc);
  };
  return less(a, b) ? -1 : less(b, a) ? 1 : 0;
}

/**
 * The pods to read: `-l` -> every match (names sorted); TYPE/NAME of a controller -> its first pod
 * by ByLogging (stderr says "Found N pods, using pod/<name>" when it had a choice); else the pod.
 */
export async function logsTargets(cli: Cli, arg: string | undefined, selector: string | undefined, podRunningTimeoutMs: number): Promise<string[]> {
  const namespace = await cli.namespace();
  const cs = await cli.clientset();
  if (selector !== undefined) {
    if (arg) throw new CliError('only a selector (-l) or a POD name is allowed');
    const pods = await cs.resource(Pods).listAll({ namespace, labelSelector: selector });
    if (!pods.items.length) cli.io.err(`No resources found in ${namespace} namespace.\n`);
    return pods.items.map((p) => p.metadata!.name).sort();
  }
  if (!arg) throw new CliError('expected POD argument');
  const slash = arg.indexOf('/');
  const kind = slash > 0 ? lookupKind(arg.slice(0, slash)) : Pods;
  if (!kind) throw new CliError(`the server doesn't have a resource type "${arg.slice(0, slash)}"`);
  const name = slash > 0 ? arg.slice(slash + 1) : arg;
  if (kind === Pods) return [name];
  const obj = await cs.resource(kind).get(name, namespace);
  const labelSelector = selectorForObject(kind, obj);
  const pods = await firstPods(cli, namespace, labelSelector, podRunningTimeoutMs);
  const first = [...pods].sort(byLogging)[0];
  if (pods.length > 1) cli.io.err(`Found ${pods.length} pods, using pod/${first.metadata!.name}\n`);
  return [first.metadata!.name];
}

/** GetFirstPod's wait: the matching pods now, else the first one created within the timeout. */
async function firstPods(cli: Cli, namespace: string, labelSelector: string, timeoutMs: number): Promise<Pod[]> {
  const client = (await cli.clientset()).resource(Pods);
  const list = await client.list({ namespace, labelSelector });
  if (list.items.length) return list.items;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  cli.io.signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => stop.abort(), timeoutMs);
  try {
    for await (const ev of client.watch({ namespace, labelSelector, resourceVersion: list.metadata?.resourceVersion ?? '' }, stop.signal)) {
      if (ev.type === 'ADDED' && ev.object) return [ev.object];
    }
  } finally {
    clearTimeout(timer);
    cli.io.signal.removeEventListener('abort', onAbort);
  }
  throw new CliError('timed out waiting for the condition');
}
