// `kitectl cordon|uncordon|drain NODE`: mark a node unschedulable and move its pods away, with
// kubectl's safety checks (unmanaged pods, DaemonSet pods, emptyDir data). As kubectl's drain, the
// pods are evicted (pods/eviction, which a disruption budget may refuse for a while: retried every
// 5 s) unless --disable-eviction deletes them.
import { ApiError, isNotFound } from '../../lib/api/errors';
import { Pods } from '../../lib/api/kinds';
import type { Clientset } from '../../lib/client/clientset';
import type { Pod } from '../../lib/gen/kite/core/v1/types';
import type { Cli } from './cli-context';
import { parseDuration } from './cli-context';
import { CliError } from './cli-errors';
import { waitForDeletion } from './delete';

async function setUnschedulable(cli: Cli, name: string, unschedulable: boolean): Promise<void> {
  const cs = await cli.clientset();
  const node = await cs.nodes.get(name);
  const verb = unschedulable ? 'cordoned' : 'uncordoned';
  if (Boolean(node.spec?.unschedulable) === unschedulable) {
    cli.io.out(`node/${name} already ${verb}\n`);
    return;
  }
  await cs.nodes.patch(name, { spec: { unschedulable } });
  cli.io.out(`node/${name} ${verb}\n`);
}

export const cordon = (cli: Cli, name: string) => setUnschedulable(cli, name, true);
export const uncordon = (cli: Cli, name: string) => setUnschedulable(cli, name, false);

export interface DrainOptions {
  force?: boolean;
  ignoreDaemonsets?: boolean;
  deleteEmptydirData?: boolean;
  gracePeriod?: string;
  timeout?: string;
  /** Delete the pods instead of evicting them (bypasses disruption budgets). */
  disableEviction?: boolean;
}

export interface DrainPlan {
  toDelete: Pod[];
  /** DaemonSet pods left alone (--ignore-daemonsets). */
  ignored: Pod[];
  /** Reasons drain must refuse, with the pods concerned, as kubectl lists them. */
  errors: string[];
  warnings: string[];
}

const key = (p: Pod) => `${p.metadata?.namespace}/${p.metadata?.name}`;

/** kubectl's drain filters, applied in its order: mirror, finished, DaemonSet, unmanaged, local storage. */
export function planDrain(pods: Pod[], opts: DrainOptions): DrainPlan {
  const plan: DrainPlan = { toDelete: [], ignored: [], errors: [], warnings: [] };
  const unmanaged: Pod[] = [];
  const daemon: Pod[] = [];
  const local: Pod[] = [];
  for (const p of pods) {
    if (p.metadata?.annotations?.['kubernetes.io/config.mirror']) continue;
    const finished = p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
    if (finished) {
      plan.toDelete.push(p);
      continue;
    }
    const controller = p.metadata?.ownerReferences.find((r) => r.controller);
    if (controller?.kind === 'DaemonSet') {
      if (opts.ignoreDaemonsets) plan.ignored.push(p);
      else daemon.push(p);
      continue;
    }
    if (!controller) {
      if (!opts.force) {
        unmanaged.push(p);
        continue;
      }
    }
    if (p.spec?.volumes.some((v) => v.emptyDir) && !opts.deleteEmptydirData) {
      local.push(p);
      continue;
    }
    plan.toDelete.push(p);
  }
  if (unmanaged.length) plan.errors.push(`cannot delete Pods that declare no controller (use --force to override): ${unmanaged.map(key).join(', ')}`);
  if (daemon.length) plan.errors.push(`cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ${daemon.map(key).join(', ')}`);
  if (local.length) plan.errors.push(`cannot delete Pods with local storage (use --delete-emptydir-data to override): ${local.map(key).join(', ')}`);
  const forced = plan.toDelete.filter((p) => !p.metadata?.ownerReferences.some((r) => r.controller) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  if (forced.length) plan.warnings.push(`deleting Pods that declare no controller: ${forced.map(key).join(', ')}`);
  if (plan.ignored.length) plan.warnings.push(`ignoring DaemonSet-managed Pods: ${plan.ignored.map(key).join(', ')}`);
  return plan;
}

/** kubectl's pause before evicting again a pod a disruption budget protects. */
const EVICTION_RETRY_MS = 5000;

/** Evicts a pod as kubectl's drain does: a 429 (a budget forbids it now) is reported and retried; false if the pod is gone already. */
async function evictPod(cli: Cli, cs: Clientset, p: Pod, grace: number): Promise<boolean> {
  const name = p.metadata!.name;
  const namespace = p.metadata!.namespace;
  for (;;) {
    try {
      await cs.pods.evict(name, { namespace, gracePeriodSeconds: grace >= 0 ? grace : undefined });
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      if (!(e instanceof ApiError) || e.reason !== 'TooManyRequests') throw new CliError(`error when evicting pods/"${name}" -n "${namespace}": ${(e as Error).message}`);
      cli.io.err(`error when evicting pods/"${name}" -n "${namespace}" (will retry after 5s): ${e.message}\n`);
      await new Promise((r) => setTimeout(r, EVICTION_RETRY_MS));
      if (cli.io.signal.aborted) return false;
    }
  }
}

async function podsOnNode(cs: Clientset, node: string): Promise<Pod[]> {
  return (await cs.pods.listAll({ namespace: '', fieldSelector: `spec.nodeName=${node}` })).items;
}

export async function drain(cli: Cli, name: string, opts: DrainOptions): Promise<void> {
  const grace = opts.gracePeriod === undefined ? -1 : Number(opts.gracePeriod);
  if (!Number.isInteger(grace)) throw new CliError(`invalid argument "${opts.gracePeriod}" for "--grace-period" flag`);
  const timeoutMs = opts.timeout ? parseDuration(opts.timeout, '--timeout') : 0;
  const cs = await cli.clientset();
  await setUnschedulable(cli, name, true);
  const plan = planDrain(await podsOnNode(cs, name), opts);
  if (plan.errors.length) {
    throw new CliError(`unable to drain node "${name}" due to error: ${plan.errors.join(', ')}, continuing command...\nThere are pending nodes to be drained:\n ${name}\n${plan.errors.join('\n')}`);
  }
  for (const w of plan.warnings) cli.io.err(`Warning: ${w}\n`);
  const deadline = timeoutMs ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
  const deleted: Pod[] = [];
  for (const p of plan.toDelete) {
    if (!opts.disableEviction) {
      cli.io.out(`evicting pod ${key(p)}\n`);
      if (await evictPod(cli, cs, p, grace)) deleted.push(p);
      continue;
    }
    try {
      await cs.pods.delete(p.metadata!.name, { namespace: p.metadata?.namespace, gracePeriodSeconds: grace >= 0 ? grace : undefined });
      deleted.push(p);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  for (const p of deleted) {
    const t = { kind: Pods, name: p.metadata!.name, namespace: p.metadata!.namespace };
    const gone = await waitForDeletion(cs, t, p.metadata?.uid, deadline, cli.io.signal);
    if (!gone) {
      if (cli.io.signal.aborted) return;
      throw new CliError(`unable to drain node "${name}" due to error: global timeout reached: ${opts.timeout}, continuing command...\nThere are pending nodes to be drained:\n ${name}`);
    }
    cli.io.out(`pod/${p.metadata!.name} ${opts.disableEviction ? 'deleted' : 'evicted'}\n`);
  }
  cli.io.out(`node/${name} drained\n`);
}
