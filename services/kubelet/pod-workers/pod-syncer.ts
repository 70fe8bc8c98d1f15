// One sync of one pod (Kubernetes' syncPod / syncTerminatingPod / orphan cleanup): reads what
// the runtime holds, decides what to do (pod-actions.ts), does it in order (kill, sandbox, then
// containers in spec order, each through crash-loop backoff and its image, then its postStart
// hook), and reports the resulting status. Every stop of a running container runs its preStop hook
// first, within the grace period. Deleted pods are stopped within their grace period, removed from
// the runtime, and then from the API.
import { isConflict, isNotFound } from '../../../lib/api/errors';
import type { Clientset } from '../../../lib/client/clientset';
import type { Container, LifecycleHandler, Pod, Secret, Service } from '../../../lib/gen/kite/core/v1/types';
import { logger } from '../../../lib/log';
import { parseTime, rfc3339 } from '../../../lib/util/time';
import type { EventRecorder } from '../../../lib/events';
import type { ImageManager } from '../images/image-manager';
import { HookRunner } from '../lifecycle/hooks';
import type { ProbeManager } from '../probes/probe-manager';
import type { ContainerRun } from '../probes/probe-worker';
import { ContainerNotFoundError, RuntimeError } from '../runtime/errors';
import type { BindMount, ContainerRuntime, PodRuntimeState, RuntimeContainer, Sandbox, SandboxOptions } from '../runtime/types';
import type { PodClaimSource, PodObjectSource, PodTokenSource } from '../config-sources/types';
import { VolumeManager } from '../volumes/volume-manager';
import { isTerminalPhase, podKey, sidecarsOf } from '../../../lib/api/pods';
import type { CrashLoopBackoff } from './crash-backoff';
import { containerEnv } from './env';
import { serviceEnvVarMap } from './service-env';
import { computePodActions, type ContainerToStart, type PodActions } from './pod-actions';
import { generatePodStatus, type WaitingReason } from './pod-status';
import type { RuntimeCache } from './runtime-cache';
import type { StatusManager } from './status-manager';
import { formatDuration } from '../../../lib/util/duration';
import type { DnsConfigurer } from '../network/dns';
import { ensureHostsFile, hostsFileMount, nodenameForKernel, podHostnameAndDomain, writeHostsFile } from '../network/hosts-file';
import { podDir } from '../volumes/paths';
import { isStaticPod } from '../config-sources/static-pods';

/** What the syncer needs to know about its node. */
export interface NodeContext {
  name: string;
  hostIP(): string;
  allocatable(): Record<string, string>;
  /** The pod network's name once it exists (the node's podCIDR is known); undefined before. */
  podNetwork(): string | undefined;
}

export interface PodSyncerDeps {
  runtime: ContainerRuntime;
  cache: RuntimeCache;
  client: Pick<Clientset, 'pods'>;
  status: StatusManager;
  probes: ProbeManager;
  images: ImageManager;
  crashLoop: CrashLoopBackoff;
  recorder: EventRecorder;
  node: NodeContext;
  /** The kubelet's root directory: pods' volumes live under <rootDir>/pods/<uid>/volumes. */
  rootDir: string;
  /** The ConfigMaps and Secrets pods name (configMap, secret and projected volumes read them). */
  objects: PodObjectSource;
  /** Bound service-account tokens (projected serviceAccountToken sources). */
  tokens?: PodTokenSource;
  /** PersistentVolumeClaims and their PersistentVolumes (persistentVolumeClaim volumes). */
  claims?: PodClaimSource;
  /** The pods' resolver configuration from their dnsPolicy (and the cluster domain of their hostnames). */
  dns: DnsConfigurer;
  /** Runs postStart and preStop hooks; defaults to one on `runtime` with the real clock. */
  hooks?: HookRunner;
  /**
   * The Services whose variables containers get, undefined until the kubelet's Service informer
   * has synced; unset, containers get none (Kubernetes: a kubelet without an API server).
   */
  services?: () => readonly Service[] | undefined;
}

/** Re-check soon when a sync could not finish for a reason that clears by itself. */
const NETWORK_WAIT_MS = 1_000;
const CONFIG_ERROR_RETRY_MS = 10_000;
/** A pod whose volumes are not all set up is synced again this soon (or when an object it names changes). */
const VOLUME_RETRY_MS = 2_000;
const DEFAULT_GRACE_SECONDS = 30;
/** Kubernetes' minimumGracePeriodInSeconds: what a container gets to stop after a preStop hook used up the grace period. */
export const MIN_GRACE_AFTER_HOOK_SECONDS = 2;

/** How and why a running container is stopped. */
interface KillOptions {
  graceSeconds: number;
  /** The Killing event's message; "Stopping container <name>" by default. */
  message?: string;
  /** The pod IP (httpGet hooks go there unless they name a host). */
  podIP: string;
}

interface StartResult {
  /** Something changed in the runtime (a container was created or started). */
  changed: boolean;
  /** The container created, if one was. */
  id?: string;
  retryInMs?: number;
}

/** What a sync did to the runtime. */
interface ExecuteResult {
  /** Something changed in the runtime. */
  changed: boolean;
  /** The sandboxes and containers created, oldest first. */
  created: string[];
  retryInMs?: number;
}

function minDelay(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function addStart(out: ExecuteResult, result: StartResult): void {
  out.changed ||= result.changed;
  if (result.id) out.created.push(result.id);
  out.retryInMs = minDelay(out.retryInMs, result.retryInMs);
}

/** Whether the container's environment holds the pod IP (the downward API's status.podIP or status.podIPs). */
function needsPodIP(container: Container): boolean {
  return container.env.some((e) => e.valueFrom?.fieldRef?.fieldPath === 'status.podIP' || e.valueFrom?.fieldRef?.fieldPath === 'status.podIPs');
}

/** A container of the pod by name: an app container or an init container (sidecars have hooks and probes). */
function containerSpec(pod: Pod, name: string): Container | undefined {
  return pod.spec?.containers.find((c) => c.name === name) ?? pod.spec?.initContainers.find((c) => c.name === name);
}

/** The running instance of each container, for the probe workers. */
export function runningContainers(state: PodRuntimeState | undefined, podIP: string): Map<string, ContainerRun> {
  const out = new Map<string, ContainerRun>();
  for (const c of state?.containers ?? []) {
    if (out.has(c.name) || c.state !== 'running') continue;
    out.set(c.name, { id: c.id, startedAt: parseTime(c.startedAt) || Date.now(), podIP });
  }
  return out;
}

export class PodSyncer {
  /** Why containers wait, by pod uid and container name (Kubernetes' reasonCache). */
  private readonly waiting = new Map<string, Map<string, WaitingReason>>();
  /** The last state seen of each pod, for cleaning up after it is gone. */
  private readonly lastKnown = new Map<string, Pod>();
  /** Pods whose deletion this kubelet completed (their DELETED event may still be on its way). */
  private readonly finished = new Set<string>();
  /** Pods this kubelet has made or changed containers for. */
  private readonly touched = new Set<string>();
  /** postStart hooks in flight, by pod uid: a deletion abandons them. */
  private readonly startHooks = new Map<string, AbortController>();
  private readonly hooks: HookRunner;
  private readonly volumes: VolumeManager;
  private readonly log = logger('kubelet', { module: 'sync' });

  constructor(private readonly d: PodSyncerDeps) {
    this.hooks = d.hooks ?? new HookRunner(d.runtime);
    this.volumes = new VolumeManager({ rootDir: d.rootDir, objects: d.objects, tokens: d.tokens, claims: d.claims, nodeAllocatable: d.node.allocatable });
  }

  /**
   * Told of every change of a pod from the API, even while its sync runs: a pod being deleted (or
   * gone) no longer waits for a postStart hook (Kubernetes cancels the sync's context).
   */
  podUpdated(uid: string, pod: Pod | undefined): void {
    if (!pod || pod.metadata?.deletionTimestamp) this.startHooks.get(uid)?.abort();
  }

  /** The PodWorkers' sync function. */
  sync = async (uid: string, pod: Pod | undefined): Promise<number | undefined> => {
    if (!pod) {
      await this.teardown(uid);
      return undefined;
    }
    this.lastKnown.set(uid, pod);
    if (pod.metadata!.deletionTimestamp) {
      await this.terminate(pod);
      return undefined;
    }
    return this.syncPod(pod);
  };

  /**
   * What the runtime holds for the pod. A pod this kubelet never acted on, absent from a listing
   * taken since the kubelet started, has nothing yet: a new pod starts without waiting for `docker ps`.
   */
  private async runtimeState(uid: string): Promise<PodRuntimeState | undefined> {
    if (!this.touched.has(uid) && this.d.cache.hasListed() && !this.d.cache.latest().has(uid)) return undefined;
    return (await this.d.cache.fresh()).get(uid);
  }

  private async syncPod(pod: Pod): Promise<number | undefined> {
    const uid = pod.metadata!.uid;
    let state = await this.runtimeState(uid);
    const previous = this.d.status.get(uid) ?? pod.status;
    if (isTerminalPhase(previous?.phase)) {
      // Finished pods keep their exited containers (for logs) but nothing keeps running.
      if (await this.killPod(pod, state, pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS)) {
        state = (await this.d.cache.fresh()).get(uid);
      }
      this.reportStatus(pod, state);
      return undefined;
    }
    const network = pod.spec?.hostNetwork ? 'host' : this.d.node.podNetwork();
    if (!network) {
      this.reportStatus(pod, state);
      return NETWORK_WAIT_MS;
    }
    // Kubernetes' WaitForAttachAndMount: containers start only once every volume is set up.
    const volumes = await this.volumes.setUpPod(pod);
    for (const err of volumes.errors) this.d.recorder.event(pod, 'Warning', 'FailedMount', err.message);
    if (!volumes.ready) {
      this.reportStatus(pod, state);
      return VOLUME_RETRY_MS;
    }
    // The probe workers learn what runs first: a sidecar's startup probe gates the next init container.
    this.reportStatus(pod, state);
    const actions = computePodActions(pod, state, (id) => this.d.probes.verdict(id), (id) => this.d.probes.started(id));
    const { changed, created, retryInMs } = await this.execute(pod, state, actions, network);
    if (changed) {
      state = await this.reread(uid, state, created);
      await this.collectGarbage(state);
    }
    this.reportStatus(pod, state);
    return retryInMs;
  }

  /** Writes the status the runtime shows now (after telling the probe workers what runs). */
  private reportStatus(pod: Pod, state: PodRuntimeState | undefined): void {
    const uid = pod.metadata!.uid;
    const previous = this.d.status.get(uid) ?? pod.status;
    const hostIP = this.d.node.hostIP();
    const podIP = pod.spec?.hostNetwork ? hostIP : (state?.sandboxes.find((s) => s.state === 'running')?.ip ?? '');
    this.d.probes.syncPod(pod, runningContainers(state, podIP), [...(previous?.initContainerStatuses ?? []), ...(previous?.containerStatuses ?? [])]);
    const status = generatePodStatus({
      pod,
      previous,
      state,
      waiting: this.waiting.get(uid) ?? new Map(),
      probes: { ready: (id) => this.d.probes.ready(id), started: (id) => this.d.probes.started(id) },
      hostIP,
      now: rfc3339(),
    });
    this.d.status.set(pod, status);
  }

  /**
   * The pod's containers read again one by one, plus those just created (newest first). Not a
   * node-wide listing: that would wait on other pods' containers while the engine starts them.
   */
  private async reread(uid: string, before: PodRuntimeState | undefined, created: string[]): Promise<PodRuntimeState | undefined> {
    const ids = [...[...created].reverse(), ...(before?.sandboxes ?? []).map((c) => c.id), ...(before?.containers ?? []).map((c) => c.id)];
    const seen = await Promise.all(
      ids.map((id) =>
        this.d.runtime.inspectContainer(id).catch((err: unknown) => {
          if (err instanceof ContainerNotFoundError) return undefined;
          throw err;
        }),
      ),
    );
    const found = seen.filter((c): c is RuntimeContainer => c !== undefined);
    if (found.length === 0) return undefined;
    const { podName: name, podNamespace: namespace } = found[0];
    return { uid, name, namespace, sandboxes: found.filter((c) => c.sandbox), containers: found.filter((c) => !c.sandbox) };
  }

  private async execute(pod: Pod, state: PodRuntimeState | undefined, actions: PodActions, network: string): Promise<ExecuteResult> {
    this.touched.add(pod.metadata!.uid);
    const grace = pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    const out: ExecuteResult = { changed: false, created: [] };
    if (actions.killPod) {
      out.changed = await this.killPod(pod, state, grace);
      if (!actions.createSandbox) return out;
    }
    for (const kill of actions.toKill) {
      const spec = containerSpec(pod, kill.container.name);
      const probeGrace = kill.reason === 'LivenessProbe' ? spec?.livenessProbe?.terminationGracePeriodSeconds : kill.reason === 'StartupProbe' ? spec?.startupProbe?.terminationGracePeriodSeconds : undefined;
      await this.killContainer(pod, kill.container, { graceSeconds: probeGrace ?? grace, message: kill.message, podIP: this.podIP(pod, state) });
      if (kill.reason === 'NotStarted') await this.d.runtime.removeContainer(kill.container.id);
      out.changed = true;
    }
    if (actions.createSandbox) {
      await this.startInNewSandbox(pod, actions, network, out);
    } else if (actions.sandbox && actions.toStart.length > 0) {
      const podIP = pod.spec?.hostNetwork ? this.d.node.hostIP() : (actions.sandbox.ip ?? '');
      const pullSecrets = await this.pullSecrets(pod);
      for (const start of actions.toStart) addStart(out, await this.startContainer(pod, start, actions.sandbox.id, podIP, pullSecrets));
    }
    return out;
  }

  /**
   * A new sandbox and the containers to start in it (Kubernetes' SyncPod steps 4 to 7), overlapped
   * where Docker allows: the sandbox is created, and while it starts (its network set up, the
   * longest step) each container is prepared (pull secrets, backoff, image, environment, mounts) and
   * created joined to it, one after another, unless its environment needs the pod IP, known only
   * once the sandbox runs. Then the pod's hosts file gets the IP and the containers start in order.
   */
  private async startInNewSandbox(pod: Pod, actions: PodActions, network: string, out: ExecuteResult): Promise<void> {
    let options: SandboxOptions;
    let sandboxId: string;
    try {
      options = { network, hostIP: this.d.node.hostIP(), attempt: actions.sandboxAttempt, ...(await this.sandboxConfig(pod)) };
      sandboxId = await this.d.runtime.createPodSandbox(pod, options);
    } catch (err) {
      throw this.sandboxFailed(pod, err);
    }
    out.created.push(sandboxId);
    out.changed = true;
    // On the host's network the pod IP is the node's, known now; otherwise Docker assigns it at start.
    const knownIP = pod.spec?.hostNetwork ? this.d.node.hostIP() : undefined;
    const pullSecrets = this.pullSecrets(pod);
    const early: Array<Promise<string | StartResult> | undefined> = [];
    let previous: Promise<unknown> = pullSecrets;
    for (const start of actions.toStart) {
      if (knownIP === undefined && needsPodIP(start.container)) {
        early.push(undefined);
        continue;
      }
      // After the previous one (images are pulled one at a time); a failure stops the ones after it.
      const made = previous.then(async () => this.createContainer(pod, start, sandboxId, knownIP, await pullSecrets));
      made.catch(() => undefined);
      early.push(made);
      previous = made;
    }
    let sandbox: Sandbox;
    try {
      sandbox = await this.d.runtime.startPodSandbox(sandboxId, pod, options);
    } catch (err) {
      // The runtime removed the sandbox: the containers made to join it go too.
      for (const made of await Promise.allSettled(early)) {
        if (made.status === 'fulfilled' && typeof made.value === 'string') await this.d.runtime.removeContainer(made.value);
      }
      throw this.sandboxFailed(pod, err);
    }
    const podIP = knownIP ?? sandbox.ip;
    if (knownIP === undefined && early.some((made) => made !== undefined)) await this.writeHostsFile(pod, podIP);
    for (const [i, start] of actions.toStart.entries()) {
      const made = (await early[i]) ?? (await this.createContainer(pod, start, sandboxId, podIP, await pullSecrets));
      addStart(out, typeof made === 'string' ? await this.runContainer(pod, start, made, podIP) : made);
    }
  }

  /** Reports a sandbox that could not be made (Kubernetes' FailedCreatePodSandBox event); returns the error to throw. */
  private sandboxFailed(pod: Pod, err: unknown): unknown {
    this.d.recorder.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(err as Error).message}`);
    return err;
  }

  /**
   * The sandbox's DNS configuration and kernel hostname (Kubernetes' generatePodSandboxConfig); its
   * error is the FailedCreatePodSandBox event's, as in Kubernetes.
   */
  private async sandboxConfig(pod: Pod): Promise<Pick<SandboxOptions, 'dns' | 'hostname'>> {
    try {
      const dns = await this.d.dns.podDNS(pod);
      if (pod.spec?.hostNetwork) return { dns };
      const { hostname, domain } = podHostnameAndDomain(pod, this.d.dns.clusterDomain);
      return { dns, hostname: nodenameForKernel(hostname, domain, pod.spec?.setHostnameAsFQDN) };
    } catch (err) {
      this.log.error({ pod: podKey(pod), err: (err as Error).message }, 'Failed to generate sandbox config for pod');
      throw err;
    }
  }

  /**
   * The pod's hosts file, written again before each container is created, and its bind over
   * /etc/hosts. With the pod IP not known yet (`podIP` undefined: the sandbox is starting), only the
   * bind: writeHostsFile writes the file once the sandbox runs, before the container starts.
   */
  private async hostsMount(pod: Pod, container: Container, podIP: string | undefined): Promise<BindMount[]> {
    const dir = podDir(this.d.rootDir, pod.metadata!.uid);
    if (podIP === undefined) {
      const mount = hostsFileMount(dir, pod, true, container);
      return mount ? [mount] : [];
    }
    const { hostname, domain } = podHostnameAndDomain(pod, this.d.dns.clusterDomain);
    const mount = await ensureHostsFile({ podDir: dir, pod, podIPs: podIP ? [podIP] : [], hostname, domain }, container);
    return mount ? [mount] : [];
  }

  /** The pod's hosts file with its IP, for the containers created before the sandbox ran. */
  private async writeHostsFile(pod: Pod, podIP: string): Promise<void> {
    const { hostname, domain } = podHostnameAndDomain(pod, this.d.dns.clusterDomain);
    await writeHostsFile({ podDir: podDir(this.d.rootDir, pod.metadata!.uid), pod, podIPs: podIP ? [podIP] : [], hostname, domain });
  }

  private setWaiting(uid: string, name: string, reason: WaitingReason | undefined): void {
    let m = this.waiting.get(uid);
    if (!m) {
      if (!reason) return;
      m = new Map();
      this.waiting.set(uid, m);
    }
    if (reason) m.set(name, reason);
    else m.delete(name);
  }

  /**
   * The pod's imagePullSecrets that can be read (Kubernetes' getPullSecretsForPod): one that
   * cannot is not fatal, the pull may still work; a Warning event names them.
   */
  private async pullSecrets(pod: Pod): Promise<Secret[]> {
    const m = pod.metadata!;
    const found: Secret[] = [];
    const failed: string[] = [];
    for (const ref of pod.spec?.imagePullSecrets ?? []) {
      if (!ref.name) continue;
      const secret = await this.d.objects.getSecret(m.namespace, ref.name).catch((err: Error) => {
        this.log.info({ pod: podKey(pod), secret: `${m.namespace}/${ref.name}`, err: err.message }, 'Unable to retrieve pull secret, the image pull may not succeed.');
        return undefined;
      });
      if (secret) found.push(secret);
      else failed.push(ref.name);
    }
    if (failed.length > 0) {
      this.d.recorder.event(pod, 'Warning', 'FailedToRetrieveImagePullSecret', `Unable to retrieve some image pull secrets (${failed.join(', ')}); attempting to pull the image may not succeed.`);
    }
    return found;
  }

  /**
   * The pod's service variables (Kubernetes refuses to build an environment before the Services
   * were read, except for static pods: they must start without the apiserver).
   */
  private serviceEnv(pod: Pod): Map<string, string> {
    if (!this.d.services) return new Map();
    const services = this.d.services() ?? (isStaticPod(pod) ? [] : undefined);
    if (!services) throw new RuntimeError('CreateContainerConfigError', 'services have not yet been read at least once, cannot construct envvars');
    return serviceEnvVarMap(services, pod.metadata!.namespace, pod.spec?.enableServiceLinks ?? true);
  }

  private async startContainer(pod: Pod, start: ContainerToStart, sandboxId: string, podIP: string, pullSecrets: readonly Secret[]): Promise<StartResult> {
    const made = await this.createContainer(pod, start, sandboxId, podIP, pullSecrets);
    return typeof made === 'string' ? this.runContainer(pod, start, made, podIP) : made;
  }

  /**
   * Everything before a container's start (Kubernetes' startContainer up to CreateContainer): the
   * crash-loop backoff, its image, its environment and mounts, its create. Resolves with the new
   * container's id, or with why none was made. `podIP` undefined: not known yet (the container's
   * environment must not need it; its hosts file is written before it starts).
   */
  private async createContainer(pod: Pod, start: ContainerToStart, sandboxId: string, podIP: string | undefined, pullSecrets: readonly Secret[]): Promise<string | StartResult> {
    const { container, previous } = start;
    const m = pod.metadata!;
    const name = container.name;
    if (previous?.state === 'exited') {
      const wait = this.d.crashLoop.remaining(m.uid, name, previous);
      if (wait > 0) {
        const delay = formatDuration(this.d.crashLoop.delay(m.uid, name));
        this.setWaiting(m.uid, name, { reason: 'CrashLoopBackOff', message: `back-off ${delay} restarting failed container=${name} pod=${m.name}_${m.namespace}(${m.uid})` });
        this.d.recorder.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${name} in pod ${m.name}_${m.namespace}(${m.uid})`);
        return { changed: false, retryInMs: wait };
      }
    }
    const image = await this.d.images.ensureImage(pod, container, pullSecrets);
    if (!image.ok) {
      this.setWaiting(m.uid, name, image.waiting);
      return { changed: false, retryInMs: image.retryInMs ?? CONFIG_ERROR_RETRY_MS };
    }
    let id: string;
    try {
      const env = await containerEnv(pod, container, {
        podIP: podIP ?? '',
        hostIP: this.d.node.hostIP(),
        nodeAllocatable: this.d.node.allocatable(),
        objects: this.d.objects,
        serviceEnv: this.serviceEnv(pod),
        warn: (reason, message) => this.d.recorder.event(pod, 'Warning', reason, message),
      });
      const mounts = [...(await this.volumes.containerMounts(pod, container, env)), ...(await this.hostsMount(pod, container, podIP))];
      id = await this.d.runtime.createContainer(sandboxId, pod, container, { env, mounts, restartCount: start.restartCount });
    } catch (err) {
      return this.failed(pod, name, err, 'CreateContainerError');
    }
    this.d.recorder.event(pod, 'Normal', 'Created', `Created container ${name}`);
    return id;
  }

  /** Starts a created container, then runs its postStart hook (the rest of Kubernetes' startContainer). */
  private async runContainer(pod: Pod, start: ContainerToStart, id: string, podIP: string): Promise<StartResult> {
    const { container, previous } = start;
    const m = pod.metadata!;
    const name = container.name;
    try {
      await this.d.runtime.startContainer(id);
    } catch (err) {
      return { ...this.failed(pod, name, err, 'RunContainerError'), changed: true, id };
    }
    this.d.recorder.event(pod, 'Normal', 'Started', `Started container ${name}`);
    if (previous?.state === 'exited') this.d.crashLoop.restarted(m.uid, name);
    this.setWaiting(m.uid, name, undefined);
    const postStart = container.lifecycle?.postStart;
    if (postStart) {
      const failure = await this.runPostStart(pod, container, postStart, id, podIP);
      if (failure !== undefined) this.setWaiting(m.uid, name, { reason: 'PostStartHookError', message: failure });
    }
    return { changed: true, id };
  }

  /**
   * Runs the container's postStart hook; the sync (and so the container's Running status and its
   * probes) waits for it. A failure kills the container, which is then restarted as a crashed one
   * (through the crash-loop backoff). Resolves with the failure's message, if it failed.
   */
  private async runPostStart(pod: Pod, container: Container, handler: LifecycleHandler, id: string, podIP: string): Promise<string | undefined> {
    const m = pod.metadata!;
    const abort = new AbortController();
    this.startHooks.set(m.uid, abort);
    let outcome;
    try {
      outcome = await this.hooks.run(handler, { pod: { name: m.name, namespace: m.namespace, uid: m.uid }, container, containerId: id, podIP }, abort.signal);
    } finally {
      if (this.startHooks.get(m.uid) === abort) this.startHooks.delete(m.uid);
    }
    // The pod is being deleted: its termination stops the container (preStop included).
    if (abort.signal.aborted || outcome.ok) return undefined;
    this.d.recorder.event(pod, 'Warning', 'FailedPostStartHook', outcome.message);
    const grace = pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    await this.killContainer(pod, { id, name: container.name, state: 'running' }, { graceSeconds: grace, message: 'FailedPostStartHook', podIP });
    return outcome.message;
  }

  /** The pod IP hooks reach: the running sandbox's, or the node's for hostNetwork pods. */
  private podIP(pod: Pod | undefined, state: PodRuntimeState | undefined): string {
    if (pod?.spec?.hostNetwork) return this.d.node.hostIP();
    return state?.sandboxes.find((s) => s.state === 'running')?.ip ?? '';
  }

  /**
   * Stops one container (Kubernetes' killContainer): a running one with a preStop hook runs it
   * first, the hook's time counting against the grace period; after it, whatever grace remains
   * (at least MIN_GRACE_AFTER_HOOK_SECONDS) goes to the stop signal before SIGKILL. A failed hook
   * is reported and the stop goes on. Without `pod` (a pod the API no longer has) the handler
   * comes from the container's label and no event is written.
   */
  private async killContainer(
    pod: Pod | undefined,
    c: Pick<RuntimeContainer, 'id' | 'name' | 'state'> & Partial<Pick<RuntimeContainer, 'preStop' | 'podName' | 'podNamespace' | 'podUid'>>,
    opts: KillOptions,
  ): Promise<void> {
    let grace = opts.graceSeconds;
    if (c.state === 'running') {
      if (pod) this.d.recorder.event(pod, 'Normal', 'Killing', opts.message ?? `Stopping container ${c.name}`);
      const spec = pod ? containerSpec(pod, c.name) : undefined;
      const handler = pod ? spec?.lifecycle?.preStop : c.preStop;
      if (handler && grace > 0) {
        const m = pod?.metadata;
        const target = {
          pod: { name: m?.name ?? c.podName ?? '', namespace: m?.namespace ?? c.podNamespace ?? '', uid: m?.uid ?? c.podUid ?? '' },
          container: spec ?? { name: c.name, ports: [] },
          containerId: c.id,
          podIP: opts.podIP,
        };
        const { elapsedSeconds, outcome } = await this.hooks.runWithin(handler, target, grace);
        if (!outcome) this.log.info({ pod: `${target.pod.namespace}/${target.pod.name}`, container: c.name, graceSeconds: grace }, 'preStop hook not completed in the grace period');
        else if (!outcome.ok) {
          if (pod) this.d.recorder.event(pod, 'Warning', 'FailedPreStopHook', outcome.message);
          else this.log.warn({ pod: `${target.pod.namespace}/${target.pod.name}`, container: c.name, err: outcome.message }, 'preStop hook failed');
        }
        grace = Math.max(grace - elapsedSeconds, MIN_GRACE_AFTER_HOOK_SECONDS);
      }
    }
    await this.d.runtime.stopContainer(c.id, grace);
  }

  private failed(pod: Pod, name: string, err: unknown, fallbackReason: string): StartResult {
    if (!(err instanceof RuntimeError)) throw err;
    const reason = err.reason || fallbackReason;
    this.setWaiting(pod.metadata!.uid, name, { reason, message: err.message });
    this.d.recorder.event(pod, 'Warning', 'Failed', `Error: ${err.message}`);
    return { changed: false, retryInMs: CONFIG_ERROR_RETRY_MS };
  }

  /**
   * Stops every running container within the grace period, then the sandbox (Kubernetes'
   * killContainersWithSyncResult): the app containers in parallel, then the sidecars one by one in
   * reverse order, each with what is left of the grace period (at least MIN_GRACE_AFTER_HOOK_SECONDS).
   * True if anything ran.
   */
  private async killPod(pod: Pod | undefined, state: PodRuntimeState | undefined, graceSeconds: number): Promise<boolean> {
    const running = (state?.containers ?? []).filter((c) => c.state === 'running' || c.state === 'created');
    const sandboxes = (state?.sandboxes ?? []).filter((s) => s.state === 'running');
    const podIP = this.podIP(pod, state);
    const sidecars = pod ? sidecarsOf(pod).map((c) => c.name).reverse() : [];
    const deadline = Date.now() + graceSeconds * 1000;
    await Promise.all(running.filter((c) => !sidecars.includes(c.name)).map((c) => this.killContainer(pod, c, { graceSeconds, podIP })));
    for (const name of sidecars) {
      const left = Math.max(Math.ceil((deadline - Date.now()) / 1000), MIN_GRACE_AFTER_HOOK_SECONDS);
      await Promise.all(running.filter((c) => c.name === name).map((c) => this.killContainer(pod, c, { graceSeconds: Math.min(left, graceSeconds), podIP })));
    }
    await Promise.all(sandboxes.map((s) => this.d.runtime.stopPodSandbox(s.id)));
    return running.length + sandboxes.length > 0;
  }

  /** Keeps the newest instance of each container and one terminated one before it (for logs --previous). */
  private async collectGarbage(state: PodRuntimeState | undefined): Promise<void> {
    if (!state) return;
    const removals: RuntimeContainer[] = [];
    const seen = new Map<string, number>();
    for (const c of state.containers) {
      const n = seen.get(c.name) ?? 0;
      seen.set(c.name, n + 1);
      if (n >= 2 && c.state === 'exited') removals.push(c);
    }
    const newestSandbox = state.sandboxes[0];
    for (const s of state.sandboxes) if (s !== newestSandbox && s.state === 'exited') removals.push(s);
    for (const c of removals) {
      await (c.sandbox ? this.d.runtime.removePodSandbox(c.id) : this.d.runtime.removeContainer(c.id)).catch((err: Error) =>
        this.log.debug({ pod: `${c.podNamespace}/${c.podName}`, container: c.id, err: err.message }, 'garbage collection failed'),
      );
    }
  }

  private async removeAll(uid: string, state: PodRuntimeState | undefined): Promise<void> {
    for (const c of state?.containers ?? []) await this.d.runtime.removeContainer(c.id);
    for (const s of state?.sandboxes ?? []) await this.d.runtime.removePodSandbox(s.id);
    await this.d.runtime.removePodVolumes(uid);
    await this.volumes.removePod(uid);
  }

  private forgetPod(uid: string): void {
    this.d.probes.removePod(uid);
    this.d.crashLoop.forgetPod(uid);
    this.d.images.forgetPod(uid);
    this.d.status.forget(uid);
    this.waiting.delete(uid);
    this.touched.delete(uid);
    this.startHooks.delete(uid);
  }

  /** A pod being deleted: stop it within its grace period, remove it from the runtime, then from the API. */
  private async terminate(pod: Pod): Promise<void> {
    const uid = pod.metadata!.uid;
    if (this.finished.has(uid)) return;
    const grace = pod.metadata!.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    this.d.probes.removePod(uid);
    const state = (await this.d.cache.fresh()).get(uid);
    await this.killPod(pod, state, grace);
    await this.removeAll(uid, state);
    try {
      await this.d.client.pods.delete(pod.metadata!.name, { namespace: pod.metadata!.namespace, gracePeriodSeconds: 0, preconditions: { uid } });
    } catch (err) {
      // Already gone, or a new pod took the name: either way this one is deleted.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
    this.finished.add(uid);
    this.forgetPod(uid);
    this.log.info({ pod: podKey(pod), uid, graceSeconds: grace }, 'pod terminated and deleted');
  }

  /** A pod gone from the API (or never known: an orphan): whatever the runtime holds for it goes. */
  private async teardown(uid: string): Promise<void> {
    const pod = this.lastKnown.get(uid);
    const state = (await this.d.cache.fresh()).get(uid);
    if (state) {
      const labelGrace = state.containers.find((c) => c.terminationGracePeriodSeconds !== undefined)?.terminationGracePeriodSeconds;
      const grace = pod?.metadata?.deletionGracePeriodSeconds ?? labelGrace ?? DEFAULT_GRACE_SECONDS;
      await this.killPod(undefined, state, grace);
      await this.removeAll(uid, state);
      this.log.info({ pod: `${state.namespace}/${state.name}`, uid }, 'removed the containers of a pod that is gone');
    } else {
      await this.volumes.removePod(uid);
    }
    this.forgetPod(uid);
    this.lastKnown.delete(uid);
    this.finished.delete(uid);
  }
}
