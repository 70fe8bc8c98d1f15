// The pod garbage collector against a real apiserver and hollow nodes: when a node is deleted
// and its agent is gone, no kubelet will ever finish its pods' deletion; podgc force-deletes them
// so a namespace holding them finishes terminating.
import { strict as assert } from 'node:assert';
import type { Clientset } from '../../../lib/client/clientset';
import { Namespace, Pod } from '../../../lib/gen/kite/core/v1/types';
import { startControllerManager, type ControllerManager } from '../../../services/controller-manager/manager';
import { HollowNodes } from '../../../services/kubelet/hollow/hollow-nodes';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { waitFor } from '../../support/wait';

describe('pod garbage collector (against a real apiserver)', function () {
  this.timeout(60_000);
  let api: TestApiserver;
  let client: Clientset;
  const stop = new AbortController();
  const stopGone = new AbortController();
  let cm: ControllerManager;
  let runs: Promise<void>[] = [];

  before(async () => {
    api = await startTestApiserver();
    client = api.client();
    const alive = new HollowNodes(api.client(), { count: 1, namePrefix: 'podgc-alive-', leaseRenewIntervalMs: 200 });
    const gone = new HollowNodes(api.client(), { count: 1, namePrefix: 'podgc-gone-', leaseRenewIntervalMs: 200 });
    runs = [alive.run(stop.signal), gone.run(stopGone.signal)];
    await waitFor('2 nodes', async () => (await client.nodes.list()).items.length === 2);
    cm = startControllerManager({
      clientset: api.client(),
      controllers: ['namespace', 'pod-garbage-collector'],
      options: { 'pod-garbage-collector': { checkPeriodMs: 200, quarantineMs: 500 } },
      signal: stop.signal,
    });
    assert.equal(await cm.synced, true);
  });

  after(async () => {
    stopGone.abort();
    stop.abort();
    await Promise.all(runs);
    await cm?.done;
    await api?.stop();
  });

  it('force-deletes the pods of a deleted node, so their namespace finishes deleting', async () => {
    await client.namespaces.create(Namespace.fromPartial({ metadata: { name: 'podgc-ns' } }));
    for (const [name, node] of [['orphan', 'podgc-gone-0'], ['kept', 'podgc-alive-0']]) {
      await client.pods.create(Pod.fromPartial({ metadata: { name, namespace: 'podgc-ns' }, spec: { nodeName: node, containers: [{ name: 'c', image: 'nginx:1.22' }] } }));
    }
    await waitFor('both pods Running', async () => (await client.pods.list({ namespace: 'podgc-ns' })).items.every((p) => p.status!.phase === 'Running'));

    // The node's agent dies and the node is deleted: nothing will ever confirm its pods' deletion.
    stopGone.abort();
    await runs[1];
    await client.nodes.delete('podgc-gone-0');
    const orphan = await client.pods.get('orphan', 'podgc-ns');
    await waitFor('the orphan force-deleted', async () => !(await client.pods.list({ namespace: 'podgc-ns' })).items.some((p) => p.metadata!.uid === orphan.metadata!.uid));
    assert.equal((await client.pods.get('kept', 'podgc-ns')).status!.phase, 'Running');

    await client.pods.create(Pod.fromPartial({ metadata: { name: 'late', namespace: 'podgc-ns' }, spec: { nodeName: 'podgc-gone-0', containers: [{ name: 'c', image: 'nginx:1.22' }] } }));
    await client.namespaces.delete('podgc-ns');
    await waitFor('namespace gone', async () => !(await client.namespaces.list()).items.some((n) => n.metadata!.name === 'podgc-ns'));
  });
});
