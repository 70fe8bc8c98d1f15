// What each component container of a kite cluster is given: of the node's /etc/kite only the
// files its command line names, read-only (kubeadm's per-component mounts). The CA key and the
// admin kubeconfig, which are cluster-admin, are mounted into no component.
import { strict as assert } from 'node:assert';
import { parseClusterConfig } from '../../../services/kite/cluster-config';
import {
  componentRunArgs,
  configFiles,
  controlPlaneComponents,
  DEFAULT_TIMINGS,
  nodeComponents,
  type Component,
  type StoreBackend,
} from '../../../services/kite/components';
import { CONFIG_DIR, KUBECONFIGS } from '../../../services/kite/node-config';
import { planNodes } from '../../../services/kite/nodes';

const { config } = parseClusterConfig('kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n- role: worker\n', 'mounts');
const [controlPlane, worker] = planNodes(config);

function components(store: StoreBackend): Component[] {
  return [...controlPlaneComponents(config, DEFAULT_TIMINGS, store), ...nodeComponents(config, controlPlane), ...nodeComponents(config, worker)];
}

/** The sources of a component's bind mounts that lie under /etc/kite, and their options. */
function configMounts(c: Component): string[] {
  const args = componentRunArgs(c);
  const mounts: string[] = [];
  args.forEach((a, i) => {
    if (args[i - 1] === '-v' && (a === CONFIG_DIR || a.startsWith(`${CONFIG_DIR}/`) || a.startsWith(`${CONFIG_DIR}:`))) mounts.push(a);
  });
  return mounts;
}

const f = (p: string) => `${CONFIG_DIR}/${p}`;

const WANT: Record<string, string[]> = {
  etcd: [],
  'kube-apiserver': [
    f('pki/apiserver.crt'),
    f('pki/apiserver.key'),
    f('pki/ca.crt'),
    f('pki/apiserver-kubelet-client.crt'),
    f('pki/apiserver-kubelet-client.key'),
    f('pki/sa.key'),
    f('pki/sa.pub'),
    f('pki/encryption-config.yaml'),
  ],
  'kube-controller-manager': [f(KUBECONFIGS.controllerManager), f('pki/ca.crt')],
  'kube-scheduler': [f(KUBECONFIGS.scheduler)],
  'kite-kubelet': [f(KUBECONFIGS.kubelet), f('pki/kubelet.crt'), f('pki/kubelet.key'), f('pki/ca.crt')],
};

describe('kite components: mounts of /etc/kite', () => {
  for (const store of ['sqlite', 'etcd'] as const) {
    it(`gives each component exactly its own files, read-only, never the whole folder (${store} store)`, () => {
      for (const c of components(store)) {
        const want = WANT[c.name];
        assert.ok(want, `unexpected component ${c.name}`);
        assert.deepEqual([...configFiles(c)].sort(), [...want].sort(), c.name);
        assert.deepEqual(configMounts(c).sort(), want.map((p) => `${p}:${p}:ro`).sort(), `${c.name} mounts`);
      }
    });

    it(`mounts the CA key and admin.conf into no component (${store} store)`, () => {
      for (const c of components(store)) {
        for (const m of configMounts(c)) {
          assert.ok(!m.includes('ca.key'), `${c.name} mounts ${m}`);
          assert.ok(!m.includes(KUBECONFIGS.admin), `${c.name} mounts ${m}`);
          assert.ok(!m.startsWith(`${CONFIG_DIR}:`) && !m.startsWith(`${CONFIG_DIR}/pki:`), `${c.name} mounts a whole folder: ${m}`);
        }
      }
    });
  }

  it('creates the stores\' data directories owner-only before they start', () => {
    const byName = (store: StoreBackend, name: string) => components(store).find((c) => c.name === name)!;
    assert.deepEqual(byName('sqlite', 'kube-apiserver').privateDirs, ['/var/lib/kite/apiserver']);
    assert.deepEqual(byName('etcd', 'etcd').privateDirs, ['/var/lib/kite/etcd']);
  });
});

describe('kite components: the kubelet endpoint', () => {
  it('authorizes every caller with the apiserver (--authorization-mode Webhook) and knows callers by certificates from the cluster CA', () => {
    for (const node of [controlPlane, worker]) {
      const command = nodeComponents(config, node).find((c) => c.name === 'kite-kubelet')!.command;
      const flag = (name: string) => command[command.indexOf(name) + 1];
      assert.equal(flag('--authorization-mode'), 'Webhook');
      assert.equal(flag('--client-ca-file'), f('pki/ca.crt'));
      assert.equal(flag('--kubeconfig'), f(KUBECONFIGS.kubelet));
    }
  });

  it("sees the node's processes and may enter a pod's network namespace (port-forward's nsenter); the other components may not", () => {
    const args = componentRunArgs(nodeComponents(config, worker).find((c) => c.name === 'kite-kubelet')!).join(' ');
    assert.match(args, / --pid host /);
    assert.match(args, / --cap-add SYS_ADMIN --cap-add SYS_PTRACE /);
    for (const c of components('sqlite').filter((c) => c.name !== 'kite-kubelet')) assert.doesNotMatch(componentRunArgs(c).join(' '), /--pid|SYS_ADMIN|SYS_PTRACE/, c.name);
  });

  it("sees the node's local-path volumes at their path, so hostPath PersistentVolumes are checked and made on the node", () => {
    const args = componentRunArgs(nodeComponents(config, worker).find((c) => c.name === 'kite-kubelet')!).join(' ');
    assert.match(args, / -v \/var\/local-path-provisioner:\/var\/local-path-provisioner /);
  });

  it("passes the apiserver kubeadm's service-account flags: its issuer, sa.key to sign, sa.pub to verify", () => {
    const apiserver = components('sqlite').find((c) => c.name === 'kube-apiserver')!.command;
    const flag = (name: string) => apiserver[apiserver.indexOf(name) + 1];
    assert.equal(flag('--service-account-issuer'), 'https://kubernetes.default.svc.cluster.local');
    assert.equal(flag('--service-account-signing-key-file'), f('pki/sa.key'));
    assert.equal(flag('--service-account-key-file'), f('pki/sa.pub'));
  });

  it("serves gRPC on 6443 and Kubernetes' HTTP API (kubectl's) on --secure-port 6444", () => {
    const apiserver = components('sqlite').find((c) => c.name === 'kube-apiserver')!.command;
    const flag = (name: string) => apiserver[apiserver.indexOf(name) + 1];
    assert.equal(flag('--port'), '6443');
    assert.equal(flag('--secure-port'), '6444');
  });
});
