// kite-scheduler: flags (kube-scheduler's names) -> runScheduler over the apiserver, while this
// instance holds the kube-system/kube-scheduler Lease (so several can run and one acts), with
// /healthz, /livez and /readyz on its --secure-port (10259) for its static pod's probes.
import { hostname } from 'node:os';
import { Command } from 'commander';
import { connect } from '../../lib/client/clientset';
import { ApiEventRecorder } from '../../lib/events';
import { leaderElectionCheck, startHealthServer, type HealthCheck } from '../../lib/healthz/health-server';
import { LeaderElector } from '../../lib/leaderelection';
import { logger } from '../../lib/log';
import { durationOption, integerFlag } from '../../lib/util/flags';
import { DEFAULT_SCHEDULER_APP_OPTIONS, runScheduler } from './app';

const bool = (v: string) => v !== 'false';

const program = new Command('kite-scheduler')
  .description('Binds pods that have no node to the best node that fits them')
  .option('--server <host:port>', 'apiserver address (overrides the config file)')
  .option('--kubeconfig <file>', 'kite config file (default $KITECONFIG or ~/.kite/config)')
  .option('--scheduler-name <name>', 'schedule pods whose spec.schedulerName is this', DEFAULT_SCHEDULER_APP_OPTIONS.schedulerName)
  .option('--percentage-of-nodes-to-score <n>', 'percent of nodes to find feasible before scoring; 0 = adaptive', integerFlag(0), 0)
  .option('--pod-initial-backoff-seconds <n>', 'first retry delay of an unschedulable pod', integerFlag(1), DEFAULT_SCHEDULER_APP_OPTIONS.initialBackoffMs / 1000)
  .option('--pod-max-backoff-seconds <n>', 'longest retry delay', integerFlag(1), DEFAULT_SCHEDULER_APP_OPTIONS.maxBackoffMs / 1000)
  .addOption(durationOption('--pod-max-in-unschedulable-pods-duration <duration>', 'retry unschedulable pods at least this often', '60s'))
  .option('--leader-elect <bool>', 'act only while holding the kube-system/kube-scheduler Lease', bool, true)
  .addOption(durationOption('--leader-elect-lease-duration <duration>', 'how long a non-renewed lease blocks other candidates', '15s'))
  .addOption(durationOption('--leader-elect-renew-deadline <duration>', 'how long the leader retries renewing before stepping down', '10s'))
  .addOption(durationOption('--leader-elect-retry-period <duration>', 'time between acquire and renew attempts', '2s'))
  .option('--secure-port <n>', 'serve /healthz, /livez and /readyz over HTTPS on this port (0: off)', integerFlag(0, 65535), 10259)
  .option('--bind-address <ip>', 'address of --secure-port', '0.0.0.0')
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
        maxUnschedulableMs: o.podMaxInUnschedulablePodsDuration,
      });
    log.info({ server: client.config.address, leaderElect: o.leaderElect }, 'starting');
    const elector = o.leaderElect
      ? new LeaderElector({
          client: client.leases,
          name: 'kube-scheduler',
          leaseDurationMs: o.leaderElectLeaseDuration,
          renewDeadlineMs: o.leaderElectRenewDeadline,
          retryPeriodMs: o.leaderElectRetryPeriod,
          callbacks: {
            onStartedLeading: (signal) => schedule(signal),
            onStoppedLeading: () => log.info('stopped leading'),
            onNewLeader: (id) => log.info({ leader: id }, 'leader'),
          },
        })
      : undefined;
    const checks: HealthCheck[] = elector ? [leaderElectionCheck(elector)] : [];
    const health = o.securePort ? await startHealthServer({ port: o.securePort, bindAddress: o.bindAddress, checks }) : undefined;
    if (elector) await elector.run(ac.signal);
    else await schedule(ac.signal);
    await health?.close();
    client.close();
  });

program.parseAsync().catch((err: Error) => {
  process.stderr.write(`kite-scheduler: ${err.message}\n`);
  process.exit(1);
});
