// The scheduler's InterPodAffinity and PodTopologySpread end to end: a real apiserver, hollow
// nodes in two zones (two in zone-a, one in zone-b) and the scheduler app.
import { strict as assert } from 'node:assert';
import { Pod, type PodSpec } from '../../../lib/gen/kite/core/v1/types';
import { HollowNodes } from '../../../services/kubelet/hollow/hollow-nodes';
import { runScheduler } from '../../../services/scheduler/app';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { waitFor } from '../../support/wait';

const ZONE = 'topology.kubernetes.io/zone';

describe('scheduler: pod anti-affinity and topology spread with hollow nodes (against a real apiserver)', () => {
  let api: TestApiserver;
  const ac = new AbortController();
  const runs: Promise<void>[] = [];

  before(async () => {
    api = await startTestApiserver();
    const capacity = { cpu: '4', memory: '8Gi', pods: '110' };
    for (const [zone, count] of [['zone-a', 2], ['zone-b', 1]] as const) {
      runs.push(new HollowNodes(api.client(), { count, namePrefix: `ip-${zone}-`, capacity, labels: { [ZONE]: zone } }).run(ac.signal));
    }
    await waitFor('3 nodes', async () => (await api.client().nodes.list()).items.length === 3);
    runs.push(runScheduler(api.client(), { event: () => {} }, ac.signal, { initialBackoffMs: 100, maxBackoffMs: 500 }));
  });

  after(async () => {
    ac.abort();
    await Promise.all(runs);
    await api.stop();
  });

  const pod = (name: string, app: string, spec: Partial<PodSpec>) =>
    Pod.fromPartial({
      metadata: { name, labels: { app } },
      spec: { containers: [{ name: 'c', image: 'nginx:1.22', resources: { requests: { cpu: '100m' } } }], ...spec },
    });

  async function placed(app: string, n: number): Promise<Pod[]> {
    return waitFor(`${n} bound ${app} pods`, async () => {
      const l = (await api.client().pods.list({ namespace: 'default', labelSelector: `app=${app}` })).items.filter((p) => p.spec!.nodeName);
      return l.length === n ? l : undefined;
    });
  }

  async function unschedulable(name: string): Promise<string> {
    const cond = await waitFor(`${name} PodScheduled=False`, async () =>
      (await api.client().pods.get(name)).status!.conditions.find((k) => k.type === 'PodScheduled' && k.status === 'False'),
    );
    assert.equal(cond.reason, 'Unschedulable');
    return cond.message;
  }

  it('required anti-affinity on kubernetes.io/hostname puts 3 replicas on 3 nodes and leaves the 4th Pending', async () => {
    const anti = {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { labelSelector: { matchLabels: { app: 'anti' }, matchExpressions: [] }, topologyKey: 'kubernetes.io/hostname', namespaces: [], matchLabelKeys: [], mismatchLabelKeys: [] },
          ],
          preferredDuringSchedulingIgnoredDuringExecution: [],
        },
      },
    };
    for (let i = 0; i < 4; i++) await api.client().pods.create(pod(`anti-${i}`, 'anti', anti));
    const bound = await placed('anti', 3);
    assert.equal(new Set(bound.map((p) => p.spec!.nodeName)).size, 3);
    const pending = ['anti-0', 'anti-1', 'anti-2', 'anti-3'].find((n) => !bound.some((p) => p.metadata!.name === n))!;
    // Kubernetes' FitError, with the account of the preemption PostFilter (its own final period included) when it runs.
    assert.match(
      await unschedulable(pending),
      /^0\/3 nodes are available: 3 node\(s\) didn't match pod anti-affinity rules\.( preemption: 0\/3 nodes are available: 3 No preemption victims found for incoming pod\.\.)?$/,
    );
    for (let i = 0; i < 4; i++) await api.client().pods.delete(`anti-${i}`);
  });

  it('topologySpreadConstraints on the zone label spread 4 pods 2/2 over zones of 2 and 1 nodes', async () => {
    const spread = {
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' }, matchExpressions: [] }, matchLabelKeys: [] },
      ],
    };
    for (let i = 0; i < 4; i++) await api.client().pods.create(pod(`spread-${i}`, 'spread', spread));
    const bound = await placed('spread', 4);
    const zones = new Map<string, number>();
    for (const p of bound) {
      const zone = (await api.client().nodes.get(p.spec!.nodeName)).metadata!.labels[ZONE];
      zones.set(zone, (zones.get(zone) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(zones), { 'zone-a': 2, 'zone-b': 2 });
  });

  it('refuses every node that lacks the topology key, with Kubernetes\' reason', async () => {
    await api.client().pods.create(
      pod('racked', 'racked', {
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: 'example.com/rack', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'racked' }, matchExpressions: [] }, matchLabelKeys: [] },
        ],
      }),
    );
    assert.match(
      await unschedulable('racked'),
      /^0\/3 nodes are available: 3 node\(s\) didn't match pod topology spread constraints \(missing required label\)\.( preemption: 0\/3 nodes are available: 3 Preemption is not helpful for scheduling\.\.)?$/,
    );
  });
});
