// `kitectl delete`: by type and name, by selector, --all, or the objects of manifests; waits
// until they are gone (kubectl's --wait=true) unless told not to.
import { isNotFound } from '../../lib/api/errors';
import type { KindInfo, KubeObject } from '../../lib/api/kinds';
import type { Clientset } from '../../lib/client/clientset';
import type { Cli } from './cli-context';
import { parseDuration } from './cli-context';
import { CliError, ReportedError, formatError } from './cli-errors';
import { readManifests } from './manifest-files';
import { targetNamespaces } from './object-target';
import { qualifiedKind } from './printers/table-printer';
import { parseResourceArgs } from './resource-args';

export interface DeleteOptions {
  filename?: string[];
  recursive?: boolean;
  selector?: string;
  all?: boolean;
  allNamespaces?: boolean;
  gracePeriod?: string;
  now?: boolean;
  force?: boolean;
  cascade?: string;
  wait?: boolean;
  timeout?: string;
  ignoreNotFound?: boolean;
}

interface Target {
  kind: KindInfo;
  name: string;
  namespace: string;
  /** Where the object came from, for kubectl's `error when deleting "file.yaml"` wording. */
  source?: string;
}

export function propagationPolicy(cascade: string | undefined): string {
  switch (cascade ?? 'background') {
    case 'background':
    case 'true':
      return 'Background';
    case 'foreground':
      return 'Foreground';
    case 'orphan':
    case 'false':
      return 'Orphan';
    default:
      throw new CliError(`invalid cascade value (${cascade}). Must be "background", "foreground", or "orphan".`);
  }
}

export function gracePeriodSeconds(opts: Pick<DeleteOptions, 'gracePeriod' | 'now' | 'force'>): number | undefined {
  const g = opts.gracePeriod === undefined ? -1 : Number(opts.gracePeriod);
  if (!Number.isInteger(g)) throw new CliError(`invalid argument "${opts.gracePeriod}" for "--grace-period" flag`);
  if (opts.now) {
    if (g >= 0) throw new CliError('--now and --grace-period cannot be specified together');
    return 1;
  }
  if (g === 0 && !opts.force) throw new CliError('--grace-period=0 must have --force specified');
  if (opts.force && g < 0) return 0;
  return g >= 0 ? g : undefined;
}

/** Resolves when the object with this uid is gone (NotFound, or replaced by a new uid). */
export async function waitForDeletion(cs: Clientset, t: Target, uid: string | undefined, deadline: number, signal: AbortSignal): Promise<boolean> {
  const client = cs.resource(t.kind);
  for (let delay = 100; !signal.aborted; delay = Math.min(delay * 2, 1000)) {
    try {
      const obj = await client.get(t.name, t.namespace || undefined);
      if (uid && obj.metadata?.uid !== uid) return true;
    } catch (e) {
      if (isNotFound(e)) return true;
      throw e;
    }
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(0, deadline - Date.now()))));
  }
  return false;
}

async function targetsFromArgs(cli: Cli, args: string[], opts: DeleteOptions): Promise<Target[]> {
  const groups = parseResourceArgs(args, { allowAll: false });
  const cs = await cli.clientset();
  const namespace = opts.allNamespaces ? '' : await cli.namespace();
  const out: Target[] = [];
  for (const g of groups) {
    if (g.names.length) {
      if (opts.selector || opts.all) throw new CliError('name cannot be provided when a selector is specified');
      for (const name of g.names) out.push({ kind: g.kind, name, namespace: g.kind.namespaced ? namespace : '' });
      continue;
    }
    if (!opts.selector && !opts.all) {
      throw new CliError(`resource(s) were provided, but no name was specified`);
    }
    const list = await cs.resource(g.kind).listAll({ namespace, labelSelector: opts.selector });
    for (const o of list.items) out.push({ kind: g.kind, name: o.metadata?.name ?? '', namespace: o.metadata?.namespace ?? '' });
  }
  return out;
}

export async function deleteCmd(cli: Cli, args: string[], opts: DeleteOptions): Promise<void> {
  const propagation = propagationPolicy(opts.cascade);
  const grace = gracePeriodSeconds(opts);
  const timeoutMs = opts.timeout ? parseDuration(opts.timeout, '--timeout') : 0;
  let targets: Target[];
  if (opts.filename?.length) {
    if (args.length) throw new CliError('resources cannot be specified together with -f');
    const manifests = await readManifests(opts.filename, Boolean(opts.recursive), cli.io, 'delete');
    const namespaces = await targetNamespaces(cli, manifests);
    targets = manifests.map((m, i) => ({ kind: m.kind, name: m.object.metadata?.name ?? '', namespace: namespaces[i], source: m.source }));
  } else {
    if (!args.length) throw new CliError('You must provide one or more resources by argument or filename.');
    targets = await targetsFromArgs(cli, args, opts);
  }
  const cs = await cli.clientset();
  if (!targets.length) {
    const ns = opts.allNamespaces ? '' : await cli.namespace();
    cli.io.err(ns ? `No resources found in ${ns} namespace.\n` : 'No resources found\n');
    return;
  }
  let failed = false;
  const deleted: { t: Target; obj: KubeObject }[] = [];
  for (const t of targets) {
    try {
      const obj = await cs.resource(t.kind).delete(t.name, { namespace: t.namespace || undefined, gracePeriodSeconds: grace, propagationPolicy: propagation });
      cli.io.out(`${qualifiedKind(t.kind)} "${t.name}" deleted\n`);
      deleted.push({ t, obj });
    } catch (e) {
      if (isNotFound(e) && opts.ignoreNotFound) continue;
      failed = true;
      cli.io.err(`${formatError(e, t.source ? `error when deleting "${t.source}": ` : '')}\n`);
    }
  }
  if (opts.wait !== false && !(grace === 0 && opts.force)) {
    const deadline = timeoutMs ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
    for (const { t, obj } of deleted) {
      const gone = await waitForDeletion(cs, t, obj.metadata?.uid, deadline, cli.io.signal);
      if (!gone && !cli.io.signal.aborted) throw new CliError(`timed out waiting for the condition on ${t.kind.resource}/${t.name}`);
    }
  }
  if (failed) throw new ReportedError();
}
