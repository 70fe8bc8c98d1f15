// The kubelet: wires the node agent (registration, status, Lease), the pod network, an informer on
// the pods bound to this node, the ConfigMaps and Secrets they name (config-sources/, re-syncing a
// pod when one changes) and the Services (for service variables), one worker per pod, the relist loop that notices containers changing
// state (Kubernetes' PLEG) and removes orphans, the probes, and the logs/exec endpoint. Static pods
// (--pod-manifest-path) are read and started before the node registers, so they run while the
// apiserver is unreachable (it may be one of them); their mirror pods follow once it answers.
import { Nodes, Pods, Services } from '../../lib/api/kinds';
import type { Clientset } from '../../lib/client/clientset';
import { PodSpec, type Node, type Pod, type Service } from '../../lib/gen/kite/core/v1/types';
import { ApiEventRecorder, type EventRecorder } from '../../lib/events';
import { InformerFactory, type Lister } from '../../lib/informer';
import { logger } from '../../lib/log';
import type { KubeletConfig } from './config';
import { apiClaimSource } from './config-sources/claim-source';
import { ObjectManager } from './config-sources/object-manager';
import { ImageManager } from './images/image-manager';
import { allocatable, detectNodeIP, hostInfo, machineCapacity, type Capacity } from './node-status/machine';
import { NodeAgent } from './node-status/node-agent';
import { TokenManager } from './token/token-manager';
import { PodNetwork } from './pod-network';
import { CrashLoopBackoff } from './pod-workers/crash-backoff';
import { PodSyncer } from './pod-workers/pod-syncer';
import { PodWorkers } from './pod-workers/pod-workers';
import { RuntimeCache, type RuntimeSnapshot } from './pod-workers/runtime-cache';
import { StatusManager } from './pod-workers/status-manager';
import { ProbeManager } from './probes/probe-manager';
import { RuntimeProber, type Prober } from './probes/prober';
import type { ContainerRuntime, PodRuntimeState } from './runtime/types';
import { AuthorizationCache } from './server/authorization-cache';
import { startKubeletServer, type KubeletServer } from './server/kubelet-server';
import { apiserverAccessReviewer, WebhookAuthorizer } from './server/webhook-authorizer';
import type { NotReady } from './status/node';
import { DnsConfigurer } from './network/dns';
import { StaticPodFileSource } from './config-sources/file-source';
import { fullName, isMirrorPod, isMirrorPodOf, isStaticPod } from './config-sources/static-pods';
import { MirrorPods } from './pod-workers/mirror-pods';
import { jsonEqual } from '../../lib/util/json';
import { StatsCollector } from './stats/collector';
import { processSample } from './stats/samples';

export interface KubeletDeps {
  client: Clientset;
  runtime: ContainerRuntime;
  /** Defaults to events written through the API. */
  recorder?: EventRecorder;
  /** Defaults to probing over the network and through runtime exec. */
  prober?: Prober;
}

const EVENT_FLUSH_MS = 1_000;

/** Failed syncs are retried after 1 s, doubling to 1 min (Kubernetes retries on its resync loop). */
const SYNC_ERROR_BACKOFF = { initialMs: 1_000, maxMs: 60_000 };

/**
 * Whether an update of a pod is news to its worker. Status changes are not: they are mostly the
 * kubelet's own writes coming back (Kubernetes' pod config source filters them the same way).
 */
export function podChanged(old: Pod, pod: Pod): boolean {
  const a = old.metadata!;
  const b = pod.metadata!;
  if (a.uid !== b.uid || a.deletionTimestamp !== b.deletionTimestamp || a.deletionGracePeriodSeconds !== b.deletionGracePeriodSeconds) return true;
  if (!jsonEqual(a.labels, b.labels) || !jsonEqual(a.annotations, b.annotations)) return true;
  return !jsonEqual(PodSpec.toJSON(old.spec!), PodSpec.toJSON(pod.spec!));
}

/** The state of a pod's containers and sandboxes that, when it changes, is worth a sync. */
function fingerprint(state: PodRuntimeState): string {
  return [...state.sandboxes, ...state.containers].map((c) => `${c.id}:${c.state}`).join(',');
}

export class Kubelet {
  readonly log;
  readonly runtimeCache: RuntimeCache;
  /** The node's and its pods' CPU and memory, sampled every housekeeping interval (GetSummary). */
  readonly stats: StatsCollector;
  private readonly recorder: EventRecorder;
  private readonly status: StatusManager;
  private readonly probes: ProbeManager;
  private readonly workers: PodWorkers;
  private readonly network: PodNetwork;
  private readonly syncer: PodSyncer;
  private readonly dns: DnsConfigurer;
  private readonly objects: ObjectManager;
  private readonly tokens: TokenManager;
  /** The pods this kubelet runs, by uid: those bound to it in the API and its static pods. */
  private readonly pods = new Map<string, Pod>();
  private readonly staticPods = new Map<string, Pod>();
  /** The mirror pods bound to this node, by namespace/name. */
  private readonly mirrorPods = new Map<string, Pod>();
  private readonly mirrors: MirrorPods;
  private readonly fileSource: StaticPodFileSource | undefined;
  private nodeUid: string | undefined;
  private readonly abort = new AbortController();
  private factory: InformerFactory | undefined;
  private podLister: Lister<Pod> | undefined;
  /** Undefined until the Service informer has synced. */
  private serviceLister: (() => Service[] | undefined) | undefined;
  private agent: NodeAgent | undefined;
  private server: KubeletServer | undefined;
  private nodeIP = '';
  private allocatableValue: Capacity | undefined;
  private synced = false;
  private fingerprints = new Map<string, string>();
  private runtimeError: string | undefined;
  private relistTimer: NodeJS.Timeout | undefined;
  private fallbackTimer: NodeJS.Timeout | undefined;
  private relisting = false;

  constructor(
    readonly config: KubeletConfig,
    private readonly deps: KubeletDeps,
  ) {
    this.log = logger('kubelet', { node: config.nodeName });
    this.recorder = deps.recorder ?? new ApiEventRecorder(deps.client.events, 'kubelet', config.nodeName);
    this.runtimeCache = new RuntimeCache(deps.runtime);
    this.stats = new StatsCollector(config.nodeName, { runtime: deps.runtime, selfSample: () => processSample() }, this.log);
    this.status = new StatusManager(deps.client, (pod) => (isStaticPod(pod) ? this.mirrorOf(pod) : pod));
    this.probes = new ProbeManager({
      prober: deps.prober ?? new RuntimeProber(deps.runtime),
      recorder: this.recorder,
      onChange: (uid) => this.workers.trigger(uid),
    });
    this.network = new PodNetwork(deps.runtime, config.podNetworkName, () => this.syncAll());
    this.objects = new ObjectManager({ listerWatcher: (kind, scope) => deps.client.resource(kind).listerWatcher(scope) });
    // A pod waiting for a ConfigMap or Secret starts as soon as it appears, not at its next retry.
    this.objects.onChange((change) => {
      for (const uid of change.podUids) this.workers.trigger(uid);
    });
    this.tokens = new TokenManager(deps.client);
    this.syncer = new PodSyncer({
      runtime: deps.runtime,
      cache: this.runtimeCache,
      client: deps.client,
      status: this.status,
      probes: this.probes,
      images: new ImageManager(deps.runtime, this.recorder, config.imagePullBackoff),
      crashLoop: new CrashLoopBackoff(config.crashLoopBackoff),
      objects: this.objects,
      tokens: this.tokens,
      claims: apiClaimSource(deps.client),
      services: () => this.serviceLister?.(),
      recorder: this.recorder,
      rootDir: config.rootDir,
      dns: (this.dns = new DnsConfigurer({
        clusterDNS: config.clusterDNS,
        clusterDomain: config.clusterDomain,
        resolvConf: config.resolvConf,
        nodeName: config.nodeName,
        nodeIPs: () => (this.nodeIP ? [this.nodeIP] : []),
        recorder: this.recorder,
      })),
      node: {
        name: config.nodeName,
        hostIP: () => this.nodeIP,
        allocatable: () => this.allocatableValue ?? {},
        podNetwork: () => this.network.name(),
      },
    });
    this.workers = new PodWorkers(this.syncer.sync, { resyncPeriodMs: config.resyncPeriodMs, errorBackoff: SYNC_ERROR_BACKOFF });
    this.mirrors = new MirrorPods({
      client: deps.client,
      nodeName: config.nodeName,
      nodeUid: () => this.nodeUid,
      ready: () => this.synced,
      staticPods: () => this.staticPods.values(),
      mirrorPods: () => this.mirrorPods.values(),
    });
    if (config.staticPodPath) {
      this.fileSource = new StaticPodFileSource({
        path: config.staticPodPath,
        nodeName: config.nodeName,
        checkFrequencyMs: config.fileCheckFrequencyMs,
        onPods: (pods) => this.onStaticPods(pods),
      });
    }
  }

  /** host:port of the logs/exec endpoint. */
  get serverAddress(): string | undefined {
    return this.server?.address;
  }

  /** Registers the node, then runs until stop(). Resolves once the pod informer has synced. */
  async start(): Promise<void> {
    const c = this.config;
    const signal = this.abort.signal;
    this.nodeIP = c.nodeIP || detectNodeIP();
    const detected = machineCapacity(c.maxPods);
    const capacity: Capacity = { ...detected, ...c.capacityOverride };
    this.allocatableValue = allocatable(capacity, c.systemReserved, c.kubeReserved);
    this.stats.start();
    this.server = await startKubeletServer({
      bindAddress: c.bindAddress,
      port: c.port,
      runtime: this.deps.runtime,
      summary: () => this.stats.summary(),
      tls: c.tls,
      authorization:
        c.authorization.mode === 'Webhook'
          ? { nodeName: c.nodeName, authorizer: new WebhookAuthorizer(apiserverAccessReviewer(this.deps.client), new AuthorizationCache(c.authorization)) }
          : undefined,
      targets: {
        pod: (namespace, name) => this.staticPodNamed(`${namespace}/${name}`) ?? this.podLister?.get(`${namespace}/${name}`),
        mirrorUid: (pod) => (isStaticPod(pod) ? this.mirrorOf(pod)?.metadata!.uid : undefined),
        runtime: () => this.runtimeCache.fresh(),
      },
    });
    const info = hostInfo();
    this.agent = new NodeAgent({
      config: c,
      client: this.deps.client,
      capacity,
      allocatable: this.allocatableValue,
      nodeIP: this.nodeIP,
      kubeletPort: this.server.port,
      nodeInfo: { ...info, containerRuntimeVersion: c.containerRuntimeVersion ?? 'docker://' },
      health: () => this.health(),
    });
    // Static pods and the relist loop that restarts their containers need no apiserver.
    await this.fileSource?.start();
    this.relistTimer = setInterval(() => void this.relist(), c.relistPeriodMs);
    this.relistTimer.unref();
    const node = await this.registerUntilDone();
    if (!node) return;
    this.nodeUid = node.metadata!.uid;
    if (node.spec?.podCIDR) void this.network.configure(node.spec.podCIDR, 'node spec.podCIDR');
    else if (c.fallbackPodCIDR) {
      const fallback = c.fallbackPodCIDR;
      this.fallbackTimer = setTimeout(() => {
        if (!this.network.cidr()) void this.network.configure(fallback, '--pod-cidr (no spec.podCIDR assigned)');
      }, c.podCIDRWaitMs);
      this.fallbackTimer.unref();
    }

    this.factory = new InformerFactory((kind, scope) => this.deps.client.resource(kind).listerWatcher(scope));
    this.factory.forKind(Nodes, { fieldSelector: `metadata.name=${c.nodeName}` }).addEventHandler({
      onAdd: (n) => this.onNode(n),
      onUpdate: (_old, n) => this.onNode(n),
    });
    const podInformer = this.factory.forKind(Pods, { fieldSelector: `spec.nodeName=${c.nodeName}` });
    podInformer.addEventHandler({
      onAdd: (p) => this.onPod(p),
      onUpdate: (old, p) => this.onPod(p, old),
      onDelete: (p) => this.onPodDeleted(p),
    });
    this.podLister = podInformer.lister();
    const serviceInformer = this.factory.forKind(Services);
    const services = serviceInformer.lister();
    this.serviceLister = () => (serviceInformer.hasSynced() ? services.list() : undefined);
    this.factory.start(signal);
    if (!(await this.factory.waitForCacheSync(signal))) return;
    this.synced = true;
    this.agent.start();
    await this.dns.checkLimitsForResolvConf();
    await this.relist();
    void this.mirrors.request();
    this.log.info({ ip: this.nodeIP, port: this.server.port, pods: this.pods.size }, 'kubelet started');
  }

  /**
   * Registers the node, retrying (100 ms doubling to 7 s, as Kubernetes' registerWithAPIServer:
   * an apiserver that is a static pod of this kubelet is registered with soon after it answers)
   * while the apiserver is unreachable; undefined if stopped first.
   */
  private async registerUntilDone(): Promise<Node | undefined> {
    for (let delay = 100; !this.abort.signal.aborted; delay = Math.min(delay * 2, 7_000)) {
      try {
        return await this.agent!.register();
      } catch (err) {
        this.log.warn({ err: (err as Error).message, retryInMs: delay }, 'node registration failed; retrying');
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    }
    return undefined;
  }

  /** Stops every loop; containers keep running (a new kubelet adopts them). */
  async stop(): Promise<void> {
    this.abort.abort();
    clearInterval(this.relistTimer);
    this.fileSource?.stop();
    this.mirrors.stop();
    clearTimeout(this.fallbackTimer);
    this.agent?.stop();
    this.network.stop();
    await this.workers.stop();
    this.objects.stop();
    this.probes.stop();
    this.status.stop();
    if (this.recorder instanceof ApiEventRecorder) {
      this.recorder.close();
      // Pending events get a moment to be written, not a say in how long stopping takes.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.recorder.flush(), new Promise((r) => (timer = setTimeout(r, EVENT_FLUSH_MS)))]);
      clearTimeout(timer);
    }
    await this.factory?.stopped();
    await this.server?.stop();
    await this.stats.stop();
  }

  /** Waits for status writes in flight (tests). */
  flushStatus(): Promise<void> {
    return this.status.flush();
  }

  private health(): NotReady | undefined {
    if (this.runtimeError) return { reason: 'KubeletNotReady', message: `container runtime is down: ${this.runtimeError}` };
    return undefined;
  }

  /** Resolves once the mirror pods match the static pods as of the call (tests). */
  syncMirrorPods(): Promise<void> {
    return this.mirrors.request();
  }

  private onNode(node: Node): void {
    this.agent?.observe(node);
    if (node.metadata!.uid !== this.nodeUid) {
      this.nodeUid = node.metadata!.uid;
      void this.mirrors.request();
    }
    const cidr = node.spec?.podCIDR;
    if (cidr) void this.network.configure(cidr, 'node spec.podCIDR');
  }

  /** The file source's pods: new ones start, gone ones (a removed or changed file) stop. */
  private onStaticPods(pods: Pod[]): void {
    const next = new Map(pods.map((p) => [p.metadata!.uid, p]));
    for (const [uid, pod] of this.staticPods) {
      if (next.has(uid)) continue;
      this.staticPods.delete(uid);
      this.onPodDeleted(pod);
    }
    for (const [uid, pod] of next) {
      if (this.staticPods.has(uid)) continue;
      this.staticPods.set(uid, pod);
      this.onPod(pod);
    }
    void this.mirrors.request();
  }

  private staticPodNamed(name: string): Pod | undefined {
    for (const pod of this.staticPods.values()) if (fullName(pod) === name) return pod;
    return undefined;
  }

  /** The static pod's mirror pod when it shows this version of it. */
  private mirrorOf(pod: Pod): Pod | undefined {
    const mirror = this.mirrorPods.get(fullName(pod));
    return mirror && !mirror.metadata!.deletionTimestamp && isMirrorPodOf(mirror, pod) ? mirror : undefined;
  }

  /** A mirror pod is not run: it shows a static pod, whose status it gets once it is current. */
  private onMirrorPod(mirror: Pod | undefined, name: string): void {
    const before = this.mirrorPods.get(name)?.metadata!.uid;
    if (mirror) this.mirrorPods.set(name, mirror);
    else this.mirrorPods.delete(name);
    const staticPod = this.staticPodNamed(name);
    // A new mirror pod gets the static pod's status at once, not at the next sync.
    if (staticPod && mirror && mirror.metadata!.uid !== before && this.mirrorOf(staticPod) === mirror) this.workers.trigger(staticPod.metadata!.uid);
    void this.mirrors.request();
  }

  private onPod(pod: Pod, old?: Pod): void {
    if (isMirrorPod(pod)) return this.onMirrorPod(pod, fullName(pod));
    const uid = pod.metadata!.uid;
    this.pods.set(uid, pod);
    this.objects.registerPod(pod);
    this.syncer.podUpdated(uid, pod);
    if (!old || podChanged(old, pod)) this.workers.update(uid, pod);
    else this.workers.remember(uid, pod);
  }

  private onPodDeleted(pod: Pod): void {
    if (isMirrorPod(pod)) return this.onMirrorPod(undefined, fullName(pod));
    const uid = pod.metadata!.uid;
    this.pods.delete(uid);
    this.objects.unregisterPod(pod);
    this.tokens.forgetPod(uid);
    this.syncer.podUpdated(uid, undefined);
    this.workers.update(uid, undefined);
  }

  private syncAll(): void {
    for (const [uid, pod] of this.pods) this.workers.update(uid, pod);
  }

  /** Notices containers that changed state (and orphans: containers of pods the API no longer has). */
  private async relist(): Promise<void> {
    if (this.relisting || this.abort.signal.aborted) return;
    this.relisting = true;
    let snapshot: RuntimeSnapshot;
    try {
      snapshot = await this.runtimeCache.fresh();
      if (this.runtimeError) this.log.info('container runtime is back');
      this.runtimeError = undefined;
    } catch (err) {
      if (!this.runtimeError) this.log.error({ err: (err as Error).message }, 'container runtime is down');
      this.runtimeError = (err as Error).message;
      return;
    } finally {
      this.relisting = false;
    }
    const next = new Map<string, string>();
    for (const [uid, state] of snapshot) {
      const fp = fingerprint(state);
      next.set(uid, fp);
      const pod = this.pods.get(uid);
      if (pod) {
        if (this.fingerprints.get(uid) !== fp) this.workers.update(uid, pod);
      } else if (this.synced && !this.workers.has(uid)) {
        this.log.info({ pod: `${state.namespace}/${state.name}`, uid }, 'removing containers of a pod that no longer exists');
        this.workers.update(uid, undefined);
      }
    }
    for (const uid of this.fingerprints.keys()) {
      const pod = this.pods.get(uid);
      if (!next.has(uid) && pod) this.workers.update(uid, pod);
    }
    this.fingerprints = next;
  }
}
