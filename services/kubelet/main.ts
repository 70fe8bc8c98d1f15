// kite-kubelet: the node agent. Parses flags and wires the Kubelet to the apiserver and the
// node's Docker Engine.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import Docker from 'dockerode';
import { connect } from '../../lib/client/clientset';
import { logger } from '../../lib/log';
import { formatDuration } from '../../lib/util/duration';
import { durationOption, integerFlag } from '../../lib/util/flags';
import { defaultKubeletConfig } from './config';
import { parseAuthorizationMode, parseClusterDNS, parseKeyValues, parseTaints } from './flags';
import { Kubelet } from './kubelet';
import { DockerRuntime } from './runtime/docker-runtime';
import { DEFAULT_PAUSE_IMAGE } from './runtime/docker-config';

const defaults = defaultKubeletConfig();

/** unix:///path, /path, tcp://host:port or host:port. */
function dockerFor(host: string): Docker {
  if (host.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) });
  if (host.startsWith('/')) return new Docker({ socketPath: host });
  const url = new URL(host.includes('://') ? host.replace(/^tcp:/, 'http:') : `http://${host}`);
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: 'http' });
}

const program = new Command('kite-kubelet')
  .description('The Kite node agent: registers the node, runs the pods bound to it in Docker, probes them and reports their status')
  .option('--server <host:port>', 'apiserver address (overrides the config file)')
  .option('--kubeconfig <file>', 'kite config file (default $KITECONFIG or ~/.kite/config)')
  .option('--node-name <name>', 'the Node to register', defaults.nodeName)
  .option('--node-ip <ip>', 'InternalIP to report (default: the address of the default route\'s interface)')
  .option('--address <ip>', 'address the kubelet endpoint binds', defaults.bindAddress)
  .option('--port <port>', 'port of the kubelet endpoint (logs, exec)', integerFlag(0), defaults.port)
  .option('--pod-cidr <cidr>', 'pod CIDR to use when the node has no spec.podCIDR (no node IPAM running)')
  .addOption(durationOption('--pod-cidr-wait <duration>', 'how long to wait for spec.podCIDR before using --pod-cidr', formatDuration(defaults.podCIDRWaitMs)))
  .option('--pod-network-name <name>', 'Docker network holding the pod IPs', defaults.podNetworkName)
  .option('--root-dir <dir>', 'directory for pod volumes', defaults.rootDir)
  .option('--max-pods <n>', 'pods this node can run', integerFlag(0), defaults.maxPods)
  .option('--node-labels <k=v,...>', 'labels to register the node with (e.g. node-role.kubernetes.io/worker=)', '')
  .option('--register-with-taints <key=value:Effect,...>', 'taints to register the node with', '')
  .option('--system-reserved <cpu=...,memory=...>', 'resources reserved for the system', '')
  .option('--kube-reserved <cpu=...,memory=...>', 'resources reserved for Kite components', '')
  .addOption(durationOption('--node-status-update-frequency <duration>', 'node status (heartbeat) period', formatDuration(defaults.nodeStatusUpdateFrequencyMs)))
  .option('--node-lease-duration-seconds <n>', 'the Lease duration', integerFlag(0), defaults.nodeLeaseDurationSeconds)
  .addOption(durationOption('--node-lease-renew-interval <duration>', 'Lease renewal period', formatDuration(defaults.nodeLeaseRenewIntervalMs)))
  .addOption(durationOption('--image-pull-backoff-initial <duration>', 'first image pull backoff', formatDuration(defaults.imagePullBackoff.initialMs)))
  .addOption(durationOption('--image-pull-backoff-max <duration>', 'longest image pull backoff', formatDuration(defaults.imagePullBackoff.maxMs)))
  .addOption(durationOption('--crashloop-backoff-initial <duration>', 'first crash-loop restart delay', formatDuration(defaults.crashLoopBackoff.initialMs)))
  .addOption(durationOption('--crashloop-backoff-max <duration>', 'longest crash-loop restart delay', formatDuration(defaults.crashLoopBackoff.maxMs)))
  .addOption(durationOption('--crashloop-backoff-reset <duration>', 'a container running this long starts its backoff over', formatDuration(defaults.crashLoopBackoff.resetAfterMs)))
  .addOption(durationOption('--relist-period <duration>', 'how often the runtime is relisted for container changes', formatDuration(defaults.relistPeriodMs)))
  .addOption(durationOption('--sync-frequency <duration>', 'every pod is synced at least this often', formatDuration(defaults.resyncPeriodMs)))
  .option('--cluster-dns <ip,...>', 'comma-separated IPs of the cluster DNS servers, the nameservers of ClusterFirst pods (unset: they fall back to Default)', '')
  .option('--cluster-domain <domain>', 'the cluster\'s DNS domain, searched by ClusterFirst pods', defaults.clusterDomain)
  .option('--resolv-conf <file>', 'the resolver file Default pods copy and ClusterFirst pods take search paths from ("" for none)', defaults.resolvConf)
  .option('--pod-manifest-path <path>', 'directory (or file) of static pod manifests the kubelet runs without the apiserver (kubeadm: /etc/kubernetes/manifests)')
  .addOption(durationOption('--file-check-frequency <duration>', 'how often the static pod manifests are read again besides watching them', formatDuration(defaults.fileCheckFrequencyMs)))
  .option('--docker-host <endpoint>', 'Docker Engine endpoint', process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock')
  .option('--pod-infra-container-image <image>', 'the pause image of pod sandboxes', DEFAULT_PAUSE_IMAGE)
  .option('--tls-cert-file <file>', 'certificate of the kubelet endpoint')
  .option('--tls-private-key-file <file>', 'key of the kubelet endpoint')
  .option('--client-ca-file <file>', 'CA whose client certificates the kubelet endpoint accepts (the apiserver\'s)')
  .option('--authorization-mode <mode>', 'who may call the kubelet endpoint: Webhook (ask the apiserver with a SubjectAccessReview) or AlwaysAllow (default: Webhook with --client-ca-file, else AlwaysAllow)')
  .addOption(durationOption('--authorization-webhook-cache-authorized-ttl <duration>', 'how long an allowed Webhook answer is remembered', formatDuration(defaults.authorization.authorizedMs)))
  .addOption(durationOption('--authorization-webhook-cache-unauthorized-ttl <duration>', 'how long a denied Webhook answer is remembered', formatDuration(defaults.authorization.unauthorizedMs)))
  .action(async (o) => {
    const log = logger('kubelet', { node: o.nodeName });
    const authorizationMode = parseAuthorizationMode(o.authorizationMode, Boolean(o.tlsCertFile && o.clientCaFile));
    const docker = dockerFor(o.dockerHost);
    const version = await docker.version().catch((err: Error) => {
      throw new Error(`cannot reach the Docker Engine at ${o.dockerHost}: ${err.message}`);
    });
    const client = connect({ server: o.server, kubeconfig: o.kubeconfig, userAgent: `kite-kubelet/${o.nodeName}` });
    // The kubelet may come up before the apiserver: it waits (registration retries too), unless it
    // has static pods to start, which may be that apiserver.
    if (!o.podManifestPath) await client.waitForReady(10_000).catch((err: Error) => log.warn({ err: err.message }, 'apiserver not reachable yet; retrying'));
    if (Boolean(o.tlsCertFile) !== Boolean(o.tlsPrivateKeyFile)) throw new Error('--tls-cert-file and --tls-private-key-file go together');
    const config = defaultKubeletConfig({
      nodeName: o.nodeName,
      nodeIP: o.nodeIp,
      bindAddress: o.address,
      port: o.port,
      fallbackPodCIDR: o.podCidr,
      podCIDRWaitMs: o.podCidrWait,
      podNetworkName: o.podNetworkName,
      rootDir: o.rootDir,
      maxPods: o.maxPods,
      nodeLabels: parseKeyValues(o.nodeLabels),
      registerWithTaints: parseTaints(o.registerWithTaints),
      systemReserved: parseKeyValues(o.systemReserved),
      kubeReserved: parseKeyValues(o.kubeReserved),
      nodeStatusUpdateFrequencyMs: o.nodeStatusUpdateFrequency,
      nodeLeaseDurationSeconds: o.nodeLeaseDurationSeconds,
      nodeLeaseRenewIntervalMs: o.nodeLeaseRenewInterval,
      imagePullBackoff: { initialMs: o.imagePullBackoffInitial, maxMs: o.imagePullBackoffMax },
      crashLoopBackoff: {
        initialMs: o.crashloopBackoffInitial,
        maxMs: o.crashloopBackoffMax,
        resetAfterMs: o.crashloopBackoffReset,
      },
      relistPeriodMs: o.relistPeriod,
      resyncPeriodMs: o.syncFrequency,
      containerRuntimeVersion: `docker://${version.Version}`,
      clusterDNS: parseClusterDNS(o.clusterDns),
      clusterDomain: o.clusterDomain,
      resolvConf: o.resolvConf,
      staticPodPath: o.podManifestPath,
      fileCheckFrequencyMs: o.fileCheckFrequency,
      tls: o.tlsCertFile
        ? { cert: readFileSync(o.tlsCertFile), key: readFileSync(o.tlsPrivateKeyFile), clientCA: o.clientCaFile ? readFileSync(o.clientCaFile) : undefined }
        : undefined,
      authorization: {
        mode: authorizationMode,
        authorizedMs: o.authorizationWebhookCacheAuthorizedTtl,
        unauthorizedMs: o.authorizationWebhookCacheUnauthorizedTtl,
      },
    });
    const runtime = new DockerRuntime({ docker, nodeName: config.nodeName, rootDir: config.rootDir, pauseImage: o.podInfraContainerImage });
    const kubelet = new Kubelet(config, { client, runtime });
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      log.info('stopping (containers keep running)');
      void kubelet.stop().finally(() => {
        client.close();
        process.exit(0);
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    await kubelet.start();
  });

program.parseAsync().catch((err: Error) => {
  logger('kubelet').error({ err: err.message }, 'fatal');
  process.stderr.write(`kite-kubelet: ${err.message}\n`);
  process.exit(1);
});
