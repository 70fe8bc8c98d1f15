import { strict as assert } from 'node:assert';
import { ControllerRevisions, DaemonSets, Nodes, Pods } from '../../../../lib/api/kinds';
import { DaemonSet } from '../../../../lib/gen/kite/apps/v1/types';
import type { Node, Pod, Taint } from '../../../../lib/gen/kite/core/v1/types';
import { defaultDaemonSet, prepareDaemonSetForCreate } from '../../../../services/apiserver/registry/validation/daemonset-validation';
import { nodeShouldRunDaemonPod } from '../../../../services/controller-manager/daemonset/daemon-pods';
import { DaemonSetController } from '../../../../services/controller-manager/daemonset/daemonset-controller';
import { CONTROLLER_REVISION_HASH, newRevision, revisionHash } from '../../../../services/controller-manager/history/history';
import { preload, testContext, type TestContext } from '../support/context';
import { node, pod, type PodOpts } from '../support/fixtures';

function daemonSet(o: { strategy?: Record<string, unknown>; nodeSelector?: Record<string, string>; tolerations?: any[]; generation?: number; minReadySeconds?: number; historyLimit?: number; image?: string } = {}): DaemonSet {
  const ds = DaemonSet.fromPartial({
    kind: 'DaemonSet',
    apiVersion: 'apps/v1',
    metadata: { name: 'agent', namespace: 'default', uid: 'uid-agent', resourceVersion: '1', generation: o.generation ?? 1 },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: {
        metadata: { labels: { app: 'agent' } },
        spec: { containers: [{ name: 'c', image: o.image ?? 'busybox' }], nodeSelector: o.nodeSelector ?? {}, tolerations: o.tolerations ?? [] },
      },
      updateStrategy: o.strategy as any,
      minReadySeconds: o.minReadySeconds ?? 0,
      revisionHistoryLimit: o.historyLimit,
    },
  } as any);
  prepareDaemonSetForCreate(ds);
  defaultDaemonSet(ds);
  if (o.generation) ds.metadata!.annotations['deprecated.daemonset.template.generation'] = String(o.generation);
  return ds;
}

function labelled(n: Node, labels: Record<string, string>): Node {
  n.metadata!.labels = labels;
  return n;
}

const NO_SCHEDULE: Taint = { key: 'dedicated', value: 'db', effect: 'NoSchedule', timeAdded: '' };
const NO_EXECUTE: Taint = { key: 'dedicated', value: 'db', effect: 'NoExecute', timeAdded: '' };

describe('DaemonSetController', () => {
  let ctx: TestContext;
  let c: DaemonSetController;
  beforeEach(() => {
    ctx = testContext();
    c = new DaemonSetController(ctx);
  });

  /** A daemon pod of `ds` on `nodeName`, of the current revision unless `hash` says otherwise. */
  function daemonPod(ds: DaemonSet, name: string, nodeName: string, o: PodOpts & { hash?: string; generation?: string } = {}): Pod {
    const hash = o.hash ?? revisionHash(ds.spec!.template);
    const generation = o.generation ?? ds.metadata!.annotations['deprecated.daemonset.template.generation'];
    return pod(name, { nodeName, readySince: 0, ...o, labels: { app: 'agent', [CONTROLLER_REVISION_HASH]: hash, 'pod-template-generation': generation }, owner: { obj: ds, kind: DaemonSets } });
  }

  const writes = () => ctx.client.summary().filter((s) => !s.startsWith('create controllerrevisions') && !s.startsWith('updateStatus'));
  const statusOf = () => ctx.client.calls.filter((x) => x.verb === 'updateStatus').at(-1)!.object.status;

  it('creates one pod per node that should run it, pinned by node affinity, with the daemon tolerations and revision labels', async () => {
    const ds = daemonSet({ nodeSelector: { disk: 'ssd' } });
    preload(ctx, DaemonSets, ds);
    preload(ctx, Nodes, labelled(node('n1'), { disk: 'ssd' }), labelled(node('n2'), { disk: 'hdd' }), labelled(node('n3', { taints: [NO_SCHEDULE] }), { disk: 'ssd' }));
    await c.reconcile('default/agent');
    assert.deepEqual(writes(), ['create pods default/agent-']);
    const created = ctx.client.calls.find((x) => x.verb === 'create' && x.resource === 'pods')!.object;
    const hash = revisionHash(ds.spec!.template);
    assert.deepEqual(created.metadata.labels, { app: 'agent', 'pod-template-generation': '1', [CONTROLLER_REVISION_HASH]: hash });
    assert.deepEqual(created.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms, [
      { matchExpressions: [], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] },
    ]);
    assert.equal(created.spec.nodeName, '');
    assert.deepEqual(created.spec.tolerations.map((t: any) => `${t.key}:${t.effect}`), [
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule',
      'node.kubernetes.io/pid-pressure:NoSchedule',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
    const rev = ctx.client.calls.find((x) => x.resource === 'controllerrevisions')!.object;
    assert.equal(rev.metadata.name, `agent-${hash}`);
    assert.equal(rev.revision, 1);
    assert.deepEqual(ctx.events.lines(), ['Normal SuccessfulCreate Created pod: agent-00001']);
    assert.equal(statusOf().desiredNumberScheduled, 1);
    assert.equal(statusOf().observedGeneration, 1);
    assert.deepEqual(c.expectations.pending('default/agent'), { adds: 1, deletes: 0 });
  });

  it('keeps a pod on a node newly tainted NoSchedule, deletes it on NoExecute, and counts misscheduled pods', async () => {
    const ds = daemonSet();
    preload(ctx, DaemonSets, ds);
    preload(ctx, Nodes, node('n1', { taints: [NO_SCHEDULE] }), node('n2', { taints: [NO_EXECUTE] }));
    preload(ctx, Pods, daemonPod(ds, 'agent-a', 'n1'), daemonPod(ds, 'agent-b', 'n2'));
    await c.reconcile('default/agent');
    assert.deepEqual(writes(), ['delete pods default/agent-b']);
    assert.equal(statusOf().numberMisscheduled, 2);
    assert.equal(statusOf().desiredNumberScheduled, 0);
    assert.deepEqual(nodeShouldRunDaemonPod(node('n1', { taints: [NO_SCHEDULE] }), ds), { shouldRun: false, shouldContinueRunning: true });
    const tolerant = daemonSet({ tolerations: [{ key: 'dedicated', operator: 'Exists', value: '', effect: '' }] });
    assert.deepEqual(nodeShouldRunDaemonPod(node('n2', { taints: [NO_EXECUTE] }), tolerant), { shouldRun: true, shouldContinueRunning: true });
  });

  it('deletes all but the oldest pod of a node, and replaces a failed pod once per backoff', async () => {
    const ds = daemonSet();
    preload(ctx, DaemonSets, ds);
    preload(ctx, Nodes, node('n1'), node('n2'));
    preload(ctx, Pods, daemonPod(ds, 'agent-old', 'n1', { created: 1 }), daemonPod(ds, 'agent-new', 'n1', { created: 5 }), daemonPod(ds, 'agent-f', 'n2', { phase: 'Failed', ready: false }));
    await c.reconcile('default/agent');
    assert.deepEqual(writes().sort(), ['delete pods default/agent-f', 'delete pods default/agent-new']);
    assert.deepEqual(ctx.events.lines().filter((l) => l.includes('FailedDaemonPod')), [
      'Warning FailedDaemonPod Found failed daemon pod default/agent-f on node n2, will try to kill it',
    ]);
    // Its delete was not observed by the cache and the kubelet failed the next one at once: back off.
    c.expectations.delete('default/agent');
    ctx.client.clearCalls();
    ctx.informers.forKind(Pods).indexer.delete(daemonPod(ds, 'agent-new', 'n1'));
    const result = await c.reconcile('default/agent');
    assert.deepEqual(writes(), []);
    assert.ok(result && result.requeueAfter! > 0);
    ctx.setNow(2);
    ctx.client.clearCalls();
    await c.reconcile('default/agent');
    assert.deepEqual(writes(), ['delete pods default/agent-f']);
  });

  it('rolls out within maxUnavailable: one old available pod at a time, none while a new one is unavailable', async () => {
    const ds = daemonSet({ generation: 2, image: 'busybox:2' });
    preload(ctx, DaemonSets, ds);
    preload(ctx, Nodes, node('n1'), node('n2'), node('n3'));
    preload(ctx, Pods, ...['n1', 'n2', 'n3'].map((n) => daemonPod(ds, `agent-${n}`, n, { hash: 'oldhash', generation: '1' })));
    await c.reconcile('default/agent');
    assert.deepEqual(writes(), ['delete pods default/agent-n1']);
    assert.equal(statusOf().updatedNumberScheduled, 0);

    const ctx2 = testContext();
    const c2 = new DaemonSetController(ctx2);
    preload(ctx2, DaemonSets, ds);
    preload(ctx2, Nodes, node('n1'), node('n2'), node('n3'));
    preload(ctx2, Pods, daemonPod(ds, 'agent-new1', 'n1', { ready: false }), daemonPod(ds, 'agent-n2', 'n2', { hash: 'oldhash', generation: '1' }), daemonPod(ds, 'agent-n3', 'n3', { hash: 'oldhash', generation: '1' }));
    await c2.reconcile('default/agent');
    assert.deepEqual(ctx2.client.summary().filter((s) => s.includes(' pods ')), []);
    const status = ctx2.client.calls.filter((x) => x.verb === 'updateStatus').at(-1)!.object.status;
    assert.deepEqual([status.updatedNumberScheduled, status.numberReady, status.numberAvailable, status.numberUnavailable], [1, 2, 2, 1]);
  });

  it('with maxSurge starts the new pod first and deletes the old one once the new one is available', async () => {
    const ds = daemonSet({ generation: 2, image: 'busybox:2', strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
    preload(ctx, DaemonSets, ds);
    preload(ctx, Nodes, node('n1'), node('n2'));
    preload(ctx, Pods, daemonPod(ds, 'agent-n1', 'n1', { hash: 'oldhash', generation: '1' }), daemonPod(ds, 'agent-n2', 'n2', { hash: 'oldhash', generation: '1' }));
    await c.reconcile('default/agent');
    assert.deepEqual(writes(), ['create pods default/agent-']);
    const created = ctx.client.calls.find((x) => x.verb === 'create' && x.resource === 'pods')!.object;
    assert.deepEqual(created.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].values, ['n1']);

    const ctx2 = testContext();
    const c2 = new DaemonSetController(ctx2);
    preload(ctx2, DaemonSets, ds);
    preload(ctx2, Nodes, node('n1'), node('n2'));
    preload(ctx2, Pods, daemonPod(ds, 'agent-n1', 'n1', { hash: 'oldhash', generation: '1' }), daemonPod(ds, 'agent-new1', 'n1', { created: 5 }), daemonPod(ds, 'agent-n2', 'n2', { hash: 'oldhash', generation: '1' }));
    await c2.reconcile('default/agent');
    assert.deepEqual(ctx2.client.summary().filter((s) => s.includes(' pods ')), ['delete pods default/agent-n1']);
  });

  it('OnDelete leaves old pods alone and replaces only deleted ones', async () => {
    const ds = daemonSet({ generation: 2, image: 'busybox:2', strategy: { type: 'OnDelete' } });
    preload(ctx, DaemonSets, ds);
    preload(ctx, Nodes, node('n1'), node('n2'));
    preload(ctx, Pods, daemonPod(ds, 'agent-n1', 'n1', { hash: 'oldhash', generation: '1' }));
    await c.reconcile('default/agent');
    assert.deepEqual(writes(), ['create pods default/agent-']);
    const created = ctx.client.calls.find((x) => x.verb === 'create' && x.resource === 'pods')!.object;
    assert.equal(created.metadata.labels['pod-template-generation'], '2');
    assert.equal(statusOf().updatedNumberScheduled, 0);
    assert.equal(statusOf().currentNumberScheduled, 1);
  });

  it('truncates old revisions beyond revisionHistoryLimit, keeping those live pods use, and renumbers the current one', async () => {
    const ds = daemonSet({ historyLimit: 1 });
    const old = ['v1', 'v2', 'v3'].map((img, i) => {
      const t = structuredClone(ds.spec!.template!);
      t.spec!.containers[0].image = img;
      return newRevision(ds, DaemonSets, t, i + 1);
    });
    const current = newRevision(ds, DaemonSets, ds.spec!.template, 2);
    preload(ctx, DaemonSets, ds);
    preload(ctx, Nodes, node('n1'));
    preload(ctx, ControllerRevisions, ...old, current);
    preload(ctx, Pods, daemonPod(ds, 'agent-n1', 'n1', { hash: old[0].metadata!.labels[CONTROLLER_REVISION_HASH] }));
    await c.reconcile('default/agent');
    const summary = ctx.client.summary().filter((s) => s.includes('controllerrevisions'));
    // Two old revisions too many: the oldest is live, so the next two go.
    assert.deepEqual(summary, [
      `update controllerrevisions default/${current.metadata!.name}`,
      `delete controllerrevisions default/${old[1].metadata!.name}`,
      `delete controllerrevisions default/${old[2].metadata!.name}`,
    ]);
    assert.equal(ctx.client.tracked(ControllerRevisions, 'default', current.metadata!.name)!.revision, 4);
  });

  it('requeues a DaemonSet when a node it should run on appears or changes taints, not on heartbeats', () => {
    const ds = daemonSet();
    preload(ctx, DaemonSets, ds);
    const n = node('n9');
    (c as any).nodeChanged(undefined, n);
    assert.equal(c.queue.len(), 1);
    c.queue.get();
    c.queue.done('default/agent');
    const beat = structuredClone(n);
    beat.metadata!.resourceVersion = '2';
    (c as any).nodeChanged(n, beat);
    assert.equal(c.queue.len(), 0);
    const tainted = node('n9', { taints: [NO_EXECUTE] });
    (c as any).nodeChanged(n, tainted);
    assert.equal(c.queue.len(), 1);
  });
});
