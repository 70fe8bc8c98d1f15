// DefaultPreemption: victim selection on one node (only lower priority, reprieve the most
// important first, PodDisruptionBudgets), the candidate ordering across nodes, and the plugin's
// outcome (nomination, evictions, Kubernetes' messages).
import { strict as assert } from 'node:assert';
import type { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { PodDisruptionBudget } from '../../../../lib/gen/kite/policy/v1/types';
import { CycleState } from '../../../../services/scheduler/framework/cycle-state';
import type { NodeInfo } from '../../../../services/scheduler/framework/node-info';
import { PodInfo } from '../../../../services/scheduler/framework/pod-info';
import { Status } from '../../../../services/scheduler/framework/status';
import { fitsRequest } from '../../../../services/scheduler/plugins/node-resources-fit';
import { DefaultPreemption } from '../../../../services/scheduler/plugins/default-preemption/default-preemption';
import { filterPodsWithPDBViolation, pickOneNodeForPreemption, selectVictimsOnNode, type NodeDryRun, type Victims } from '../../../../services/scheduler/plugins/default-preemption/victims';
import { FakeBackend, makeNode, makePod, nodeInfoOf } from '../fixtures';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const started = (p: Pod, minute: number): Pod => ({ ...p, status: { ...p.status!, startTime: `2026-01-01T00:0${minute}:00Z` } });
const fits = (preemptor: Pod) => (node: NodeInfo) => {
  const reasons = fitsRequest(PodInfo.of(preemptor).requests, node);
  return reasons.length === 0 ? Status.success : Status.unschedulable(...reasons);
};
const dryRun = (preemptor: Pod): NodeDryRun => ({ fits: fits(preemptor), podRemoved: () => Status.success, podAdded: () => Status.success });
const names = (pods: readonly Pod[]) => pods.map((p) => p.metadata!.name);
const pdb = (name: string, labels: Record<string, string>, allowed: number, disrupted: Record<string, string> = {}) =>
  PodDisruptionBudget.fromPartial({ metadata: { name, namespace: 'default' }, spec: { selector: { matchLabels: labels } }, status: { disruptionsAllowed: allowed, disruptedPods: disrupted } });

describe('DefaultPreemption victim selection', () => {
  it('evicts only lower-priority pods, keeping (reprieving) the most important that still leave room', () => {
    const node = nodeInfoOf(
      makeNode('n1', { cpu: '4' }),
      makePod('low-a', { cpu: '1', priority: 1 }),
      makePod('low-b', { cpu: '1', priority: 5 }),
      makePod('mid', { cpu: '1', priority: 8 }),
      makePod('same', { cpu: '1', priority: 10 }),
    );
    const preemptor = makePod('p', { cpu: '2', priority: 10 });
    const { victims, status } = selectVictimsOnNode(preemptor, node, [], dryRun(preemptor), NOW);
    assert.ok(status.isSuccess());
    // Removing low-a, low-b and mid frees 3 cpu; mid (priority 8) is reprieved first, then low-b does not fit back.
    assert.deepEqual(names(victims!.pods), ['low-b', 'low-a']);
    assert.equal(victims!.numPDBViolations, 0);
    assert.equal(node.requested.milliCPU, 4000, 'the node is restored');
    assert.equal(node.podCount, 4);
  });

  it('at equal priority reprieves the pod that started first', () => {
    const node = nodeInfoOf(makeNode('n1', { cpu: '2' }), started(makePod('older', { cpu: '1' }), 1), started(makePod('newer', { cpu: '1' }), 5));
    const preemptor = makePod('p', { cpu: '1', priority: 10 });
    assert.deepEqual(names(selectVictimsOnNode(preemptor, node, [], dryRun(preemptor), NOW).victims!.pods), ['newer']);
  });

  it('finds no victims without lower-priority pods, and none when evicting them all would not be enough', () => {
    const node = nodeInfoOf(makeNode('n1', { cpu: '2' }), makePod('peer', { cpu: '2', priority: 10 }));
    const preemptor = makePod('p', { cpu: '1', priority: 10 });
    const none = selectVictimsOnNode(preemptor, node, [], dryRun(preemptor), NOW);
    assert.deepEqual([none.victims, none.status.code, none.status.message()], [undefined, 'UnschedulableAndUnresolvable', 'No preemption victims found for incoming pod']);
    const big = makePod('big', { cpu: '3', priority: 100 });
    const short = selectVictimsOnNode(big, node, [], dryRun(big), NOW);
    assert.deepEqual([short.victims, short.status.message()], [undefined, 'Insufficient cpu']);
  });

  it('counts PodDisruptionBudget violations, reprieving the protected pods first', () => {
    const node = nodeInfoOf(
      makeNode('n1', { cpu: '2' }),
      makePod('guarded', { cpu: '1', priority: 1, labels: { app: 'db' } }),
      makePod('free', { cpu: '1', priority: 1, labels: { app: 'web' } }),
    );
    const preemptor = makePod('p', { cpu: '1', priority: 10 });
    const v = selectVictimsOnNode(preemptor, node, [pdb('db', { app: 'db' }, 0)], dryRun(preemptor), NOW).victims!;
    assert.deepEqual([names(v.pods), v.numPDBViolations], [['free'], 0]);
    const both = makePod('both', { cpu: '2', priority: 10 });
    const v2 = selectVictimsOnNode(both, node, [pdb('db', { app: 'db' }, 0)], dryRun(both), NOW).victims!;
    assert.deepEqual([names(v2.pods).sort(), v2.numPDBViolations], [['free', 'guarded'], 1]);
  });

  it('spends each budget once per pod, skips pods already disrupted and budgets that select nothing', () => {
    const pods = ['a', 'b', 'c'].map((n) => PodInfo.of(makePod(n, { labels: { app: 'db' } })));
    const split = filterPodsWithPDBViolation(pods, [pdb('db', { app: 'db' }, 1, { b: '2026-01-01T00:00:00Z' })]);
    assert.deepEqual([split.violating.map((p) => p.pod.metadata!.name), split.nonViolating.map((p) => p.pod.metadata!.name)], [['c'], ['a', 'b']]);
    const empty = filterPodsWithPDBViolation(pods, [pdb('all', {}, 0)]);
    assert.equal(empty.violating.length, 0);
  });
});

describe('DefaultPreemption candidate ordering', () => {
  const v = (pods: Pod[], numPDBViolations = 0): Victims => ({ pods, numPDBViolations });
  const p = (name: string, priority: number, minute = 0) => started(makePod(name, { priority }), minute);

  it('prefers fewest budget violations, then the lowest highest-victim priority, the smallest sum, the fewest victims, the latest start', () => {
    assert.equal(pickOneNodeForPreemption(new Map([['a', v([p('x', 1)], 1)], ['b', v([p('y', 9), p('z', 9)], 0)]]), NOW), 'b');
    assert.equal(pickOneNodeForPreemption(new Map([['a', v([p('x', 5)])], ['b', v([p('y', 3), p('z', 3)])]]), NOW), 'b');
    assert.equal(pickOneNodeForPreemption(new Map([['a', v([p('x', 5), p('y', 4)])], ['b', v([p('z', 5), p('w', 1)])]]), NOW), 'b');
    assert.equal(pickOneNodeForPreemption(new Map([['a', v([p('x', -1), p('y', -1)])], ['b', v([p('z', -1)])]]), NOW), 'b');
    assert.equal(pickOneNodeForPreemption(new Map([['a', v([p('x', 5, 1)])], ['b', v([p('y', 5, 7)])], ['c', v([p('z', 5, 3)])]]), NOW), 'b');
    assert.equal(pickOneNodeForPreemption(new Map([['a', v([p('x', 5, 1)])], ['b', v([p('y', 5, 1)])]]), NOW), 'a', 'a tie goes to the first');
  });
});

describe('DefaultPreemption plugin', () => {
  function setup(nodes: NodeInfo[], pdbs: PodDisruptionBudget[] = []) {
    const backend = new FakeBackend();
    const nominated: PodInfo[] = [];
    const plugin = new DefaultPreemption(
      {
        backend,
        preemption: {
          nodeInfos: () => nodes,
          runFilters: (_s, pod, node) => fits(pod.pod)(node),
          runPreFilterExtensionAddPod: () => Status.success,
          runPreFilterExtensionRemovePod: () => Status.success,
          nominatedPodsForNode: () => nominated,
          nominatedNodeName: (pod) => pod.status?.nominatedNodeName ?? '',
          podDisruptionBudgets: () => pdbs,
        },
      },
      {},
      () => 0,
      () => NOW,
    );
    const diagnosis = (reason = 'Insufficient cpu') => ({ nodeToStatus: new Map(nodes.map((n) => [n.name, Status.unschedulable(reason)])) });
    return { backend, plugin, diagnosis, nominated };
  }

  it('nominates the node whose victims matter least, evicts them with DisruptionTarget and a Preempted event, and clears lower nominations there', async () => {
    const n1 = nodeInfoOf(makeNode('n1', { cpu: '1' }), makePod('v1', { cpu: '1', priority: 5 }));
    const n2 = nodeInfoOf(makeNode('n2', { cpu: '1' }), makePod('v2', { cpu: '1', priority: 1 }));
    const { backend, plugin, diagnosis, nominated } = setup([n1, n2]);
    nominated.push(PodInfo.of(makePod('waiting', { priority: 50 })));
    const preemptor = makePod('urgent', { cpu: '1', priority: 100 });
    const { result, status } = plugin.postFilter(new CycleState(), PodInfo.of(preemptor), diagnosis());
    assert.ok(status.isSuccess());
    assert.equal(result?.nominatedNodeName, 'n2');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      backend.preempted.map((x) => [x.pod, x.condition.type, x.condition.status, x.condition.reason, x.condition.message]),
      [['default/v2', 'DisruptionTarget', 'True', 'PreemptionByScheduler', 'default-scheduler: preempting to accommodate a higher priority pod']],
    );
    assert.deepEqual(backend.events, [{ pod: 'default/v2', type: 'Normal', reason: 'Preempted', message: 'Preempted by pod uid-urgent on node n2' }]);
    assert.deepEqual(backend.clearedNominations, ['default/waiting']);
  });

  it('does not preempt again while the victims it chose are still on the nominated node', async () => {
    const n1 = nodeInfoOf(makeNode('n1', { cpu: '1' }), makePod('v1', { cpu: '1', priority: 5 }));
    const n2 = nodeInfoOf(makeNode('n2', { cpu: '1' }), makePod('v2', { cpu: '1', priority: 1 }));
    const { backend, plugin, diagnosis } = setup([n1, n2]);
    const preemptor = makePod('urgent', { cpu: '1', priority: 100 });
    assert.equal(plugin.postFilter(new CycleState(), PodInfo.of(preemptor), diagnosis()).result?.nominatedNodeName, 'n2');
    // Retried before the informer shows v2 terminating: its deletion is on the way.
    const retried = makePod('urgent', { cpu: '1', priority: 100, nominatedNodeName: 'n2' });
    const again = plugin.postFilter(new CycleState(), PodInfo.of(retried), diagnosis());
    assert.deepEqual([again.status.message(), again.result], ['preemption: not eligible due to a terminating pod on the nominated node.', undefined]);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(backend.preempted.map((p) => p.pod), ['default/v2']);
    // A victim whose eviction failed does not hold the preemptor back.
    const failing = setup([nodeInfoOf(makeNode('n3', { cpu: '1' }), makePod('v3', { cpu: '1', priority: 1 }))]);
    failing.backend.preemptPod = () => Promise.reject(new Error('apiserver unavailable'));
    const p3 = makePod('p3', { cpu: '1', priority: 100 });
    assert.equal(failing.plugin.postFilter(new CycleState(), PodInfo.of(p3), failing.diagnosis()).result?.nominatedNodeName, 'n3');
    await new Promise((r) => setImmediate(r));
    const retry = failing.plugin.postFilter(new CycleState(), PodInfo.of(makePod('p3', { cpu: '1', priority: 100, nominatedNodeName: 'n3' })), failing.diagnosis());
    assert.equal(retry.result?.nominatedNodeName, 'n3', 'preempted again');
    // Once v2 has left n2, the preemptor may preempt again if it still does not fit.
    n2.removePod('default/v2');
    assert.equal(plugin.postFilter(new CycleState(), PodInfo.of(retried), diagnosis()).result?.nominatedNodeName, 'n1');
  });

  it("explains with Kubernetes' words when it cannot help", () => {
    const n1 = nodeInfoOf(makeNode('n1', { cpu: '1' }), makePod('peer', { cpu: '1', priority: 100 }));
    const { plugin, diagnosis } = setup([n1]);
    const pod = PodInfo.of(makePod('p', { cpu: '1', priority: 100 }));
    const none = plugin.postFilter(new CycleState(), pod, diagnosis());
    assert.deepEqual([none.status.code, none.status.message(), none.result?.nominatedNodeName], ['Unschedulable', 'preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.', '']);
    const unresolvable = plugin.postFilter(new CycleState(), pod, { nodeToStatus: new Map([['n1', Status.unresolvable("node(s) didn't match Pod's node affinity/selector")]]) });
    assert.equal(unresolvable.status.message(), 'preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.');
    const never = plugin.postFilter(new CycleState(), PodInfo.of(makePod('n', { cpu: '1', priority: 1000, preemptionPolicy: 'Never' })), diagnosis());
    assert.deepEqual([never.status.message(), never.result], ['preemption: not eligible due to preemptionPolicy=Never.', undefined]);
  });

  it('prefers a node where no PodDisruptionBudget is violated, and violates one only when nothing else helps', () => {
    const guarded = nodeInfoOf(makeNode('n1', { cpu: '1' }), makePod('db', { cpu: '1', priority: 1, labels: { app: 'db' } }));
    const free = nodeInfoOf(makeNode('n2', { cpu: '1' }), makePod('web', { cpu: '1', priority: 1, labels: { app: 'web' } }));
    const preemptor = PodInfo.of(makePod('p', { cpu: '1', priority: 10 }));
    const both = setup([guarded, free], [pdb('db', { app: 'db' }, 0)]);
    assert.equal(both.plugin.postFilter(new CycleState(), preemptor, both.diagnosis()).result?.nominatedNodeName, 'n2');
    const only = setup([guarded], [pdb('db', { app: 'db' }, 0)]);
    assert.equal(only.plugin.postFilter(new CycleState(), preemptor, only.diagnosis()).result?.nominatedNodeName, 'n1');
  });
});
