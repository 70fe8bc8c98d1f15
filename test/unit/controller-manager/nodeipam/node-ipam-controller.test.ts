import { strict as assert } from 'node:assert';
import { Nodes } from '../../../../lib/api/kinds';
import { NodeIpamController } from '../../../../services/controller-manager/nodeipam/node-ipam-controller';
import { preload, testContext, type TestContext } from '../support/context';
import { node } from '../support/fixtures';

describe('NodeIpamController.reconcile', () => {
  let ctx: TestContext;
  beforeEach(() => {
    ctx = testContext();
  });

  it('assigns the next free subnet, skipping those existing nodes hold', async () => {
    const c = new NodeIpamController(ctx, { clusterCidr: '10.244.0.0/16', nodeCidrMaskSize: 24 });
    const has = node('a', { podCIDR: '10.244.0.0/24' });
    preload(ctx, Nodes, has, node('b'));
    // As the informer would on listing them:
    c.cidrs.occupy('10.244.0.0/24');
    await c.reconcile('b');
    assert.deepEqual(ctx.client.summary(), ['update nodes b']);
    const spec = ctx.client.calls[0].object.spec;
    assert.deepEqual([spec.podCIDR, spec.podCIDRs], ['10.244.1.0/24', ['10.244.1.0/24']]);
    ctx.client.clearCalls();
    await c.reconcile('a');
    assert.deepEqual(ctx.client.summary(), []);
  });

  it('keeps the subnet it picked across a failed update', async () => {
    const c = new NodeIpamController(ctx);
    preload(ctx, Nodes, node('b'));
    let fail = true;
    ctx.client.reactors.push((call) => (call.verb === 'update' && fail ? new Error('apiserver down') : undefined));
    await assert.rejects(c.reconcile('b'), /apiserver down/);
    fail = false;
    await c.reconcile('b');
    assert.deepEqual(ctx.client.calls.map((x) => x.object.spec.podCIDR), ['10.244.0.0/24', '10.244.0.0/24']);
    assert.equal(c.cidrs.usedCount(), 1);
  });

  it('records CIDRNotAvailable when the pool is exhausted', async () => {
    const c = new NodeIpamController(ctx, { clusterCidr: '10.0.0.0/24', nodeCidrMaskSize: 24 });
    c.cidrs.occupy('10.0.0.0/24');
    preload(ctx, Nodes, node('late'));
    await assert.rejects(c.reconcile('late'), /no remaining CIDRs/);
    assert.deepEqual(ctx.events.lines(), ['Normal CIDRNotAvailable Node late status is now: CIDRNotAvailable']);
  });
});
