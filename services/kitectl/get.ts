// `kitectl get`: list or fetch objects of one or more kinds and print them as kubectl does;
// with -w, keep printing changes (list, then watch from the list's resourceVersion).
import { isNotFound } from '../../lib/api/errors';
import { Events, type KindInfo, type KubeObject } from '../../lib/api/kinds';
import type { Event } from '../../lib/gen/kite/core/v1/types';
import type { Cli } from './cli-context';
import { CliError, ReportedError, formatError } from './cli-errors';
import { formatObjects, parseOutput, type OutputFormat, type Typed } from './output-format';
import { eventTime } from '../../lib/printers/table-columns';
import { TablePrinter } from './printers/table-printer';
import { parseResourceArgs } from './resource-args';

const RESUME_DELAY_MS = 500;

export interface GetOptions {
  output?: string;
  selector?: string;
  fieldSelector?: string;
  allNamespaces?: boolean;
  watch?: boolean;
  watchOnly?: boolean;
  showLabels?: boolean;
  noHeaders?: boolean;
  /** Keep metadata.managedFields in -o json/yaml (kubectl's --show-managed-fields). */
  showManagedFields?: boolean;
}

/** Events read best oldest-first, as kubectl sorts them. */
export function sortEvents(events: Event[]): Event[] {
  return [...events].sort((a, b) => Date.parse(eventTime(a) || '0') - Date.parse(eventTime(b) || '0'));
}

function noResourcesMessage(namespace: string, anyNamespaced: boolean): string {
  return namespace && anyNamespaced ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n';
}

export async function get(cli: Cli, args: string[], opts: GetOptions): Promise<void> {
  const groups = parseResourceArgs(args);
  if (opts.allNamespaces && groups.some((g) => g.names.length && g.kind.namespaced)) {
    throw new CliError('a resource cannot be retrieved by name across all namespaces');
  }
  const fmt = parseOutput(opts.output);
  const cs = await cli.clientset();
  const namespace = opts.allNamespaces ? '' : await cli.namespace();
  if (opts.watch || opts.watchOnly) {
    if (groups.length !== 1) throw new CliError('you may only specify a single resource type');
    return watch(cli, groups[0].kind, groups[0].names, namespace, fmt, opts);
  }
  const results: { kind: KindInfo; items: KubeObject[] }[] = [];
  let failed = false;
  let named = 0;
  for (const g of groups) {
    const client = cs.resource(g.kind);
    const items: KubeObject[] = [];
    if (g.names.length) {
      for (const name of g.names) {
        named++;
        try {
          items.push(await client.get(name, namespace || undefined));
        } catch (e) {
          if (!isNotFound(e)) throw e;
          failed = true;
          cli.io.err(`${formatError(e)}\n`);
        }
      }
    } else {
      const list = await client.listAll({ namespace, labelSelector: opts.selector, fieldSelector: opts.fieldSelector });
      items.push(...(g.kind === Events ? sortEvents(list.items as Event[]) : list.items));
    }
    results.push({ kind: g.kind, items });
  }
  const total = results.reduce((n, r) => n + r.items.length, 0);
  if (fmt.type === 'table') {
    if (!total) {
      if (!named) cli.io.err(noResourcesMessage(namespace, groups.some((g) => g.kind.namespaced)));
    } else {
      const withKind = groups.length > 1 || args[0].split(',').includes('all');
      const tables = results
        .filter((r) => r.items.length)
        .map((r) =>
          new TablePrinter(r.kind, {
            wide: fmt.wide,
            noHeaders: opts.noHeaders,
            showLabels: opts.showLabels,
            withNamespace: opts.allNamespaces && r.kind.namespaced,
            withKind,
          }).print(r.items),
        );
      cli.io.out(tables.join('\n'));
    }
  } else {
    const typed: Typed[] = results.flatMap((r) => r.items.map((obj) => ({ kind: r.kind, obj })));
    if (typed.length || fmt.type !== 'name') cli.io.out(formatObjects(fmt, typed, named === 1 && groups.length === 1, true, opts.showManagedFields));
  }
  if (failed) throw new ReportedError();
}

async function watch(cli: Cli, kind: KindInfo, names: string[], namespace: string, fmt: OutputFormat, opts: GetOptions): Promise<void> {
  if (names.length > 1) throw new CliError('watch is only supported on a single resource name');
  const client = (await cli.clientset()).resource(kind);
  const fieldSelector = [opts.fieldSelector, names[0] ? `metadata.name=${names[0]}` : ''].filter(Boolean).join(',');
  const table =
    fmt.type === 'table'
      ? new TablePrinter(kind, { wide: fmt.wide, noHeaders: opts.noHeaders, showLabels: opts.showLabels, withNamespace: !namespace && kind.namespaced })
      : undefined;
  const print = (objs: KubeObject[]) => {
    if (!objs.length) return;
    if (table) cli.io.out(table.print(objs));
    else for (const obj of objs) cli.io.out(formatObjects(fmt as Exclude<OutputFormat, { type: 'table' }>, [{ kind, obj }], true, true, opts.showManagedFields));
  };
  const list = await client.listAll({ namespace, labelSelector: opts.selector, fieldSelector });
  if (!opts.watchOnly) print(kind === Events ? sortEvents(list.items as Event[]) : list.items);
  let rv = list.metadata?.resourceVersion ?? '';
  const signal = cli.io.signal;
  // A stream the server ends (timeout, restart) is resumed from the last version seen.
  while (!signal.aborted) {
    for await (const ev of client.watch({ namespace, labelSelector: opts.selector, fieldSelector, resourceVersion: rv, allowWatchBookmarks: true }, signal)) {
      if (ev.object?.metadata?.resourceVersion) rv = ev.object.metadata.resourceVersion;
      if (ev.type === 'BOOKMARK' || !ev.object) continue;
      print([ev.object]);
    }
    if (signal.aborted) break;
    await new Promise((r) => setTimeout(r, RESUME_DELAY_MS));
  }
}
