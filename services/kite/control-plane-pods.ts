// The control plane of a kite cluster as static pods, laid out as kubeadm lays it out: one
// manifest per component in the control-plane node's /etc/kubernetes/manifests, which its kubelet
// (--pod-manifest-path) runs before the apiserver answers and publishes as mirror pods, so
// `kitectl get pods -n kube-system` lists etcd-<node>, kube-apiserver-<node>,
// kube-controller-manager-<node> and kube-scheduler-<node> as kind's does. Each pod is
// hostNetwork, system-node-critical, labelled component=<name> and tier=control-plane, asks
// kubeadm's CPU (and etcd's memory) requests, and mounts exactly what the component's container
// would mount (components.ts: the node's /usr, the application, its own /etc/kite files,
// read-only; its data directory read-write) as hostPath volumes. Each container has kubeadm's
// probes with kubeadm's timings: a liveness probe (first after 10 s, every 10 s, restart after 8
// failures of 15 s each), a startup probe holding liveness back for up to kubeadm's 4 minutes of
// control-plane start (24 x 10 s: an apiserver waiting for its etcd, an etcd member waiting for
// its peers to form a quorum after a restart of every node), and for the apiserver a readiness
// probe every second. The apiserver's are /livez and /readyz of its HTTPS port; the scheduler's
// and the controller-manager's /healthz of their --secure-port (10259, 10257), all HTTPS, which
// the kubelet probes without verifying the certificate. etcd's are on its metrics port (2381, on
// loopback). Its startup probe is kubeadm's GET /health?serializable=false: the member is in a
// quorum with a leader. kubeadm's liveness probe, GET /health?exclude=NOSPACE&serializable=true
// (1.32 asks /livez, served from etcd 3.5.11), is a local check in etcd 3.5 that a member cut off
// from its peers passes; Debian's etcd 3.4 ignores serializable and answers 503 without a leader,
// so a member of an HA cluster whose peers are not up yet (one control-plane node started before
// the others) or down would be restarted over and over, into a CrashLoopBackOff whose delay then
// keeps it out when its peers return. Its liveness probe reads GET /metrics on the same port
// instead, which answers while the member's server runs.
import { stringify } from 'yaml';
import { componentRunArgs, MANIFESTS_DIR, type Component } from './components';
import { nodeExec } from './docker-cli';
import { ETCD_METRICS_PORT } from './etcd-cluster';
import { COMPONENT_IMAGE } from './images';
import { APISERVER_SECURE_PORT } from './nodes';

/** kubeadm's requests for each control-plane component. */
const REQUESTS: Record<string, Record<string, string>> = {
  etcd: { cpu: '100m', memory: '100Mi' },
  'kube-apiserver': { cpu: '250m' },
  'kube-controller-manager': { cpu: '200m' },
  'kube-scheduler': { cpu: '100m' },
};

/** The --secure-port defaults of kube-controller-manager and kube-scheduler, where their /healthz is. */
export const CONTROLLER_MANAGER_SECURE_PORT = 10257;
export const SCHEDULER_SECURE_PORT = 10259;

type Scheme = 'HTTP' | 'HTTPS';
type Probe = Record<string, unknown>;

const httpProbe = (path: string, port: number, scheme: Scheme, initialDelaySeconds: number, failureThreshold: number, periodSeconds: number): Probe => ({
  httpGet: { host: '127.0.0.1', path, port, scheme },
  initialDelaySeconds,
  timeoutSeconds: 15,
  failureThreshold,
  periodSeconds,
});
/** kubeadm's staticpodutil.LivenessProbe, ReadinessProbe and StartupProbe (4 minutes: ControlPlaneComponentHealthCheckTimeout). */
const liveness = (path: string, port: number, scheme: Scheme) => httpProbe(path, port, scheme, 10, 8, 10);
const readiness = (path: string, port: number, scheme: Scheme) => httpProbe(path, port, scheme, 0, 3, 1);
const startup = (path: string, port: number, scheme: Scheme) => httpProbe(path, port, scheme, 10, Math.ceil(240 / 10), 10);

/** kubeadm's probes of each control-plane component. */
export const PROBES: Record<string, { livenessProbe: Probe; readinessProbe?: Probe; startupProbe: Probe }> = {
  etcd: {
    livenessProbe: liveness('/metrics', ETCD_METRICS_PORT, 'HTTP'),
    startupProbe: startup('/health?serializable=false', ETCD_METRICS_PORT, 'HTTP'),
  },
  'kube-apiserver': {
    livenessProbe: liveness('/livez', APISERVER_SECURE_PORT, 'HTTPS'),
    readinessProbe: readiness('/readyz', APISERVER_SECURE_PORT, 'HTTPS'),
    startupProbe: startup('/livez', APISERVER_SECURE_PORT, 'HTTPS'),
  },
  'kube-controller-manager': {
    livenessProbe: liveness('/healthz', CONTROLLER_MANAGER_SECURE_PORT, 'HTTPS'),
    startupProbe: startup('/healthz', CONTROLLER_MANAGER_SECURE_PORT, 'HTTPS'),
  },
  'kube-scheduler': {
    livenessProbe: liveness('/healthz', SCHEDULER_SECURE_PORT, 'HTTPS'),
    startupProbe: startup('/healthz', SCHEDULER_SECURE_PORT, 'HTTPS'),
  },
};

interface HostMount {
  name: string;
  path: string;
  readOnly: boolean;
}

/** A volume name (a DNS label) for a node path: /etc/kite/pki/ca.crt -> etc-kite-pki-ca-crt. */
function volumeName(path: string): string {
  return path.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
}

/** The bind mounts `docker run` would give the component (source and target are the same path in Kite). */
export function hostMounts(c: Component): HostMount[] {
  const args = componentRunArgs(c);
  const mounts: HostMount[] = [];
  args.forEach((arg, i) => {
    if (args[i - 1] !== '-v') return;
    const [source, target, options] = arg.split(':');
    if (source !== target) throw new Error(`${c.name}: mount ${arg} is not at the same path inside and outside`);
    mounts.push({ name: volumeName(source), path: source, readOnly: options === 'ro' });
  });
  return mounts;
}

/** The component's static pod manifest (a v1 Pod, as kubeadm writes it). */
export function staticPodManifest(c: Component): Record<string, unknown> {
  const mounts = hostMounts(c);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: c.name, namespace: 'kube-system', labels: { component: c.name, tier: 'control-plane' } },
    spec: {
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      containers: [
        {
          name: c.name,
          image: COMPONENT_IMAGE,
          imagePullPolicy: 'IfNotPresent',
          command: c.command,
          ...(REQUESTS[c.name] ? { resources: { requests: REQUESTS[c.name] } } : {}),
          ...PROBES[c.name],
          volumeMounts: mounts.map((m) => ({ name: m.name, mountPath: m.path, ...(m.readOnly ? { readOnly: true } : {}) })),
        },
      ],
      volumes: mounts.map((m) => ({ name: m.name, hostPath: { path: m.path } })),
    },
  };
}

/**
 * Writes the components' manifests into the node (each through a dot file the kubelet skips,
 * then renamed, so it never reads half a manifest), after making their data directories
 * owner-only.
 */
export async function writeStaticPods(node: string, components: Component[]): Promise<void> {
  const privateDirs = components.flatMap((c) => c.privateDirs ?? []);
  if (privateDirs.length) await nodeExec(node, ['mkdir', '-p', '-m', '0700', ...privateDirs]);
  await nodeExec(node, ['mkdir', '-p', MANIFESTS_DIR]);
  for (const c of components) {
    const file = `${MANIFESTS_DIR}/${c.name}.yaml`;
    const staging = `${MANIFESTS_DIR}/.${c.name}.yaml.tmp`;
    await nodeExec(node, ['sh', '-c', `cat > ${staging} && mv ${staging} ${file}`], { input: stringify(staticPodManifest(c)) });
  }
}
