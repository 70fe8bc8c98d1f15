// kite-proxy: kube-proxy in iptables mode plus the pod-network route agent, for one node.
import { isIPv4 } from 'node:net';
import { hostname } from 'node:os';
import { Command } from 'commander';
import { connect } from '../../lib/client/clientset';
import { logger } from '../../lib/log';
import { durationOption, integerFlag } from '../../lib/util/flags';
import { runKubeProxy } from './app';


const cidr = (v: string) => {
  const [ip, bits, ...rest] = v.split('/');
  if (!isIPv4(ip) || !/^\d{1,2}$/.test(bits ?? '') || Number(bits) > 32 || rest.length) throw new Error(`not an IPv4 CIDR: ${v}`);
  return v;
};

const program = new Command('kite-proxy')
  .description("Programs the node's iptables so Services reach their ready endpoints; keeps routes to other nodes' pod subnets")
  .option('--server <host:port>', 'apiserver address (overrides the config file)')
  .option('--kubeconfig <file>', 'kite config file (default $KITECONFIG or ~/.kite/config)')
  .option('--node-name <name>', 'this node', hostname())
  .option('--cluster-cidr <cidr>', 'the cluster pod subnet (enables pod routes and masquerading)')
  .option('--service-cluster-ip-range <cidr>', "the Service ClusterIP range, as the apiserver's flag: traffic to it that no Service claims is dropped on the node", cidr)
  .option('--masquerade-all', 'masquerade all Service traffic', false)
  .option('--no-network-policies', "do not enforce NetworkPolicies on this node's pods (enforced by default)")
  .option('--nodeport-addresses <list>', 'addresses NodePorts answer on (default: every local address)', (v: string) => v.split(',').filter(Boolean), [])
  .addOption(durationOption('--iptables-min-sync-period <duration>', 'minimum time between syncs', '1s'))
  .addOption(durationOption('--iptables-sync-period <duration>', 'full resync period', '30s'))
  .addOption(durationOption('--iptables-jump-check-period <duration>', 'how often the jumps into kube-proxy and policy chains are checked between full syncs (a missing or misplaced one triggers a full sync; 0: never)', '1s'))
  .option('--healthz-port <n>', 'status endpoint port (0: any free port)', integerFlag(0), 10256)
  .option('--healthz-bind-address <ip>', 'status endpoint address', '0.0.0.0')
  .action(async (o) => {
    const client = connect({ server: o.server, kubeconfig: o.kubeconfig, userAgent: `kite-proxy/${o.nodeName}` });
    await client.waitForReady(30_000);
    const ac = new AbortController();
    process.on('SIGTERM', () => ac.abort());
    process.on('SIGINT', () => ac.abort());
    const running = await runKubeProxy(
      client,
      {
        nodeName: o.nodeName,
        clusterCIDR: o.clusterCidr,
        masqueradeAll: o.masqueradeAll,
        networkPolicies: o.networkPolicies,
        nodePortAddresses: o.nodeportAddresses,
        serviceCIDR: o.serviceClusterIpRange,
        minSyncPeriodMs: o.iptablesMinSyncPeriod,
        syncPeriodMs: o.iptablesSyncPeriod,
        jumpCheckPeriodMs: o.iptablesJumpCheckPeriod,
        healthzPort: o.healthzPort,
        healthzBindAddress: o.healthzBindAddress,
      },
      ac.signal,
    );
    await running.done;
    client.close();
  });

program.parseAsync().catch((err: Error) => {
  logger('kube-proxy').error({ err: err.message }, 'fatal');
  process.stderr.write(`kite-proxy: ${err.message}\n`);
  process.exit(1);
});
