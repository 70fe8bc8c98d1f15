// The DaemonSet controller against a real apiserver, the default scheduler and 100 hollow nodes
// (they run bound pods to Running and Ready and finish their deletion): one pod per eligible
// node (node affinity and taints respected), a new node gets its pod, a RollingUpdate replaces
// the pods never leaving more than maxUnavailable nodes without a ready pod (as a watch sees
// them) and `kitectl rollout status` follows it, `kitectl rollout undo` goes back a revision, and
// OnDelete waits for pods to be deleted.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { Pods } from '../../../lib/api/kinds';
import { isPodReady } from '../../../lib/api/pods';
import type { Clientset } from '../../../lib/client/clientset';
import { DaemonSet } from '../../../lib/gen/kite/apps/v1/types';
import { Namespace, Node, type Pod } from '../../../lib/gen/kite/core/v1/types';
import { InformerFactory } from '../../../lib/informer';
import { startControllerManager, type ControllerManager } from '../../../services/controller-manager/manager';
import { HollowNodes } from '../../../services/kubelet/hollow/hollow-nodes';
import { runScheduler } from '../../../services/scheduler/app';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { kitectl } from '../kitectl/run-kitectl';
import { waitFor } from '../../support/wait';

const NODES = 100;
/** ds-node-90..99 are tainted, ds-node-85..89 labelled out of the node affinity: 85 eligible. */
const TAINTED = 10;
const EXCLUDED = 5;
const ELIGIBLE = NODES - TAINTED - EXCLUDED;

describe('DaemonSet controller (against a real apiserver, the scheduler and 100 hollow nodes)', function () {
  this.timeout(120_000);
  let api: TestApiserver;
  let client: Clientset;
  const stop = new AbortController();
  let cm: ControllerManager;
  const runs: Promise<void>[] = [];
  let ns: string;
  let watching: AbortController;
  /** Pods of the namespace as a watch sees them. */
  let live: Map<string, Pod>;
  /** Most eligible nodes seen at once without a ready, non-terminating pod while `tracking`. */
  let worstUnavailable: number;
  let tracking = false;
  let deletionsSeen: string[];

  before(async () => {
    api = await startTestApiserver();
    client = api.client();
    const hollow = new HollowNodes(api.client(), { count: NODES, namePrefix: 'ds-node-' });
    runs.push(hollow.run(stop.signal));
    await waitFor('100 nodes', async () => (await client.nodes.list()).items.length === NODES, 60_000);
    for (let i = NODES - TAINTED - EXCLUDED; i < NODES; i++) {
      const node = await client.nodes.get(`ds-node-${i}`);
      if (i >= NODES - TAINTED) node.spec!.taints.push({ key: 'dedicated', value: 'infra', effect: 'NoSchedule', timeAdded: '' });
      else node.metadata!.labels['ds-test/skip'] = 'true';
      await client.nodes.update(node);
    }
    runs.push(runScheduler(api.client(), { event: () => undefined }, stop.signal, { initialBackoffMs: 100, maxBackoffMs: 500 }));
    cm = startControllerManager({ clientset: api.client(), controllers: ['daemonset'], signal: stop.signal });
    assert.equal(await cm.synced, true);
  });

  after(async () => {
    watching?.abort();
    stop.abort();
    await cm?.done;
    await Promise.all(runs);
    await api?.stop();
  });

  beforeEach(async () => {
    ns = `ds-${randomBytes(3).toString('hex')}`;
    await client.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
    live = new Map();
    worstUnavailable = 0;
    tracking = false;
    deletionsSeen = [];
    watching = new AbortController();
    const factory = new InformerFactory((kind, scope) => client.resource(kind).listerWatcher(scope));
    const measure = () => {
      if (!tracking) return;
      const covered = new Set([...live.values()].filter((p) => isPodReady(p) && !p.metadata!.deletionTimestamp).map((p) => p.spec!.nodeName));
      worstUnavailable = Math.max(worstUnavailable, ELIGIBLE - covered.size);
    };
    factory.forKind(Pods, { namespace: ns }).addEventHandler({
      onAdd: (p) => {
        live.set(p.metadata!.name, p);
        measure();
      },
      onUpdate: (old, p) => {
        if (!old.metadata!.deletionTimestamp && p.metadata!.deletionTimestamp) deletionsSeen.push(p.metadata!.name);
        live.set(p.metadata!.name, p);
        measure();
      },
      onDelete: (p) => {
        live.delete(p.metadata!.name);
        measure();
      },
    });
    factory.start(watching.signal);
    await factory.waitForCacheSync(watching.signal);
  });

  afterEach(async () => {
    watching.abort();
    await client.namespaces.delete(ns).catch(() => undefined);
  });

  const createDaemonSet = (strategy: Record<string, unknown>) =>
    client.daemonSets.create(
      DaemonSet.fromPartial({
        metadata: { name: 'agent', namespace: ns },
        spec: {
          selector: { matchLabels: { app: 'agent' } },
          updateStrategy: strategy,
          template: {
            metadata: { labels: { app: 'agent' } },
            spec: {
              nodeSelector: { 'kite.io/hollow-node': 'true' },
              affinity: {
                nodeAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'ds-test/skip', operator: 'DoesNotExist' }] }] },
                },
              },
              containers: [{ name: 'agent', image: 'kite/busybox:1' }],
            },
          },
        },
      } as unknown as Parameters<typeof DaemonSet.fromPartial>[0]),
    );
  const waitStatus = (what: string, ok: (s: NonNullable<DaemonSet['status']>) => boolean) =>
    waitFor(
      what,
      async () => {
        const ds = await client.daemonSets.get('agent', ns);
        return ds.status && ds.status.observedGeneration === ds.metadata!.generation && ok(ds.status) ? ds : undefined;
      },
      90_000,
    );
  const setImage = async (image: string, strategy?: Record<string, unknown>) => {
    const ds = await client.daemonSets.get('agent', ns);
    ds.spec!.template!.spec!.containers[0].image = image;
    if (strategy) ds.spec!.updateStrategy = strategy as any;
    return client.daemonSets.update(ds);
  };
  const allRolledOut = (s: NonNullable<DaemonSet['status']>) =>
    s.desiredNumberScheduled === ELIGIBLE && s.updatedNumberScheduled === ELIGIBLE && s.numberAvailable === ELIGIBLE && s.currentNumberScheduled === ELIGIBLE;
  const images = () => new Set([...live.values()].filter((p) => !p.metadata!.deletionTimestamp).map((p) => p.spec!.containers[0].image));

  it('runs one ready pod on each eligible node (nodeSelector, node affinity, taints) and one on a node added later', async () => {
    await createDaemonSet({});
    const ds = await waitStatus('85 available pods', allRolledOut);
    assert.equal(ds.status!.numberMisscheduled, 0);
    assert.equal(ds.status!.numberReady, ELIGIBLE);
    const pods = (await client.pods.list({ namespace: ns })).items;
    const nodes = pods.map((p) => p.spec!.nodeName).sort();
    assert.equal(pods.length, ELIGIBLE);
    assert.equal(new Set(nodes).size, ELIGIBLE, 'one pod per node');
    for (const n of nodes) assert.ok(Number(n.slice('ds-node-'.length)) < ELIGIBLE, `${n} is eligible`);
    for (const p of pods) {
      assert.match(p.metadata!.name, /^agent-[a-z0-9]{5}$/);
      assert.equal(p.metadata!.labels['pod-template-generation'], '1');
      assert.ok(p.metadata!.labels['controller-revision-hash']);
      assert.deepEqual(p.spec!.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms[0].matchFields[0].values, [p.spec!.nodeName]);
    }
    const revisions = (await client.controllerRevisions.list({ namespace: ns })).items;
    assert.deepEqual(revisions.map((r) => [r.metadata!.name, r.revision]), [[`agent-${pods[0].metadata!.labels['controller-revision-hash']}`, 1]]);

    // A node that appears (no kubelet runs it: the pod is bound, not started).
    await client.nodes.create(
      Node.fromPartial({
        metadata: { name: 'ds-extra', labels: { 'kite.io/hollow-node': 'true' } },
        status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' }, allocatable: { cpu: '4', memory: '8Gi', pods: '110' } },
      }),
    );
    try {
      await waitFor('a pod bound to the new node', async () => (await client.pods.list({ namespace: ns })).items.find((p) => p.spec!.nodeName === 'ds-extra'), 30_000);
      await waitFor('desired 86', async () => (await client.daemonSets.get('agent', ns)).status!.desiredNumberScheduled === ELIGIBLE + 1);
    } finally {
      await client.nodes.delete('ds-extra');
    }
    await waitFor('desired 85 again', async () => (await client.daemonSets.get('agent', ns)).status!.desiredNumberScheduled === ELIGIBLE);
  });

  it('rolls a new template out without more than maxUnavailable nodes lacking a ready pod; rollout status follows it, undo goes back', async () => {
    await createDaemonSet({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } });
    await waitStatus('85 available pods', allRolledOut);
    tracking = true;
    await setImage('kite/busybox:2');
    const status = await kitectl(['--server', api.address, '-n', ns, 'rollout', 'status', 'daemonset/agent', '--timeout', '90s']);
    assert.equal(status.code, 0, status.err);
    assert.match(status.out, /daemon set "agent" successfully rolled out\n$/);
    await waitStatus('the new template everywhere', allRolledOut);
    await waitFor('only new pods', () => images().size === 1 && images().has('kite/busybox:2'));
    // 10% of 85 nodes, rounded up.
    assert.ok(worstUnavailable <= 9, `at most 9 nodes without a ready pod; saw ${worstUnavailable}`);
    assert.ok(worstUnavailable > 0, 'pods were replaced');
    assert.equal(deletionsSeen.length, ELIGIBLE);
    const revisions = (await client.controllerRevisions.list({ namespace: ns })).items.map((r) => r.revision).sort();
    assert.deepEqual(revisions, [1, 2]);

    const undo = await kitectl(['--server', api.address, '-n', ns, 'rollout', 'undo', 'daemonset/agent']);
    assert.equal(undo.out, 'daemonset.apps/agent rolled back\n', undo.err);
    await waitStatus('the first template back everywhere', allRolledOut);
    await waitFor('only first-template pods', () => images().size === 1 && images().has('kite/busybox:1'));
    // The first revision, made current again, is renumbered the newest.
    const after = (await client.controllerRevisions.list({ namespace: ns })).items.map((r) => r.revision).sort();
    assert.deepEqual(after, [2, 3]);
  });

  it('OnDelete changes no pod until one is deleted, which comes back with the new template', async () => {
    await createDaemonSet({ type: 'OnDelete' });
    await waitStatus('85 available pods', allRolledOut);
    const updated = await setImage('kite/busybox:2');
    assert.equal(updated.metadata!.annotations['deprecated.daemonset.template.generation'], '2');
    const ds = await waitStatus('the new generation observed', (s) => s.numberAvailable === ELIGIBLE && s.updatedNumberScheduled === 0);
    assert.equal(ds.status!.currentNumberScheduled, ELIGIBLE);
    assert.deepEqual(deletionsSeen, []);
    const victim = [...live.values()].find((p) => p.spec!.nodeName === 'ds-node-0')!;
    await client.pods.delete(victim.metadata!.name, { namespace: ns });
    await waitStatus('one updated pod', (s) => s.updatedNumberScheduled === 1 && s.numberAvailable === ELIGIBLE);
    const onNode0 = [...live.values()].filter((p) => p.spec!.nodeName === 'ds-node-0' && !p.metadata!.deletionTimestamp);
    assert.deepEqual(onNode0.map((p) => [p.spec!.containers[0].image, p.metadata!.labels['pod-template-generation']]), [['kite/busybox:2', '2']]);
    assert.equal(images().size, 2);
  });
});
