// `kitectl expose (deployment|replicaset|pod|service) NAME`: reads the object and creates the
// Service kubectl expose makes for it (pkg/cmd/expose's RunExpose): the selector is --selector or
// the object's (a pod's labels, a service's selector, a workload's matchLabels), the ports --port
// or every container port (named port-1, port-2... when several; protocols from the object), the
// labels --labels or the object's, the name --name or the object's; prints "service/NAME exposed".
import type { Cli } from './cli-context';
import { CliError } from './cli-errors';
import { parseDryRun, parseGeneratorOutput } from './create';
import { buildService, checkExposable, makeLabels, portsForObject, protocolsForObject, selectorForObject, type ServiceParams } from './expose-service';
import { applyOverrides, formatGenerated, sendGenerated } from './generated-object';
import { toKubeJSON } from './printers/object-output';
import { parseOneResource } from './resource-args';
import { Services } from '../../lib/api/kinds';

export interface ExposeOptions {
  port?: string;
  targetPort?: string;
  name?: string;
  type?: string;
  protocol?: string;
  selector?: string;
  labels?: string;
  clusterIp?: string;
  externalIp?: string;
  loadBalancerIp?: string;
  sessionAffinity?: string;
  overrides?: string;
  dryRun?: string;
  output?: string;
  saveConfig?: boolean;
}

/** validation.DNS1035LabelMaxLength: a longer object name is cut for the Service's. */
const MAX_NAME = 63;

/** RunExpose's introspection: the Service parameters for the exposed object and the flags. */
export function exposeParams(obj: Record<string, unknown>, o: ExposeOptions): ServiceParams {
  const meta = obj.metadata as { name: string; labels?: Record<string, string> };
  const p: ServiceParams = {
    name: o.name || meta.name.slice(0, MAX_NAME),
    selector: o.selector ?? '',
    labels: o.labels,
    port: o.port,
    protocol: o.protocol,
    targetPort: o.targetPort,
    type: o.type,
    externalIP: o.externalIp,
    loadBalancerIP: o.loadBalancerIp,
    sessionAffinity: o.sessionAffinity,
    clusterIP: o.clusterIp,
  };
  if (!p.selector) {
    try {
      p.selector = selectorForObject(obj);
    } catch (e) {
      throw new CliError(`couldn't retrieve selectors via --selector flag or introspection: ${(e as Error).message}`);
    }
  }
  if (!p.port) {
    const ports = portsForObject(obj);
    if (ports.length === 0 && o.clusterIp !== 'None') throw new CliError("couldn't find port via --port flag or introspection");
    if (ports.length === 1) p.port = ports[0];
    else if (ports.length > 1) p.ports = ports.join(',');
  }
  const protocols = protocolsForObject(obj);
  if (protocols) p.protocols = protocols;
  if (!p.labels) p.labels = makeLabels(meta.labels);
  return p;
}

export async function expose(cli: Cli, args: string[], o: ExposeOptions): Promise<void> {
  const dryRun = parseDryRun(o.dryRun);
  const fmt = parseGeneratorOutput(o.output);
  if (!args.length) throw new CliError("You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'");
  const { kind, name } = parseOneResource(args);
  const cs = await cli.clientset();
  const obj = toKubeJSON(kind, await cs.resource(kind).get(name, await cli.namespace()));
  checkExposable(kind.kind, kind.group);
  const service = buildService(exposeParams(obj, o), cli.namespaceGiven ? cli.global.namespace : undefined);
  const sent = await sendGenerated(cli, Services, applyOverrides(Services, service, o.overrides), dryRun, o.saveConfig);
  cli.io.out(formatGenerated(sent, fmt, 'exposed', dryRun));
}
