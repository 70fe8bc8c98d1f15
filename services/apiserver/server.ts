// Assembles the apiserver: storage, one registry and watch cache per kind, admission, and the
// gRPC server with reflection and health. `startApiserver` is what main.ts and tests call.
import { selectAdmissionPlugins } from './admission/chain';
import { readFileSync } from 'node:fs';
import { Server, credentials as grpcCredentials, type ChannelCredentials } from '@grpc/grpc-js';
import { isAlreadyExists } from '../../lib/api/errors';
import { ALL_KINDS, type KindInfo } from '../../lib/api/kinds';
import * as K from '../../lib/api/kinds';
import { Namespace } from '../../lib/gen/kite/core/v1/types';
import { logger } from '../../lib/log';
import { ServiceAllocators } from './registry/service-allocators';
import { DEFAULT_DEFAULTING } from './registry/defaults';
import { listenWithPeerLimit } from './auth/limits/connection-limit';
import { connectionWindowBytes, widenConnectionWindows } from './grpc/connection-window';
import { DEFAULT_SECURITY, setupSecurity, type SecurityConfig } from './auth/security';
import { addHealth, addReflection } from './grpc/reflection';
import { KubeletDialer } from './grpc/pod-streams';
import { resourceService, type CallObserver } from './grpc/resource-service';
import { startEventSweeper } from './event-ttl';
import { storageHealthChecks } from './http/discovery/health';
import { startFrontDoor, type FrontDoor } from './http/front-door';
import { bindInternalSocket, type InternalSocket } from './http/internal-socket';
import { defaultAdvertiseAddress } from './controlplane/advertise-address';
import { ensureSystemPriorityClasses } from './controlplane/system-priority-classes';
import { DEFAULT_ENDPOINT_INTERVAL_MS, KubernetesServiceController } from './controlplane/kubernetes-service';
import { DEFAULT_ENDPOINT_RECONCILER_TTL_SECONDS, StoredLeases } from './controlplane/reconcilers/apiserver-leases';
import { LeaseEndpointReconciler, noneEndpointReconciler, type EndpointReconcilerType } from './controlplane/reconcilers/endpoint-reconciler';
import { PriorityAndFairness } from './flowcontrol/priority-and-fairness';
import { ApiserverMetrics } from './metrics';
import { DEFAULT_RESOURCE_VERSION_WAIT_MS, Registry } from './registry/registry';
import { strategies } from './registry/strategies';
import { loadEncryptionConfig, openStorage, type Storage } from './storage';
import { MemoryStorage } from './storage/memory';
import { waitForStorage } from './storage/wait-for-storage';

export interface ApiserverConfig extends SecurityConfig {
  /** Unset: 0.0.0.0, or 127.0.0.1 when no authentication is configured (every caller would be an admin). */
  bindAddress?: string;
  /** 0 picks a free port. */
  port: number;
  /** Kubernetes' HTTP API on this port (kube-apiserver's --secure-port; undefined: off; 0: any free port; see http/front-door.ts). */
  securePort?: number;
  store: 'sqlite' | 'etcd';
  dataDir?: string;
  etcdEndpoints?: string[];
  /** kube-apiserver's --etcd-cafile, --etcd-certfile, --etcd-keyfile: TLS towards etcd (https:// endpoints). */
  etcdCAFile?: string;
  etcdCertFile?: string;
  etcdKeyFile?: string;
  /** Storage auto-compaction period (0 disables). */
  compactionIntervalMs: number;
  /** EncryptionConfiguration file: how values of which resources are encrypted at rest. */
  encryptionProviderConfig?: string;
  serviceClusterIPRange: string;
  serviceNodePortRange: string;
  /** Largest encoded object accepted (Kubernetes: 1.5 MiB). */
  maxObjectBytes: number;
  /** Largest gRPC request accepted. */
  maxRequestBytes: number;
  /** HTTP/2 streams one connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS). */
  http2MaxStreamsPerConnection: number;
  /** Connections one peer address may hold at once (0: no limit). */
  maxConnectionsPerPeer: number;
  /** Events kept per kind for resuming watches. */
  watchCacheSize: number;
  /** How long a read at a resourceVersion not reached yet waits for it before "Too large resource version". */
  resourceVersionWaitMs: number;
  /** Events buffered for a slow watcher before it is closed. */
  watchMaxPending: number;
  bookmarkIntervalMs: number;
  eventTTLSeconds: number;
  defaultNotReadyTolerationSeconds: number;
  defaultUnreachableTolerationSeconds: number;
  /** Prometheus /metrics on this port (undefined: off; 0: any free port). */
  metricsPort?: number;
  /** Client certificate and key the apiserver shows kubelets (pods/log, pods/exec); plaintext when absent. */
  kubeletClientCertificate?: string;
  kubeletClientKey?: string;
  /** CA that signed the kubelets' serving certificates. */
  kubeletCertificateAuthority?: string;
  /** Published in the `kubernetes` Service's Endpoints (unset: the bind address, or the host's first non-loopback address). */
  advertiseAddress?: string;
  /** Who keeps the `kubernetes` Service's Endpoints: "lease" (each apiserver's lease) or "none". */
  endpointReconcilerType: EndpointReconcilerType;
  /** How often this apiserver renews its lease and rewrites those Endpoints (Kubernetes: 10 s). */
  endpointIntervalMs: number;
  /** How long an apiserver's lease lasts without renewal (Kubernetes: 15 s). */
  endpointReconcilerTTLSeconds: number;
}

export const DEFAULT_CONFIG: ApiserverConfig = {
  ...DEFAULT_SECURITY,
  port: 6443,
  store: 'sqlite',
  compactionIntervalMs: 5 * 60_000,
  serviceClusterIPRange: '10.96.0.0/16',
  serviceNodePortRange: '30000-32767',
  maxObjectBytes: 1.5 * 1024 * 1024,
  maxRequestBytes: 3 * 1024 * 1024,
  // HTTP/2's recommended minimum. Below Go's 250 (kube-apiserver's default) because one thread
  // serves every stream: what one connection can put in flight at once is what arrives in one read.
  http2MaxStreamsPerConnection: 100,
  maxConnectionsPerPeer: 512,
  watchCacheSize: 10_000,
  resourceVersionWaitMs: DEFAULT_RESOURCE_VERSION_WAIT_MS,
  watchMaxPending: 2_000,
  bookmarkIntervalMs: 60_000,
  eventTTLSeconds: 3600,
  defaultNotReadyTolerationSeconds: DEFAULT_DEFAULTING.defaultNotReadyTolerationSeconds,
  defaultUnreachableTolerationSeconds: DEFAULT_DEFAULTING.defaultUnreachableTolerationSeconds,
  endpointReconcilerType: 'lease',
  endpointIntervalMs: DEFAULT_ENDPOINT_INTERVAL_MS,
  endpointReconcilerTTLSeconds: DEFAULT_ENDPOINT_RECONCILER_TTL_SECONDS,
};

/** Namespaces every cluster has, as in Kubernetes. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export interface Apiserver {
  /** host:port clients dial. */
  address: string;
  port: number;
  /** The HTTP API's port (--secure-port), when serving it. */
  securePort?: number;
  metricsPort?: number;
  storage: Storage;
  registry<T extends K.KubeObject>(kind: KindInfo<T>): Registry<T>;
  stop(): Promise<void>;
}

export async function startApiserver(partial: Partial<ApiserverConfig> = {}): Promise<Apiserver> {
  const cfg: ApiserverConfig = { ...DEFAULT_CONFIG, ...partial };
  // Flag mistakes are refused before anything is opened or written.
  selectAdmissionPlugins(cfg.enableAdmissionPlugins, cfg.disableAdmissionPlugins);
  const log = logger('apiserver');
  const encryption = cfg.encryptionProviderConfig ? loadEncryptionConfig(cfg.encryptionProviderConfig) : undefined;
  const groupOf = new Map(ALL_KINDS.filter((k) => !k.declaration.ephemeral).map((k) => [k.resource, k.group]));
  const storage = openStorage({
    backend: cfg.store,
    dataDir: cfg.dataDir,
    etcdEndpoints: cfg.etcdEndpoints,
    etcdTLS: cfg.etcdCAFile ? { caFile: cfg.etcdCAFile, certFile: cfg.etcdCertFile, keyFile: cfg.etcdKeyFile } : undefined,
    compactionIntervalMs: cfg.compactionIntervalMs,
    transformerFor: encryption?.forKeys((resource) => groupOf.get(resource)),
  });
  const allocators = new ServiceAllocators(cfg.serviceClusterIPRange, cfg.serviceNodePortRange);
  const byKind = strategies({
    defaulting: {
      defaultNotReadyTolerationSeconds: cfg.defaultNotReadyTolerationSeconds,
      defaultUnreachableTolerationSeconds: cfg.defaultUnreachableTolerationSeconds,
    },
    allocators,
  });

  const registries = new Map<string, Registry<any>>();
  const strategyOf = (kind: KindInfo<any>) => {
    const strategy = byKind.get(kind);
    if (!strategy) throw new Error(`kind ${kind.kind} has no strategy: add it to services/apiserver/registry/strategies.ts (docs/adding-a-kind.md)`);
    return strategy;
  };
  // The metrics API's kinds live in memory only (storage/memory.ts), as metrics-server keeps them.
  const ephemeral = new MemoryStorage();
  for (const kind of ALL_KINDS) {
    registries.set(
      kind.kind,
      new Registry(kind, kind.declaration.ephemeral ? ephemeral : storage, strategyOf(kind), { maxObjectBytes: cfg.maxObjectBytes, watchCacheSize: cfg.watchCacheSize, resourceVersionWaitMs: cfg.resourceVersionWaitMs }),
    );
  }
  const registry = <T extends K.KubeObject>(kind: KindInfo<T>) => registries.get(kind.kind) as Registry<T>;

  await waitForStorage(storage, log);
  await Promise.all([...registries.values()].map((r) => r.startCache()));
  for (const svc of registry(K.Services).cachedList()) allocators.restore(svc);
  await bootstrap(registry);
  const security = await setupSecurity(cfg, registry, registries);
  const dialer = new KubeletDialer(registry(K.Pods), registry(K.Nodes), { credentials: kubeletCredentials(cfg) });

  const metrics = new ApiserverMetrics(storage, registries);
  if (security.limiter instanceof PriorityAndFairness) {
    const apf = security.limiter;
    metrics.flowControl(() => apf.stats());
  }
  const observe: CallObserver = (method, code, seconds) => metrics.observe(method, code, seconds);
  const server = new Server({
    'grpc.max_receive_message_length': cfg.maxRequestBytes,
    'grpc.max_send_message_length': 256 * 1024 * 1024,
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.max_concurrent_streams': cfg.http2MaxStreamsPerConnection,
    // No channelz service is served: its per-call and per-message counters would be kept for nobody.
    'grpc.enable_channelz': 0,
    interceptors: security.interceptors,
  });
  for (const r of registries.values()) {
    const svc = resourceService(r, { maxPending: cfg.watchMaxPending, bookmarkIntervalMs: cfg.bookmarkIntervalMs, boundStorageCalls: cfg.store === 'etcd' }, observe, metrics.watchers, security.gate, dialer, security.tokenRequests, registry(K.PodDisruptionBudgets));
    server.addService(svc.definition, svc.implementation);
  }
  security.addServices(server);
  addReflection(server);
  addHealth(server);

  const bindAddress = cfg.bindAddress ?? defaultBindAddress(security.authenticator.insecureDevMode);
  const advertiseAddress = cfg.advertiseAddress || defaultAdvertiseAddress(bindAddress);
  const listener = await listenWithPeerLimit(server, security.credentials, bindAddress, cfg.port, cfg.maxConnectionsPerPeer);
  const connectionWindow = connectionWindowBytes(cfg.http2MaxStreamsPerConnection);
  widenConnectionWindows(server, connectionWindow);
  const port = listener.port;
  let internal: InternalSocket | undefined;
  let frontDoor: FrontDoor | undefined;
  if (cfg.securePort !== undefined) {
    internal = await bindInternalSocket(server);
    widenConnectionWindows(server, connectionWindow);
    frontDoor = await startFrontDoor({
      host: bindAddress,
      port: cfg.securePort,
      tls: cfg.tlsCertFile && cfg.tlsPrivateKeyFile ? { certFile: cfg.tlsCertFile, keyFile: cfg.tlsPrivateKeyFile, clientCAFile: cfg.clientCAFile } : undefined,
      socketPath: internal.path,
      trust: security.frontDoor,
      maxRequestBytes: cfg.maxRequestBytes,
      maxConnectionsPerPeer: cfg.maxConnectionsPerPeer,
      healthChecks: storageHealthChecks(storage),
    });
  }
  const metricsTLS = cfg.tlsCertFile && cfg.tlsPrivateKeyFile ? { certFile: cfg.tlsCertFile, keyFile: cfg.tlsPrivateKeyFile, clientCAFile: cfg.clientCAFile } : undefined;
  const metricsAccess = { authenticator: security.authenticator, authorizer: security.authorizer, tls: metricsTLS };
  const metricsPort = cfg.metricsPort === undefined ? undefined : await metrics.listen(cfg.metricsPort, bindAddress, metricsAccess);
  const sweeper = startEventSweeper(registry(K.Events), cfg.eventTTLSeconds);
  const kubernetesService = new KubernetesServiceController(
    { namespaces: registry(K.Namespaces), services: registry(K.Services) },
    cfg.endpointReconcilerType === 'none' ? noneEndpointReconciler : new LeaseEndpointReconciler(registry(K.EndpointsKind), new StoredLeases(registry(K.Leases), cfg.endpointReconcilerTTLSeconds), registry(K.EndpointSlices)),
    {
      serviceIP: allocators.apiserverServiceIP(),
      servicePort: 443,
      endpointIP: advertiseAddress,
      // As kube-apiserver: 443 is the HTTP API when served; Kite's gRPC is then the port "grpc".
      endpointPort: frontDoor?.port ?? port,
      grpcPort: frontDoor ? port : undefined,
      endpointIntervalMs: cfg.endpointIntervalMs,
    },
  );
  await kubernetesService.start();
  const host = bindAddress === '0.0.0.0' ? '127.0.0.1' : bindAddress;
  log.info({ port, store: storage.name, metricsPort, tls: security.tls }, 'apiserver serving');

  return {
    address: `${host}:${port}`,
    port,
    securePort: frontDoor?.port,
    metricsPort,
    storage,
    registry,
    async stop() {
      await frontDoor?.close();
      await kubernetesService.stop();
      sweeper.stop();
      for (const r of registries.values()) r.stopCache();
      listener.close();
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      });
      internal?.remove();
      await metrics.close();
      await security.stop();
      dialer.close();
      await storage.close();
      await ephemeral.close();
    },
  };
}

/** kube-apiserver binds every interface; without authentication every caller is an admin, so Kite stays on loopback. */
function defaultBindAddress(noAuthentication: boolean): string {
  if (!noAuthentication) return '0.0.0.0';
  logger('apiserver').warn('no authentication configured: listening on 127.0.0.1 only; pass --bind-address to listen elsewhere');
  return '127.0.0.1';
}

function kubeletCredentials(cfg: ApiserverConfig): ChannelCredentials | undefined {
  if (!cfg.kubeletCertificateAuthority && !cfg.kubeletClientCertificate) return undefined;
  const read = (f: string | undefined) => (f ? readFileSync(f) : null);
  return grpcCredentials.createSsl(read(cfg.kubeletCertificateAuthority), read(cfg.kubeletClientKey), read(cfg.kubeletClientCertificate));
}

/** Creates the system namespaces and PriorityClasses if they are missing (the `kubernetes` Service is controlplane/kubernetes-service.ts'). */
async function bootstrap(registry: <T extends K.KubeObject>(k: KindInfo<T>) => Registry<T>): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    try {
      await registry(K.Namespaces).create('', Namespace.fromPartial({ metadata: { name } }));
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
  await ensureSystemPriorityClasses(registry(K.PriorityClasses));
}
