// An in-memory ContainerRuntime for the kubelet's unit tests: containers change state only when
// the test says so (exit, oomKill), images exist only when added, every call is recorded.
import { PassThrough, Readable, type Duplex } from 'node:stream';
import type { Container, Pod } from '../../../lib/gen/kite/core/v1/types';
import type { Sample } from '../stats/samples';
import { containerHash } from './container-hash';
import { ContainerNotFoundError, ImagePullError, RuntimeError } from './errors';
import { DEFAULT_PAUSE_IMAGE, podIdentity } from './docker-config';
import { normalizeImageRef } from './image-ref';
import { parsePreStopLabel, preStopLabel, SANDBOX_CONTAINER_NAME } from './labels';
import { parseCidr } from './pod-network';
import type {
  AttachOptions,
  AttachSession,
  ContainerRuntime,
  CreateContainerOptions,
  ExecOptions,
  ExecSession,
  LogLine,
  LogOptions,
  PodRuntimeState,
  RegistryAuth,
  RuntimeContainer,
  Sandbox,
  SandboxOptions,
} from './types';

export interface FakeCall {
  method: keyof ContainerRuntime;
  args: unknown[];
}

export interface FakeExecResult {
  exitCode: number;
  stdout?: string;
  stderr?: string;
}

export type FakeExecHandler = (container: RuntimeContainer, command: string[]) => FakeExecResult;

export class FakeRuntime implements ContainerRuntime {
  readonly calls: FakeCall[] = [];
  readonly containers = new Map<string, RuntimeContainer>();
  readonly images = new Set<string>();
  readonly networks = new Map<string, { cidr: string; next: number }>();
  /** Engine messages by image: pulling these fails. Images not listed "pull" successfully. */
  readonly pullFailures = new Map<string, string>();
  /** Container options as created, for assertions on env, mounts and restart counts. */
  readonly createOptions = new Map<string, { container: Container; options: CreateContainerOptions }>();
  readonly logLines = new Map<string, LogLine[]>();
  execHandler: FakeExecHandler = () => ({ exitCode: 0 });
  /** Set to make the next call of that method throw (once). */
  readonly failNext = new Map<keyof ContainerRuntime, Error>();
  /** Set to hold every sandbox start until it resolves (a slow network setup). */
  sandboxStartGate: Promise<void> | undefined;
  /** The sandbox each container was created in. */
  private readonly joined = new Map<string, string>();

  private readonly pauseImage = DEFAULT_PAUSE_IMAGE;
  private nextId = 1;
  private clock = Date.parse('2024-01-01T00:00:00Z');

  constructor(images: string[] = []) {
    for (const image of images) this.addImage(image);
  }

  addImage(ref: string): void {
    this.images.add(normalizeImageRef(ref));
  }

  /** Makes a running container exit, as a crash, a completion or the OOM killer would. */
  exit(containerId: string, exitCode: number, options: { oomKilled?: boolean } = {}): void {
    const c = this.get(containerId);
    const oomKilled = options.oomKilled ?? false;
    Object.assign(c, {
      state: 'exited',
      exitCode,
      oomKilled,
      finishedAt: this.now(),
      reason: oomKilled ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error',
    } satisfies Partial<RuntimeContainer>);
  }

  /** Containers (not sandboxes) of a pod, newest first. */
  podContainers(podUid: string): RuntimeContainer[] {
    return this.sorted([...this.containers.values()].filter((c) => c.podUid === podUid && !c.sandbox));
  }

  callsOf(method: keyof ContainerRuntime): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  async ensurePodNetwork(name: string, cidr: string): Promise<void> {
    this.record('ensurePodNetwork', name, cidr);
    const existing = this.networks.get(name);
    if (existing && existing.cidr !== parseCidr(cidr).subnet) {
      throw new RuntimeError('PodNetworkMismatch', `network ${name} exists with subnet ${existing.cidr}`);
    }
    // Address .1 is the gateway; pods start at .2, as with Docker's IPAM.
    if (!existing) this.networks.set(name, { cidr: parseCidr(cidr).subnet, next: 2 });
  }

  async runPodSandbox(pod: Pod, options: SandboxOptions): Promise<Sandbox> {
    this.record('runPodSandbox', pod, options);
    return this.startSandbox(this.createSandbox(pod, options), pod, options);
  }

  async createPodSandbox(pod: Pod, options: SandboxOptions): Promise<string> {
    this.record('createPodSandbox', pod, options);
    return this.createSandbox(pod, options);
  }

  async startPodSandbox(sandboxId: string, pod: Pod, options: SandboxOptions): Promise<Sandbox> {
    try {
      this.record('startPodSandbox', sandboxId, pod, options);
    } catch (err) {
      // As the Docker runtime: a sandbox that fails to start is removed.
      this.containers.delete(sandboxId);
      throw err;
    }
    return this.startSandbox(sandboxId, pod, options);
  }

  private createSandbox(pod: Pod, options: SandboxOptions): string {
    if (!pod.spec?.hostNetwork && !this.networks.has(options.network)) throw new RuntimeError('CreatePodSandboxError', `network ${options.network} not found`);
    return this.add(pod, SANDBOX_CONTAINER_NAME, this.pauseImage, true, '', options.attempt ?? 0).id;
  }

  /** The pod IP is handed out when the sandbox starts, as Docker's IPAM does. */
  private async startSandbox(sandboxId: string, pod: Pod, options: SandboxOptions): Promise<Sandbox> {
    await this.sandboxStartGate;
    let ip = options.hostIP ?? '';
    if (!pod.spec?.hostNetwork) {
      const network = this.networks.get(options.network)!;
      const [base] = network.cidr.split('/');
      const octets = base.split('.').map(Number);
      ip = `${octets[0]}.${octets[1]}.${octets[2]}.${octets[3] + network.next++}`;
    }
    Object.assign(this.get(sandboxId), { state: 'running', startedAt: this.now(), ip });
    return { id: sandboxId, ip };
  }

  async stopPodSandbox(sandboxId: string): Promise<void> {
    this.record('stopPodSandbox', sandboxId);
    this.stop(sandboxId);
  }

  async removePodSandbox(sandboxId: string): Promise<void> {
    this.record('removePodSandbox', sandboxId);
    this.containers.delete(sandboxId);
  }

  async createContainer(sandboxId: string, pod: Pod, container: Container, options: CreateContainerOptions = {}): Promise<string> {
    this.record('createContainer', sandboxId, pod, container, options);
    const sandbox = this.get(sandboxId);
    if (!sandbox.sandbox) throw new RuntimeError('CreateContainerError', `${sandboxId} is not a sandbox`);
    const image = normalizeImageRef(container.image);
    if (!this.images.has(image)) throw new RuntimeError('CreateContainerError', `No such image: ${image}`);
    const created = this.add(pod, container.name, image, false, containerHash(container), options.restartCount ?? 0);
    this.joined.set(created.id, sandboxId);
    // As Docker would give it back: through the label.
    const preStop = parsePreStopLabel(preStopLabel(container));
    if (preStop) created.preStop = preStop;
    this.createOptions.set(created.id, { container, options });
    return created.id;
  }

  async startContainer(containerId: string): Promise<void> {
    this.record('startContainer', containerId);
    const c = this.get(containerId);
    // As Docker: a container joins its sandbox's namespaces when it starts, so the sandbox must run.
    const sandbox = this.containers.get(this.joined.get(containerId) ?? '');
    if (c.state === 'created' && sandbox?.state !== 'running') throw new RuntimeError('RunContainerError', `cannot join network of a non running container: ${this.joined.get(containerId)}`);
    if (c.state === 'created') Object.assign(c, { state: 'running', startedAt: this.now() });
  }

  async stopContainer(containerId: string, graceSeconds: number): Promise<void> {
    this.record('stopContainer', containerId, graceSeconds);
    if (this.containers.has(containerId)) this.stop(containerId);
  }

  async removeContainer(containerId: string): Promise<void> {
    this.record('removeContainer', containerId);
    this.containers.delete(containerId);
  }

  async removePodVolumes(podUid: string): Promise<void> {
    this.record('removePodVolumes', podUid);
  }

  async listPodContainers(): Promise<PodRuntimeState[]> {
    this.record('listPodContainers');
    const pods = new Map<string, PodRuntimeState>();
    for (const c of this.sorted([...this.containers.values()])) {
      let pod = pods.get(c.podUid);
      if (!pod) {
        pod = { uid: c.podUid, name: c.podName, namespace: c.podNamespace, sandboxes: [], containers: [] };
        pods.set(c.podUid, pod);
      }
      (c.sandbox ? pod.sandboxes : pod.containers).push(structuredClone(c));
    }
    return [...pods.values()];
  }

  async inspectContainer(containerId: string): Promise<RuntimeContainer> {
    this.record('inspectContainer', containerId);
    return structuredClone(this.get(containerId));
  }

  async imageExists(ref: string): Promise<boolean> {
    this.record('imageExists', ref);
    return this.images.has(normalizeImageRef(ref));
  }

  async pullImage(ref: string, auth?: RegistryAuth): Promise<void> {
    this.record('pullImage', ...(auth ? [ref, auth] : [ref]));
    const image = normalizeImageRef(ref);
    const failure = this.pullFailures.get(image);
    if (failure !== undefined) throw new ImagePullError(image, failure);
    this.images.add(image);
  }

  async *logs(containerId: string, options: LogOptions = {}): AsyncGenerator<LogLine> {
    this.record('logs', containerId, options);
    this.get(containerId);
    const lines = this.logLines.get(containerId) ?? [];
    yield* options.tail !== undefined ? lines.slice(Math.max(0, lines.length - options.tail)) : lines;
  }

  async exec(containerId: string, command: string[], options: ExecOptions = {}): Promise<ExecSession> {
    this.record('exec', containerId, command, options);
    const c = this.get(containerId);
    if (c.state !== 'running') throw new RuntimeError('ExecError', `container ${containerId} is not running`);
    const result = this.execHandler(c, command);
    const stderr = new PassThrough();
    stderr.end(result.stderr ?? '');
    return {
      stdout: Readable.from([Buffer.from(result.stdout ?? '')]),
      stderr,
      exitCode: Promise.resolve(result.exitCode),
      resize: async () => undefined,
    };
  }

  /** Attaching to a fake container gives no output; the session ends at once, detached. */
  async attach(containerId: string, options: AttachOptions = {}): Promise<AttachSession> {
    this.record('attach', containerId, options);
    const c = this.get(containerId);
    if (c.state !== 'running') throw new RuntimeError('AttachError', `container ${containerId} is not running`);
    return { stdout: Readable.from([]), stderr: Readable.from([]), exitCode: Promise.resolve(undefined), resize: async () => undefined };
  }

  /** A fake sandbox has no network namespace: a port-forward finds nothing listening. */
  async portForward(sandboxId: string, port: number): Promise<Duplex> {
    this.record('portForward', sandboxId, port);
    if (this.get(sandboxId).state !== 'running') throw new RuntimeError('PortForwardError', `sandbox ${sandboxId} is not running`);
    throw new RuntimeError('PortForwardError', `failed to connect to localhost:${port} inside the fake sandbox ${sandboxId}: connection refused`);
  }

  /** The samples containerStats returns, set by tests; a running container without one reports nothing. */
  readonly stats = new Map<string, Sample>();

  async containerStats(containerId: string): Promise<Sample | undefined> {
    return this.containers.get(containerId)?.state === 'running' ? this.stats.get(containerId) : undefined;
  }

  private record(method: keyof ContainerRuntime, ...args: unknown[]): void {
    this.calls.push({ method, args });
    const failure = this.failNext.get(method);
    if (failure) {
      this.failNext.delete(method);
      throw failure;
    }
  }

  private get(id: string): RuntimeContainer {
    const c = this.containers.get(id);
    if (!c) throw new ContainerNotFoundError(id);
    return c;
  }

  private add(pod: Pod, name: string, image: string, sandbox: boolean, hash: string, restartCount: number): RuntimeContainer {
    const id = `fake-${String(this.nextId++).padStart(6, '0')}`;
    const { uid, name: podName, namespace } = podIdentity(pod);
    const c: RuntimeContainer = {
      id,
      name,
      sandbox,
      podUid: uid,
      podName,
      podNamespace: namespace,
      image,
      imageId: `sha256:${image}`,
      hash,
      restartCount,
      terminationGracePeriodSeconds: pod.spec?.terminationGracePeriodSeconds,
      state: 'created',
      createdAt: this.now(),
      oomKilled: false,
    };
    this.containers.set(id, c);
    return c;
  }

  private stop(id: string): void {
    const c = this.get(id);
    // As an image that handles its stop signal: a clean exit. Tests wanting a crash call exit().
    if (c.state === 'running') Object.assign(c, { state: 'exited', exitCode: 0, finishedAt: this.now(), reason: 'Completed' });
  }

  /** Strictly increasing, so creation order is also time order. */
  private now(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  private sorted(list: RuntimeContainer[]): RuntimeContainer[] {
    return list.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }
}
