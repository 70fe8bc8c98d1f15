import { strict as assert } from 'node:assert';
import { Leases, Nodes, Pods } from '../../../../lib/api/kinds';
import type { Lease } from '../../../../lib/gen/kite/coordination/v1/lease';
import { NodeLifecycleController } from '../../../../services/controller-manager/nodelifecycle/node-lifecycle-controller';
import { preload, testContext, type TestContext } from '../support/context';
import { at, node, nodeLease, pod } from '../support/fixtures';

const GRACE = 40_000;

describe('NodeLifecycleController.monitorNodeHealth', () => {
  let ctx: TestContext;
  let c: NodeLifecycleController;
  const setLease = (l: Lease) => ctx.informers.forKind(Leases, { namespace: 'kube-node-lease' }).indexer.add(l);
  beforeEach(() => {
    ctx = testContext();
    c = new NodeLifecycleController(ctx, { monitorGracePeriodMs: GRACE, startupGracePeriodMs: 60_000 });
  });

  it('leaves healthy nodes alone and registers them once', async () => {
    preload(ctx, Nodes, node('n1', { ready: 'True' }));
    setLease(nodeLease('n1', 0));
    await c.monitorNodeHealth();
    ctx.setNow(30);
    await c.monitorNodeHealth();
    assert.deepEqual(ctx.client.summary(), []);
    assert.deepEqual(ctx.events.lines(), ['Normal RegisteredNode Registered Node n1 in Controller']);
  });

  it('marks a node silent past the grace period Unknown, taints it unreachable and its pods not ready', async () => {
    preload(ctx, Nodes, node('dead', { ready: 'True' }), node('alive', { ready: 'True' }));
    preload(ctx, Pods, pod('p', { nodeName: 'dead', readySince: 0 }), pod('q', { nodeName: 'alive', readySince: 0 }));
    setLease(nodeLease('dead', 0));
    setLease(nodeLease('alive', 0));
    await c.monitorNodeHealth();
    ctx.setNow(41);
    setLease(nodeLease('alive', 41));
    ctx.events.clear();
    await c.monitorNodeHealth();
    assert.deepEqual(ctx.client.summary(), ['updateStatus nodes dead', 'update nodes dead', 'updateStatus pods default/p']);
    const ready = ctx.client.calls[0].object.status.conditions.find((x: any) => x.type === 'Ready');
    assert.deepEqual([ready.status, ready.reason, ready.message], ['Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.']);
    const types = ctx.client.calls[0].object.status.conditions.map((x: any) => `${x.type}=${x.status}`);
    assert.deepEqual(types.sort(), ['DiskPressure=Unknown', 'MemoryPressure=Unknown', 'PIDPressure=Unknown', 'Ready=Unknown']);
    assert.deepEqual(ctx.client.calls[1].object.spec.taints, [
      { key: 'node.kubernetes.io/unreachable', value: '', effect: 'NoSchedule', timeAdded: at(41) },
      { key: 'node.kubernetes.io/unreachable', value: '', effect: 'NoExecute', timeAdded: at(41) },
    ]);
    assert.equal(ctx.client.calls[2].object.status.conditions[0].status, 'False');
    assert.deepEqual(ctx.events.lines(), ['Normal NodeNotReady Node dead status is now: NodeNotReady', 'Warning NodeNotReady Node is not ready']);
  });

  it('counts a renewed Lease as a heartbeat even when node status is old', async () => {
    preload(ctx, Nodes, node('n1', { ready: 'True' }));
    setLease(nodeLease('n1', 0));
    await c.monitorNodeHealth();
    for (const t of [30, 60, 90]) {
      ctx.setNow(t);
      setLease(nodeLease('n1', t));
      await c.monitorNodeHealth();
    }
    assert.deepEqual(ctx.client.summary(), []);
  });

  it('taints a node the kubelet reports NotReady with not-ready, and untaints it when Ready again', async () => {
    preload(ctx, Nodes, node('sick', { ready: 'False' }), node('ok', { ready: 'True' }));
    await c.monitorNodeHealth();
    assert.deepEqual(ctx.client.summary(), ['update nodes sick']);
    assert.deepEqual(ctx.client.calls[0].object.spec.taints.map((t: any) => `${t.key}:${t.effect}`), ['node.kubernetes.io/not-ready:NoSchedule', 'node.kubernetes.io/not-ready:NoExecute']);

    ctx = testContext();
    c = new NodeLifecycleController(ctx, { monitorGracePeriodMs: GRACE });
    const healed = node('sick', {
      ready: 'True',
      taints: [
        { key: 'node.kubernetes.io/not-ready', value: '', effect: 'NoSchedule', timeAdded: at(0) },
        { key: 'node.kubernetes.io/not-ready', value: '', effect: 'NoExecute', timeAdded: at(0) },
        { key: 'dedicated', value: 'x', effect: 'NoSchedule', timeAdded: '' },
      ],
    });
    preload(ctx, Nodes, healed);
    await c.monitorNodeHealth();
    assert.deepEqual(ctx.client.summary(), ['update nodes sick']);
    assert.deepEqual(ctx.client.calls[0].object.spec.taints.map((t: any) => t.key), ['dedicated']);
  });

  it('evicts nothing when no node at all is Ready (full disruption): NoSchedule taints only', async () => {
    preload(ctx, Nodes, node('a', { ready: 'True' }), node('b', { ready: 'True' }));
    await c.monitorNodeHealth();
    ctx.setNow(41);
    await c.monitorNodeHealth();
    assert.deepEqual(ctx.client.summary(), ['updateStatus nodes a', 'updateStatus nodes b', 'update nodes a', 'update nodes b']);
    for (const call of ctx.client.calls.slice(2)) assert.deepEqual(call.object.spec.taints.map((t: any) => t.effect), ['NoSchedule']);
  });

  it('taints a cordoned node unschedulable', async () => {
    const cordoned = node('c', { ready: 'True' });
    cordoned.spec!.unschedulable = true;
    preload(ctx, Nodes, cordoned);
    await c.monitorNodeHealth();
    assert.deepEqual(ctx.client.calls[0].object.spec.taints.map((t: any) => `${t.key}:${t.effect}`), ['node.kubernetes.io/unschedulable:NoSchedule']);
  });

  it('gives a node that never reported the startup grace period', async () => {
    preload(ctx, Nodes, node('new', { created: 0 }), node('ok', { ready: 'True' }));
    setLease(nodeLease('ok', 0));
    await c.monitorNodeHealth();
    ctx.setNow(50);
    setLease(nodeLease('ok', 50));
    await c.monitorNodeHealth();
    assert.deepEqual(ctx.client.summary(), []);
    ctx.setNow(61);
    setLease(nodeLease('ok', 61));
    await c.monitorNodeHealth();
    assert.deepEqual(ctx.client.summary(), ['updateStatus nodes new', 'update nodes new']);
    assert.equal(ctx.client.calls[0].object.status.conditions[0].reason, 'NodeStatusNeverUpdated');
  });
});
