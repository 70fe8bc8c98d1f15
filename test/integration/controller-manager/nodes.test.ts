import { strict as assert } from 'node:assert';
import type { Clientset } from '../../../lib/client/clientset';
import { Lease } from '../../../lib/gen/kite/coordination/v1/lease';
import { Node, Pod, type Taint } from '../../../lib/gen/kite/core/v1/types';
import { rfc3339, rfc3339Micro } from '../../../lib/util/time';
import { startControllerManager, type ControllerManager } from '../../../services/controller-manager/manager';
import type { NodeIpamController } from '../../../services/controller-manager/nodeipam/node-ipam-controller';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { waitFor } from '../../support/wait';

const UNREACHABLE = 'node.kubernetes.io/unreachable';

describe('node IPAM and node lifecycle (against a real apiserver)', function () {
  this.timeout(60_000);
  let api: TestApiserver;
  let client: Clientset;
  let stop: AbortController;
  let cm: ControllerManager;
  const alive = new Set<string>();
  let heartbeat: NodeJS.Timeout;

  const readyConditions = () => {
    const now = rfc3339();
    return [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }];
  };

  async function renew(name: string): Promise<void> {
    const lease = await client.leases.get(name, 'kube-node-lease');
    lease.spec!.renewTime = rfc3339Micro();
    await client.leases.update(lease);
  }

  async function addNode(name: string): Promise<void> {
    await client.nodes.create(Node.fromPartial({ metadata: { name }, status: { conditions: readyConditions() } }));
    await client.leases.create(
      Lease.fromPartial({ metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 1, renewTime: rfc3339Micro() } }),
    );
    alive.add(name);
  }

  const taintsOf = async (name: string): Promise<Taint[]> => (await client.nodes.get(name)).spec!.taints;

  before(async () => {
    api = await startTestApiserver();
    client = api.client();
    stop = new AbortController();
    await addNode('n1');
    await addNode('n2');
    heartbeat = setInterval(() => {
      for (const n of alive) renew(n).catch(() => undefined);
    }, 200);
    cm = startControllerManager({
      clientset: api.client(),
      controllers: ['nodeipam', 'nodelifecycle'],
      options: {
        nodeipam: { clusterCidr: '10.244.0.0/16', nodeCidrMaskSize: 24 },
        nodelifecycle: { monitorPeriodMs: 100, monitorGracePeriodMs: 1500, startupGracePeriodMs: 1500 },
      },
      signal: stop.signal,
    });
    assert.equal(await cm.synced, true);
  });

  after(async () => {
    clearInterval(heartbeat);
    stop?.abort();
    await cm?.done;
    await api?.stop();
  });

  it('gives every node its own pod CIDR, and takes it back when the node is deleted', async () => {
    const cidrs = await waitFor('pod CIDRs', async () => {
      const nodes = (await client.nodes.list()).items;
      return nodes.length === 2 && nodes.every((n) => n.spec!.podCIDR) ? nodes.map((n) => n.spec!.podCIDR) : undefined;
    });
    assert.equal(new Set(cidrs).size, 2);
    for (const c of cidrs) assert.match(c, /^10\.244\.\d+\.0\/24$/);
    const n1 = await client.nodes.get('n1');
    assert.deepEqual(n1.spec!.podCIDRs, [n1.spec!.podCIDR]);

    const ipam = cm.controllers.get('nodeipam') as NodeIpamController;
    await addNode('temp');
    await waitFor('temp CIDR', async () => !!(await client.nodes.get('temp')).spec!.podCIDR);
    assert.equal(ipam.cidrs.usedCount(), 3);
    alive.delete('temp');
    await client.nodes.delete('temp');
    await waitFor('CIDR released', () => ipam.cidrs.usedCount() === 2);
  });

  it('marks a silent node Unknown, taints it, evicts pods past their toleration, and untaints it when it is back', async () => {
    const pod = (name: string, tolerationSeconds?: number) =>
      Pod.fromPartial({
        metadata: { name, namespace: 'default' },
        spec: {
          nodeName: 'n2',
          containers: [{ name: 'c', image: 'nginx' }],
          tolerations: tolerationSeconds === undefined ? [] : [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds }],
        },
      });
    for (const p of [pod('short', 2), pod('patient')]) {
      const created = await client.pods.create(p);
      created.status!.phase = 'Running';
      created.status!.conditions = [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(), lastProbeTime: '', reason: '', message: '' }];
      await client.pods.updateStatus(created);
    }

    alive.delete('n2');
    const silentAt = Date.now();
    const ready = await waitFor('n2 Unknown', async () => {
      const c = (await client.nodes.get('n2')).status!.conditions.find((x) => x.type === 'Ready');
      return c?.status === 'Unknown' ? c : undefined;
    });
    assert.equal(ready.reason, 'NodeStatusUnknown');
    assert.equal(ready.message, 'Kubelet stopped posting node status.');
    assert.ok(Date.now() - silentAt >= 1000, 'not before the grace period');
    const taint = await waitFor('unreachable taint', async () => (await taintsOf('n2')).find((t) => t.key === UNREACHABLE && t.effect === 'NoExecute'));
    assert.ok((await taintsOf('n2')).some((t) => t.key === UNREACHABLE && t.effect === 'NoSchedule'), 'nothing new is scheduled there');
    assert.ok(taint.timeAdded);
    assert.deepEqual(await taintsOf('n1'), [], 'the live node is untouched');
    await waitFor('pods marked not ready', async () => {
      const p = await client.pods.get('patient');
      return p.status!.conditions.find((c) => c.type === 'Ready')?.status === 'False';
    });

    // "short" tolerates the taint for 2 s; "patient" gets the apiserver's default 300 s.
    const evicted = await waitFor('short evicted', async () => {
      const p = await client.pods.get('short').catch(() => undefined);
      return !p || p.metadata!.deletionTimestamp ? true : undefined;
    });
    assert.ok(evicted);
    const taintedFor = Date.now() - Date.parse(taint.timeAdded);
    assert.ok(taintedFor >= 1500, `evicted after its toleration (${taintedFor} ms after the taint)`);
    assert.equal((await client.pods.get('patient')).metadata!.deletionTimestamp, '');

    // The node comes back.
    const n2 = await client.nodes.get('n2');
    n2.status!.conditions = readyConditions();
    await client.nodes.updateStatus(n2);
    alive.add('n2');
    await waitFor('taint removed', async () => (await taintsOf('n2')).length === 0);
    assert.equal((await client.nodes.get('n2')).status!.conditions.find((c) => c.type === 'Ready')!.status, 'True');
  });
});
