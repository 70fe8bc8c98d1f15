// The ContainerRuntime over a real Docker Engine, through dockerode. Every container carries the
// kubelet's labels (labels.ts), so listPodContainers() can rebuild all state from Docker alone.
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { Readable, type Duplex } from 'node:stream';
import Docker from 'dockerode';
import { sampleFromDockerStats, type DockerStats, type Sample } from '../stats/samples';
import { podKey } from '../../../lib/api/pods';
import type { Container, Pod } from '../../../lib/gen/kite/core/v1/types';
import { logger } from '../../../lib/log';
import { runtimeContainer } from './container-status';
import { containerCreateOptions, DEFAULT_PAUSE_IMAGE, literalEnv, sandboxCreateOptions } from './docker-config';
import { ContainerNotFoundError, engineMessage, engineStatus, ImagePullError, RuntimeError } from './errors';
import { startAttach } from './attach-session';
import { startExec } from './exec-session';
import { normalizeImageRef } from './image-ref';
import { LABEL } from './labels';
import { logLines } from './log-lines';
import { ensurePodNetwork } from './pod-network';
import { dialPodPort } from './port-forward';
import { loadLocalhostSeccompProfile } from './seccomp-profiles';
import type {
  AttachOptions,
  BindMount,
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
import { podDir } from '../volumes/paths';
import { ETC_RESOLV_CONF, formatResolvConf, sandboxResolvConfPath } from './resolv-conf';

/** The pause container exits at once on SIGTERM; this only bounds a stuck one. */
const SANDBOX_STOP_GRACE_SECONDS = 10;

export interface DockerRuntimeOptions {
  /** Defaults to the engine at /var/run/docker.sock (or DOCKER_HOST). */
  docker?: Docker;
  /** Written on every container; listPodContainers() only sees this node's. */
  nodeName: string;
  /** The kubelet's root directory (pod directories, removed with their pods; seccomp profiles). */
  rootDir: string;
  pauseImage?: string;
}

export class DockerRuntime implements ContainerRuntime {
  readonly docker: Docker;
  private readonly node: string;
  private readonly rootDir: string;
  private readonly pauseImage: string;
  private readonly log;
  /** Inspect results by "id:state": a container's details only change when its state does. */
  private inspectCache = new Map<string, RuntimeContainer>();

  constructor(options: DockerRuntimeOptions) {
    this.docker = options.docker ?? new Docker();
    this.node = options.nodeName;
    this.rootDir = options.rootDir;
    this.pauseImage = options.pauseImage ?? DEFAULT_PAUSE_IMAGE;
    this.log = logger('kubelet', { module: 'runtime', node: this.node });
  }

  ensurePodNetwork(name: string, cidr: string): Promise<void> {
    return ensurePodNetwork(this.docker, this.node, name, cidr);
  }

  async runPodSandbox(pod: Pod, options: SandboxOptions): Promise<Sandbox> {
    return this.startPodSandbox(await this.createPodSandbox(pod, options), pod, options);
  }

  async createPodSandbox(pod: Pod, options: SandboxOptions): Promise<string> {
    await this.writeResolvConf(pod, options).catch((err: Error) => {
      throw new RuntimeError('CreatePodSandboxError', `writing the resolv.conf of pod ${podKey(pod)}: ${err.message}`);
    });
    const create = sandboxCreateOptions({ node: this.node, pod, pauseImage: this.pauseImage, options });
    const container = await this.docker.createContainer(create).catch((err: unknown) => {
      throw new RuntimeError('CreatePodSandboxError', `creating the sandbox of pod ${podKey(pod)}: ${engineMessage(err)}`);
    });
    return container.id;
  }

  async startPodSandbox(sandboxId: string, pod: Pod, options: SandboxOptions): Promise<Sandbox> {
    const container = this.docker.getContainer(sandboxId);
    try {
      await container.start();
    } catch (err) {
      await container.remove({ force: true }).catch(() => undefined);
      throw new RuntimeError('CreatePodSandboxError', `starting the sandbox of pod ${podKey(pod)}: ${engineMessage(err)}`);
    }
    const info = await container.inspect();
    const ip = pod.spec?.hostNetwork ? (options.hostIP ?? '') : (info.NetworkSettings.Networks[options.network]?.IPAddress ?? '');
    this.log.debug({ pod: podKey(pod), sandbox: info.Id, ip }, 'sandbox started');
    return { id: info.Id, ip };
  }

  /** The pod's resolv.conf from its DNS configuration; without one, containers keep the engine's. */
  private async writeResolvConf(pod: Pod, options: SandboxOptions): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    if (!uid || uid.includes('/') || uid === '..') return;
    const file = sandboxResolvConfPath(this.rootDir, uid);
    if (!options.dns) {
      await rm(file, { force: true });
      return;
    }
    await mkdir(podDir(this.rootDir, uid), { recursive: true });
    await writeFile(file, formatResolvConf(options.dns), { mode: 0o644 });
  }

  /** The bind of the sandbox's resolv.conf, unless the container mounts its own or the sandbox has none. */
  private async resolvConfMount(pod: Pod, container: Container, binds: readonly BindMount[]): Promise<BindMount[]> {
    const uid = pod.metadata?.uid ?? '';
    if (!uid || uid.includes('/') || binds.some((b) => b.containerPath === ETC_RESOLV_CONF)) return [];
    const file = sandboxResolvConfPath(this.rootDir, uid);
    const exists = await access(file).then(
      () => true,
      () => false,
    );
    return exists ? [{ hostPath: file, containerPath: ETC_RESOLV_CONF, readOnly: container.securityContext?.readOnlyRootFilesystem ?? false }] : [];
  }

  stopPodSandbox(sandboxId: string): Promise<void> {
    return this.stopContainer(sandboxId, SANDBOX_STOP_GRACE_SECONDS);
  }

  removePodSandbox(sandboxId: string): Promise<void> {
    return this.removeContainer(sandboxId);
  }

  async createContainer(sandboxId: string, pod: Pod, container: Container, options: CreateContainerOptions = {}): Promise<string> {
    const mounts = options.mounts ?? [];
    const binds = [...mounts, ...(await this.resolvConfMount(pod, container, mounts))];
    const localhostSeccompProfile = await loadLocalhostSeccompProfile(this.rootDir, pod, container);
    const create = containerCreateOptions({
      node: this.node,
      pod,
      container,
      sandboxId,
      env: options.env ?? literalEnv(container),
      binds,
      restartCount: options.restartCount ?? 0,
      localhostSeccompProfile,
    });
    try {
      const created = await this.docker.createContainer(create);
      this.log.debug({ pod: podKey(pod), container: container.name, id: created.id }, 'container created');
      return created.id;
    } catch (err) {
      throw new RuntimeError('CreateContainerError', engineMessage(err));
    }
  }

  async startContainer(containerId: string): Promise<void> {
    try {
      await this.docker.getContainer(containerId).start();
    } catch (err) {
      if (engineStatus(err) === 404) throw new ContainerNotFoundError(containerId);
      // 304: already running, which is what the caller wants.
      if (engineStatus(err) === 304) return;
      throw new RuntimeError('RunContainerError', engineMessage(err));
    }
  }

  async stopContainer(containerId: string, graceSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(containerId).stop({ t: Math.max(0, Math.ceil(graceSeconds)) });
    } catch (err) {
      // 304: not running; 404: already gone. Both leave the container stopped, as asked.
      if (engineStatus(err) === 304 || engineStatus(err) === 404) return;
      throw new RuntimeError('KillContainerError', engineMessage(err));
    }
  }

  async removeContainer(containerId: string): Promise<void> {
    try {
      await this.docker.getContainer(containerId).remove({ force: true, v: true });
    } catch (err) {
      if (engineStatus(err) === 404) return;
      // 409 "removal already in progress" ends with the container gone too.
      if (engineStatus(err) === 409 && /already in progress/.test(engineMessage(err))) return;
      throw new RuntimeError('RemoveContainerError', engineMessage(err));
    }
  }

  async removePodVolumes(podUid: string): Promise<void> {
    if (!podUid || podUid.includes('/') || podUid === '..') return;
    await rm(podDir(this.rootDir, podUid), { recursive: true, force: true });
  }

  async listPodContainers(): Promise<PodRuntimeState[]> {
    const listed = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL.node}=${this.node}`] } });
    const cache = new Map<string, RuntimeContainer>();
    const containers = await Promise.all(
      listed.map(async (c) => {
        const key = `${c.Id}:${c.State}`;
        const cached = this.inspectCache.get(key);
        if (cached) {
          cache.set(key, cached);
          return structuredClone(cached);
        }
        const rc = await this.inspectContainer(c.Id).catch((err: unknown) => {
          if (err instanceof ContainerNotFoundError) return undefined;
          throw err;
        });
        if (rc) cache.set(key, structuredClone(rc));
        return rc;
      }),
    );
    this.inspectCache = cache;
    return groupByPod(containers.filter((c): c is RuntimeContainer => c !== undefined));
  }

  async inspectContainer(containerId: string): Promise<RuntimeContainer> {
    try {
      return runtimeContainer(await this.docker.getContainer(containerId).inspect());
    } catch (err) {
      if (engineStatus(err) === 404) throw new ContainerNotFoundError(containerId);
      throw err;
    }
  }

  async imageExists(ref: string): Promise<boolean> {
    try {
      await this.docker.getImage(normalizeImageRef(ref)).inspect();
      return true;
    } catch (err) {
      if (engineStatus(err) === 404) return false;
      throw err;
    }
  }

  async pullImage(ref: string, auth?: RegistryAuth): Promise<void> {
    const image = normalizeImageRef(ref);
    let stream: NodeJS.ReadableStream;
    try {
      // The engine sends the credentials (X-Registry-Auth) to the image's registry only.
      stream = await this.docker.pull(image, auth ? { authconfig: auth } : {});
    } catch (err) {
      throw new ImagePullError(image, engineMessage(err));
    }
    // The engine reports failures found mid-pull as {"error": ...} lines in the progress stream.
    const failure = await firstProgressError(stream);
    if (failure) throw new ImagePullError(image, failure);
    this.log.info({ image }, 'image pulled');
  }

  async *logs(containerId: string, options: LogOptions = {}): AsyncGenerator<LogLine> {
    const container = this.docker.getContainer(containerId);
    const info = await container.inspect().catch((err: unknown) => {
      throw engineStatus(err) === 404 ? new ContainerNotFoundError(containerId) : err;
    });
    const query = {
      stdout: true,
      stderr: true,
      timestamps: options.timestamps ?? false,
      tail: options.tail,
      since: options.since ? options.since.getTime() / 1000 : undefined,
      abortSignal: options.signal,
    };
    let source: Readable;
    try {
      // Without follow the engine answers with one buffer, with follow with a stream.
      source = options.follow
        ? toReadable(await container.logs({ ...query, follow: true }))
        : Readable.from([await container.logs({ ...query, follow: false })]);
    } catch (err) {
      if (options.signal?.aborted) return;
      throw new RuntimeError('LogsError', engineMessage(err));
    }
    const stop = (): void => {
      source.destroy();
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    try {
      yield* logLines(source, !info.Config.Tty, options.timestamps ?? false);
    } catch (err) {
      if (!options.signal?.aborted) throw err;
    } finally {
      options.signal?.removeEventListener('abort', stop);
    }
  }

  async exec(containerId: string, command: string[], options: ExecOptions = {}): Promise<ExecSession> {
    try {
      return await startExec(this.docker.getContainer(containerId), command, options);
    } catch (err) {
      if (engineStatus(err) === 404) throw new ContainerNotFoundError(containerId);
      if (err instanceof RuntimeError) throw err;
      throw new RuntimeError('ExecError', engineMessage(err));
    }
  }

  async portForward(sandboxId: string, port: number): Promise<Duplex> {
    let pid: number;
    let podIP: string;
    try {
      const info = await this.docker.getContainer(sandboxId).inspect();
      pid = info.State.Running ? info.State.Pid : 0;
      podIP = info.HostConfig.NetworkMode === 'host' ? '127.0.0.1' : (Object.values(info.NetworkSettings.Networks ?? {})[0]?.IPAddress ?? '');
    } catch (err) {
      if (engineStatus(err) === 404) throw new ContainerNotFoundError(sandboxId);
      throw new RuntimeError('PortForwardError', engineMessage(err));
    }
    if (!pid) throw new RuntimeError('PortForwardError', `sandbox ${sandboxId} is not running`);
    return dialPodPort(pid, podIP, port, sandboxId);
  }

  /** The engine's one-shot stats (one cgroup read, no second sample to wait for). */
  async containerStats(containerId: string): Promise<Sample | undefined> {
    try {
      const stats = (await this.docker.getContainer(containerId).stats({ stream: false, 'one-shot': true } as { stream: false })) as DockerStats;
      return sampleFromDockerStats(stats, Date.now());
    } catch (err) {
      if (engineStatus(err) === 404) return undefined;
      throw new RuntimeError('ContainerStatsError', engineMessage(err));
    }
  }

  async attach(containerId: string, options: AttachOptions = {}): Promise<AttachSession> {
    try {
      return await startAttach(this.docker.getContainer(containerId), options);
    } catch (err) {
      if (engineStatus(err) === 404) throw new ContainerNotFoundError(containerId);
      throw new RuntimeError('AttachError', engineMessage(err));
    }
  }
}

function toReadable(stream: NodeJS.ReadableStream): Readable {
  return stream instanceof Readable ? stream : new Readable().wrap(stream);
}

async function firstProgressError(stream: NodeJS.ReadableStream): Promise<string | undefined> {
  let buffered = '';
  let failure: string | undefined;
  for await (const chunk of toReadable(stream)) {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) failure ??= progressError(line);
  }
  return failure ?? progressError(buffered);
}

function progressError(line: string): string | undefined {
  if (!line.trim()) return undefined;
  try {
    const event = JSON.parse(line) as { error?: string; errorDetail?: { message?: string } };
    return event.errorDetail?.message ?? event.error;
  } catch {
    return undefined;
  }
}

/** Docker trims trailing zeros of nanoseconds; padding them makes RFC 3339 times compare as strings. */
function sortableTime(t: string): string {
  const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(t);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}${m[3]}` : t;
}

function groupByPod(containers: RuntimeContainer[]): PodRuntimeState[] {
  const pods = new Map<string, PodRuntimeState>();
  for (const c of containers) {
    let pod = pods.get(c.podUid);
    if (!pod) {
      pod = { uid: c.podUid, name: c.podName, namespace: c.podNamespace, sandboxes: [], containers: [] };
      pods.set(c.podUid, pod);
    }
    (c.sandbox ? pod.sandboxes : pod.containers).push(c);
  }
  const newestFirst = (a: RuntimeContainer, b: RuntimeContainer): number => sortableTime(b.createdAt).localeCompare(sortableTime(a.createdAt));
  for (const pod of pods.values()) {
    pod.sandboxes.sort(newestFirst);
    pod.containers.sort(newestFirst);
  }
  return [...pods.values()];
}
