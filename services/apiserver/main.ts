// kite-apiserver: flags (kube-apiserver's names where they exist) -> startApiserver.
import { Command, Option } from 'commander';
import { logger } from '../../lib/log';
import { formatDuration } from '../../lib/util/duration';
import { durationOption, integerFlag } from '../../lib/util/flags';
import { ADMISSION_PLUGINS } from './admission/chain';
import { ENDPOINT_RECONCILER_TYPES } from './controlplane/reconcilers/endpoint-reconciler';
import { DEFAULT_CONFIG, startApiserver } from './server';

const int = integerFlag(0);
const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
/** A repeatable flag: each use adds its value. */
const repeated = (v: string, prev: string[]) => [...prev, v];
/** A repeatable comma-separated flag (Go's StringSlice). */
const repeatedList = (v: string, prev: string[]) => [...prev, ...list(v)];

/** Kubernetes' boolean flags: --flag, --flag=true, --flag=false. */
const bool = (v: string | boolean) => {
  if (v === true || v === 'true') return true;
  if (v === 'false') return false;
  throw new Error(`not a boolean: ${v}`);
};

const program = new Command('kite-apiserver')
  .description('The Kite API server: the only door to the store; gRPC on --port with reflection and grpc.health.v1')
  .option('--port <n>', 'gRPC port', int, DEFAULT_CONFIG.port)
  .option('--secure-port <n>', "Kubernetes' HTTP API (kubectl, client libraries) on this port, HTTPS with the gRPC port's certificates (0: off)", int, 0)
  .option('--bind-address <ip>', 'address to listen on (default 0.0.0.0; 127.0.0.1 when no authentication is configured)')
  .option('--advertise-address <ip>', 'address published in the "kubernetes" Service\'s Endpoints (default: --bind-address, or the host\'s first non-loopback address when that is 0.0.0.0)')
  .addOption(new Option('--endpoint-reconciler-type <type>', 'who keeps the "kubernetes" Service\'s Endpoints: lease (each apiserver\'s lease) or none').choices([...ENDPOINT_RECONCILER_TYPES]).default(DEFAULT_CONFIG.endpointReconcilerType))
  .addOption(new Option('--store <backend>', 'storage backend').choices(['sqlite', 'etcd']).default('sqlite'))
  .option('--data-dir <dir>', 'directory of the embedded SQLite store', '/var/lib/kite')
  .option('--etcd-endpoints <list>', 'comma-separated etcd endpoints (with --store etcd)', (v: string) => v.split(',').filter(Boolean))
  .option('--etcd-cafile <file>', 'CA (PEM) of the etcd members\' serving certificates: TLS towards etcd (https:// endpoints)')
  .option('--etcd-certfile <file>', 'client certificate (PEM) shown to etcd')
  .option('--etcd-keyfile <file>', 'key of --etcd-certfile (PEM)')
  .option('--encryption-provider-config <file>', 'EncryptionConfiguration (apiserver.config.k8s.io/v1) naming the resources encrypted at rest and their providers: aescbc, aesgcm, secretbox, identity')
  .addOption(durationOption('--compaction-interval <duration>', 'storage compaction period, 0 disables', formatDuration(DEFAULT_CONFIG.compactionIntervalMs)))
  .option('--service-cluster-ip-range <cidr>', 'ClusterIP range', DEFAULT_CONFIG.serviceClusterIPRange)
  .option('--service-node-port-range <range>', 'NodePort range', DEFAULT_CONFIG.serviceNodePortRange)
  .option('--max-object-bytes <n>', 'largest object accepted', int, DEFAULT_CONFIG.maxObjectBytes)
  .option('--max-request-bytes <n>', 'largest gRPC request accepted', int, DEFAULT_CONFIG.maxRequestBytes)
  .option('--watch-cache-size <n>', 'events kept per kind for resuming watches', int, DEFAULT_CONFIG.watchCacheSize)
  .option('--watch-max-pending <n>', 'events buffered for a slow watcher before it is closed', int, DEFAULT_CONFIG.watchMaxPending)
  .addOption(durationOption('--bookmark-interval <duration>', 'period of BOOKMARK events', formatDuration(DEFAULT_CONFIG.bookmarkIntervalMs)))
  .addOption(durationOption('--event-ttl <duration>', 'how long events are kept', formatDuration(DEFAULT_CONFIG.eventTTLSeconds * 1000)))
  .option('--default-not-ready-toleration-seconds <n>', 'tolerationSeconds added for node.kubernetes.io/not-ready', int, DEFAULT_CONFIG.defaultNotReadyTolerationSeconds)
  .option('--default-unreachable-toleration-seconds <n>', 'tolerationSeconds added for node.kubernetes.io/unreachable', int, DEFAULT_CONFIG.defaultUnreachableTolerationSeconds)
  .option('--metrics-port <n>', 'serve Prometheus /metrics on this port', int)
  .option('--kubelet-client-certificate <file>', 'client certificate shown to kubelets for pods/log and pods/exec')
  .option('--kubelet-client-key <file>', 'key of --kubelet-client-certificate')
  .option('--kubelet-certificate-authority <file>', "CA of the kubelets' serving certificates")
  .option('--tls-cert-file <file>', 'serving certificate (PEM); without it the server speaks plaintext (development only)')
  .option('--tls-private-key-file <file>', 'private key of --tls-cert-file (PEM)')
  .option('--client-ca-file <file>', 'CA bundle (PEM) that signs client certificates; their CN is the user name, each O a group')
  .option('--token-auth-file <file>', 'static bearer tokens, CSV lines: token,user,uid,"group1,group2"')
  .option('--service-account-issuer <url>', 'issuer of service-account tokens (repeatable: the first issues, all are accepted)', repeated, [])
  .option('--service-account-signing-key-file <file>', 'private key (RSA or ECDSA PEM) that signs service-account tokens')
  .option('--service-account-key-file <file>', 'PEM public or private keys that verify service-account tokens (repeatable; default: the signing key)', repeated, [])
  .option('--api-audiences <list>', 'audiences of the API: a service-account token must be for one of them (default: the issuers)', repeatedList, [])
  .addOption(durationOption('--service-account-max-token-expiration <duration>', 'longest lifetime of an issued service-account token (0: no limit)', '0s'))
  .option('--authorization-mode <modes>', 'ordered authorizers: Node, RBAC, AlwaysAllow, AlwaysDeny (e.g. Node,RBAC)', DEFAULT_CONFIG.authorizationMode)
  .option('--max-requests-inflight <n>', 'read-only requests in flight before RESOURCE_EXHAUSTED (0: no limit); with priority and fairness, the two limits together are the seats its levels share', int, DEFAULT_CONFIG.maxRequestsInflight)
  .option('--max-mutating-requests-inflight <n>', 'mutating requests in flight before RESOURCE_EXHAUSTED (0: no limit); see --max-requests-inflight', int, DEFAULT_CONFIG.maxMutatingRequestsInflight)
  .option('--enable-priority-and-fairness [bool]', 'API Priority and Fairness (else the max-in-flight limit)', bool, DEFAULT_CONFIG.enablePriorityAndFairness)
  .option('--http2-max-streams-per-connection <n>', 'HTTP/2 streams a client connection may have open at once', int, DEFAULT_CONFIG.http2MaxStreamsPerConnection)
  .option('--max-connections-per-peer <n>', 'connections one client address may hold at once; more are closed before TLS (0: no limit)', int, DEFAULT_CONFIG.maxConnectionsPerPeer)
  .option('--audit-log-path <file>', 'append one JSON line per request to this file ("-": standard output)')
  .option('--admission-control-config-file <file>', 'AdmissionConfiguration file (the PodSecurity plugin\'s defaults and exemptions)')
  .option('--enable-admission-plugins <list>', `admission plugins to run besides the default ones (all of: ${ADMISSION_PLUGINS.join(', ')})`, list, [])
  .option('--disable-admission-plugins <list>', 'admission plugins not to run', list, [])
  .action(async (o) => {
    const log = logger('apiserver');
    const server = await startApiserver({
      port: o.port,
      securePort: o.securePort || undefined,
      bindAddress: o.bindAddress,
      advertiseAddress: o.advertiseAddress,
      endpointReconcilerType: o.endpointReconcilerType,
      store: o.store,
      dataDir: o.dataDir,
      etcdEndpoints: o.etcdEndpoints,
      etcdCAFile: o.etcdCafile,
      etcdCertFile: o.etcdCertfile,
      etcdKeyFile: o.etcdKeyfile,
      compactionIntervalMs: o.compactionInterval,
      encryptionProviderConfig: o.encryptionProviderConfig,
      serviceClusterIPRange: o.serviceClusterIpRange,
      serviceNodePortRange: o.serviceNodePortRange,
      maxObjectBytes: o.maxObjectBytes,
      maxRequestBytes: o.maxRequestBytes,
      watchCacheSize: o.watchCacheSize,
      watchMaxPending: o.watchMaxPending,
      bookmarkIntervalMs: o.bookmarkInterval,
      eventTTLSeconds: Math.round(o.eventTtl / 1000),
      defaultNotReadyTolerationSeconds: o.defaultNotReadyTolerationSeconds,
      defaultUnreachableTolerationSeconds: o.defaultUnreachableTolerationSeconds,
      metricsPort: o.metricsPort,
      tlsCertFile: o.tlsCertFile,
      kubeletClientCertificate: o.kubeletClientCertificate,
      kubeletClientKey: o.kubeletClientKey,
      kubeletCertificateAuthority: o.kubeletCertificateAuthority,
      tlsPrivateKeyFile: o.tlsPrivateKeyFile,
      clientCAFile: o.clientCaFile,
      tokenAuthFile: o.tokenAuthFile,
      serviceAccountIssuers: o.serviceAccountIssuer,
      serviceAccountSigningKeyFile: o.serviceAccountSigningKeyFile,
      serviceAccountKeyFiles: o.serviceAccountKeyFile,
      apiAudiences: o.apiAudiences,
      serviceAccountMaxTokenExpirationSeconds: Math.round(o.serviceAccountMaxTokenExpiration / 1000),
      authorizationMode: o.authorizationMode,
      maxRequestsInflight: o.maxRequestsInflight,
      maxMutatingRequestsInflight: o.maxMutatingRequestsInflight,
      enablePriorityAndFairness: o.enablePriorityAndFairness,
      http2MaxStreamsPerConnection: o.http2MaxStreamsPerConnection,
      maxConnectionsPerPeer: o.maxConnectionsPerPeer,
      auditLogPath: o.auditLogPath,
      admissionControlConfigFile: o.admissionControlConfigFile,
      enableAdmissionPlugins: o.enableAdmissionPlugins,
      disableAdmissionPlugins: o.disableAdmissionPlugins,
    });
    const shutdown = (sig: string) => {
      log.info({ signal: sig }, 'shutting down');
      server.stop().then(() => process.exit(0), () => process.exit(1));
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
  });

program.parseAsync().catch((err: Error) => {
  process.stderr.write(`kite-apiserver: ${err.message}\n`);
  process.exit(1);
});
