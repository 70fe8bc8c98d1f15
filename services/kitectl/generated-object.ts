// Sending and printing an object a verb generated (run's Pod and Service, expose's Service), as
// kubectl's run and expose do it: --dry-run=client keeps the object unsent (with the namespace
// only when -n was given), none and server create it (server with dryRun=All); the result is
// printed with -o, else as "<kind>/<name> <verb>" with kubectl's dry-run suffix.
import type { KindInfo, KubeObject } from '../../lib/api/kinds';
import { mergePatch } from '../../lib/api/patch';
import type { Cli } from './cli-context';
import { CliError } from './cli-errors';
import type { KubeJSON } from './create-config';
import { formatUnsent, type DryRun, type MachineFormat } from './create';
import { LAST_APPLIED } from './apply-merge';
import { formatObjects } from './output-format';
import { goJSON, toKubeJSON } from './printers/object-output';
import { qualifiedKind } from './printers/table-printer';

export interface Generated {
  kind: KindInfo;
  /** The object as built (--dry-run=client) ... */
  unsent?: KubeJSON;
  /** ... or as the apiserver returned it. */
  created?: KubeObject;
}

/**
 * kubectl's --overrides (--override-type=merge): a JSON merge patch over the generated object,
 * decoded into the kind's type and encoded again, as kubectl's Overrider does (unknown fields
 * dropped, the fields Kubernetes always writes back, Go's field order).
 */
export function applyOverrides(kind: KindInfo, obj: KubeJSON, overrides: string | undefined): KubeJSON {
  if (!overrides) return obj;
  let patch: unknown;
  try {
    patch = JSON.parse(overrides);
  } catch {
    throw new CliError('Invalid JSON Patch');
  }
  const merged = mergePatch(obj as never, patch as never);
  const { apiVersion, kind: kindName, ...rest } = toKubeJSON(kind, kind.type.fromJSON(merged));
  return { kind: kindName, apiVersion, ...rest };
}

/** Creates the object (unless --dry-run=client), with --save-config's annotation when asked. */
export async function sendGenerated(cli: Cli, kind: KindInfo, obj: KubeJSON, dryRun: DryRun, saveConfig = false): Promise<Generated> {
  if (dryRun === 'client') return { kind, unsent: obj };
  if (saveConfig) {
    const meta = obj.metadata as KubeJSON;
    meta.annotations = { ...(meta.annotations as Record<string, string> | undefined), [LAST_APPLIED]: `${goJSON(obj)}\n` };
  }
  const cs = await cli.clientset();
  const namespace = kind.namespaced ? await cli.namespace() : undefined;
  const created = await cs.resource(kind).create(kind.type.fromJSON(obj), { namespace, dryRun: dryRun === 'server' });
  return { kind, created };
}

/** The printed form: -o's, else "<kind>/<name> <verb>[ (dry run)| (server dry run)]". */
export function formatGenerated(g: Generated, fmt: MachineFormat | undefined, verb: string, dryRun: DryRun): string {
  if (fmt) return g.unsent ? formatUnsent(fmt, g.kind, g.unsent) : formatObjects(fmt, [{ kind: g.kind, obj: g.created! }], true);
  const name = g.unsent ? (g.unsent.metadata as { name: string }).name : g.created!.metadata?.name;
  const suffix = dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
  return `${qualifiedKind(g.kind)}/${name} ${verb}${suffix}\n`;
}
