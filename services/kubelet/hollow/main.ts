// kite-hollow-nodes: runs N simulated nodes against an apiserver (for scale tests and benchmarks).
import { Command } from 'commander';
import { connect } from '../../../lib/client/clientset';
import { logger } from '../../../lib/log';
import { formatDuration } from '../../../lib/util/duration';
import { durationOption, integerFlag } from '../../../lib/util/flags';
import { DEFAULT_HOLLOW_OPTIONS, HollowNodes } from './hollow-nodes';

const int = integerFlag(0);

const program = new Command('kite-hollow-nodes')
  .description('Simulated (hollow) nodes: register nodes, renew their Leases and run bound pods without containers')
  .option('--server <host:port>', 'apiserver address (overrides the config file)')
  .option('--kubeconfig <file>', 'kite config file (default $KITECONFIG or ~/.kite/config)')
  .option('--count <n>', 'number of nodes', int, 1)
  .option('--name-prefix <prefix>', 'node name prefix', DEFAULT_HOLLOW_OPTIONS.namePrefix)
  .addOption(durationOption('--lease-renew-interval <duration>', 'Lease renewal period', formatDuration(DEFAULT_HOLLOW_OPTIONS.leaseRenewIntervalMs)))
  .addOption(durationOption('--status-interval <duration>', 'node status period', formatDuration(DEFAULT_HOLLOW_OPTIONS.statusIntervalMs)))
  .addOption(durationOption('--pod-start-delay <duration>', 'simulated time from bound to Running', '0'))
  .option('--cpu <q>', 'cpu capacity per node', DEFAULT_HOLLOW_OPTIONS.capacity.cpu)
  .option('--memory <q>', 'memory capacity per node', DEFAULT_HOLLOW_OPTIONS.capacity.memory)
  .option('--max-pods <n>', 'pod capacity per node', DEFAULT_HOLLOW_OPTIONS.capacity.pods)
  .option('--stats-host <ip>', 'serve each node\'s simulated stats (kite.io/simulated-cpu, kite.io/simulated-memory pod annotations) on this address, registered as the nodes\' InternalIP')
  .action(async (o) => {
    const client = connect({ server: o.server, kubeconfig: o.kubeconfig, userAgent: 'kite-hollow-nodes' });
    await client.waitForReady();
    const nodes = new HollowNodes(client, {
      count: o.count,
      namePrefix: o.namePrefix,
      leaseRenewIntervalMs: o.leaseRenewInterval,
      statusIntervalMs: o.statusInterval,
      podStartDelayMs: o.podStartDelay,
      capacity: { cpu: o.cpu, memory: o.memory, pods: String(o.maxPods) },
      statsHost: o.statsHost,
    });
    const ac = new AbortController();
    const stop = () => ac.abort();
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    await nodes.run(ac.signal);
    client.close();
  });

program.parseAsync().catch((err: Error) => {
  logger('hollow-nodes').error({ err: err.message }, 'fatal');
  process.stderr.write(`kite-hollow-nodes: ${err.message}\n`);
  process.exit(1);
});
