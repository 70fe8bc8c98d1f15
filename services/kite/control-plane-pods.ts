// The control plane of a kite cluster as static pods, laid out as kubeadm lays it out: one
// manifest per component in the control-plane node's /etc/kubernetes/manifests, which its kubelet
// (--pod-manifest-path) runs before the apiserver answers and publishes as mirror pods, so
// `kitectl get pods -n kube-system` lists etcd-<node>, kube-apiserver-<node>,
// kube-controller-manager-<node> and kube-scheduler-<node> as kind's does. Each pod is
// hostNetwork, system-node-critical, labelled component=<name> and tier=control-plane, asks
// kubeadm's CPU (and etcd's memory) requests, and mounts exactly what the component's container
// would mount (components.ts: the node's /usr, the application, its own /etc/kite files,
// read-only; its data directory read-write) as hostPath volumes.
import { stringify } from 'yaml';
import { componentRunArgs, MANIFESTS_DIR, type Component } from './components';
import { nodeExec } from './docker-cli';
import { COMPONENT_IMAGE } from './images';

/** kubeadm's requests for each control-plane component. */
const REQUESTS: Record<string, Record<string, string>> = {
  etcd: { cpu: '100m', memory: '100Mi' },
  'kube-apiserver': { cpu: '250m' },
  'kube-controller-manager': { cpu: '200m' },
  'kube-scheduler': { cpu: '100m' },
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
