// Admission over real gRPC: Kubernetes' defaults, validation errors with field paths, and
// Service ClusterIP / NodePort allocation with conflicts and release on delete.
import { strict as assert } from 'node:assert';
import { status as Status } from '@grpc/grpc-js';
import { InvalidError } from '../../../lib/api/errors';
import { Deployment } from '../../../lib/gen/kite/apps/v1/types';
import { Namespace, Pod } from '../../../lib/gen/kite/core/v1/types';
import { ipToInt } from '../../../services/apiserver/registry/service-allocators';
import { deployment, pod, service } from '../../support/builders';
import { backends, errorOf, uniqueName, useApiserver } from './harness';

/** The field paths of an INVALID_ARGUMENT error. */
async function invalidFields(fn: () => Promise<unknown>): Promise<string[]> {
  const err = await errorOf(fn);
  assert.equal(err.code, Status.INVALID_ARGUMENT, err.message);
  assert.ok(err instanceof InvalidError, `${err.constructor.name}: ${err.message}`);
  return err.causes.map((c) => c.field);
}

const inServiceCIDR = (ip: string) => (ipToInt(ip) & 0xffff0000) >>> 0 === ipToInt('10.96.0.0');

for (const backend of backends()) {
  describe(`apiserver admission over gRPC (${backend})`, function () {
    this.timeout(20_000);
    const h = useApiserver(backend);

    describe('defaults', () => {
      it('defaults a pod as Kubernetes does', async () => {
        const p = await h.client.pods.create(
          Pod.fromPartial({
            metadata: { name: uniqueName('defaults') },
            spec: {
              containers: [
                { name: 'tagged', image: 'nginx:1.22', ports: [{ containerPort: 80 }] },
                { name: 'untagged', image: 'nginx' },
                { name: 'latest', image: 'registry.local:5000/nginx:latest' },
                { name: 'explicit', image: 'nginx', imagePullPolicy: 'Never' },
              ],
            },
          }),
        );
        const spec = p.spec!;
        assert.equal(spec.restartPolicy, 'Always');
        assert.equal(spec.terminationGracePeriodSeconds, 30);
        assert.equal(spec.dnsPolicy, 'ClusterFirst');
        assert.equal(spec.schedulerName, 'default-scheduler');
        assert.deepEqual(spec.containers.map((c) => c.imagePullPolicy), ['IfNotPresent', 'Always', 'Always', 'Never']);
        assert.equal(spec.containers[0].ports[0].protocol, 'TCP');
        assert.deepEqual(
          spec.tolerations.map((t) => [t.key, t.operator, t.effect, t.tolerationSeconds]),
          [
            ['node.kubernetes.io/not-ready', 'Exists', 'NoExecute', 300],
            ['node.kubernetes.io/unreachable', 'Exists', 'NoExecute', 300],
          ],
        );
        assert.equal(p.status!.phase, 'Pending');
        assert.equal(p.status!.qosClass, 'BestEffort');
      });

      it('keeps a pod\'s own toleration for not-ready instead of adding the default', async () => {
        const p = await h.client.pods.create(
          pod(uniqueName('tol'), { spec: { tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }] } }),
        );
        assert.deepEqual(
          p.spec!.tolerations.map((t) => [t.key, t.tolerationSeconds]),
          [
            ['node.kubernetes.io/not-ready', 5],
            ['node.kubernetes.io/unreachable', 300],
          ],
        );
      });

      it('defaults a deployment: 25%/25% rolling update, revisionHistoryLimit 10, one replica', async () => {
        const d = deployment(uniqueName('dd'));
        d.spec!.replicas = undefined as unknown as number;
        const out = await h.client.deployments.create(d);
        assert.equal(out.spec!.replicas, 1);
        assert.equal(out.spec!.strategy!.type, 'RollingUpdate');
        assert.equal(out.spec!.strategy!.rollingUpdate!.maxSurge, '25%');
        assert.equal(out.spec!.strategy!.rollingUpdate!.maxUnavailable, '25%');
        assert.equal(out.spec!.revisionHistoryLimit, 10);
        assert.equal(out.spec!.progressDeadlineSeconds, 600);
        assert.equal(out.spec!.template!.spec!.restartPolicy, 'Always');
      });

      it('defaults a service: ClusterIP type, TCP, targetPort = port, sessionAffinity None', async () => {
        const s = await h.client.services.create(service(uniqueName('sd')));
        assert.equal(s.spec!.type, 'ClusterIP');
        assert.equal(s.spec!.ports[0].protocol, 'TCP');
        assert.equal(s.spec!.ports[0].targetPort, 80);
        assert.equal(s.spec!.sessionAffinity, 'None');
        assert.equal(s.spec!.ports[0].nodePort, 0);
      });
    });

    describe('validation with field paths', () => {
      it('rejects bad names', async () => {
        for (const name of ['Bad_Name', 'UPPER', '-lead', 'trail-', 'a'.repeat(254)]) {
          assert.deepEqual(await invalidFields(() => h.client.pods.create(pod(name))), ['metadata.name'], name);
        }
        assert.deepEqual(await invalidFields(() => h.client.namespaces.create(Namespace.fromPartial({ metadata: { name: 'dots.not.allowed' } }))), ['metadata.name']);
        assert.deepEqual(await invalidFields(() => h.client.services.create(service('1starts-with-digit'))), ['metadata.name']);
        assert.deepEqual(await invalidFields(() => h.client.pods.create(Pod.fromPartial({ metadata: {}, spec: { containers: [{ name: 'c', image: 'x' }] } }))), ['metadata.name']);
      });

      it('rejects a pod without an image, without containers, or with bad labels', async () => {
        const noImage = Pod.fromPartial({ metadata: { name: uniqueName('img') }, spec: { containers: [{ name: 'c' }] } });
        const err = await errorOf(() => h.client.pods.create(noImage));
        assert.equal(err.code, Status.INVALID_ARGUMENT);
        assert.match(err.message, /spec\.containers\[0\]\.image: Required value/);
        assert.deepEqual(await invalidFields(() => h.client.pods.create(Pod.fromPartial({ metadata: { name: uniqueName('nc') }, spec: {} }))), ['spec.containers']);
        assert.deepEqual(await invalidFields(() => h.client.pods.create(pod(uniqueName('lbl'), { labels: { 'bad key!': 'v', ok: 'bad value!' } }))), ['metadata.labels', 'metadata.labels']);
        assert.deepEqual(await invalidFields(() => h.client.pods.create(pod(uniqueName('rp'), { spec: { restartPolicy: 'Sometimes' } }))), ['spec.restartPolicy']);
      });

      it('rejects lifecycle hooks without a handler or sleeping past the grace period, and keeps valid ones', async () => {
        const hooked = (name: string, lifecycle: unknown, grace = 30) =>
          pod(name, { spec: { terminationGracePeriodSeconds: grace, containers: [{ name: 'c', image: 'nginx:1.22', lifecycle }] } });
        const err = await errorOf(() => h.client.pods.create(hooked(uniqueName('nohandler'), { preStop: {} })));
        assert.equal(err.code, Status.INVALID_ARGUMENT);
        assert.match(err.message, /spec\.containers\[0\]\.lifecycle\.preStop: Required value: must specify a handler type/);
        assert.deepEqual(await invalidFields(() => h.client.pods.create(hooked(uniqueName('longsleep'), { preStop: { sleep: { seconds: 40 } } }))), ['spec.containers[0].lifecycle.preStop.sleep']);
        const ok = await h.client.pods.create(hooked(uniqueName('hooks'), { postStart: { httpGet: { port: 80 } }, preStop: { exec: { command: ['sleep', '5'] } } }));
        assert.deepEqual(ok.spec!.containers[0].lifecycle!.preStop!.exec!.command, ['sleep', '5']);
        assert.equal(ok.spec!.containers[0].lifecycle!.postStart!.httpGet!.path, '/', 'defaulted as for probes');
      });

      it('rejects a deployment whose selector does not match its template labels', async () => {
        const d = deployment(uniqueName('sel'));
        d.spec!.template!.metadata!.labels = { app: 'other' };
        assert.deepEqual(await invalidFields(() => h.client.deployments.create(d)), ['spec.template.metadata.labels']);
        const empty = deployment(uniqueName('empty'));
        empty.spec!.selector = { matchLabels: {}, matchExpressions: [] };
        assert.ok((await invalidFields(() => h.client.deployments.create(empty))).includes('spec.selector'));
        const negative = Deployment.fromPartial({ ...deployment(uniqueName('neg')), spec: { ...deployment('x').spec, replicas: -1 } });
        assert.ok((await invalidFields(() => h.client.deployments.create(negative))).includes('spec.replicas'));
      });

      it('rejects changing a deployment selector and most of a pod spec on update', async () => {
        const d = await h.client.deployments.create(deployment(uniqueName('imm')));
        const moved = structuredClone(d);
        moved.spec!.selector = { matchLabels: { app: 'moved' }, matchExpressions: [] };
        moved.spec!.template!.metadata!.labels = { app: 'moved' };
        assert.deepEqual(await invalidFields(() => h.client.deployments.update(moved)), ['spec.selector']);
        const p = await h.client.pods.create(pod(uniqueName('podimm')));
        const changed = structuredClone(p);
        changed.spec!.restartPolicy = 'Never';
        assert.deepEqual(await invalidFields(() => h.client.pods.update(changed)), ['spec']);
        const image = structuredClone(p);
        image.spec!.containers[0].image = 'nginx:1.23';
        assert.equal((await h.client.pods.update(image)).spec!.containers[0].image, 'nginx:1.23');
      });

      it('stores nothing when validation fails', async () => {
        const name = uniqueName('nothing');
        const bad = Pod.fromPartial({ metadata: { name }, spec: { containers: [{ name: 'c' }] } });
        await errorOf(() => h.client.pods.create(bad));
        assert.equal((await errorOf(() => h.client.pods.get(name))).code, Status.NOT_FOUND);
      });
    });

    describe('Service IP and port allocation', () => {
      it('allocates a ClusterIP from 10.96.0.0/16 and node ports from 30000-32767, all distinct', async () => {
        const ips = new Set<string>();
        const ports = new Set<number>();
        for (let i = 0; i < 5; i++) {
          const s = await h.client.services.create(service(uniqueName('alloc'), { type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 443 }] }));
          assert.ok(inServiceCIDR(s.spec!.clusterIP), s.spec!.clusterIP);
          assert.deepEqual(s.spec!.clusterIPs, [s.spec!.clusterIP]);
          ips.add(s.spec!.clusterIP);
          for (const p of s.spec!.ports) {
            assert.ok(p.nodePort >= 30000 && p.nodePort <= 32767, String(p.nodePort));
            ports.add(p.nodePort);
          }
        }
        assert.equal(ips.size, 5);
        assert.equal(ports.size, 10);
      });

      it('gives the kubernetes service the first address of the range', async () => {
        const k = await h.client.services.get('kubernetes', 'default');
        assert.equal(k.spec!.clusterIP, '10.96.0.1');
      });

      it('refuses a taken nodePort or clusterIP and a nodePort out of range, and stores nothing', async () => {
        const first = await h.client.services.create(service(uniqueName('taken'), { type: 'NodePort' }));
        const port = first.spec!.ports[0].nodePort;
        const name = uniqueName('clash');
        const portErr = await errorOf(() => h.client.services.create(service(name, { type: 'NodePort', ports: [{ port: 80, nodePort: port }] })));
        assert.equal(portErr.code, Status.INVALID_ARGUMENT);
        assert.match(portErr.message, /spec\.ports\[0\]\.nodePort: Invalid value: \d+: provided port is already allocated/);
        const ipErr = await errorOf(() => h.client.services.create(service(name, { clusterIP: first.spec!.clusterIP })));
        assert.deepEqual((ipErr as InvalidError).causes.map((c) => c.field), ['spec.clusterIP']);
        assert.match(ipErr.message, /already allocated/);
        assert.deepEqual(await invalidFields(() => h.client.services.create(service(name, { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] }))), ['spec.ports[0].nodePort']);
        assert.deepEqual(await invalidFields(() => h.client.services.create(service(name, { clusterIP: '192.168.0.10' }))), ['spec.clusterIP']);
        assert.equal((await errorOf(() => h.client.services.get(name))).code, Status.NOT_FOUND);
      });

      it('releases a deleted service\'s nodePort and clusterIP for reuse', async () => {
        const a = await h.client.services.create(service(uniqueName('rel'), { type: 'NodePort' }));
        const { nodePort } = a.spec!.ports[0];
        const ip = a.spec!.clusterIP;
        await h.client.services.delete(a.metadata!.name);
        const b = await h.client.services.create(service(uniqueName('reuse'), { type: 'NodePort', clusterIP: ip, ports: [{ port: 80, nodePort }] }));
        assert.equal(b.spec!.ports[0].nodePort, nodePort);
        assert.equal(b.spec!.clusterIP, ip);
      });

      it('keeps a failed create from leaking its allocation', async () => {
        // The second port clashes, so the first port's (free) nodePort must not stay claimed.
        const taken = (await h.client.services.create(service(uniqueName('t2'), { type: 'NodePort' }))).spec!.ports[0].nodePort;
        const free = taken === 32767 ? 32766 : taken + 1;
        const name = uniqueName('leak');
        await errorOf(() =>
          h.client.services.create(service(name, { type: 'NodePort', ports: [{ name: 'a', port: 80, nodePort: free }, { name: 'b', port: 81, nodePort: taken }] })),
        );
        const ok = await h.client.services.create(service(name, { type: 'NodePort', ports: [{ port: 80, nodePort: free }] }));
        assert.equal(ok.spec!.ports[0].nodePort, free);
      });

      it('keeps ClusterIP and nodePort across updates and releases a port dropped by an update', async () => {
        const s = await h.client.services.create(service(uniqueName('upd'), { type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] }));
        const [pa, pb] = s.spec!.ports.map((p) => p.nodePort);
        const upd = structuredClone(s);
        upd.spec!.ports = [upd.spec!.ports[0]];
        upd.metadata!.labels = { changed: 'yes' };
        const out = await h.client.services.update(upd);
        assert.equal(out.spec!.clusterIP, s.spec!.clusterIP);
        assert.equal(out.spec!.ports[0].nodePort, pa);
        const reuse = await h.client.services.create(service(uniqueName('reuseb'), { type: 'NodePort', ports: [{ port: 80, nodePort: pb }] }));
        assert.equal(reuse.spec!.ports[0].nodePort, pb);
        const ipChange = structuredClone(out);
        ipChange.spec!.clusterIP = '10.96.200.200';
        assert.deepEqual(await invalidFields(() => h.client.services.update(ipChange)), ['spec.clusterIP']);
      });
    });
  });
}
