// `kitectl port-forward TYPE/NAME [LOCAL_PORT:]REMOTE_PORT [...] [--address]`, as kubectl's
// (k8s.io/kubectl/pkg/cmd/portforward): the object is resolved to one pod on the client side (a
// pod itself; a Service, Deployment or ReplicaSet through its selector, the most active pod
// first), remote ports given by name or, for a Service, as service
// ports are translated to the pod's container ports, and the pod must be Running. It listens on
// every --address (localhost: 127.0.0.1 and ::1) and forwards each accepted connection over one
// PodService/PortForwardPod stream. As kubectl 1.32 does, an error on a forwarded connection is
// printed ("an error occurred forwarding 8080 -> 80: ...") and ends the command ("lost connection
// to pod").
import { createServer, type Server, type Socket } from 'node:net';
import { fromServiceError } from '../../lib/api/errors';
import { Deployments, Pods, ReplicaSets, Services, type KindInfo } from '../../lib/api/kinds';
import { labelsToSelectorString, selectorFromLabelSelector } from '../../lib/api/selectors';
import type { PortForwardPodRequest, PortForwardPodResponse } from '../../lib/gen/kite/core/v1/services';
import type { Pod, Service } from '../../lib/gen/kite/core/v1/types';
import type { Cli } from './cli-context';
import { CliError } from './cli-errors';
import { parseOneResource } from './resource-args';

export interface PortForwardOptions {
  address?: string;
}

/** One forwarding: the local port (0: any free one) and the remote port as given (a number or a name). */
export interface PortSpec {
  local: number;
  remote: string;
}

/** The workload kinds Kite has whose selector picks the pod. */
const SELECTOR_KINDS: readonly KindInfo<any>[] = [Deployments, ReplicaSets];

/** kubectl's port arguments: "8080", "8080:80", ":80" (a free local port), "8080:http". */
export function parsePorts(args: readonly string[]): PortSpec[] {
  if (args.length === 0) throw new CliError('TYPE/NAME and list of ports are required for port-forward');
  return args.map((arg) => {
    const parts = arg.split(':');
    if (parts.length > 2) throw new CliError(`invalid port format '${arg}'`);
    const [localText, remote] = parts.length === 2 ? parts : [parts[0], parts[0]];
    const number = (s: string) => /^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 65535;
    if (!remote) throw new CliError(`invalid port format '${arg}'`);
    if (localText !== '' && !number(localText)) throw new CliError(`Error parsing local port '${localText}': invalid port`);
    return { local: localText === '' ? 0 : Number(localText), remote };
  });
}

/** kubectl's ActivePods order, most active first: assigned, running, ready, then older. */
export function mostActivePod(pods: readonly Pod[]): Pod | undefined {
  const rank = (p: Pod) => {
    const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    const phase = p.status?.phase === 'Running' ? 2 : p.status?.phase === 'Pending' ? 0 : 1;
    return [p.spec?.nodeName ? 1 : 0, phase, ready ? 1 : 0];
  };
  return [...pods].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return rb[i] - ra[i];
    return (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? '');
  })[0];
}

/** A port of the pod by number or by a container port's name (kubectl's convertPodNamedPortToNumber). */
export function podPort(pod: Pod, port: string): number {
  if (/^\d+$/.test(port)) return Number(port);
  for (const c of pod.spec?.containers ?? []) {
    const found = c.ports.find((p) => p.name === port);
    if (found) return found.containerPort;
  }
  throw new CliError(`Pod '${pod.metadata!.name}' does not have a named port '${port}'`);
}

/**
 * A Service's port (by number or name) as the pod's port (kubectl's translateServicePortToTargetPort):
 * its targetPort, a container port's name resolved in the pod; the local port defaults to the service port.
 */
export function servicePort(svc: Service, pod: Pod, spec: PortSpec): PortSpec {
  const byNumber = /^\d+$/.test(spec.remote);
  const port = svc.spec?.ports.find((p) => (byNumber ? p.port === Number(spec.remote) : p.name === spec.remote));
  if (!port) throw new CliError(`Service ${svc.metadata!.name} does not have a service port ${spec.remote}`);
  // targetPort is int-or-string: a number, or a container port's name.
  const target: unknown = port.targetPort;
  const remote = typeof target === 'string' && !/^\d+$/.test(target) ? podPort(pod, target) : Number(target) || port.port;
  return { local: spec.local === 0 && byNumber ? port.port : spec.local, remote: String(remote) };
}

/** kubectl's --address: "localhost" listens on both loopbacks. */
export function listenAddresses(address: string | undefined): string[] {
  const list = (address ?? 'localhost').split(',').map((a) => a.trim()).filter(Boolean);
  return [...new Set(list.flatMap((a) => (a === 'localhost' ? ['127.0.0.1', '::1'] : [a])))];
}

const formatAddress = (a: string) => (a.includes(':') ? `[${a}]` : a);

async function resolvePod(cli: Cli, target: string, namespace: string): Promise<{ pod: Pod; service?: Service }> {
  const { kind, name } = target.includes('/') ? parseOneResource([target]) : { kind: Pods as KindInfo<any>, name: target };
  const cs = await cli.clientset();
  if (kind === Pods) return { pod: await cs.pods.get(name, namespace) };
  if (kind !== Services && !SELECTOR_KINDS.includes(kind)) throw new CliError(`cannot attach to ${kind.kind}: not implemented`);
  const obj = await cs.resource(kind).get(name, namespace);
  const service = kind === Services ? (obj as Service) : undefined;
  const labelSelector = service
    ? labelsToSelectorString(service.spec?.selector ?? {})
    : selectorFromLabelSelector((obj as { spec?: { selector?: Parameters<typeof selectorFromLabelSelector>[0] } }).spec?.selector).toString();
  const pods = (await cs.pods.list({ namespace, labelSelector })).items;
  const pod = mostActivePod(pods);
  if (!pod) throw new CliError(`no matching pods found`);
  return { pod, service };
}

export async function portForward(cli: Cli, target: string, portArgs: string[], opts: PortForwardOptions): Promise<void> {
  const namespace = await cli.namespace();
  const specs = parsePorts(portArgs);
  const { pod, service } = await resolvePod(cli, target, namespace);
  const forwards = specs.map((s) => (service ? servicePort(service, pod, s) : { local: s.local, remote: String(podPort(pod, s.remote)) }));
  if (pod.status?.phase !== 'Running') throw new CliError(`unable to forward port because pod is not running. Current status=${pod.status?.phase ?? ''}`);
  const pods = (await cli.clientset()).pods;
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  let failed: ((err: Error) => void) | undefined;
  const done = new Promise<void>((resolve, reject) => {
    failed = reject;
    cli.io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const handle = (socket: Socket, local: number, remote: number) => {
    cli.io.out(`Handling connection for ${local}\n`);
    sockets.add(socket);
    const call = pods.duplex<PortForwardPodRequest, PortForwardPodResponse>('portForward');
    socket.on('data', (data: Buffer) => {
      if (!call.write({ start: undefined, data, close: false })) {
        socket.pause();
        call.once('drain', () => socket.resume());
      }
    });
    socket.on('end', () => {
      call.write({ start: undefined, data: Buffer.alloc(0), close: true });
      call.end();
    });
    socket.on('error', () => call.cancel());
    socket.on('close', () => {
      sockets.delete(socket);
      call.cancel();
    });
    call.on('data', (r: PortForwardPodResponse) => {
      if (!socket.write(r.data)) {
        call.pause();
        socket.once('drain', () => call.resume());
      }
    });
    call.on('end', () => socket.end());
    call.on('error', (err: Parameters<typeof fromServiceError>[0]) => {
      socket.destroy();
      if (err.code === 1) return; // CANCELLED: the local side went away first.
      cli.io.err(`an error occurred forwarding ${local} -> ${remote}: ${fromServiceError(err).message}\n`);
      failed?.(new CliError('lost connection to pod'));
    });
    call.write({ start: { namespace, podName: pod.metadata!.name, podUid: pod.metadata!.uid, port: remote }, data: Buffer.alloc(0), close: false });
  };
  try {
    for (const f of forwards) {
      const remote = Number(f.remote);
      let local = f.local;
      let listening = 0;
      for (const address of listenAddresses(opts.address)) {
        // Half-open: a client that is done sending still gets the rest of the reply, as kubectl's copies allow.
        const server = createServer({ allowHalfOpen: true }, (socket) => handle(socket, local, remote));
        const bound = await new Promise<number | undefined>((resolve) => {
          server.once('error', () => resolve(undefined));
          server.listen(local, address, () => resolve((server.address() as { port: number }).port));
        });
        if (bound === undefined) continue;
        servers.push(server);
        local = bound;
        listening++;
        cli.io.out(`Forwarding from ${formatAddress(address)}:${local} -> ${remote}\n`);
      }
      if (!listening) throw new CliError(`unable to listen on any of the requested ports: [{${f.local} ${remote}}]`);
    }
    await done;
  } finally {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}
