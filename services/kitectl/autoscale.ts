// `kitectl autoscale (deployment|replicaset|statefulset) NAME --max N [--min N] [--cpu-percent N]`:
// as kubectl's autoscale (pkg/cmd/autoscale) it reads the target and creates the autoscaling/v1
// HorizontalPodAutoscaler kubectl builds for it (named --name or as the target; minReplicas only
// when --min > 0, targetCPUUtilizationPercentage only when --cpu-percent >= 0, else the
// default policy), sent as the v2 object Kite stores; prints "horizontalpodautoscaler.autoscaling/NAME
// autoscaled", or with --dry-run=client the v1 object (-o) or "... created (dry run)".
import { Deployments, HorizontalPodAutoscalers, ReplicaSets, StatefulSets, type KindInfo } from '../../lib/api/kinds';
import { horizontalPodAutoscalerV1ToV2, horizontalPodAutoscalerV2ToV1 } from '../../lib/api/autoscaling-v1';
import type { Cli } from './cli-context';
import { CliError } from './cli-errors';
import { formatUnsent, parseDryRun, parseGeneratorOutput } from './create';
import type { KubeJSON } from './create-config';
import { sendGenerated } from './generated-object';
import { toKubeJSON } from './printers/object-output';
import { qualifiedKind } from './printers/table-printer';
import { parseOneResource } from './resource-args';

export interface AutoscaleOptions {
  min?: string;
  max?: string;
  cpuPercent?: string;
  name?: string;
  dryRun?: string;
  output?: string;
  saveConfig?: boolean;
}

/** The kinds with a scale subresource an HPA can target (Kite has no ReplicationController). */
const SCALABLE: KindInfo[] = [Deployments, ReplicaSets, StatefulSets];

/** An int32 flag as pflag parses it, with its default when unset. */
function intFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[+-]?\d+$/.test(value.trim())) throw new CliError(`invalid argument "${value}" for "--${name}" flag: strconv.ParseInt: parsing "${value}": invalid syntax`);
  return Number(value);
}

/** createHorizontalPodAutoscaler: the autoscaling/v1 object kubectl builds. */
export function buildAutoscaler(target: { kind: KindInfo; name: string }, o: { name?: string; min: number; max: number; cpuPercent: number }): KubeJSON {
  const spec: KubeJSON = { scaleTargetRef: { kind: target.kind.kind, name: target.name, apiVersion: target.kind.apiVersion } };
  if (o.min > 0) spec.minReplicas = o.min;
  spec.maxReplicas = o.max;
  if (o.cpuPercent >= 0) spec.targetCPUUtilizationPercentage = o.cpuPercent;
  return {
    kind: 'HorizontalPodAutoscaler',
    apiVersion: 'autoscaling/v1',
    metadata: { name: o.name || target.name, creationTimestamp: null },
    spec,
    status: { currentReplicas: 0, desiredReplicas: 0 },
  };
}

export async function autoscale(cli: Cli, args: string[], o: AutoscaleOptions): Promise<void> {
  const dryRun = parseDryRun(o.dryRun);
  const fmt = parseGeneratorOutput(o.output);
  if (o.max === undefined) throw new CliError('required flag(s) "max" not set');
  const min = intFlag('min', o.min, -1);
  const max = intFlag('max', o.max, -1);
  const cpuPercent = intFlag('cpu-percent', o.cpuPercent, -1);
  if (max < 1) throw new CliError(`--max=MAXPODS is required and must be at least 1, max: ${max}`);
  if (max < min) throw new CliError(`--max=MAXPODS must be larger or equal to --min=MINPODS, max: ${max}, min: ${min}`);
  if (!args.length) throw new CliError("You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'");
  const target = parseOneResource(args);
  const cs = await cli.clientset();
  // The target must exist (kubectl reads it first), and have a scale subresource.
  await cs.resource(target.kind).get(target.name, await cli.namespace());
  if (!SCALABLE.includes(target.kind)) {
    const { group, apiVersion, resource } = target.kind;
    throw new CliError(`cannot autoscale a ${target.kind.kind}: could not find scale subresource for ${group}/${apiVersion.split('/').pop()}, Resource=${resource} in discovery information`);
  }
  const v1 = buildAutoscaler(target, { name: o.name, min, max, cpuPercent });
  if (dryRun === 'client') {
    cli.io.out(fmt ? formatUnsent(fmt, HorizontalPodAutoscalers, v1) : `${qualifiedKind(HorizontalPodAutoscalers)}/${(v1.metadata as { name: string }).name} created (dry run)\n`);
    return;
  }
  const { metadata, ...rest } = horizontalPodAutoscalerV1ToV2(v1);
  const sent = await sendGenerated(cli, HorizontalPodAutoscalers, { ...rest, metadata: { name: metadata.name } }, dryRun, o.saveConfig);
  const name = sent.created!.metadata!.name;
  // kubectl posts v1 and prints the v1 answer.
  if (fmt) cli.io.out(formatUnsent(fmt, HorizontalPodAutoscalers, horizontalPodAutoscalerV2ToV1(toKubeJSON(HorizontalPodAutoscalers, sent.created!))));
  else cli.io.out(`${qualifiedKind(HorizontalPodAutoscalers)}/${name} autoscaled${dryRun === 'server' ? ' (server dry run)' : ''}\n`);
}
