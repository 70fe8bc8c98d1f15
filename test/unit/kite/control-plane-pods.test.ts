// The control plane's static pod manifests, as kubeadm lays them out: what the kubelet reads from
// /etc/kubernetes/manifests on the control-plane node, each pod mounting exactly what the
// component's container would, read-only where the container's mount is.
import { strict as assert } from 'node:assert';
import { stringify } from 'yaml';
import { parseClusterConfig } from '../../../services/kite/cluster-config';
import type { Probe } from '../../../lib/gen/kite/core/v1/types';
import { componentRunArgs, controlPlaneComponents, DEFAULT_TIMINGS, MANIFESTS_DIR, nodeComponents, type Component } from '../../../services/kite/components';
import { staticPodManifest } from '../../../services/kite/control-plane-pods';
import { COMPONENT_IMAGE } from '../../../services/kite/images';
import { APISERVER_SECURE_PORT, planNodes } from '../../../services/kite/nodes';
import { staticPodFromManifest } from '../../../services/kubelet/config-sources/static-pods';

const { config } = parseClusterConfig('kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n- role: worker\n', 'pods');
const [controlPlane, worker] = planNodes(config);
const haConfig = parseClusterConfig('kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n- role: control-plane\n- role: control-plane\n', 'ha').config;
const members = planNodes(haConfig).map((n, i) => ({ name: n.name, ip: `172.18.0.${i + 2}` }));

describe('kite control plane as static pods', () => {
  it('has kubeadm\'s pods: etcd only with the etcd store, then kube-apiserver, kube-controller-manager, kube-scheduler', () => {
    assert.deepEqual(controlPlaneComponents(config, DEFAULT_TIMINGS, 'sqlite').map((c) => c.name), ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']);
    assert.deepEqual(controlPlaneComponents(config, DEFAULT_TIMINGS, 'etcd').map((c) => c.name), ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']);
  });

  for (const store of ['sqlite', 'etcd'] as const) {
    it(`each manifest is a hostNetwork, system-node-critical pod in kube-system that the kubelet accepts, mounting what the container would (${store} store)`, () => {
      for (const c of controlPlaneComponents(config, DEFAULT_TIMINGS, store)) {
        const m = staticPodManifest(c) as { metadata: { name: string; namespace: string; labels: Record<string, string> } };
        const pod = staticPodFromManifest(stringify(m), `${MANIFESTS_DIR}/${c.name}.yaml`, controlPlane.name);
        assert.equal(pod.metadata!.name, `${c.name}-${controlPlane.name}`);
        assert.equal(pod.metadata!.namespace, 'kube-system');
        assert.deepEqual(pod.metadata!.labels, { component: c.name, tier: 'control-plane' });
        const spec = pod.spec!;
        assert.equal(spec.hostNetwork, true);
        assert.equal(spec.priorityClassName, 'system-node-critical');
        assert.equal(spec.restartPolicy, 'Always');
        const [container] = spec.containers;
        assert.equal(container.name, c.name);
        assert.equal(container.image, COMPONENT_IMAGE);
        assert.deepEqual(container.command, c.command);
        // `docker run -v src:dst[:ro]` of the component's container, as hostPath volumes and mounts.
        const args = componentRunArgs(c);
        const binds = args.filter((_a, i) => args[i - 1] === '-v').sort();
        const mounted = container.volumeMounts.map((vm) => {
          const volume = spec.volumes.find((v) => v.name === vm.name)!;
          assert.equal(volume.hostPath!.path, vm.mountPath, vm.name);
          return `${vm.mountPath}:${vm.mountPath}${vm.readOnly ? ':ro' : ''}`;
        });
        assert.deepEqual(mounted.sort(), binds, c.name);
        assert.equal(spec.volumes.length, container.volumeMounts.length);
      }
    });
  }

  it('the data directories are mounted read-write, everything else read-only', () => {
    const writable = (store: 'sqlite' | 'etcd', name: string) =>
      (staticPodManifest(controlPlaneComponents(config, DEFAULT_TIMINGS, store).find((c) => c.name === name)!) as { spec: { containers: { volumeMounts: { mountPath: string; readOnly?: boolean }[] }[] } }).spec.containers[0].volumeMounts
        .filter((m) => !m.readOnly)
        .map((m) => m.mountPath);
    assert.deepEqual(writable('sqlite', 'kube-apiserver'), ['/var/lib/kite/apiserver']);
    assert.deepEqual(writable('etcd', 'etcd'), ['/var/lib/kite/etcd']);
    assert.deepEqual(writable('etcd', 'kube-apiserver'), []);
    assert.deepEqual(writable('sqlite', 'kube-scheduler'), []);
  });

  it('has kubeadm\'s probes, with its timings, on the ports the components serve, as the kubelet reads them', () => {
    const probes = (c: Component) => {
      const pod = staticPodFromManifest(stringify(staticPodManifest(c)), `${MANIFESTS_DIR}/${c.name}.yaml`, controlPlane.name);
      const [container] = pod.spec!.containers;
      const one = (p: Probe | undefined) => p && { ...p.httpGet!, httpHeaders: undefined, timings: [p.initialDelaySeconds, p.timeoutSeconds, p.failureThreshold, p.periodSeconds] };
      return { liveness: one(container.livenessProbe), readiness: one(container.readinessProbe), startup: one(container.startupProbe) };
    };
    const get = (path: string, port: number, scheme: string, timings: number[]) => ({ host: '127.0.0.1', path, port, scheme, httpHeaders: undefined, timings });
    // kubeadm: liveness (10 s delay, 15 s timeout, 8 failures, every 10 s), readiness (0, 15, 3, 1), startup (10, 15, 24, 10).
    const [live, ready, start] = [[10, 15, 8, 10], [0, 15, 3, 1], [10, 15, 24, 10]];
    const components = [...controlPlaneComponents(config, DEFAULT_TIMINGS, 'etcd'), controlPlaneComponents(haConfig, DEFAULT_TIMINGS, 'etcd', { self: members[0], members })[0]];
    const [etcd, apiserver, controllerManager, scheduler, etcdMember] = components;
    for (const e of [etcd, etcdMember]) {
      assert.equal(e.command[e.command.indexOf('--listen-metrics-urls') + 1], 'http://127.0.0.1:2381');
      assert.deepEqual(probes(e), {
        // Debian's etcd 3.4 has no local health check (test/integration/kite/etcd-probes.test.ts).
        liveness: get('/metrics', 2381, 'HTTP', live),
        readiness: undefined,
        startup: get('/health?serializable=false', 2381, 'HTTP', start),
      });
    }
    assert.deepEqual(probes(apiserver), {
      liveness: get('/livez', APISERVER_SECURE_PORT, 'HTTPS', live),
      readiness: get('/readyz', APISERVER_SECURE_PORT, 'HTTPS', ready),
      startup: get('/livez', APISERVER_SECURE_PORT, 'HTTPS', start),
    });
    for (const [c, port] of [[controllerManager, 10257], [scheduler, 10259]] as const) {
      // Served on loopback (--bind-address, as kubeadm sets it) at the program's default --secure-port.
      assert.equal(c.command[c.command.indexOf('--bind-address') + 1], '127.0.0.1', c.name);
      assert.ok(!c.command.includes('--secure-port'), c.name);
      assert.deepEqual(probes(c), { liveness: get('/healthz', port, 'HTTPS', live), readiness: undefined, startup: get('/healthz', port, 'HTTPS', start) }, c.name);
    }
  });

  it('every kubelet reads kubeadm\'s static pod directory, mounted read-only', () => {
    for (const node of [controlPlane, worker]) {
      const kubelet = nodeComponents(config, node).find((c) => c.name === 'kite-kubelet')!;
      assert.equal(kubelet.command[kubelet.command.indexOf('--pod-manifest-path') + 1], MANIFESTS_DIR);
      assert.match(componentRunArgs(kubelet).join(' '), / -v \/etc\/kubernetes\/manifests:\/etc\/kubernetes\/manifests:ro /);
    }
  });
});
