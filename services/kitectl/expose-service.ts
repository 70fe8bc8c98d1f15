// The Service `kitectl expose` and `kitectl run --expose` create, as kubectl's expose
// (pkg/cmd/expose's createService, which run's ServiceGeneratorV2 builds the same way) and the
// polymorphichelpers that introspect the exposed object: its map-based selector, its ports and
// their protocols. Objects are Kubernetes JSON, in Go's field order, so --dry-run=client -o json
// prints what kubectl prints.
import { CliError } from './cli-errors';
import { newMeta, type KubeJSON } from './create-config';

/** The flags of expose (strings, as kubectl keeps them) plus what introspection found. */
export interface ServiceParams {
  /** --name, else the exposed object's name (cut to 63 characters). */
  name: string;
  /** "k=v,k2=v2": --selector, or the exposed object's. */
  selector: string;
  /** --labels, or the exposed object's labels ("" for none). */
  labels?: string;
  /** --port, or the one port of the object. */
  port?: string;
  /** The object's ports when it has several ("80,443"). */
  ports?: string;
  /** The object's port -> protocols ("80/TCP,53/UDP"). */
  protocols?: string;
  protocol?: string;
  targetPort?: string;
  type?: string;
  externalIP?: string;
  loadBalancerIP?: string;
  sessionAffinity?: string;
  clusterIP?: string;
}

/** kubectl's parseLabels of expose and run: "k=v,..." with exactly one "=" each. */
export function parseLabelSpec(spec: string): Record<string, string> {
  if (!spec) throw new CliError('no label spec passed');
  const labels: Record<string, string> = {};
  for (const item of spec.split(',')) {
    const kv = item.split('=');
    if (kv.length !== 2) throw new CliError(`unexpected label spec: ${item}`);
    if (!kv[0]) throw new CliError('unexpected empty label key');
    labels[kv[0]] = kv[1];
  }
  return labels;
}

/** Go's strconv.Atoi, with its error text. */
export function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new CliError(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}

/** Go's map with sorted keys (encoding/json writes maps that way). */
function sorted(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]]));
}

/** kubectl's parseProtocols: "80/TCP,53/UDP,53/TCP" -> port -> protocols. */
function parseProtocols(protocols: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const item of protocols.split(',')) {
    const pp = item.split('/');
    if (pp.length !== 2) throw new CliError(`unexpected port protocol mapping: ${item}`);
    if (!pp[0]) throw new CliError('unexpected empty port');
    if (!pp[1]) throw new CliError('unexpected empty protocol');
    map.set(pp[0], [...(map.get(pp[0]) ?? []), pp[1]]);
  }
  return map;
}

/** intstr.Parse: a number when the text is an integer, else the name. */
function intOrString(s: string): number | string {
  return /^[+-]?\d+$/.test(s) && Number.isSafeInteger(Number(s)) ? Number(s) : s;
}

/** kubectl's createService. */
export function buildService(p: ServiceParams, namespace: string | undefined): KubeJSON {
  if (!p.selector) throw new CliError('selector must be specified');
  const selector = parseLabelSpec(p.selector);
  const labels = p.labels ? parseLabelSpec(p.labels) : undefined;
  if (!p.name) throw new CliError('name must be specified');
  const protocolMap = p.protocols ? parseProtocols(p.protocols) : new Map<string, string[]>();
  const portString = p.ports || p.port || '';
  const ports: KubeJSON[] = [];
  if (portString) {
    const list = portString.split(',');
    list.forEach((text, i) => {
      const port = atoi(text);
      const name = list.length > 1 ? `port-${i + 1}` : '';
      let protocol = p.protocol ?? '';
      if (!protocol) {
        protocol = 'TCP';
        const found = protocolMap.get(text);
        if (found?.length === 1) protocol = found[0];
        else if (found) {
          for (const proto of found) ports.push({ name: `port-${i + 1}-${proto.toLowerCase()}`, protocol: proto, port });
          return;
        }
      }
      ports.push({ ...(name ? { name } : {}), protocol, port });
    });
  }
  const target = p.targetPort ? intOrString(p.targetPort) : undefined;
  for (const sp of ports) sp.targetPort = target ?? sp.port;
  if (p.sessionAffinity && p.sessionAffinity !== 'None' && p.sessionAffinity !== 'ClientIP') throw new CliError(`unknown session affinity: ${p.sessionAffinity}`);
  const spec: KubeJSON = {
    ...(ports.length ? { ports } : {}),
    selector: sorted(selector),
    ...(p.clusterIP ? { clusterIP: p.clusterIP } : {}),
    ...(p.type ? { type: p.type } : {}),
    ...(p.externalIP ? { externalIPs: [p.externalIP] } : {}),
    ...(p.sessionAffinity ? { sessionAffinity: p.sessionAffinity } : {}),
    ...(p.type === 'LoadBalancer' && p.loadBalancerIP ? { loadBalancerIP: p.loadBalancerIP } : {}),
  };
  return {
    kind: 'Service',
    apiVersion: 'v1',
    metadata: { ...newMeta(p.name, namespace), ...(labels ? { labels: sorted(labels) } : {}) },
    spec,
    status: { loadBalancer: {} },
  };
}

/** polymorphichelpers' MakeLabels: a label map as "k=v,..." (sorted, so output is stable). */
export function makeLabels(labels: Record<string, string> | undefined): string {
  return Object.keys(labels ?? {})
    .sort()
    .map((k) => `${k}=${labels![k]}`)
    .join(',');
}

/** An object in Kubernetes JSON, read loosely (introspection only reads known paths). */
type Json = Record<string, any>;

/** Kinds expose takes (Kite has no ReplicationController). */
const EXPOSABLE: Record<string, string> = { Pod: 'Pod', Service: 'Service', Deployment: 'Deployment.apps', ReplicaSet: 'ReplicaSet.apps' };

/** polymorphichelpers.CanBeExposed, with its GroupKind wording ("DaemonSet.apps"). */
export function checkExposable(kind: string, group: string): void {
  if (!(kind in EXPOSABLE)) throw new CliError(`cannot expose a ${group ? `${kind}.${group}` : kind}`);
}

/** MapBasedSelectorForObject: a pod's labels, a service's selector, a workload's matchLabels. */
export function selectorForObject(obj: Json): string {
  const kind = obj.kind as string;
  if (kind === 'Pod') {
    const labels = obj.metadata?.labels as Record<string, string> | undefined;
    if (!labels || !Object.keys(labels).length) throw new Error('the pod has no labels and cannot be exposed');
    return makeLabels(labels);
  }
  if (kind === 'Service') {
    const selector = obj.spec?.selector as Record<string, string> | undefined;
    if (!selector) throw new Error('the service has no pod selector set');
    return makeLabels(selector);
  }
  const sel = obj.spec?.selector as { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } | undefined;
  if (!sel) throw new Error(`invalid ${kind.toLowerCase()}: no selectors, therefore cannot be exposed`);
  if (sel.matchExpressions?.length) throw new Error(`couldn't convert expressions - ${goRequirements(sel.matchExpressions as Json[])} to map-based selector format`);
  return makeLabels(sel.matchLabels);
}

/** Go's %+v of []LabelSelectorRequirement: [{Key:k Operator:In Values:[a b]}]. */
function goRequirements(reqs: Json[]): string {
  return `[${reqs.map((r) => `{Key:${r.key} Operator:${r.operator} Values:[${((r.values ?? []) as string[]).join(' ')}]}`).join(' ')}]`;
}

function podSpecOf(obj: Json): Json | undefined {
  return obj.kind === 'Pod' ? obj.spec : obj.spec?.template?.spec;
}

/** PortsForObject: every container's ports (a service: its ports), as strings, without repeats. */
export function portsForObject(obj: Json): string[] {
  const ports =
    obj.kind === 'Service'
      ? ((obj.spec?.ports ?? []) as Json[]).map((p) => String(p.port))
      : ((podSpecOf(obj)?.containers ?? []) as Json[]).flatMap((c) => ((c.ports ?? []) as Json[]).map((p) => String(p.containerPort)));
  return [...new Set(ports)];
}

/** MultiProtocolsForObject as "port/PROTO,...": each port's protocols (TCP when unset), repeats kept. */
export function protocolsForObject(obj: Json): string {
  const map = new Map<string, string[]>();
  const add = (port: number, proto: string | undefined) => {
    const key = String(port);
    const list = map.get(key) ?? [];
    list.push(proto || 'TCP');
    map.set(key, list);
  };
  if (obj.kind === 'Service') for (const p of (obj.spec?.ports ?? []) as Json[]) add(p.port, p.protocol);
  else for (const c of (podSpecOf(obj)?.containers ?? []) as Json[]) for (const p of (c.ports ?? []) as Json[]) add(p.containerPort, p.protocol);
  return [...map].flatMap(([port, protos]) => protos.map((p) => `${port}/${p}`)).join(',');
}
