// The real kubectl's drain against a Kite apiserver's HTTP front door, through the pods/eviction
// subresource (beside real-kubectl.test.ts' drain --disable-eviction): kubectl's lines, the
// pods evicted (each marked DisruptionTarget by the eviction, then deleted with its grace period,
// which a stand-in kubelet here finishes); and kitectl's drain, by eviction and with
// --disable-eviction, in the same words.
import { strict as assert } from 'node:assert';
import type { Clientset } from '../../../lib/client/clientset';
import { Node, Pod } from '../../../lib/gen/kite/core/v1/types';
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
});
