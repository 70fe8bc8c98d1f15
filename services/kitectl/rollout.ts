// `kitectl rollout status|history|undo|restart|pause|resume` for Deployments, and
// status|history|undo|restart for DaemonSets and StatefulSets, done on the client as kubectl does
// (undo copies a ReplicaSet's template back into the Deployment, or patches a DaemonSet or
// StatefulSet with a ControllerRevision's data).
import { DaemonSets, Deployments, StatefulSets, type KindInfo, type KubeObject } from '../../lib/api/kinds';
import type { DaemonSet, Deployment, StatefulSet } from '../../lib/gen/kite/apps/v1/types';
import { templateFromRevision } from '../controller-manager/history/history';
import { controlledRevisions, daemonSetRolloutStatus, findRevision, matchesRevision, statefulSetRolloutStatus, type RevisionedWorkload } from './controller-revisions';
import type { Cli } from './cli-context';
import { parseDuration } from './cli-context';
import { CliError } from './cli-errors';
import { CHANGE_CAUSE_ANNOTATION, ownedReplicaSets, revisionOf, sameTemplate, templateWithoutHash } from './deployment-revisions';
import { writePodTemplate } from './describers/pod-template';
import { DescribeWriter } from './describers/describe-writer';
import { tabulate } from '../../lib/util/tabwriter';
import { parseOneResource } from './resource-args';

const only = { kinds: [Deployments], verb: 'rollout' };
const withRevisions = { kinds: [Deployments, DaemonSets, StatefulSets], verb: 'rollout' };
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/** kubectl's DeploymentStatusViewer: the message to print and whether the rollout is done. */
export function rolloutStatus(d: Deployment): { message: string; done: boolean } {
  const name = d.metadata?.name;
  const st = d.status;
  if ((d.metadata?.generation ?? 0) > (st?.observedGeneration ?? 0)) {
    return { message: 'Waiting for deployment spec update to be observed...\n', done: false };
  }
  const progressing = st?.conditions.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') throw new CliError(`deployment "${name}" exceeded its progress deadline`);
  const replicas = d.spec?.replicas ?? 1;
  const updated = st?.updatedReplicas ?? 0;
  if (updated < replicas) {
    return { message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${replicas} new replicas have been updated...\n`, done: false };
  }
  if ((st?.replicas ?? 0) > updated) {
    return { message: `Waiting for deployment "${name}" rollout to finish: ${(st?.replicas ?? 0) - updated} old replicas are pending termination...\n`, done: false };
  }
  if ((st?.availableReplicas ?? 0) < updated) {
    return { message: `Waiting for deployment "${name}" rollout to finish: ${st?.availableReplicas ?? 0} of ${updated} updated replicas are available...\n`, done: false };
  }
  return { message: `deployment "${name}" successfully rolled out\n`, done: true };
}

/** The status viewer of a kind. */
function statusViewer(kind: KindInfo): (obj: any) => { message: string; done: boolean } {
  if (kind === DaemonSets) return (ds: DaemonSet) => daemonSetRolloutStatus(ds);
  if (kind === StatefulSets) return (sts: StatefulSet) => statefulSetRolloutStatus(sts);
  return (d: Deployment) => rolloutStatus(d);
}

/** "daemonset.apps/agent": kubectl's resource/name spelling of a workload. */
function qualifiedName(kind: KindInfo, name: string): string {
  return `${kind.kind.toLowerCase()}.${kind.group}/${name}`;
}

export async function rolloutStatusCmd(cli: Cli, args: string[], opts: { timeout?: string; watch?: boolean }): Promise<void> {
  const { kind, name } = parseOneResource(args, withRevisions);
  const client = (await cli.clientset()).resource(kind as KindInfo<KubeObject>);
  const viewer = statusViewer(kind);
  const namespace = await cli.namespace();
  const timeoutMs = opts.timeout ? parseDuration(opts.timeout, '--timeout') : 0;
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  cli.io.signal.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer = timeoutMs ? setTimeout(() => ((timedOut = true), controller.abort()), timeoutMs) : undefined;
  let previous = '';
  const show = (obj: KubeObject): boolean => {
    const { message, done } = viewer(obj);
    if (done || message !== previous) cli.io.out(message);
    previous = message;
    return done;
  };
  try {
    const d = await client.get(name, namespace);
    if (show(d) || opts.watch === false) return;
    // Watching from the object's own resourceVersion misses no change made after the read.
    let rv = d.metadata?.resourceVersion ?? '';
    while (!controller.signal.aborted) {
      for await (const ev of client.watch({ namespace, fieldSelector: `metadata.name=${name}`, resourceVersion: rv }, controller.signal)) {
        if (ev.object?.metadata?.resourceVersion) rv = ev.object.metadata.resourceVersion;
        if (ev.type === 'DELETED') throw new CliError(`object has been deleted`);
        if (ev.type !== 'BOOKMARK' && ev.object && show(ev.object)) return;
      }
    }
    if (timedOut) throw new CliError('timed out waiting for the condition');
  } finally {
    if (timer) clearTimeout(timer);
    cli.io.signal.removeEventListener('abort', onAbort);
  }
}

/** History of a DaemonSet or StatefulSet from its ControllerRevisions (kubectl's DaemonSetHistoryViewer). */
async function revisionHistory(cli: Cli, kind: KindInfo, name: string, revision: string | undefined): Promise<void> {
  const cs = await cli.clientset();
  const owner = (await cs.resource(kind as KindInfo<RevisionedWorkload>).get(name, await cli.namespace())) as RevisionedWorkload;
  const revisions = await controlledRevisions(cs, owner);
  if (revision !== undefined && revision !== '0') {
    const rev = revisions.find((r) => r.revision === Number(revision));
    if (!rev) throw new CliError('unable to find the specified revision');
    const w = new DescribeWriter();
    writePodTemplate(w, templateFromRevision(rev));
    cli.io.out(`${qualifiedName(kind, name)} with revision #${rev.revision}\n${w.untabulated()}\n`);
    return;
  }
  if (!revisions.length) {
    cli.io.out(`No rollout history found in ${kind.kind.toLowerCase()} "${name}"\n`);
    return;
  }
  let table = 'REVISION\tCHANGE-CAUSE\n';
  for (const r of revisions) table += `${r.revision}\t${r.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION] || '<none>'}\n`;
  cli.io.out(`${qualifiedName(kind, name)} \n${tabulate(table, { minWidth: 0, padding: 2 })}\n`);
}

/** Rollback of a DaemonSet or StatefulSet (kubectl's DaemonSetRollbacker and StatefulSetRollbacker). */
async function revisionUndo(cli: Cli, kind: KindInfo, name: string, toRevision: number): Promise<void> {
  const cs = await cli.clientset();
  const namespace = await cli.namespace();
  const client = cs.resource(kind as KindInfo<RevisionedWorkload>);
  const owner = (await client.get(name, namespace)) as RevisionedWorkload;
  const revisions = await controlledRevisions(cs, owner);
  if (toRevision === 0 && revisions.length <= 1) throw new CliError('no last revision to roll back to');
  const target = findRevision(revisions, toRevision);
  if (!target) throw new CliError(`unable to find specified revision ${toRevision} in history`);
  if (matchesRevision(owner, target)) {
    cli.io.out(`${qualifiedName(kind, name)} skipped rollback (current template already matches revision ${toRevision})\n`);
    return;
  }
  try {
    await client.patch(name, target.data, { namespace, type: 'strategic' });
  } catch (err) {
    throw new CliError(`failed restoring revision ${toRevision}: ${(err as Error).message}`);
  }
  cli.io.out(`${qualifiedName(kind, name)} rolled back\n`);
}

export async function rolloutHistory(cli: Cli, args: string[], opts: { revision?: string }): Promise<void> {
  const { kind, name } = parseOneResource(args, withRevisions);
  if (kind !== Deployments) return revisionHistory(cli, kind, name, opts.revision);
  const cs = await cli.clientset();
  const d = await cs.deployments.get(name, await cli.namespace());
  const rss = (await ownedReplicaSets(cs, d)).sort((a, b) => revisionOf(a) - revisionOf(b));
  if (opts.revision !== undefined && opts.revision !== '0') {
    const rev = Number(opts.revision);
    const rs = rss.find((r) => revisionOf(r) === rev);
    if (!rs) throw new CliError(`unable to find the specified revision`);
    const w = new DescribeWriter();
    writePodTemplate(w, templateWithoutHash(rs));
    cli.io.out(`deployment.apps/${name} with revision #${rev}\n${w.untabulated()}\n`);
    return;
  }
  if (!rss.length) {
    cli.io.out(`No rollout history found in deployment "${name}"\n`);
    return;
  }
  let table = 'REVISION\tCHANGE-CAUSE\n';
  for (const rs of rss) table += `${revisionOf(rs)}\t${rs.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION] || '<none>'}\n`;
  cli.io.out(`deployment.apps/${name} \n${tabulate(table, { minWidth: 0, padding: 2 })}\n`);
}

export async function rolloutUndo(cli: Cli, args: string[], opts: { toRevision?: string }): Promise<void> {
  const { kind, name } = parseOneResource(args, withRevisions);
  const toRevision = opts.toRevision === undefined ? 0 : Number(opts.toRevision);
  if (!Number.isInteger(toRevision) || toRevision < 0) throw new CliError(`invalid argument "${opts.toRevision}" for "--to-revision" flag`);
  if (kind !== Deployments) return revisionUndo(cli, kind, name, toRevision);
  const cs = await cli.clientset();
  const namespace = await cli.namespace();
  const d = await cs.deployments.get(name, namespace);
  if (d.spec?.paused) {
    throw new CliError(`you cannot rollback a paused deployment; resume it first with 'kitectl rollout resume deployment/${name}' and try again`);
  }
  const rss = await ownedReplicaSets(cs, d);
  let target;
  if (toRevision > 0) {
    target = rss.find((rs) => revisionOf(rs) === toRevision);
    if (!target) throw new CliError(`unable to find specified revision ${toRevision} in history`);
  } else {
    // The previous revision: the highest one below the current (newest) revision.
    const sorted = [...rss].sort((a, b) => revisionOf(b) - revisionOf(a));
    if (sorted.length < 2) throw new CliError(`no rollout history found for deployment "${name}"`);
    target = sorted[1];
  }
  const template = templateWithoutHash(target);
  if (sameTemplate(template, d.spec?.template)) {
    cli.io.out(`deployment.apps/${name} skipped rollback (current template already matches revision ${revisionOf(target)})\n`);
    return;
  }
  // A merge patch would merge the template's maps (labels, annotations) instead of replacing
  // them, so the whole Deployment goes back, guarded by its resourceVersion.
  const updated = structuredClone(d);
  updated.spec = { ...updated.spec!, template };
  await cs.deployments.update(updated);
  cli.io.out(`deployment.apps/${name} rolled back\n`);
}

export async function rolloutRestart(cli: Cli, args: string[]): Promise<void> {
  const { kind, name } = parseOneResource(args, withRevisions);
  const cs = await cli.clientset();
  const namespace = await cli.namespace();
  if (kind === Deployments) {
    const d = await cs.deployments.get(name, namespace);
    if (d.spec?.paused) throw new CliError(`deployments "${name}" can't restart paused deployment (run rollout resume first)`);
  }
  const restartedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await cs.resource(kind).patch(name, { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: restartedAt } } } } }, { namespace });
  cli.io.out(`${qualifiedName(kind, name)} restarted\n`);
}

export async function rolloutPause(cli: Cli, args: string[], paused: boolean): Promise<void> {
  const { name } = parseOneResource(args, only);
  const cs = await cli.clientset();
  const namespace = await cli.namespace();
  const d = await cs.deployments.get(name, namespace);
  if (Boolean(d.spec?.paused) === paused) {
    cli.io.out(`deployment.apps/${name} already ${paused ? 'paused' : 'resumed'}\n`);
    return;
  }
  await cs.deployments.patch(name, { spec: { paused } }, { namespace });
  cli.io.out(`deployment.apps/${name} ${paused ? 'paused' : 'resumed'}\n`);
}
