// `kitectl wait --for=condition=<type>[=<status>] | --for=delete | --for=create | --for=jsonpath='{...}'[=<value>]`,
// as kubectl's wait (kubectl/pkg/cmd/wait): for each object named (TYPE/NAME, TYPE NAME..., or
// TYPE with -l / --all), read it and watch it by name until the condition holds, printing
// "<kind>.<group>/<name> condition met"; "timed out waiting for the condition on <resource>/<name>"
// after --timeout (30 s; 0 checks once). Works for any kind: it only reads conditions, fields or
// the object's absence through the API. --for=create first polls (every 500 ms, as kubectl) until
// every named object exists.
import { isNotFound, NotFoundError } from '../../lib/api/errors';
import type { KindInfo, KubeObject } from '../../lib/api/kinds';
import type { Cli } from './cli-context';
import { parseDuration } from './cli-context';
import { CliError } from './cli-errors';
import { jsonPath } from './printers/jsonpath';
import { toKubeJSON } from './printers/object-output';
import { qualifiedKind } from './printers/table-printer';
import { parseResourceArgs } from './resource-args';

export interface WaitOptions {
  for?: string;
  timeout?: string;
  selector?: string;
  all?: boolean;
}

/** What an object must satisfy; `delete` is met by its absence, `create` by its presence. */
export type WaitCondition =
  | { type: 'delete' }
  | { type: 'create' }
  | { type: 'condition'; name: string; status: string }
  | { type: 'jsonpath'; path: string; value?: string };

/** Parses --for as kubectl's conditionFuncFor does. */
export function parseWaitFor(f: string | undefined): WaitCondition {
  const v = f ?? '';
  if (v.toLowerCase() === 'delete') return { type: 'delete' };
  if (v.toLowerCase() === 'create') return { type: 'create' };
  if (v.startsWith('condition=')) {
    const rest = v.slice('condition='.length);
    const eq = rest.indexOf('=');
    return eq < 0 ? { type: 'condition', name: rest, status: 'true' } : { type: 'condition', name: rest.slice(0, eq), status: rest.slice(eq + 1) };
  }
  if (v.startsWith('jsonpath=')) {
    const rest = v.slice('jsonpath='.length).trim();
    // The expression ends at its closing brace (or, without braces, at the first '=').
    const close = rest.startsWith('{') ? rest.indexOf('}') : -1;
    const eq = close >= 0 ? (rest[close + 1] === '=' ? close + 1 : -1) : rest.indexOf('=');
    if (close >= 0 && close + 1 < rest.length && eq < 0) throw new CliError(`unrecognized condition: ${JSON.stringify(v)}`);
    const path = eq < 0 ? rest : rest.slice(0, eq);
    if (!path) throw new CliError('jsonpath expression cannot be empty');
    return eq < 0 ? { type: 'jsonpath', path } : { type: 'jsonpath', path, value: rest.slice(eq + 1) };
  }
  throw new CliError(`unrecognized condition: ${JSON.stringify(v)}`);
}

/** Whether the object meets a condition or jsonpath wait (kubectl's ConditionalWait / JSONPathWait). */
export function conditionMet(kind: KindInfo, obj: KubeObject, cond: Exclude<WaitCondition, { type: 'delete' | 'create' }>): boolean {
  const json = toKubeJSON(kind, obj) as { metadata?: { generation?: number }; status?: { conditions?: unknown; observedGeneration?: number } };
  if (cond.type === 'jsonpath') {
    const out = jsonPath(cond.path, json);
    return cond.value === undefined ? out !== '' : out === cond.value;
  }
  const conditions = Array.isArray(json.status?.conditions) ? (json.status!.conditions as Record<string, unknown>[]) : [];
  for (const c of conditions) {
    if (typeof c.type !== 'string' || c.type.toLowerCase() !== cond.name.toLowerCase() || typeof c.status !== 'string') continue;
    const generation = json.metadata?.generation;
    const observed = typeof c.observedGeneration === 'number' ? c.observedGeneration : json.status?.observedGeneration;
    if (generation !== undefined && observed !== undefined && observed < generation) return false;
    return c.status.toLowerCase() === cond.status.toLowerCase();
  }
  return false;
}

interface Target {
  kind: KindInfo;
  name: string;
  namespace: string;
}

export async function waitCmd(cli: Cli, args: string[], opts: WaitOptions): Promise<void> {
  const cond = parseWaitFor(opts.for);
  if (!args.length) throw new CliError('You must provide one or more resources by argument or filename.');
  const timeoutArg = opts.timeout?.trim().startsWith('-') ? -1 : parseDuration(opts.timeout ?? '30s', '--timeout');
  const timeoutMs = timeoutArg < 0 ? 7 * 24 * 3_600_000 : timeoutArg;
  const namespace = await cli.namespace();
  const cs = await cli.clientset();
  const deadline = Date.now() + timeoutMs;
  if (cond.type === 'create') await waitCreated(cli, args, namespace, deadline);
  const targets: Target[] = [];
  for (const g of parseResourceArgs(args, { allowAll: false })) {
    const ns = g.kind.namespaced ? namespace : '';
    if (g.names.length) {
      if (opts.selector || opts.all) throw new CliError('name cannot be provided when a selector is specified');
      for (const name of g.names) targets.push({ kind: g.kind, name, namespace: ns });
      continue;
    }
    if (!opts.selector && !opts.all) throw new CliError(`resource(s) were provided, but no name was specified`);
    const list = await cs.resource(g.kind).listAll({ namespace: ns || undefined, labelSelector: opts.selector });
    for (const o of list.items) targets.push({ kind: g.kind, name: o.metadata!.name, namespace: ns });
  }
  if (!targets.length) {
    if (cond.type === 'delete') return;
    throw new CliError('no matching resources found');
  }
  for (const t of targets) {
    const met = cond.type === 'create' || (await waitOne(cli, t, cond, deadline));
    if (met) cli.io.out(`${qualifiedKind(t.kind)}/${t.name} condition met\n`);
  }
}

/** --for=create: polls every 500 ms until each named object exists ("timed out waiting for the condition"). */
async function waitCreated(cli: Cli, args: string[], namespace: string, deadline: number): Promise<void> {
  const cs = await cli.clientset();
  for (const g of parseResourceArgs(args, { allowAll: false })) {
    for (const name of g.names) {
      for (;;) {
        try {
          await cs.resource(g.kind).get(name, g.kind.namespaced ? namespace : undefined);
          break;
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        if (Date.now() >= deadline || cli.io.signal.aborted) throw new CliError('timed out waiting for the condition');
        await new Promise((r) => setTimeout(r, Math.min(500, Math.max(0, deadline - Date.now()))));
      }
    }
  }
}

/** Reads the object, then watches it by name until the condition holds; false: it was never there (delete). */
async function waitOne(cli: Cli, t: Target, cond: Exclude<WaitCondition, { type: 'create' }>, deadline: number): Promise<boolean> {
  const client = (await cli.clientset()).resource(t.kind);
  const ns = t.namespace || undefined;
  let obj: KubeObject;
  try {
    obj = await client.get(t.name, ns);
  } catch (err) {
    if (isNotFound(err) && cond.type === 'delete') return false;
    throw err;
  }
  const uid = obj.metadata?.uid;
  if (cond.type !== 'delete' && conditionMet(t.kind, obj, cond)) return true;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  cli.io.signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => stop.abort(), Math.max(0, deadline - Date.now()));
  let rv = obj.metadata?.resourceVersion ?? '';
  try {
    while (!stop.signal.aborted) {
      for await (const ev of client.watch({ namespace: ns, fieldSelector: `metadata.name=${t.name}`, resourceVersion: rv }, stop.signal)) {
        if (ev.object?.metadata?.resourceVersion) rv = ev.object.metadata.resourceVersion;
        if (ev.type === 'DELETED' || (ev.object && ev.object.metadata?.uid !== uid && ev.type !== 'BOOKMARK')) {
          if (cond.type === 'delete') return true;
          throw new NotFoundError(`${t.kind.group ? `${t.kind.resource}.${t.kind.group}` : t.kind.resource} "${t.name}" not found`);
        }
        if (cond.type !== 'delete' && ev.type !== 'BOOKMARK' && ev.object && conditionMet(t.kind, ev.object, cond)) return true;
      }
      // The watch ended (the server closed it): re-read, so a deletion in between is not missed.
      if (stop.signal.aborted) break;
      try {
        obj = await client.get(t.name, ns);
      } catch (err) {
        if (isNotFound(err) && cond.type === 'delete') return true;
        throw err;
      }
      if (obj.metadata?.uid !== uid && cond.type === 'delete') return true;
      if (cond.type !== 'delete' && conditionMet(t.kind, obj, cond)) return true;
      rv = obj.metadata?.resourceVersion ?? '';
    }
  } finally {
    clearTimeout(timer);
    cli.io.signal.removeEventListener('abort', onAbort);
  }
  if (cli.io.signal.aborted) throw new CliError('interrupted');
  throw new CliError(`timed out waiting for the condition on ${t.kind.resource}/${t.name}`);
}
