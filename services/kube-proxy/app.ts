// Runs kube-proxy (and the route agent) against an apiserver: informers on Services,
// EndpointSlices and Nodes feed the proxier and the agent, NetworkPolicies, Pods and Namespaces
// the network policy agent; a small HTTP endpoint reports the
// last syncs; the health check node ports of externalTrafficPolicy Local services are served here.
import { createServer, type Server } from 'node:http';
import { EndpointSlices, Namespaces, NetworkPolicies, Nodes, Pods, Services } from '../../lib/api/kinds';
import type { Clientset } from '../../lib/client/clientset';
import { InformerFactory } from '../../lib/informer';
import { logger } from '../../lib/log';
import { ExecConntrackRunner } from './conntrack';
import { ServiceHealthServer } from './healthcheck/service-health';
import { ExecIptablesRunner } from './iptables/runner';
import { JumpMonitor } from './jump-monitor';
import { NetworkPolicyAgent } from './network-policy/network-policy-agent';
import { Proxier } from './proxier';
import { RouteAgent } from './routes/route-agent';
import { IpRouteExecutor } from './routes/route-executor';

export interface KubeProxyOptions {
  nodeName: string;
  /** The cluster pod subnet; also enables the route agent when set. */
  clusterCIDR?: string;
  masqueradeAll: boolean;
  nodePortAddresses: string[];
  /** The Service ClusterIP range: traffic to it that no Service claims is dropped, never routed off the node. */
  serviceCIDR?: string;
  minSyncPeriodMs: number;
  syncPeriodMs: number;
  /** How often the jumps from FORWARD/OUTPUT are checked between full syncs (--iptables-jump-check-period, default 1 s; 0: never). */
  jumpCheckPeriodMs?: number;
  /** /healthz and /metrics-like status on this port (0 = any free port, undefined = off). */
  healthzPort?: number;
  healthzBindAddress: string;
  /** Run the commands inside this network namespace (tests). */
  netns?: string;
  /** Enforce NetworkPolicies on this node's pods (--network-policies, default on). */
  networkPolicies?: boolean;
}

export interface RunningProxy {
  proxier: Proxier;
  agent?: RouteAgent;
  policies?: NetworkPolicyAgent;
  jumpMonitor: JumpMonitor;
  healthzPort?: number;
  done: Promise<void>;
}

export async function runKubeProxy(client: Clientset, opts: KubeProxyOptions, signal: AbortSignal): Promise<RunningProxy> {
  const log = logger('kube-proxy', { node: opts.nodeName });
  const runner = new ExecIptablesRunner({ netns: opts.netns });
  const healthServer = new ServiceHealthServer(opts.nodePortAddresses);
  const proxier = new Proxier({
    runner,
    nodeName: opts.nodeName,
    conntrack: new ExecConntrackRunner({ netns: opts.netns }),
    healthServer,
    clusterCIDR: opts.clusterCIDR,
    masqueradeAll: opts.masqueradeAll,
    nodeIPs: opts.nodePortAddresses,
    serviceCIDR: opts.serviceCIDR,
    minSyncPeriodMs: opts.minSyncPeriodMs,
    syncPeriodMs: opts.syncPeriodMs,
  });
  const agent = opts.clusterCIDR
    ? new RouteAgent({ nodeName: opts.nodeName, podSubnet: opts.clusterCIDR, routes: new IpRouteExecutor({ netns: opts.netns }), iptables: runner })
    : undefined;

  const factory = new InformerFactory((kind, scope) => client.resource(kind).listerWatcher(scope));
  factory.forKind(Services).addEventHandler({
    onAdd: (s) => proxier.onServiceUpsert(s),
    onUpdate: (_o, s) => proxier.onServiceUpsert(s),
    onDelete: (s) => proxier.onServiceDelete(s),
  });
  factory.forKind(EndpointSlices).addEventHandler({
    onAdd: (e) => proxier.onEndpointSliceUpsert(e),
    onUpdate: (_o, e) => proxier.onEndpointSliceUpsert(e),
    onDelete: (e) => proxier.onEndpointSliceDelete(e),
  });
  if (agent) {
    factory.forKind(Nodes).addEventHandler({
      onAdd: (n) => agent.onNodeUpsert(n),
      onUpdate: (_o, n) => agent.onNodeUpsert(n),
      onDelete: (n) => agent.onNodeDelete(n),
    });
  }
  const policies = opts.networkPolicies === false ? undefined : new NetworkPolicyAgent({ nodeName: opts.nodeName, iptables: runner, minSyncPeriodMs: opts.minSyncPeriodMs, syncPeriodMs: opts.syncPeriodMs });
  if (policies) {
    factory.forKind(NetworkPolicies).addEventHandler({ onAdd: (p) => policies.onPolicyUpsert(p), onUpdate: (_o, p) => policies.onPolicyUpsert(p), onDelete: (p) => policies.onPolicyDelete(p) });
    factory.forKind(Pods).addEventHandler({ onAdd: (p) => policies.onPodUpsert(p), onUpdate: (_o, p) => policies.onPodUpsert(p), onDelete: (p) => policies.onPodDelete(p) });
    factory.forKind(Namespaces).addEventHandler({ onAdd: (n) => policies.onNamespaceUpsert(n), onUpdate: (_o, n) => policies.onNamespaceUpsert(n), onDelete: (n) => policies.onNamespaceDelete(n) });
  }
  const watchers = [policies, proxier, agent].filter((w) => w !== undefined);
  const jumpMonitor = new JumpMonitor({ runner, periodMs: opts.jumpCheckPeriodMs ?? 1000, watchers });
  proxier.on('syncFailed', (err: Error) => log.warn({ err: err.message }, 'iptables sync failed; will retry'));
  factory.start(signal);
  if (!(await factory.waitForCacheSync(signal))) return { proxier, agent, policies, jumpMonitor, done: Promise.resolve() };
  proxier.start();
  agent?.start();
  policies?.start();
  jumpMonitor.start();
  log.info({ routes: !!agent, networkPolicies: !!policies }, 'caches synced; programming iptables');

  let http: Server | undefined;
  let healthzPort: number | undefined;
  if (opts.healthzPort !== undefined) {
    http = createServer((req, res) => {
      const body = {
        lastSyncTime: proxier.lastSyncTime?.toISOString(),
        lastSyncDurationMs: proxier.lastSyncDurationMs,
        syncCount: proxier.syncCount,
        routesLastSyncTime: agent?.lastSyncTime?.toISOString(),
        networkPoliciesLastSyncTime: policies?.lastSyncTime?.toISOString(),
      };
      const healthy = proxier.lastSyncTime !== undefined;
      res.writeHead(req.url === '/healthz' && !healthy ? 503 : 200, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
    });
    healthzPort = await new Promise<number>((resolve) => http!.listen(opts.healthzPort, opts.healthzBindAddress, () => resolve((http!.address() as { port: number }).port)));
  }

  const done = (async () => {
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    http?.close();
    await jumpMonitor.stop();
    await proxier.stop();
    healthServer.close();
    await agent?.stop();
    await policies?.stop();
    await factory.stopped();
  })();
  return { proxier, agent, policies, jumpMonitor, healthzPort, done };
}
