// The kubelet's view of a container runtime, shaped like Kubernetes' CRI: pod sandboxes that own
// a network namespace and IP, app containers joined to them, images, logs, exec, attach and port-forward. The Docker
// implementation (docker-runtime.ts) and the in-memory FakeRuntime both implement it.
import type { Duplex, Readable } from 'node:stream';
import type { Container, LifecycleHandler, Pod } from '../../../lib/gen/kite/core/v1/types';
import type { Sample } from '../stats/samples';

/** A pod's resolver configuration (CRI's DNSConfig), written as the sandbox's resolv.conf. */
export interface DnsConfig {
  servers: string[];
  searches: string[];
  /** name or name:value, as on resolv.conf's options line. */
  options: string[];
}

export interface SandboxOptions {
  /** The node's pod network (a Docker bridge network on the node's podCIDR, see ensurePodNetwork). */
  network: string;
  /** Reported as the pod IP of hostNetwork pods, which have no IP of their own. */
  hostIP?: string;
  /** Distinguishes a re-created sandbox of the same pod (part of the container name). */
  attempt?: number;
  /** The pod's resolver: every container of the pod sees it as /etc/resolv.conf. Unset, the engine's default. */
  dns?: DnsConfig;
  /** The hostname the kernel is given (the FQDN with setHostnameAsFQDN); by default the pod's hostname or name. */
  hostname?: string;
}

export interface Sandbox {
  id: string;
  /** The pod IP: the sandbox's address on the pod network, or hostIP for hostNetwork pods. */
  ip: string;
}

export interface EnvPair {
  name: string;
  value: string;
}

export interface BindMount {
  hostPath: string;
  containerPath: string;
  readOnly?: boolean;
}

export interface CreateContainerOptions {
  /** Resolved environment (valueFrom already looked up); defaults to the spec's literal values. */
  env?: EnvPair[];
  /** The container's volume mounts as binds, prepared by the volume manager (volumes/). */
  mounts?: BindMount[];
  /** Recorded in the container's labels, so restart counts survive a kubelet restart. */
  restartCount?: number;
}

export type ContainerStateName = 'created' | 'running' | 'exited' | 'unknown';

/** One container as the runtime sees it, rebuilt from Docker alone (labels + inspect). */
export interface RuntimeContainer {
  id: string;
  /** The Kubernetes container name; "POD" for a sandbox. */
  name: string;
  sandbox: boolean;
  podUid: string;
  podName: string;
  podNamespace: string;
  image: string;
  imageId: string;
  /** Hash of the container spec it was created from (containerHash). */
  hash: string;
  restartCount: number;
  /** The pod's grace period when the container was created, for stopping it with no pod at hand. */
  terminationGracePeriodSeconds?: number;
  /** The preStop handler it was created with (from its label), for stopping it with no pod at hand. */
  preStop?: LifecycleHandler;
  state: ContainerStateName;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  oomKilled: boolean;
  /** For exited containers: OOMKilled, Completed (exit 0) or Error, as Kubernetes words it. */
  reason?: string;
  /** The engine's error, when the container could not start. */
  message?: string;
  /** Sandboxes only: the pod IP ('' for hostNetwork sandboxes). */
  ip?: string;
}

/** Everything the runtime holds for one pod, grouped by pod uid. */
export interface PodRuntimeState {
  uid: string;
  name: string;
  namespace: string;
  sandboxes: RuntimeContainer[];
  containers: RuntimeContainer[];
}

export interface LogOptions {
  follow?: boolean;
  /** Only the last N lines (before following). */
  tail?: number;
  timestamps?: boolean;
  /** Only lines written at or after this time. */
  since?: Date;
  /** Stops a follow (or any read) early. */
  signal?: AbortSignal;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  /** The line without its newline. */
  line: string;
  /** RFC 3339 with nanoseconds, when timestamps were asked for. */
  timestamp?: string;
}

export interface ExecOptions {
  /** Fed to the process; its end closes the process' stdin. Without it the process has no stdin. */
  stdin?: Readable;
  tty?: boolean;
  env?: EnvPair[];
  workingDir?: string;
}

export interface ExecSession {
  /** Read both streams: the process' output is taken only as fast as they are read. */
  stdout: Readable;
  /** Empty with a tty: the terminal merges both streams into stdout. */
  stderr: Readable;
  /** The process' exit code, once it exits and its output is drained. */
  exitCode: Promise<number>;
  /** Resizes the tty (tty sessions only). */
  resize(columns: number, rows: number): Promise<void>;
}

export interface AttachOptions {
  /** Fed to the main process (taken only when the container has stdin open); with StdinOnce its end closes the process' stdin. */
  stdin?: Readable;
  /** Whether the container was created with a tty (its output is then one raw stream). */
  tty?: boolean;
  /** Detaches: ends the session and leaves the process running. */
  signal?: AbortSignal;
}

export interface AttachSession extends Omit<ExecSession, 'exitCode'> {
  /** The main process' exit code once it ended; undefined if the session ended (detached) with the process still running. */
  exitCode: Promise<number | undefined>;
}

/** Credentials for one registry, as the Docker Engine's X-Registry-Auth carries them (dockerode's authconfig). */
export interface RegistryAuth {
  username: string;
  password: string;
  email?: string;
  serveraddress: string;
}

export interface ContainerRuntime {
  /** Creates the bridge network holding the node's pod IPs, if missing. Idempotent. */
  ensurePodNetwork(name: string, cidr: string): Promise<void>;

  /** Starts the pause container that owns the pod's network namespace; returns its id and the pod IP (createPodSandbox, then startPodSandbox). */
  runPodSandbox(pod: Pod, options: SandboxOptions): Promise<Sandbox>;
  /**
   * Creates the pod's pause container (and writes its resolv.conf) without starting it: containers
   * can be created joined to it while startPodSandbox sets its network up, but started only after.
   */
  createPodSandbox(pod: Pod, options: SandboxOptions): Promise<string>;
  /** Starts a created sandbox (its network is set up); returns the pod IP. One that fails to start is removed. */
  startPodSandbox(sandboxId: string, pod: Pod, options: SandboxOptions): Promise<Sandbox>;
  stopPodSandbox(sandboxId: string): Promise<void>;
  removePodSandbox(sandboxId: string): Promise<void>;

  /** Creates an app container joined to the sandbox's network and IPC namespaces. */
  createContainer(sandboxId: string, pod: Pod, container: Container, options?: CreateContainerOptions): Promise<string>;
  startContainer(containerId: string): Promise<void>;
  /** The container's stop signal (SIGTERM unless the image says otherwise), then SIGKILL after graceSeconds. */
  stopContainer(containerId: string, graceSeconds: number): Promise<void>;
  removeContainer(containerId: string): Promise<void>;
  /** Removes the pod's emptyDir volumes; call after its containers are removed. */
  removePodVolumes(podUid: string): Promise<void>;

  /** Every sandbox and container this node's kubelet made, grouped by pod uid. */
  listPodContainers(): Promise<PodRuntimeState[]>;
  inspectContainer(containerId: string): Promise<RuntimeContainer>;

  imageExists(ref: string): Promise<boolean>;
  /** Throws ImagePullError carrying the engine's message. `auth`: the registry credentials to pull with (anonymous without). */
  pullImage(ref: string, auth?: RegistryAuth): Promise<void>;

  logs(containerId: string, options?: LogOptions): AsyncIterable<LogLine>;
  exec(containerId: string, command: string[], options?: ExecOptions): Promise<ExecSession>;
  /** Attaches to the container's main process (kubectl attach). */
  attach(containerId: string, options?: AttachOptions): Promise<AttachSession>;
  /** A connection to `port` on localhost in the sandbox's network namespace (CRI's PortForward: kubectl port-forward). */
  portForward(sandboxId: string, port: number): Promise<Duplex>;
  /** One measurement of a running container's CPU and memory (CRI's ContainerStats); undefined when it is not running. */
  containerStats(containerId: string): Promise<Sample | undefined>;
}
