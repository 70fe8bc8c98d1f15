// `kitectl scale deployment|replicaset|statefulset/NAME --replicas N` through the scale subresource.
import { Deployments, ReplicaSets, StatefulSets } from '../../lib/api/kinds';
import { Scale } from '../../lib/gen/kite/meta/v1/meta';
import type { Cli } from './cli-context';
import { CliError } from './cli-errors';
import { qualifiedKind } from './printers/table-printer';
import { parseOneResource } from './resource-args';

export interface ScaleOptions {
  replicas?: string;
  currentReplicas?: string;
}

export async function scale(cli: Cli, args: string[], opts: ScaleOptions): Promise<void> {
  if (opts.replicas === undefined) throw new CliError('required flag(s) "replicas" not set');
  const replicas = Number(opts.replicas);
  if (!Number.isInteger(replicas) || replicas < 0) throw new CliError('The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
  const { kind, name } = parseOneResource(args, { kinds: [Deployments, ReplicaSets, StatefulSets], verb: 'scale' });
  const client = (await cli.clientset()).resource(kind);
  const namespace = await cli.namespace();
  if (opts.currentReplicas !== undefined) {
    const current = await client.getScale(name, namespace);
    const want = Number(opts.currentReplicas);
    if ((current.spec?.replicas ?? 0) !== want) {
      throw new CliError(`Expected replicas to be ${want}, was ${current.spec?.replicas ?? 0}`);
    }
  }
  // The request carries a complete Scale message (every field set), so it always encodes.
  const scaleObj = Scale.fromPartial({ metadata: { name, namespace }, spec: { replicas }, kind: 'Scale', apiVersion: 'autoscaling/v1' });
  await client.call('updateScale', { namespace, name, scale: scaleObj });
  cli.io.out(`${qualifiedKind(kind)}/${name} scaled\n`);
}
