import { strict as assert } from 'node:assert';
import { Nodes, Pods } from '../../../../lib/api/kinds';
import type { Taint, Toleration } from '../../../../lib/gen/kite/core/v1/types';
import { evictionTime, TaintEvictionController } from '../../../../services/controller-manager/nodelifecycle/taint-eviction';
import { reconcileTaints, tolerates, UNREACHABLE_TAINT_KEY } from '../../../../services/controller-manager/nodelifecycle/taints';
import { logger } from '../../../../lib/log';
import { preload, testContext, type TestContext } from '../support/context';
import { at, node, pod, T0 } from '../support/fixtures';

const unreachable: Taint = { key: 'node.kubernetes.io/unreachable', value: '', effect: 'NoExecute', timeAdded: at(100) };
const tol = (o: Partial<Toleration>): Toleration => ({ key: '', operator: 'Equal', value: '', effect: '', ...o });
const defaultTolerations = [
  tol({ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }),
  tol({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }),
];

describe('toleration matching', () => {
  const cases: [string, Toleration, boolean][] = [
    ['Exists on the key', tol({ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }), true],
    ['empty key with Exists tolerates everything', tol({ operator: 'Exists' }), true],
    ['Equal needs the value', tol({ key: 'node.kubernetes.io/unreachable', value: 'x' }), false],
    ['other effect', tol({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }), false],
    ['other key', tol({ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }), false],
  ];
  for (const [name, t, want] of cases) it(name, () => assert.equal(tolerates(t, unreachable), want));
});

describe('eviction time', () => {
  const added = () => 0;
  it('is immediate for a taint the pod does not tolerate', () => {
    assert.equal(evictionTime(pod('p'), [unreachable], added), -Infinity);
  });
  it('is tolerationSeconds after the taint was added', () => {
    assert.equal(evictionTime(pod('p', { tolerations: defaultTolerations }), [unreachable], added), T0 + 400_000);
  });
  it('never comes for a toleration without seconds', () => {
    assert.equal(evictionTime(pod('p', { tolerations: [tol({ operator: 'Exists' })] }), [unreachable], added), Infinity);
  });
  it('takes the earliest deadline over several taints, and ignores other effects', () => {
    const other: Taint = { key: 'maintenance', value: '', effect: 'NoExecute', timeAdded: at(50) };
    const tols = [...defaultTolerations, tol({ key: 'maintenance', operator: 'Exists', tolerationSeconds: 10 })];
    const noSchedule: Taint = { key: 'x', value: '', effect: 'NoSchedule', timeAdded: '' };
    assert.equal(evictionTime(pod('p', { tolerations: tols }), [unreachable, other, noSchedule], added), T0 + 60_000);
  });
});

describe('TaintEvictionController.reconcile', () => {
  let ctx: TestContext;
  let c: TaintEvictionController;
  beforeEach(() => {
    ctx = testContext();
    const silent = logger('test');
    silent.level = 'silent';
    c = new TaintEvictionController(ctx, ctx.events, silent);
  });

  it('waits out tolerationSeconds, then deletes the pod', async () => {
    preload(ctx, Nodes, node('n1', { taints: [unreachable] }));
    preload(ctx, Pods, pod('p', { nodeName: 'n1', tolerations: defaultTolerations }));
    ctx.setNow(200);
    assert.deepEqual(await c.reconcile('default/p'), { requeueAfter: 200_000 });
    assert.deepEqual(ctx.client.summary(), []);
    ctx.setNow(400);
    await c.reconcile('default/p');
    assert.deepEqual(ctx.client.summary(), ['delete pods default/p']);
    assert.deepEqual(ctx.client.calls[0].options.preconditions, { uid: 'uid-p' });
    assert.deepEqual(ctx.events.lines(), ['Normal TaintManagerEviction Marking for deletion Pod default/p']);
  });

  it('deletes pods without a matching toleration at once and leaves pods on untainted nodes', async () => {
    preload(ctx, Nodes, node('n1', { taints: [unreachable] }), node('n2'));
    preload(ctx, Pods, pod('bare', { nodeName: 'n1' }), pod('elsewhere', { nodeName: 'n2' }));
    await c.reconcile('default/bare');
    await c.reconcile('default/elsewhere');
    assert.deepEqual(ctx.client.summary(), ['delete pods default/bare']);
  });

  it('skips pods already being deleted', async () => {
    preload(ctx, Nodes, node('n1', { taints: [unreachable] }));
    preload(ctx, Pods, pod('going', { nodeName: 'n1', deleting: true }));
    await c.reconcile('default/going');
    assert.deepEqual(ctx.client.summary(), []);
  });
});

describe('managed node taints', () => {
  const cond = (type: string, status: string) => ({ type, status, reason: '', message: '', lastHeartbeatTime: '', lastTransitionTime: '' });
  const keys = (ts: Taint[] | undefined) => ts?.map((t) => `${t.key}:${t.effect}`);

  it('mirrors conditions as NoSchedule taints and adds the NoExecute one asked for', () => {
    const got = reconcileTaints([], [cond('Ready', 'Unknown'), cond('MemoryPressure', 'True'), cond('DiskPressure', 'False')], false, UNREACHABLE_TAINT_KEY, 'now');
    assert.deepEqual(keys(got), ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
  });

  it('keeps existing taints (and their timeAdded) and removes managed ones no longer called for', () => {
    const old: Taint[] = [
      { key: 'team', value: 'a', effect: 'NoSchedule', timeAdded: '' },
      { key: UNREACHABLE_TAINT_KEY, value: '', effect: 'NoExecute', timeAdded: 'then' },
      { key: 'node.kubernetes.io/disk-pressure', value: '', effect: 'NoSchedule', timeAdded: 'then' },
    ];
    assert.equal(reconcileTaints(old, [cond('Ready', 'Unknown'), cond('DiskPressure', 'True')], false, UNREACHABLE_TAINT_KEY, 'now')?.length, 4);
    assert.deepEqual(reconcileTaints(old, [cond('Ready', 'True')], false, undefined, 'now'), [old[0]]);
    assert.equal(reconcileTaints([old[0]], [cond('Ready', 'True')], false, undefined, 'now'), undefined);
  });
});
