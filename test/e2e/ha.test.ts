// End to end: a highly available cluster from `kite create cluster --config examples/kind-ha.yaml`
// (three control-plane nodes, each with an etcd member of one cluster, an apiserver, a scheduler
// and a controller-manager, behind the <cluster>-external-load-balancer haproxy container; one
// worker), and its failure behaviour: the control-plane node holding the leases stopped (new
// leaders, the load balancer drops its apiserver, writes through the kubeconfig keep succeeding,
// a Deployment scaled during the outage converges), then one etcd member killed (reads and writes
// continue, the member rejoins when the kubelet restarts it), then every container of the cluster
// stopped together and started again, as a reboot of the host does (the control plane's static
// pods and etcd's quorum back, the same application pods restarted in place, every write kept,
// nginx served through its Service). Part of `npm test` (9 min on a loaded 2-core machine,
// creation included); `npm run test:ha` runs it alone.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { waitFor } from '../support/wait';
import { docker, kite, kitectlFor, podContainer, podExec, REPO, run } from './kite';

interface PodJson {
  metadata: { name: string; uid?: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { phase?: string; conditions?: { type: string; status: string }[]; containerStatuses?: { restartCount?: number; containerID?: string }[] };
}

const ready = (p: PodJson) => p.status.phase === 'Running' && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/**
 * Run by the node's Node.js (`node -e etcdProbe <member>...`): the first member's member list and
 * every member's /health (a quorum read through it), over client TLS with the apiserver's etcd
 * client pair; prints {"members": [names], "health": ["true" | error, ...]}.
 */
const etcdProbe = `
const fs = require('fs'), https = require('https');
const pki = (f) => fs.readFileSync('/etc/kite/pki/' + f);
const tls = { ca: pki('ca.crt'), cert: pki('apiserver-etcd-client.crt'), key: pki('apiserver-etcd-client.key'), port: 2379, timeout: 5000 };
const call = (host, method, path, body) => new Promise((resolve, reject) => {
  const req = https.request({ ...tls, host, method, path }, (res) => {
    let data = '';
    res.on('data', (c) => (data += c));
    res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(data)) : reject(new Error(res.statusCode + ' ' + data))));
  });
  req.on('error', reject);
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.end(body);
});
const members = process.argv.slice(1);
Promise.all([
  call(members[0], 'POST', '/v3/cluster/member/list', '{}'),
  ...members.map((m) => call(m, 'GET', '/health').then((h) => h.health, (e) => String(e))),
]).then(([list, ...health]) => console.log(JSON.stringify({ members: list.members.map((m) => m.name), health })), (e) => {
  console.error(String(e));
  process.exit(1);
});
`;

describe('e2e: highly available kite cluster from examples/kind-ha.yaml', function () {
  this.timeout(300_000);
  const name = `ha-${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'kite-e2e-ha-'));
  const kubeconfig = join(dir, 'config');
  const kitectl = kitectlFor(kubeconfig);
  const controlPlanes = [`${name}-control-plane`, `${name}-control-plane2`, `${name}-control-plane3`];
  const worker = `${name}-worker`;
  const lb = `${name}-external-load-balancer`;
  let writes = 0;

  const pods = async (namespace: string, selector: string): Promise<PodJson[]> =>
    (JSON.parse(await kitectl(['get', 'pods', '-n', namespace, '-l', selector, '-o', 'json'])).items as PodJson[]).filter((p) => !p.metadata.deletionTimestamp);
  const readyNginx = (count: number) =>
    waitFor(`${count} ready nginx pods`, async () => {
      const ps = await pods('default', 'app=nginx');
      return ps.length === count && ps.every(ready) ? ps : undefined;
    }, 180_000, 1000);
  /** The node of a Lease's holder (identities are <hostname>_<uuid>, the hostname the node's). */
  const leaseHolder = async (lease: string) => {
    const l = JSON.parse(await kitectl(['get', 'lease', '-n', 'kube-system', lease, '-o', 'json']));
    return String(l.spec?.holderIdentity ?? '').split('_')[0];
  };
  /** One ConfigMap written through the kubeconfig (the load balancer); a connection cut by a failover is retried. */
  const write = async () => {
    const n = ++writes;
    await waitFor(`write ${n} through the load balancer`, async () => {
      const r = await run('node', [join(REPO, 'bin', 'kitectl'), '--kubeconfig', kubeconfig, 'create', 'configmap', `ha-write-${n}`, `--from-literal=n=${n}`]);
      return r.code === 0 || /AlreadyExists|already exists/.test(r.stderr) || undefined;
    }, 60_000, 500);
  };
  const writtenCount = async () => (JSON.parse(await kitectl(['get', 'configmaps', '-o', 'json'])).items as { metadata: { name: string } }[]).filter((c) => c.metadata.name.startsWith('ha-write-')).length;

  before(async function () {
    this.timeout(900_000);
    await kite(['create', 'cluster', '--config', join(REPO, 'examples', 'kind-ha.yaml'), '--name', name, '--kubeconfig', kubeconfig, '--wait', '4m'], 900_000);
  });

  after(async function () {
    this.timeout(120_000);
    await run('node', [join(REPO, 'bin', 'kite'), 'delete', 'cluster', '--name', name, '--kubeconfig', kubeconfig]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs etcd, the apiserver, the scheduler and the controller-manager on every control-plane node behind the load balancer, and serves nginx', async () => {
    const cp = await waitFor('the control plane\'s 12 mirror pods Ready', async () => {
      const ps = await pods('kube-system', 'tier=control-plane');
      return ps.length === 12 && ps.every(ready) ? ps : undefined;
    }, 120_000, 1000);
    const want = controlPlanes.flatMap((n) => ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].map((c) => `${c}-${n}`)).sort();
    assert.deepEqual(cp.map((p) => p.metadata.name).sort(), want);
    // The kubeconfig names the load balancer's host port; the nodes publish no apiserver port.
    const server = parse(await kite(['get', 'kubeconfig', '--name', name])).clusters[0].cluster.server as string;
    assert.equal(server.split(':').pop(), (await docker(['port', lb, '6443/tcp'])).trim().split('\n')[0].split(':').pop());
    assert.equal((await run('docker', ['port', controlPlanes[0], '6443/tcp'])).code, 1);
    // The kubelets' kubeconfigs name the load balancer on the cluster network.
    assert.match(await docker(['exec', worker, 'cat', '/etc/kite/kubelet.conf']), new RegExp(`server: https://${lb}:6443`));
    await kitectl(['apply', '-f', join(REPO, 'examples', 'nginx.yaml')]);
    await readyNginx(3);
    const clusterIP = JSON.parse(await kitectl(['get', 'service', 'nginx', '-o', 'json'])).spec.clusterIP as string;
    await kitectl(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ha-client', labels: { app: 'ha-client' } },
      spec: { nodeName: worker, containers: [{ name: 'client', image: 'kite/busybox:1', command: ['sleep', '3600'] }] },
    }));
    await waitFor('the client pod', async () => (await pods('default', 'app=ha-client')).every(ready) || undefined, 60_000, 500);
    assert.match(await podExec(worker, 'ha-client', 'client', ['timeout', '5', 'wget', '-qO-', `http://${clusterIP}/`]), /Served by <b>nginx-/);
  });

  it('survives the loss of the control-plane node holding the controller-manager lease: new leaders, writes through the load balancer, a scaled Deployment converges', async () => {
    const leader = await waitFor('a controller-manager leader', async () => (await leaseHolder('kube-controller-manager')) || undefined, 60_000, 1000);
    assert.ok(controlPlanes.includes(leader), `leader ${leader} is a control-plane node`);
    await write();
    await docker(['stop', leader], 120_000);
    try {
      await write();
      for (const lease of ['kube-controller-manager', 'kube-scheduler']) {
        const holder = await waitFor(`a new ${lease} leader`, async () => {
          const h = await leaseHolder(lease);
          return h && h !== leader ? h : undefined;
        }, 90_000, 1000);
        assert.ok(controlPlanes.includes(holder) && holder !== leader, `${lease}: ${holder}`);
      }
      await waitFor('the load balancer to mark the stopped apiserver down', async () => {
        const logs = (await run('docker', ['logs', lb])).stdout;
        // Down by its failed check, or for maintenance once Docker's DNS no longer knows the stopped node.
        return new RegExp(`kube-apiservers-grpc/${leader} is (going )?DOWN`).test(logs) || undefined;
      }, 60_000, 1000);
      await waitFor('nginx scaled to 5', () => kitectl(['scale', 'deployment', 'nginx', '--replicas', '5']), 60_000, 500);
      await write();
      await readyNginx(5);
      await write();
      assert.equal(await writtenCount(), writes);
    } finally {
      await docker(['start', leader], 120_000);
    }
    // The mirror pods may still say Ready from before the stop (a short outage stays within the node
    // monitor's grace period): the containers running in the node are what shows it back.
    const components = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
    await waitFor(`${leader}'s control plane back`, async () => {
      const ps = (await pods('kube-system', 'tier=control-plane')).filter((p) => p.spec.nodeName === leader);
      if (ps.length !== 4 || !ps.every(ready)) return undefined;
      const running = await Promise.all(components.map((c) => podContainer(leader, `${c}-${leader}`, c).catch(() => undefined)));
      return running.every(Boolean) || undefined;
    }, 240_000, 2000);
  });

  it('keeps reading and writing while one etcd member is killed; the member rejoins when restarted', async () => {
    const node = controlPlanes[2];
    const killed = await waitFor('the etcd member running', () => podContainer(node, `etcd-${node}`, 'etcd').catch(() => undefined), 120_000, 1000);
    await docker(['exec', node, 'docker', 'kill', killed]);
    await write();
    assert.ok((await pods('default', 'app=nginx')).length > 0);
    await write();
    // The kubelet restarts the member; it rejoins once its publication to the cluster is committed through raft.
    const restarted = await waitFor('the etcd member restarted', async () => {
      const id = await podContainer(node, `etcd-${node}`, 'etcd').catch(() => undefined);
      return id && id !== killed ? id : undefined;
    }, 120_000, 1000);
    await waitFor('the restarted member to rejoin the cluster', async () => {
      const logs = (await run('docker', ['exec', node, 'docker', 'logs', restarted])).stderr;
      return /published .* to cluster/.test(logs) || undefined;
    }, 120_000, 1000);
    await write();
    assert.equal(await writtenCount(), writes);
  });

  it('comes back from a full restart of every node and the load balancer with the same pods, its etcd cluster whole and every write kept', async function () {
    this.timeout(600_000);
    const components = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
    const replicas = JSON.parse(await kitectl(['get', 'deployment', 'nginx', '-o', 'json'])).spec.replicas as number;
    const identities = (ps: { metadata: { name: string; uid?: string } }[]) => ps.map((p) => `${p.metadata.name}/${p.metadata.uid}`).sort();
    const before = identities([...(await readyNginx(replicas)), ...(await pods('default', 'app=ha-client'))]);
    await write();
    const written = await writtenCount();
    assert.equal(written, writes);
    // What the host's reboot does to them: every container stopped together, then started again.
    await docker(['stop', lb, ...controlPlanes, worker], 180_000);
    await docker(['start', lb, ...controlPlanes, worker], 180_000);
    // Until its kubelet writes again a pod's status is the one from before the stop (mirror pods
    // included): Ready counts once the status names the container now running in the node.
    const current = async (p: PodJson, container: string) => {
      const id = await podContainer(p.spec.nodeName!, p.metadata.name, container).catch(() => undefined);
      return Boolean(id) && ready(p) && (p.status.containerStatuses ?? []).some((s) => s.containerID?.startsWith(`docker://${id}`));
    };
    const cp = await waitFor('the control plane\'s 12 mirror pods Ready with the containers running in the nodes', async () => {
      const ps = await pods('kube-system', 'tier=control-plane');
      return ps.length === 12 && (await Promise.all(ps.map((p) => current(p, p.metadata.labels!.component)))).every(Boolean) ? ps : undefined;
    }, 300_000, 2000);
    assert.deepEqual(cp.map((p) => `${p.metadata.labels!.component}-${p.spec.nodeName}`).sort(), controlPlanes.flatMap((n) => components.map((c) => `${c}-${n}`)).sort());
    // Every member healthy (a quorum read through it) and all three in the member list, asked in the first node over client TLS.
    const members = await waitFor('3 healthy etcd members', async () => {
      const r = await run('docker', ['exec', controlPlanes[0], 'node', '-e', etcdProbe, ...controlPlanes]);
      const out = r.code === 0 ? (JSON.parse(r.stdout) as { members: string[]; health: string[] }) : undefined;
      return out && out.members.length === 3 && out.health.every((h) => h === 'true') ? out.members : undefined;
    }, 120_000, 2000);
    assert.deepEqual(members.sort(), [...controlPlanes].sort());
    // The same pods, restarted in place by their kubelets (not evicted and recreated), each container running again.
    const after = await waitFor('the same application pods Ready with their containers running', async () => {
      const ps = [...(await pods('default', 'app=nginx')), ...(await pods('default', 'app=ha-client'))];
      if (ps.length !== before.length) return undefined;
      return (await Promise.all(ps.map((p) => current(p, p.metadata.name === 'ha-client' ? 'client' : 'nginx')))).every(Boolean) ? ps : undefined;
    }, 300_000, 2000);
    assert.deepEqual(identities(after), before);
    assert.equal(await writtenCount(), written);
    const clusterIP = JSON.parse(await kitectl(['get', 'service', 'nginx', '-o', 'json'])).spec.clusterIP as string;
    await waitFor('nginx served through its Service', async () => {
      const out = await podExec(worker, 'ha-client', 'client', ['timeout', '5', 'wget', '-qO-', `http://${clusterIP}/`]).catch(() => '');
      return /Served by <b>nginx-/.test(out) || undefined;
    }, 120_000, 2000);
    await write();
    assert.equal(await writtenCount(), writes);
  });
});
