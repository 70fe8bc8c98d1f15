import { strict as assert } from 'node:assert';
import { Node, Pod } from '../../../lib/gen/kite/core/v1/types';
import { runScheduler } from '../../../services/scheduler/app';
import { HollowNodes } from '../../../services/kubelet/hollow/hollow-nodes';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { waitFor } from '../../support/wait';

describe('scheduler with hollow nodes (against a real apiserver)', () => {
  let api: TestApiserver;
  const ac = new AbortController();
  const runs: Promise<void>[] = [];
  const events: { pod: string; type: string; reason: string; message: string }[] = [];

  before(async () => {
    api = await startTestApiserver();
    const hollow = new HollowNodes(api.client(), { count: 3, namePrefix: 'sn-', capacity: { cpu: '2', memory: '4Gi', pods: '110' } });
    runs.push(hollow.run(ac.signal));
    await waitFor('3 nodes', async () => (await api.client().nodes.list()).items.length === 3);
    runs.push(
      runScheduler(api.client(), { event: (pod, type, reason, message) => events.push({ pod: pod.metadata!.name!, type, reason, message }) }, ac.signal, {
        initialBackoffMs: 100,
        maxBackoffMs: 500,
      }),
    );
  });

  after(async () => {
    ac.abort();
    await Promise.all(runs);
    await api.stop();
  });

  const pod = (name: string, cpu: string, extra: Record<string, unknown> = {}) =>
    Pod.fromPartial({
      metadata: { name, labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', image: 'nginx:1.22', resources: { requests: { cpu } } }], ...extra },
    });

  it('binds pods, spreading them over the nodes, and they run', async () => {
    const c = api.client();
    for (let i = 0; i < 3; i++) await c.pods.create(pod(`web-${i}`, '500m'));
    const pods = await waitFor('3 running pods', async () => {
      const l = (await c.pods.list({ namespace: 'default', labelSelector: 'app=web' })).items;
      return l.length === 3 && l.every((p) => p.status!.phase === 'Running') ? l : undefined;
    });
    const nodes = new Set(pods.map((p) => p.spec!.nodeName));
    assert.equal(nodes.size, 3, `pods spread over ${[...nodes].join(',')}`);
    assert.ok(events.some((e) => e.reason === 'Scheduled' && /Successfully assigned default\/web-0 to sn-/.test(e.message)));
  });

  it('reports why a pod fits nowhere, Kubernetes-style, and schedules it once a node fits', async () => {
    const c = api.client();
    await c.pods.create(pod('big', '3'));
    const p = await waitFor('PodScheduled=False', async () => {
      const x = await c.pods.get('big');
      return x.status!.conditions.find((k) => k.type === 'PodScheduled' && k.status === 'False') ? x : undefined;
    });
    const cond = p.status!.conditions.find((k) => k.type === 'PodScheduled')!;
    assert.equal(cond.reason, 'Unschedulable');
    assert.equal(cond.message, '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..');
    assert.ok(events.some((e) => e.pod === 'big' && e.type === 'Warning' && e.reason === 'FailedScheduling' && e.message === cond.message));

    await c.nodes.create(
      Node.fromPartial({
        metadata: { name: 'bigger' },
        status: { capacity: { cpu: '8', memory: '8Gi', pods: '10' }, allocatable: { cpu: '8', memory: '8Gi', pods: '10' } },
      }),
    );
    await waitFor('bound to the new node', async () => (await c.pods.get('big')).spec!.nodeName === 'bigger');
  });

  it('honours nodeSelector and taints', async () => {
    const c = api.client();
    const n = await c.nodes.get('sn-1');
    n.metadata!.labels.disk = 'ssd';
    await c.nodes.update(n);
    await c.pods.create(pod('ssd', '100m', { nodeSelector: { disk: 'ssd' } }));
    await waitFor('bound to sn-1', async () => (await c.pods.get('ssd')).spec!.nodeName === 'sn-1');
    for (const name of ['sn-0', 'sn-1', 'sn-2', 'bigger']) {
      const node = await c.nodes.get(name);
      node.spec!.taints = [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule', timeAdded: '' }];
      await c.nodes.update(node);
    }
    await c.pods.create(pod('tainted', '100m'));
    const p = await waitFor('unschedulable', async () => {
      const x = await c.pods.get('tainted');
      return x.status!.conditions.find((k) => k.type === 'PodScheduled' && k.status === 'False');
    });
    assert.equal(p.message, '0/4 nodes are available: 4 node(s) had untolerated taint {dedicated: infra}. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling..');
  });
});
