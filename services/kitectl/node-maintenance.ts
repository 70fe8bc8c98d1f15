// `kitectl cordon|uncordon|drain NODE`: mark a node unschedulable and move its pods away, with
// kubectl's safety checks (unmanaged pods, DaemonSet pods, emptyDir data). As kubectl's drain, the
// pods are evicted all at once (pods/eviction; a PodDisruptionBudget may refuse one for a while
// with 429: reported and retried every 5 s until --timeout) and each is reported once gone, unless
// --disable-eviction deletes them. --pod-selector picks the pods; --dry-run only says what would be
// done (client) or asks the server to check it (server).
import { ApiError, isNotFound } from '../../lib/api/errors';
import { Pods } from '../../lib/api/kinds';
import type { Clientset } from '../../lib/client/clientset';
import type { Pod } from '../../lib/gen/kite/core/v1/types';
import type { Cli } from './cli-context';
import { parseDuration } from './cli-context';
import { CliError } from './cli-errors';
import { waitForDeletion } from './delete';

/** kubectl's suffix for what a dry run only pretended to do. */
function dryRunSuffix(dryRun: DryRun): string {
  return dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
}

async function setUnschedulable(cli: Cli, name: string, unschedulable: boolean, dryRun: DryRun = 'none'): Promise<void> {
  const cs = await cli.clientset();
  const node = await cs.nodes.get(name);
  const verb = unschedulable ? 'cordoned' : 'uncordoned';
  if (Boolean(node.spec?.unschedulable) === unschedulable) {
    cli.io.out(`node/${name} already ${verb}\n`);
    return;
  }
  if (dryRun !== 'client') await cs.nodes.patch(name, { spec: { unschedulable } }, { dryRun: dryRun === 'server' });
  cli.io.out(`node/${name} ${verb}${dryRunSuffix(dryRun)}\n`);
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
  /** Only the pods this label selector matches. */
  podSelector?: string;
  /** none, client or server (a bare --dry-run is client). */
  dryRun?: string | boolean;
}

type DryRun = 'none' | 'client' | 'server';

function dryRunOf(v: string | boolean | undefined): DryRun {
  if (v === undefined || v === false || v === 'none') return 'none';
  if (v === true || v === 'client') return 'client';
  if (v === 'server') return 'server';
  throw new CliError(`Invalid dry-run value (${v}). Must be "none", "server", or "client".`);
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

/** kubectl's global timeout, as the error it ends a pod's eviction or deletion with. */
class GlobalTimeout extends Error {}

/**
 * Evicts a pod as kubectl's drain does: "evicting pod" at each attempt, a 429 (a budget forbids
 * it now) reported and retried after 5 s until the deadline; false if the pod is gone already.
 */
async function evictPod(cli: Cli, cs: Clientset, p: Pod, grace: number, deadline: number, timeout: string, dryRun: DryRun): Promise<boolean> {
  const name = p.metadata!.name;
  const namespace = p.metadata!.namespace;
  for (;;) {
    cli.io.out(`evicting pod ${key(p)}${dryRunSuffix(dryRun)}\n`);
    try {
      await cs.pods.evict(name, { namespace, gracePeriodSeconds: grace >= 0 ? grace : undefined, dryRun: dryRun === 'server' });
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      if (!(e instanceof ApiError) || e.reason !== 'TooManyRequests') throw new CliError(`error when evicting pods/"${name}" -n "${namespace}": ${(e as Error).message}`);
      if (Date.now() > deadline) throw new GlobalTimeout(`error when evicting pods/"${name}" -n "${namespace}": global timeout reached: ${timeout}`);
      cli.io.err(`error when evicting pods/"${name}" -n "${namespace}" (will retry after 5s): ${e.message}\n`);
      await new Promise((r) => setTimeout(r, EVICTION_RETRY_MS));
      if (cli.io.signal.aborted) return false;
    }
  }
}

async function deletePod(cs: Clientset, p: Pod, grace: number, dryRun: DryRun): Promise<boolean> {
  try {
    await cs.pods.delete(p.metadata!.name, { namespace: p.metadata?.namespace, gracePeriodSeconds: grace >= 0 ? grace : undefined, dryRun: dryRun === 'server' });
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

async function podsOnNode(cs: Clientset, node: string, podSelector: string | undefined): Promise<Pod[]> {
  return (await cs.pods.listAll({ namespace: '', fieldSelector: `spec.nodeName=${node}`, labelSelector: podSelector })).items;
}

export async function drain(cli: Cli, name: string, opts: DrainOptions): Promise<void> {
  const grace = opts.gracePeriod === undefined ? -1 : Number(opts.gracePeriod);
  if (!Number.isInteger(grace)) throw new CliError(`invalid argument "${opts.gracePeriod}" for "--grace-period" flag`);
  const timeoutMs = opts.timeout ? parseDuration(opts.timeout, '--timeout') : 0;
  const dryRun = dryRunOf(opts.dryRun);
  const cs = await cli.clientset();
  await setUnschedulable(cli, name, true, dryRun);
  const plan = planDrain(await podsOnNode(cs, name, opts.podSelector), opts);
  if (plan.errors.length) {
    throw new CliError(`unable to drain node "${name}" due to error: ${plan.errors.join(', ')}, continuing command...\nThere are pending nodes to be drained:\n ${name}\n${plan.errors.join('\n')}`);
  }
  for (const w of plan.warnings) cli.io.err(`Warning: ${w}\n`);
  const verb = opts.disableEviction ? 'deleted' : 'evicted';
  if (dryRun === 'client') {
    // kubectl says "evicting" on a client dry run even with --disable-eviction.
    for (const p of plan.toDelete) cli.io.out(`evicting pod ${key(p)} (dry run)\n`);
    cli.io.out(`node/${name} drained (dry run)\n`);
    return;
  }
  const deadline = timeoutMs ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
  const timeout = opts.timeout ?? '0s';
  // Each pod on its own, as kubectl's goroutines: one a budget holds back does not hold the others.
  const results = await Promise.allSettled(
    plan.toDelete.map(async (p) => {
      const gone = opts.disableEviction ? await deletePod(cs, p, grace, dryRun) : await evictPod(cli, cs, p, grace, deadline, timeout, dryRun);
      // A server dry run deletes nothing, so kubectl neither waits nor reports a pod gone.
      if (!gone || dryRun === 'server') return;
      const t = { kind: Pods, name: p.metadata!.name, namespace: p.metadata!.namespace };
      if (!(await waitForDeletion(cs, t, p.metadata?.uid, deadline, cli.io.signal))) {
        if (cli.io.signal.aborted) return;
        throw new GlobalTimeout(`error when waiting for pod "${p.metadata!.name}" in namespace "${p.metadata!.namespace}" to terminate: global timeout reached: ${timeout}`);
      }
      cli.io.out(`pod/${p.metadata!.name} ${verb}\n`);
    }),
  );
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (cli.io.signal.aborted) return;
  if (failures.length) {
    // kubectl's aggregate error: one error as it is, several in brackets.
    const err = failures.length === 1 ? failures[0] : `[${failures.join(', ')}]`;
    const pending = planDrain(await podsOnNode(cs, name, opts.podSelector), opts).toDelete;
    if (pending.length) cli.io.err(`There are pending pods in node "${name}" when an error occurred: ${err}\n${pending.map((p) => `pod/${p.metadata!.name}\n`).join('')}`);
    throw new CliError(`unable to drain node "${name}" due to error: ${err}, continuing command...\nThere are pending nodes to be drained:\n ${name}\n${err}`);
  }
  cli.io.out(`node/${name} drained${dryRunSuffix(dryRun)}\n`);
}
