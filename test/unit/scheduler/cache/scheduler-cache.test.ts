import { strict as assert } from 'node:assert';
import { FakeClock } from '../../../support/fake-clock';
import { SchedulerCache } from '../../../../services/scheduler/cache/scheduler-cache';
import { PodInfo } from '../../../../services/scheduler/framework/pod-info';
import { bound, makeNode, makePod } from '../fixtures';

function setup(ttl = 30_000) {
  const clock = new FakeClock();
  const cache = new SchedulerCache(clock, ttl);
  cache.addNode(makeNode('n1', { cpu: '4' }));
  cache.addNode(makeNode('n2', { cpu: '4' }));
  return { clock, cache };
}

const cpuOn = (cache: SchedulerCache, node: string) => cache.getNodeInfo(node)?.requested.milliCPU;

describe('SchedulerCache', () => {
  it('counts an assumed pod on its node until it is forgotten', () => {
    const { cache } = setup();
    const p = PodInfo.of(makePod('p', { cpu: '1' })).assignedTo('n1');
    cache.assumePod(p);
    assert.equal(cpuOn(cache, 'n1'), 1000);
    assert.equal(cache.isAssumed('default/p'), true);
    assert.throws(() => cache.assumePod(p), /already in the scheduler cache/);
    cache.forgetPod('default/p');
    assert.equal(cpuOn(cache, 'n1'), 0);
    assert.equal(cache.isAssumed('default/p'), false);
  });

  it('confirms an assumed pod when the informer delivers it bound, and moves it if bound elsewhere', () => {
    const { cache } = setup();
    cache.assumePod(PodInfo.of(makePod('p', { cpu: '1' })).assignedTo('n1'));
    cache.addPod(PodInfo.of(bound(makePod('p', { cpu: '1' }), 'n2')));
    assert.equal(cache.isAssumed('default/p'), false);
    assert.equal(cpuOn(cache, 'n1'), 0);
    assert.equal(cpuOn(cache, 'n2'), 1000);
    cache.forgetPod('default/p'); // a late bind failure must not remove a confirmed pod
    assert.equal(cpuOn(cache, 'n2'), 1000);
  });

  it('expires assumed pods only after their binding finished and the TTL passed', () => {
    const { clock, cache } = setup(5000);
    cache.assumePod(PodInfo.of(makePod('p', { cpu: '1' })).assignedTo('n1'));
    clock.step(60_000);
    cache.cleanupExpiredAssumedPods();
    assert.equal(cpuOn(cache, 'n1'), 1000, 'binding still in flight');
    cache.finishBinding('default/p');
    clock.step(4999);
    cache.cleanupExpiredAssumedPods();
    assert.equal(cpuOn(cache, 'n1'), 1000);
    clock.step(1);
    cache.cleanupExpiredAssumedPods();
    assert.equal(cpuOn(cache, 'n1'), 0);
    assert.equal(cache.isAssumed('default/p'), false);
  });

  it('never expires with TTL 0', () => {
    const { clock, cache } = setup(0);
    cache.assumePod(PodInfo.of(makePod('p', { cpu: '1' })).assignedTo('n1'));
    cache.finishBinding('default/p');
    clock.step(1e9);
    cache.cleanupExpiredAssumedPods();
    assert.equal(cpuOn(cache, 'n1'), 1000);
  });

  it('updates and removes bound pods', () => {
    const { cache } = setup();
    cache.addPod(PodInfo.of(bound(makePod('p', { cpu: '1' }), 'n1')));
    cache.updatePod(PodInfo.of(bound(makePod('p', { cpu: '2' }), 'n1')));
    assert.equal(cpuOn(cache, 'n1'), 2000);
    cache.removePod('default/p');
    assert.equal(cpuOn(cache, 'n1'), 0);
  });

  it('keeps pods of nodes it has not seen yet, and of removed nodes, out of the node list', () => {
    const { cache } = setup();
    cache.addPod(PodInfo.of(bound(makePod('early', { cpu: '1' }), 'n3')));
    assert.deepEqual(cache.nodeInfos().map((n) => n.name), ['n1', 'n2']);
    cache.addNode(makeNode('n3', { cpu: '4' }));
    assert.equal(cpuOn(cache, 'n3'), 1000, 'the early pod counts once the node arrives');
    cache.removeNode('n1');
    assert.deepEqual(cache.nodeInfos().map((n) => n.name).sort(), ['n2', 'n3']);
    assert.equal(cache.nodeCount(), 2);
    cache.removeNode('n3');
    assert.equal(cpuOn(cache, 'n3'), 1000, 'its pod is still accounted until deleted');
    cache.removePod('default/early');
    assert.equal(cache.getNodeInfo('n3'), undefined);
  });

  it('lists the nodes holding pods with pod affinity, and with required anti-affinity', () => {
    const { cache } = setup();
    const term = { labelSelector: { matchLabels: { app: 'web' }, matchExpressions: [] }, topologyKey: 'kubernetes.io/hostname', namespaces: [], matchLabelKeys: [], mismatchLabelKeys: [] };
    const anti = PodInfo.of(makePod('anti', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term], preferredDuringSchedulingIgnoredDuringExecution: [] } } }));
    const soft = PodInfo.of(makePod('soft', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [], preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: term }] } } }));
    const names = (it: Iterable<{ name: string }>) => [...it].map((n) => n.name).sort();
    cache.addPod(PodInfo.of(makePod('plain')).assignedTo('n1'));
    assert.deepEqual(names(cache.havePodsWithAffinity()), []);
    cache.assumePod(anti.assignedTo('n1'));
    cache.addPod(soft.assignedTo('n2'));
    assert.deepEqual(names(cache.havePodsWithAffinity()), ['n1', 'n2']);
    assert.deepEqual(names(cache.havePodsWithRequiredAntiAffinity()), ['n1']);
    cache.forgetPod('default/anti');
    cache.addPod(soft.assignedTo('n1'));
    assert.deepEqual(names(cache.havePodsWithAffinity()), ['n1']);
    assert.deepEqual(names(cache.havePodsWithRequiredAntiAffinity()), []);
    cache.removePod('default/soft');
    assert.deepEqual(names(cache.havePodsWithAffinity()), []);
  });
});
