// Parses kubectl's resource arguments: "po", "po,svc", "all", "pods nginx web",
// "deployment/nginx svc/nginx".
import { lookupKind, Pods, Services, Deployments, ReplicaSets, type KindInfo } from '../../lib/api/kinds';
import { CliError } from './cli-errors';

export interface ResourceGroup {
  kind: KindInfo;
  /** Empty: every object of the kind. */
  names: string[];
}

/** kubectl's "all" category, restricted to the kinds Kite has. */
const ALL = [Pods, Services, Deployments, ReplicaSets];

export function resolveKind(name: string): KindInfo {
  const kind = lookupKind(name);
  if (!kind) throw new CliError(`the server doesn't have a resource type "${name}"`);
  return kind;
}

/** Parses `TYPE[,TYPE...] [NAME...]` or `TYPE/NAME...` into groups, merging repeated kinds. */
export function parseResourceArgs(args: string[], opts: { allowAll?: boolean } = {}): ResourceGroup[] {
  if (!args.length) throw new CliError('You must specify the type of resource to get. Use "kitectl api-resources" for a complete list of supported resources.');
  const groups: ResourceGroup[] = [];
  const add = (kind: KindInfo, name?: string) => {
    let g = groups.find((x) => x.kind === kind);
    if (!g) groups.push((g = { kind, names: [] }));
    if (name) g.names.push(name);
  };
  if (args[0].includes('/')) {
    for (const a of args) {
      const i = a.indexOf('/');
      if (i <= 0 || i === a.length - 1) throw new CliError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kitectl get resource/<resource_name>' instead of 'kitectl get resource resource/<resource_name>'`);
      add(resolveKind(a.slice(0, i)), a.slice(i + 1));
    }
    return groups;
  }
  const [types, ...names] = args;
  if (names.some((n) => n.includes('/'))) {
    throw new CliError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kitectl get resource/<resource_name>' instead of 'kitectl get resource resource/<resource_name>'`);
  }
  const kinds: KindInfo[] = [];
  for (const t of types.split(',').filter(Boolean)) {
    if (t === 'all' && opts.allowAll !== false) kinds.push(...ALL);
    else kinds.push(resolveKind(t));
  }
  if (names.length && kinds.length > 1) throw new CliError('you must specify only one resource type when naming objects (or use TYPE/NAME form)');
  for (const k of kinds) {
    add(k);
    for (const n of names) add(k, n);
  }
  return groups;
}

/** "deployment/nginx" or ("deployment", "nginx") -> kind and name, for single-object verbs. */
export function parseOneResource(args: string[], allowed?: { kinds: KindInfo[]; verb: string }): { kind: KindInfo; name: string } {
  let kind: KindInfo;
  let name: string;
  if (args.length === 1 && args[0].includes('/')) {
    const i = args[0].indexOf('/');
    kind = resolveKind(args[0].slice(0, i));
    name = args[0].slice(i + 1);
  } else if (args.length === 2) {
    kind = resolveKind(args[0]);
    name = args[1];
  } else {
    throw new CliError('expected a resource as TYPE/NAME or TYPE NAME');
  }
  if (!name) throw new CliError('resource name may not be empty');
  if (allowed && !allowed.kinds.includes(kind)) {
    throw new CliError(`${allowed.verb} is not supported for ${kind.resource} (supported: ${allowed.kinds.map((k) => k.resource).join(', ')})`);
  }
  return { kind, name };
}
