// `kitectl label|annotate TYPE NAME key=value... key-` with kubectl's --overwrite rule.
import type { KubeObject } from '../../lib/api/kinds';
import type { Cli } from './cli-context';
import { CliError } from './cli-errors';
import { qualifiedKind } from './printers/table-printer';
import { parseResourceArgs } from './resource-args';

export interface LabelOptions {
  overwrite?: boolean;
  selector?: string;
  all?: boolean;
}

export interface LabelChanges {
  set: Record<string, string>;
  remove: string[];
}

/** Splits the arguments into resources and key=value / key- changes. */
export function parseChanges(args: string[]): { resources: string[]; changes: LabelChanges } {
  const changes: LabelChanges = { set: {}, remove: [] };
  const resources: string[] = [];
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq > 0) changes.set[a.slice(0, eq)] = a.slice(eq + 1);
    else if (a.endsWith('-') && a.length > 1 && resources.length > 0) changes.remove.push(a.slice(0, -1));
    else resources.push(a);
  }
  if (!Object.keys(changes.set).length && !changes.remove.length) throw new CliError('at least one label update is required');
  return { resources, changes };
}

/** The merge patch for one object, or an error if a value would change without --overwrite. */
export function labelPatch(current: Record<string, string> | undefined, changes: LabelChanges, overwrite: boolean): Record<string, string | null> {
  const patch: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(changes.set)) {
    const old = current?.[k];
    if (old !== undefined && old !== v && !overwrite) throw new CliError(`'${k}' already has a value (${old}), and --overwrite is false`);
    patch[k] = v;
  }
  for (const k of changes.remove) {
    if (current?.[k] === undefined) continue;
    patch[k] = null;
  }
  return patch;
}

export async function labelCmd(cli: Cli, field: 'labels' | 'annotations', args: string[], opts: LabelOptions): Promise<void> {
  const { resources, changes } = parseChanges(args);
  const groups = parseResourceArgs(resources, { allowAll: false });
  const cs = await cli.clientset();
  const namespace = await cli.namespace();
  const verb = field === 'labels' ? 'labeled' : 'annotated';
  for (const g of groups) {
    const client = cs.resource(g.kind);
    let objs: KubeObject[];
    if (g.names.length) objs = await Promise.all(g.names.map((n) => client.get(n, namespace)));
    else if (opts.selector || opts.all) objs = (await client.listAll({ namespace, labelSelector: opts.selector })).items;
    else throw new CliError('resource(s) were provided, but no name was specified');
    for (const o of objs) {
      const name = o.metadata?.name ?? '';
      const patch = labelPatch(o.metadata?.[field], changes, Boolean(opts.overwrite));
      if (!Object.keys(patch).length) {
        cli.io.out(`${qualifiedKind(g.kind)}/${name} not ${verb}\n`);
        continue;
      }
      await client.patch(name, { metadata: { [field]: patch } }, { namespace: o.metadata?.namespace || undefined });
      cli.io.out(`${qualifiedKind(g.kind)}/${name} ${verb}\n`);
    }
  }
}
