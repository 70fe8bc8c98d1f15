// kite-controller-manager: flags (kube-controller-manager's names) -> leader election ->
// startControllerManager over the apiserver. SIGTERM/SIGINT stop it gracefully (releasing the
// lease so a standby takes over at once); losing the lease exits non-zero, as Kubernetes does.
// /healthz, /livez and /readyz are served on its --secure-port (10257) for its static pod's probes.
import { Command } from 'commander';
import { credentials as grpcCredentials, type ChannelCredentials } from '@grpc/grpc-js';
import type { ConnectionConfig } from '../../lib/client/kubeconfig';
import { connect } from '../../lib/client/clientset';
import { leaderElectionCheck, startHealthServer, type HealthCheck } from '../../lib/healthz/health-server';
import { LeaderElector } from '../../lib/leaderelection';
import { logger } from '../../lib/log';
import { durationOption, integerFlag } from '../../lib/util/flags';
import { CONTROLLER_NAMES, resolveControllers, startControllerManager, type ControllerManagerOptions } from './manager';
import { readRootCA } from './rootcacertpublisher/root-ca-cert-publisher';


const program = new Command('kite-controller-manager')
  .description('Runs the control loops that drive the cluster to its desired state (ReplicaSets, Deployments, Endpoints, nodes, namespaces, garbage collection, ServiceAccounts, the root CA ConfigMap)')
  .option('--server <host:port>', 'apiserver address (overrides the config file)')
  .option('--kubeconfig <file>', 'kite config file (default $KITECONFIG or ~/.kite/config)')
  .option('--controllers <list>', `controllers to run: "*" for all, "foo" to enable, "-foo" to disable (${CONTROLLER_NAMES.join(', ')})`, '*')
  .addOption(durationOption('--node-monitor-period <duration>', 'how often node health is checked', '5s'))
  .addOption(durationOption('--node-monitor-grace-period <duration>', 'silence after which a node is marked Unknown', '50s'))
  .addOption(durationOption('--node-startup-grace-period <duration>', 'silence allowed to a node that never reported status', '1m'))
  .option('--allocate-node-cidrs', 'assign each node a pod CIDR from --cluster-cidr', true)
  .option('--no-allocate-node-cidrs', 'do not assign pod CIDRs (disables nodeipam)')
  .option('--cluster-cidr <cidr>', 'pod network of the cluster', '10.244.0.0/16')
  .option('--node-cidr-mask-size <bits>', 'prefix length of each node pod CIDR', integerFlag(1), 24)
  .option('--root-ca-file <file>', 'PEM CA bundle published as ca.crt in each namespace\'s kube-root-ca.crt ConfigMap (default: the CA the controller-manager trusts the apiserver with)')
  .option('--concurrent-replicaset-syncs <n>', 'ReplicaSets synced at once', integerFlag(1), 5)
  .option('--concurrent-deployment-syncs <n>', 'Deployments synced at once', integerFlag(1), 5)
  .option('--concurrent-job-syncs <n>', 'Jobs synced at once', integerFlag(1), 5)
  .option('--concurrent-cron-job-syncs <n>', 'CronJobs synced at once', integerFlag(1), 5)
  .option('--concurrent-statefulset-syncs <n>', 'StatefulSets synced at once', integerFlag(1), 5)
  .option('--concurrent-daemonset-syncs <n>', 'DaemonSets synced at once', integerFlag(1), 2)
  .option('--concurrent-ttl-after-finished-syncs <n>', 'finished Jobs checked for their TTL at once', integerFlag(1), 5)
  .option('--concurrent-endpoint-syncs <n>', 'Services whose Endpoints are synced at once', integerFlag(1), 5)
  .option('--concurrent-service-endpoint-syncs <n>', 'Services whose EndpointSlices are synced at once', integerFlag(1, 50), 5)
  .option('--max-endpoints-per-slice <n>', 'endpoints in one EndpointSlice at most', integerFlag(1, 1000), 100)
  .option('--mirroring-concurrent-service-endpoint-syncs <n>', 'Endpoints mirrored to EndpointSlices at once', integerFlag(1, 50), 5)
  .option('--mirroring-max-endpoints-per-subset <n>', 'addresses of one Endpoints subset mirrored at most', integerFlag(1, 1000), 1000)
  .option('--concurrent-namespace-syncs <n>', 'namespaces deleted at once', integerFlag(1), 10)
  .option('--concurrent-gc-syncs <n>', 'garbage collector workers', integerFlag(1), 20)
  .option('--terminated-pod-gc-threshold <n>', 'terminated pods kept before the oldest are deleted (0: never)', integerFlag(0), 12500)
  .option('--concurrent-horizontal-pod-autoscaler-syncs <n>', 'HorizontalPodAutoscalers synced at once', integerFlag(1), 5)
  .addOption(durationOption('--horizontal-pod-autoscaler-sync-period <duration>', 'how often each HorizontalPodAutoscaler is synced', '15s'))
  .addOption(durationOption('--horizontal-pod-autoscaler-downscale-stabilization <duration>', 'how far back the highest recommendation holds a scale-down', '5m'))
  .addOption(durationOption('--horizontal-pod-autoscaler-cpu-initialization-period <duration>', 'after a pod starts, how long its CPU samples wait for readiness', '5m'))
  .addOption(durationOption('--horizontal-pod-autoscaler-initial-readiness-delay <duration>', 'after a pod starts, how long readiness changes count as initial', '30s'))
  .option('--horizontal-pod-autoscaler-tolerance <ratio>', 'the usage-to-target ratio change ignored', Number, 0.1)
  .addOption(durationOption('--metric-resolution <duration>', 'how often the metrics-scraper reads every kubelet\'s stats (metrics-server\'s flag)', '15s'))
  .option('--leader-elect', 'elect a leader through a Lease before running (for several replicas)', true)
  .option('--no-leader-elect', 'run without leader election')
  .addOption(durationOption('--leader-elect-lease-duration <duration>', 'how long a non-renewed lease blocks other candidates', '15s'))
  .addOption(durationOption('--leader-elect-renew-deadline <duration>', 'how long the leader retries renewing before stepping down', '10s'))
  .addOption(durationOption('--leader-elect-retry-period <duration>', 'time between acquire and renew attempts', '2s'))
  .option('--leader-elect-resource-name <name>', 'name of the Lease', 'kube-controller-manager')
  .option('--leader-elect-resource-namespace <namespace>', 'namespace of the Lease', 'kube-system')
  .option('--secure-port <n>', 'serve /healthz, /livez and /readyz over HTTPS on this port (0: off)', integerFlag(0, 65535), 10257)
  .option('--bind-address <ip>', 'address of --secure-port', '0.0.0.0')
  .action(async (o) => {
    const log = logger('controller-manager');
    const controllers = resolveControllers([o.controllers, ...(o.allocateNodeCidrs ? [] : ['-nodeipam'])]);
    const options: Partial<ControllerManagerOptions> = {
      replicaset: { workers: o.concurrentReplicasetSyncs },
      deployment: { workers: o.concurrentDeploymentSyncs },
      job: { workers: o.concurrentJobSyncs },
      'ttl-after-finished': { workers: o.concurrentTtlAfterFinishedSyncs },
      cronjob: { workers: o.concurrentCronJobSyncs },
      statefulset: { workers: o.concurrentStatefulsetSyncs },
      daemonset: { workers: o.concurrentDaemonsetSyncs },
      endpoint: { workers: o.concurrentEndpointSyncs },
      endpointslice: { workers: o.concurrentServiceEndpointSyncs, maxEndpointsPerSlice: o.maxEndpointsPerSlice },
      endpointslicemirroring: { workers: o.mirroringConcurrentServiceEndpointSyncs, maxEndpointsPerSubset: o.mirroringMaxEndpointsPerSubset },
      namespace: { workers: o.concurrentNamespaceSyncs },
      garbagecollector: { workers: o.concurrentGcSyncs },
      'pod-garbage-collector': { terminatedPodThreshold: o.terminatedPodGcThreshold },
      horizontalpodautoscaling: {
        workers: o.concurrentHorizontalPodAutoscalerSyncs,
        syncPeriodMs: o.horizontalPodAutoscalerSyncPeriod,
        downscaleStabilizationMs: o.horizontalPodAutoscalerDownscaleStabilization,
        cpuInitializationPeriodMs: o.horizontalPodAutoscalerCpuInitializationPeriod,
        initialReadinessDelayMs: o.horizontalPodAutoscalerInitialReadinessDelay,
        tolerance: o.horizontalPodAutoscalerTolerance,
      },
      nodeipam: { clusterCidr: o.clusterCidr, nodeCidrMaskSize: o.nodeCidrMaskSize },
      nodelifecycle: {
        monitorPeriodMs: o.nodeMonitorPeriod,
        monitorGracePeriodMs: o.nodeMonitorGracePeriod,
        startupGracePeriodMs: o.nodeStartupGracePeriod,
      },
    };
    // Read before connecting: a bad file is an error at start, as in kube-controller-manager.
    const rootCA: string | undefined = o.rootCaFile ? readRootCA(o.rootCaFile) : undefined;
    const clientset = connect({ server: o.server, kubeconfig: o.kubeconfig, userAgent: 'kite-controller-manager' });
    options['root-ca-cert-publisher'] = { rootCA: rootCA ?? clientset.config.ca?.toString('utf8') ?? '' };
    options['metrics-scraper'] = { resolutionMs: o.metricResolution, kubeletCredentials: kubeletCredentials(clientset.config) };
    await clientset.waitForReady(30_000);
    const stop = new AbortController();
    process.on('SIGTERM', () => stop.abort());
    process.on('SIGINT', () => stop.abort());
    log.info({ server: clientset.config.address, controllers, leaderElect: o.leaderElect }, 'starting');
    const run = async (signal: AbortSignal) => {
      await startControllerManager({ clientset, controllers, options, signal }).done;
    };
    let led = false;
    const elector = o.leaderElect
      ? new LeaderElector({
          client: clientset.leases,
          namespace: o.leaderElectResourceNamespace,
          name: o.leaderElectResourceName,
          leaseDurationMs: o.leaderElectLeaseDuration,
          renewDeadlineMs: o.leaderElectRenewDeadline,
          retryPeriodMs: o.leaderElectRetryPeriod,
          callbacks: {
            onStartedLeading: async (signal) => {
              led = true;
              await run(signal);
            },
          },
        })
      : undefined;
    const checks: HealthCheck[] = elector ? [leaderElectionCheck(elector)] : [];
    const health = o.securePort ? await startHealthServer({ port: o.securePort, bindAddress: o.bindAddress, checks }) : undefined;
    if (!elector) {
      await run(stop.signal);
    } else {
      await elector.run(stop.signal);
      if (led && !stop.signal.aborted) {
        clientset.close();
        throw new Error('leader election lost');
      }
    }
    await health?.close();
    clientset.close();
  });

/** Kubelets are dialed with the controller-manager's own certificate, checked against the cluster CA (the kubelets' serving certificates are signed by it). */
function kubeletCredentials(c: ConnectionConfig): ChannelCredentials | undefined {
  return c.tls ? grpcCredentials.createSsl(c.ca ?? null, c.key ?? null, c.cert ?? null) : undefined;
}

program.parseAsync().catch((err: Error) => {
  process.stderr.write(`kite-controller-manager: ${err.message}\n`);
  process.exit(1);
});
