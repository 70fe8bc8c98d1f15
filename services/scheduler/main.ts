// kite-scheduler: flags (kube-scheduler's names) -> runScheduler over the apiserver, while this
// instance holds the kube-system/kube-scheduler Lease (so several can run and one acts).
import { hostname } from 'node:os';
import { Command } from 'commander';
import { connect } from '../../lib/client/clientset';
import { ApiEventRecorder } from '../../lib/events';
import { LeaderElector } from '../../lib/leaderelection';
import { logger } from '../../lib/log';
import { DEFAULT_SCHEDULER_APP_OPTIONS, runScheduler } from './app';

const num = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`not a non-negative number: ${v}`);
  return n;
};
const bool = (v: string) => v !== 'false';

const program = new Command('kite-scheduler')
  .description('Binds pods that have no node to the best node that fits them')
  .option('--server <host:port>', 'apiserver address (overrides the config file)')
  .option('--kubeconfig <file>', 'kite config file (default $KITECONFIG or ~/.kite/config)')
  .option('--scheduler-name <name>', 'schedule pods whose spec.schedulerName is this', DEFAULT_SCHEDULER_APP_OPTIONS.schedulerName)
  .option('--percentage-of-nodes-to-score <n>', 'percent of nodes to find feasible before scoring; 0 = adaptive', num, 0)
  .option('--pod-initial-backoff-seconds <n>', 'first retry delay of an unschedulable pod', num, DEFAULT_SCHEDULER_APP_OPTIONS.initialBackoffMs / 1000)
  .option('--pod-max-backoff-seconds <n>', 'longest retry delay', num, DEFAULT_SCHEDULER_APP_OPTIONS.maxBackoffMs / 1000)
  .option('--pod-max-in-unschedulable-pods-duration <seconds>', 'retry unschedulable pods at least this often', num, DEFAULT_SCHEDULER_APP_OPTIONS.maxUnschedulableMs / 1000)
  .option('--leader-elect <bool>', 'act only while holding the kube-system/kube-scheduler Lease', bool, true)
  .option('--leader-elect-lease-duration <seconds>', 'lease duration', num, 15)
  .option('--leader-elect-renew-deadline <seconds>', 'renew deadline', num, 10)
  .option('--leader-elect-retry-period <seconds>', 'retry period', num, 2)
  .action(async (o) => {
    const log = logger('scheduler');
    const client = connect({ server: o.server, kubeconfig: o.kubeconfig, userAgent: 'kite-scheduler' });
    await client.waitForReady(30_000);
    const ac = new AbortController();
    process.on('SIGTERM', () => ac.abort());
    process.on('SIGINT', () => ac.abort());
    const recorder = new ApiEventRecorder(client.events, o.schedulerName, hostname());
    const schedule = (signal: AbortSignal) =>
      runScheduler(client, recorder, signal, {
        schedulerName: o.schedulerName,
        percentageOfNodesToScore: o.percentageOfNodesToScore,
        initialBackoffMs: o.podInitialBackoffSeconds * 1000,
        maxBackoffMs: o.podMaxBackoffSeconds * 1000,
        maxUnschedulableMs: o.podMaxInUnschedulablePodsDuration * 1000,
      });
    log.info({ server: client.config.address, leaderElect: o.leaderElect }, 'starting');
    if (!o.leaderElect) await schedule(ac.signal);
    else {
      await new LeaderElector({
        client: client.leases,
        name: 'kube-scheduler',
        leaseDurationMs: o.leaderElectLeaseDuration * 1000,
        renewDeadlineMs: o.leaderElectRenewDeadline * 1000,
        retryPeriodMs: o.leaderElectRetryPeriod * 1000,
        callbacks: {
          onStartedLeading: (signal) => schedule(signal),
          onStoppedLeading: () => log.info('stopped leading'),
          onNewLeader: (id) => log.info({ leader: id }, 'leader'),
        },
      }).run(ac.signal);
    }
    client.close();
  });

program.parseAsync().catch((err: Error) => {
  process.stderr.write(`kite-scheduler: ${err.message}\n`);
  process.exit(1);
});
