// The real kubectl's drain against a Kite apiserver's HTTP front door, through the pods/eviction
// subresource (beside real-kubectl.test.ts' drain --disable-eviction): kubectl's lines, the
// pods evicted (each marked DisruptionTarget by the eviction, then deleted with its grace period,
// which a stand-in kubelet here finishes); and kitectl's drain, by eviction and with
// --disable-eviction, in the same words; both drains waiting on a PodDisruptionBudget (429s
// retried) without ever leaving fewer Ready pods than it asks for.
import { strict as assert } from 'node:assert';
import type { Clientset } from '../../../lib/client/clientset';
import { Pods } from '../../../lib/api/kinds';
import { isPodReady } from '../../../lib/api/pods';
import { Deployment } from '../../../lib/gen/kite/apps/v1/types';
import { Node, Pod } from '../../../lib/gen/kite/core/v1/types';
import { PodDisruptionBudget } from '../../../lib/gen/kite/policy/v1/types';
import { InformerFactory } from '../../../lib/informer';
import { waitFor } from '../../support/wait';
import { installedKubectl, startKubectlHarness, type KubectlHarness } from './kubectl-harness';

/**
 * Stands in for a node's kubelet: a pod of `node` being deleted is gone once its containers would
 * have stopped (deleted with grace 0, as a kubelet ends it), after noting how it was marked.
 */
function finishTerminating(admin: Clientset, namespace: string, node: string, signal: AbortSignal): Map<string, Pod> {
  const seen = new Map<string, Pod>();
  const loop = async () => {
    while (!signal.aborted) {
      const pods = await admin.pods.list({ namespace, fieldSelector: `spec.nodeName=${node}` }).catch(() => ({ items: [] as Pod[] }));
      for (const p of pods.items.filter((p) => p.metadata!.deletionTimestamp)) {
        seen.set(p.metadata!.name, p);
        await admin.pods.delete(p.metadata!.name, { namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  void loop();
  return seen;
}

describe('kubectl drain by eviction (HTTPS front door)', function () {
  this.timeout(60_000);
  let h: KubectlHarness;
  const stop = new AbortController();

  before(async function () {
    if (!installedKubectl()) {
      // A CI run refuses this skip (test/support/setup.ts): install Debian's kubernetes-client.
      this.skip();
    }
    h = await startKubectlHarness();
  });
  after(async () => {
    stop.abort();
    await h?.stop();
  });

  /** A node with a bare pod and one with emptyDir data on it, both Running (the harness' stand-in kubelet). */
  const nodeWithPods = async (node: string, pods: string[]) => {
    await h.admin.nodes.create(Node.fromPartial({ metadata: { name: node } }));
    for (const [i, name] of pods.entries()) {
      const volumes = i % 2 ? [{ name: 'scratch', emptyDir: {} }] : [];
      await h.admin.pods.create(Pod.fromPartial({ metadata: { name }, spec: { nodeName: node, volumes, containers: [{ name: 'c', image: 'nginx:1.22' }] } }), { namespace: h.namespace });
    }
    await waitFor('the pods Running', async () => {
      const list = await h.admin.pods.list({ namespace: h.namespace, fieldSelector: `spec.nodeName=${node}` });
      return list.items.length === pods.length && list.items.every((p) => p.status?.phase === 'Running');
    }, 10_000);
    return finishTerminating(h.admin, h.namespace, node, stop.signal);
  };

  it('drain --ignore-daemonsets --delete-emptydir-data --force evicts each pod and prints kubectl\'s lines', async () => {
    const node = `${h.namespace}-evicted`;
    const seen = await nodeWithPods(node, ['bare-a', 'scratch-b']);
    const r = await h.kubectl(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--force', '--timeout', '30s']);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n').filter(Boolean);
    assert.equal(lines[0], `node/${node} cordoned`);
    assert.equal(lines[lines.length - 1], `node/${node} drained`);
    assert.deepEqual(lines.filter((l) => l.startsWith('evicting pod ')).sort(), [`evicting pod ${h.namespace}/bare-a`, `evicting pod ${h.namespace}/scratch-b`]);
    assert.deepEqual(lines.filter((l) => l.endsWith(' evicted')).sort(), ['pod/bare-a evicted', 'pod/scratch-b evicted']);
    assert.match(r.err, new RegExp(`Warning: deleting Pods that declare no controller: ${h.namespace}/bare-a, ${h.namespace}/scratch-b`));
    for (const name of ['bare-a', 'scratch-b']) {
      const marked = seen.get(name);
      assert.ok(marked, `${name} went through a graceful deletion`);
      assert.equal(marked.metadata!.deletionGracePeriodSeconds, 30, 'the pod\'s own grace period');
      assert.ok(marked.status!.conditions.some((c) => c.type === 'DisruptionTarget' && c.reason === 'EvictionByEvictionAPI'), 'marked by the eviction');
      await assert.rejects(h.admin.pods.get(name, h.namespace), /not found/);
    }
  });

  it('kitectl drain evicts in the same words; --disable-eviction deletes instead', async () => {
    const node = `${h.namespace}-kitectl`;
    const seen = await nodeWithPods(node, ['kite-a']);
    const r = await h.kitectl(['drain', node, '--force', '--timeout', '30s']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `node/${node} cordoned\nevicting pod ${h.namespace}/kite-a\npod/kite-a evicted\nnode/${node} drained\n`);
    assert.ok(seen.get('kite-a')?.status!.conditions.some((c) => c.type === 'DisruptionTarget'), 'kitectl evicted it');

    const other = `${h.namespace}-kitectl-del`;
    const deleted = await nodeWithPods(other, ['kite-b']);
    const d = await h.kitectl(['drain', other, '--force', '--disable-eviction', '--timeout', '30s']);
    assert.equal(d.code, 0, d.err);
    assert.equal(d.out, `node/${other} cordoned\npod/kite-b deleted\nnode/${other} drained\n`);
    assert.equal(deleted.get('kite-b')?.status!.conditions.some((c) => c.type === 'DisruptionTarget'), false, 'deleted, not evicted');
  });

  /**
   * A Deployment of 3 pinned to `node` (replacements land there too, made Ready by the harness'
   * stand-in kubelet) and a budget minAvailable 2 over it, once the budget allows one disruption;
   * returns the fewest Ready pods (not being deleted) a watch saw from then on.
   */
  const guardedDeployment = async (node: string, app: string) => {
    const seen = await nodeWithPods(node, []);
    const labels = { app };
    await h.admin.deployments.create(
      Deployment.fromPartial({ metadata: { name: app }, spec: { replicas: 3, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { nodeName: node, containers: [{ name: 'c', image: 'nginx:1.22' }] } } } }),
      { namespace: h.namespace },
    );
    await h.admin.podDisruptionBudgets.create(PodDisruptionBudget.fromPartial({ metadata: { name: `${app}-pdb` }, spec: { minAvailable: 2, selector: { matchLabels: labels } } }), { namespace: h.namespace });
    await waitFor('the budget allowing one disruption', async () => (await h.admin.podDisruptionBudgets.get(`${app}-pdb`, h.namespace)).status?.disruptionsAllowed === 1, 20_000);
    const factory = new InformerFactory((kind, scope) => h.admin.resource(kind).listerWatcher(scope));
    const informer = factory.forKind(Pods, { namespace: h.namespace, labelSelector: `app=${app}` });
    let fewest = Number.POSITIVE_INFINITY;
    const count = () => {
      fewest = Math.min(fewest, informer.lister().list().filter((p) => isPodReady(p) && !p.metadata!.deletionTimestamp).length);
    };
    informer.addEventHandler({ onAdd: count, onUpdate: count, onDelete: count });
    factory.start(stop.signal);
    await factory.waitForCacheSync(stop.signal);
    return { seen, fewest: () => fewest };
  };

  it('kubectl drain waits on a PodDisruptionBudget: 429s retried, never fewer Ready pods than minAvailable', async () => {
    const node = `${h.namespace}-pdb`;
    const guard = await guardedDeployment(node, 'guarded');
    const r = await h.kubectl(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout', '90s']);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n').filter(Boolean);
    assert.equal(lines.filter((l) => l.endsWith(' evicted')).length, 3, r.out);
    assert.equal(lines[lines.length - 1], `node/${node} drained`);
    assert.match(r.err, new RegExp(`error when evicting pods/"guarded-[a-z0-9-]+" -n "${h.namespace}" \\(will retry after 5s\\): Cannot evict pod as it would violate the pod's disruption budget\\.`));
    assert.ok(guard.fewest() >= 2, `a watch saw ${guard.fewest()} Ready pods`);
  });

  it('kitectl drain waits on the budget in kubectl\'s words', async () => {
    const node = `${h.namespace}-pdb-kite`;
    const guard = await guardedDeployment(node, 'kguarded');
    const r = await h.kitectl(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout', '90s']);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n').filter(Boolean);
    assert.equal(lines.filter((l) => l.endsWith(' evicted')).length, 3, r.out);
    assert.equal(lines[lines.length - 1], `node/${node} drained`);
    assert.match(r.err, new RegExp(`error when evicting pods/"kguarded-[a-z0-9-]+" -n "${h.namespace}" \\(will retry after 5s\\): Cannot evict pod as it would violate the pod's disruption budget\\.`));
    assert.ok(guard.fewest() >= 2, `a watch saw ${guard.fewest()} Ready pods`);
  });

  it('--dry-run (client and server) and --pod-selector: kitectl prints what kubectl prints and changes nothing', async () => {
    const node = `${h.namespace}-dry`;
    await nodeWithPods(node, []);
    for (const [name, tier] of [['dry-a', 'front'], ['dry-b', 'back']]) {
      await h.admin.pods.create(Pod.fromPartial({ metadata: { name, labels: { tier } }, spec: { nodeName: node, containers: [{ name: 'c', image: 'nginx:1.22' }] } }), { namespace: h.namespace });
    }
    const args = ['drain', node, '--force', '--pod-selector', 'tier=front', '--dry-run=client'];
    const want = await h.kubectl(args);
    assert.equal(want.code, 0, want.err);
    const got = await h.kitectl(args);
    assert.equal(got.code, 0, got.err);
    assert.equal(got.out, want.out);
    const wantDeleting = await h.kubectl([...args, '--disable-eviction']);
    assert.equal((await h.kitectl([...args, '--disable-eviction'])).out, wantDeleting.out);
    const serverArgs = ['drain', node, '--force', '--pod-selector', 'tier=front', '--dry-run=server'];
    const wantServer = await h.kubectl(serverArgs);
    assert.equal(wantServer.code, 0, wantServer.err);
    assert.equal((await h.kitectl(serverArgs)).out, wantServer.out);
    assert.match(want.out, /dry-a/);
    assert.doesNotMatch(want.out, /dry-b/);
    assert.equal((await h.admin.nodes.get(node)).spec?.unschedulable ?? false, false);
    assert.equal((await h.admin.pods.list({ namespace: h.namespace, fieldSelector: `spec.nodeName=${node}` })).items.length, 2);
  });

  it('a budget that never allows the eviction: both drains give up at --timeout in kubectl\'s words', async () => {
    const node = `${h.namespace}-stuck`;
    await nodeWithPods(node, []);
    const labels = { app: 'stuck' };
    await h.admin.deployments.create(
      Deployment.fromPartial({ metadata: { name: 'stuck' }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { nodeName: node, containers: [{ name: 'c', image: 'nginx:1.22' }] } } } }),
      { namespace: h.namespace },
    );
    await h.admin.podDisruptionBudgets.create(PodDisruptionBudget.fromPartial({ metadata: { name: 'stuck' }, spec: { maxUnavailable: 0, selector: { matchLabels: labels } } }), { namespace: h.namespace });
    await waitFor('the budget observed', async () => (await h.admin.podDisruptionBudgets.get('stuck', h.namespace)).status?.currentHealthy === 1, 20_000);
    const args = ['drain', node, '--timeout', '7s'];
    const want = await h.kubectl(args);
    await h.ok(['uncordon', node]);
    const got = await h.kitectl(args);
    assert.equal(want.code, 1, want.err);
    assert.match(want.err, /global timeout reached: 7s/);
    assert.deepEqual([got.code, got.out, got.err], [want.code, want.out, want.err]);
  });
});
