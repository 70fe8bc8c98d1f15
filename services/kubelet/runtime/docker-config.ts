// Pod and container specs mapped to Docker's create options, as Kubernetes' dockershim did it:
// the sandbox owns the network and IPC namespaces (and host ports, and the pod's sysctls), app
// containers join them. Security contexts become Docker's security options (seccomp, AppArmor,
// SELinux labels, no-new-privileges), capabilities, user, read-only root and /proc masking.
import type Docker from 'dockerode';
import { quantityMilliValue, quantityValue } from '../../../lib/api/quantity';
import type { Container, Pod } from '../../../lib/gen/kite/core/v1/types';
import { expandVars } from '../pod-workers/env';
import { containerHash } from './container-hash';
import { normalizeImageRef } from './image-ref';
import { containerLabels, dockerContainerName, preStopLabel, SANDBOX_CONTAINER_NAME, type PodIdentity } from './labels';
import type { BindMount, EnvPair, SandboxOptions } from './types';

/** Docker's "-v" form: missing sources become directories, as Kubernetes' unchecked hostPath does. */
export function bindSpec(bind: BindMount): string {
  return `${bind.hostPath}:${bind.containerPath}${bind.readOnly ? ':ro' : ''}`;
}

/** Built by deploy/build-images.sh. */
export const DEFAULT_PAUSE_IMAGE = 'kite/pause:3.9';
/** Linux allows 64 characters in a hostname; Kubernetes truncates pod names to 63. */
const MAX_HOSTNAME = 63;
/** Kubernetes' floor for cpu shares (cgroup v1 minimum). */
const MIN_CPU_SHARES = 2;

export function podIdentity(pod: Pod): PodIdentity {
  return { namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' };
}

export function podHostname(pod: Pod): string {
  const name = pod.spec?.hostname || pod.metadata?.name || 'pod';
  return name.slice(0, MAX_HOSTNAME).replace(/[-.]+$/, '');
}

export interface SandboxConfigInput {
  node: string;
  pod: Pod;
  pauseImage: string;
  options: SandboxOptions;
}

export function sandboxCreateOptions({ node, pod, pauseImage, options }: SandboxConfigInput): Docker.ContainerCreateOptions {
  const spec = pod.spec;
  const hostNetwork = spec?.hostNetwork ?? false;
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  // Host ports belong to the sandbox: it owns the network namespace the app containers join.
  if (!hostNetwork) {
    for (const c of spec?.containers ?? []) {
      for (const p of c.ports) {
        if (!p.hostPort) continue;
        const key = `${p.containerPort}/${(p.protocol || 'TCP').toLowerCase()}`;
        exposed[key] = {};
        (bindings[key] ??= []).push({ HostIp: p.hostIP, HostPort: String(p.hostPort) });
      }
    }
  }
  return {
    name: dockerContainerName(podIdentity(pod), SANDBOX_CONTAINER_NAME, options.attempt ?? 0),
    Image: pauseImage,
    Hostname: hostNetwork ? undefined : (options.hostname ?? podHostname(pod)),
    Labels: containerLabels({
      node,
      pod: podIdentity(pod),
      containerName: SANDBOX_CONTAINER_NAME,
      sandbox: true,
      restartCount: options.attempt ?? 0,
      terminationGracePeriodSeconds: spec?.terminationGracePeriodSeconds,
    }),
    ExposedPorts: exposed,
    HostConfig: {
      NetworkMode: hostNetwork ? 'host' : options.network,
      IpcMode: spec?.hostIPC ? 'host' : 'shareable',
      PidMode: spec?.hostPID ? 'host' : '',
      PortBindings: bindings,
      Sysctls: sysctlsOf(pod),
      RestartPolicy: { Name: 'no' },
    },
  };
}

export interface ContainerConfigInput {
  node: string;
  pod: Pod;
  container: Container;
  sandboxId: string;
  env: EnvPair[];
  binds: BindMount[];
  restartCount: number;
  /** The JSON of the container's Localhost seccomp profile, read by the runtime from the kubelet's seccomp directory. */
  localhostSeccompProfile?: string;
}

/**
 * Kubernetes' command/args: command replaces ENTRYPOINT (and drops CMD), args replace CMD; their
 * $(VAR) references are expanded from the container's environment, as the kubelet's
 * ExpandContainerCommandAndArgs does (an unknown name stays as written, $$ is a literal $).
 */
function entrypointAndCmd(container: Container, env: EnvPair[]): { Entrypoint?: string[]; Cmd?: string[] } {
  const values = new Map(env.map((e) => [e.name, e.value]));
  const expand = (list: string[]) => list.map((v) => expandVars(v, (name) => values.get(name)));
  const out: { Entrypoint?: string[]; Cmd?: string[] } = {};
  if (container.command.length) out.Entrypoint = expand(container.command);
  if (container.args.length) out.Cmd = expand(container.args);
  return out;
}

function resourceConfig(container: Container): Partial<Docker.HostConfig> {
  const limits = container.resources?.limits ?? {};
  const requests = container.resources?.requests ?? {};
  const out: Partial<Docker.HostConfig> = {};
  if (limits.cpu) out.NanoCpus = quantityMilliValue(limits.cpu) * 1_000_000;
  const cpuRequest = requests.cpu ?? limits.cpu;
  if (cpuRequest) out.CpuShares = Math.max(MIN_CPU_SHARES, Math.floor((quantityMilliValue(cpuRequest) * 1024) / 1000));
  if (limits.memory) {
    out.Memory = quantityValue(limits.memory);
    // No swap beyond the limit, as Kubernetes runs containers.
    out.MemorySwap = out.Memory;
  }
  return out;
}

function userSpec(pod: Pod, container: Container): string | undefined {
  const uid = container.securityContext?.runAsUser ?? pod.spec?.securityContext?.runAsUser;
  const gid = container.securityContext?.runAsGroup ?? pod.spec?.securityContext?.runAsGroup;
  if (uid === undefined) return gid === undefined ? undefined : `:${gid}`;
  return gid === undefined ? String(uid) : `${uid}:${gid}`;
}

function sysctlsOf(pod: Pod): Record<string, string> | undefined {
  const list = pod.spec?.securityContext?.sysctls ?? [];
  return list.length ? Object.fromEntries(list.map((s) => [s.name, s.value])) : undefined;
}

/** The container's profile, else the pod's (Kubernetes: the container's field wins). */
export function effectiveProfile(pod: Pod, container: Container, field: 'seccompProfile' | 'appArmorProfile'): { type: string; localhostProfile?: string } | undefined {
  return container.securityContext?.[field] ?? pod.spec?.securityContext?.[field];
}

/**
 * Docker's security options for a container, as dockershim made them:
 * - seccomp: RuntimeDefault is Docker's default profile, which Docker applies unless told
 *   otherwise (so is an unset profile: Kite keeps Docker's default where Kubernetes without
 *   SeccompDefault would run Unconfined); Unconfined is `seccomp=unconfined`; Localhost passes
 *   the profile's JSON, as `docker run --security-opt seccomp=<file>` does.
 * - AppArmor: RuntimeDefault is Docker's docker-default profile (nothing on a host without
 *   AppArmor); Unconfined is `apparmor=unconfined`; Localhost names a profile loaded on the node.
 * - seLinuxOptions become `label=user:...` etc.; allowPrivilegeEscalation=false is no-new-privileges.
 */
export function securityOptions(pod: Pod, container: Container, localhostSeccompProfile?: string): string[] {
  const out: string[] = [];
  const seccomp = effectiveProfile(pod, container, 'seccompProfile');
  if (seccomp?.type === 'Unconfined') out.push('seccomp=unconfined');
  if (seccomp?.type === 'Localhost') {
    if (localhostSeccompProfile === undefined) throw new Error(`the Localhost seccomp profile "${seccomp.localhostProfile ?? ''}" was not loaded`);
    out.push(`seccomp=${localhostSeccompProfile}`);
  }
  const apparmor = effectiveProfile(pod, container, 'appArmorProfile');
  if (apparmor?.type === 'Unconfined') out.push('apparmor=unconfined');
  if (apparmor?.type === 'Localhost' && apparmor.localhostProfile) out.push(`apparmor=${apparmor.localhostProfile}`);
  const selinux = container.securityContext?.seLinuxOptions ?? pod.spec?.securityContext?.seLinuxOptions;
  for (const key of ['user', 'role', 'type', 'level'] as const) if (selinux?.[key]) out.push(`label=${key}:${selinux[key]}`);
  if (container.securityContext?.allowPrivilegeEscalation === false) out.push('no-new-privileges');
  return out;
}

export function containerCreateOptions(input: ContainerConfigInput): Docker.ContainerCreateOptions {
  const { node, pod, container, sandboxId } = input;
  const security = container.securityContext;
  const user = userSpec(pod, container);
  return {
    name: dockerContainerName(podIdentity(pod), container.name, input.restartCount),
    Image: normalizeImageRef(container.image),
    ...entrypointAndCmd(container, input.env),
    Env: input.env.map((e) => `${e.name}=${e.value}`),
    WorkingDir: container.workingDir || undefined,
    User: user,
    Tty: container.tty,
    OpenStdin: container.stdin,
    StdinOnce: container.stdinOnce,
    Labels: containerLabels({
      node,
      pod: podIdentity(pod),
      containerName: container.name,
      sandbox: false,
      hash: containerHash(container),
      restartCount: input.restartCount,
      terminationGracePeriodSeconds: pod.spec?.terminationGracePeriodSeconds,
      preStop: preStopLabel(container),
    }),
    HostConfig: {
      NetworkMode: `container:${sandboxId}`,
      IpcMode: `container:${sandboxId}`,
      PidMode: pod.spec?.hostPID ? 'host' : '',
      Binds: input.binds.map(bindSpec),
      Privileged: security?.privileged ?? false,
      ReadonlyRootfs: security?.readOnlyRootFilesystem ?? false,
      CapAdd: security?.capabilities?.add,
      CapDrop: security?.capabilities?.drop,
      SecurityOpt: securityOptions(pod, container, input.localhostSeccompProfile),
      // An unmasked /proc: none of the runtime's masked or read-only paths.
      ...(security?.procMount === 'Unmasked' ? { MaskedPaths: [], ReadonlyPaths: [] } : {}),
      RestartPolicy: { Name: 'no' },
      ...resourceConfig(container),
    },
  };
}

/** The spec's literal env values (valueFrom entries need the kubelet to resolve them). */
export function literalEnv(container: Container): EnvPair[] {
  return container.env.filter((e) => !e.valueFrom).map((e) => ({ name: e.name, value: e.value }));
}
