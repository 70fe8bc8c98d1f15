import { strict as assert } from 'node:assert';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import { FakeClock } from '../../support/fake-clock';
import { Scheduler } from '../../../services/scheduler/scheduler';
import type { CycleState } from '../../../services/scheduler/framework/cycle-state';
import type { PodInfo } from '../../../services/scheduler/framework/pod-info';
import { Registry } from '../../../services/scheduler/framework/registry';
import { Status } from '../../../services/scheduler/framework/status';
import { defaultProfile, inTreeRegistry } from '../../../services/scheduler/plugins';
import { NO_LISTERS, type SchedulerListers } from '../../../services/scheduler/framework/listers';
import type { ReplicaSet } from '../../../lib/gen/kite/apps/v1/types';
import { bound, FakeBackend, makeNode, makePod } from './fixtures';

/** makePod's owner "web": a ReplicaSet selecting app=web (what the default spread constraints select). */
const WEB_REPLICA_SET = { metadata: { name: 'web', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' }, matchExpressions: [] } } } as unknown as ReplicaSet;
const LISTERS: SchedulerListers = { ...NO_LISTERS, getReplicaSet: (ns, name) => (ns === 'default' && name === 'web' ? WEB_REPLICA_SET : undefined) };

/** A scheduler whose backend confirms each successful bind the way the informer would. */
function setup(opts: { confirm?: boolean } = {}) {
  const clock = new FakeClock();
  const backend = new FakeBackend();
  const sched = new Scheduler({ backend, clock, rng: () => 0, listers: LISTERS });
  const confirm = opts.confirm ?? true;
  backend.onBind = (pod, node) => {
    if (confirm) sched.updatePod(pod, bound(pod, node));
  };
  return { clock, backend, sched };
}

/** Runs scheduling cycles while pods are ready, then lets every bind finish. */
async function drain(sched: Scheduler): Promise<void> {
  while (sched.queue.pending().active > 0) await sched.scheduleOne();
  await sched.waitForBindings();
}

const nodeOf = (backend: FakeBackend, pod: string) => backend.binds.find((b) => b.pod === `default/${pod}`)?.node;

describe('Scheduler', () => {
  it('spreads 3 replicas across 3 nodes and records Scheduled events', async () => {
    const { sched, backend } = setup();
    for (const n of ['n1', 'n2', 'n3']) sched.addNode(makeNode(n));
    for (const p of ['web-1', 'web-2', 'web-3']) sched.addPod(makePod(p, { owner: 'web', cpu: '100m', memory: '64Mi' }));
    await drain(sched);
    assert.deepEqual(backend.binds.map((b) => b.node).sort(), ['n1', 'n2', 'n3']);
    assert.deepEqual(
      backend.events.map((e) => [e.type, e.reason, e.message]),
      backend.binds.map((b) => ['Normal', 'Scheduled', `Successfully assigned ${b.pod} to ${b.node}`]),
    );
  });

  it('spreads replicas even when the nodes do not start empty', async () => {
    const { sched, backend } = setup();
    for (const n of ['n1', 'n2', 'n3']) sched.addNode(makeNode(n));
    // Other pods make n1 the least allocated node; spreading must still win for siblings.
    sched.addPod(makePod('other-a', { cpu: '100m', nodeName: 'n2' }));
    sched.addPod(makePod('other-b', { cpu: '100m', nodeName: 'n3' }));
    // The default topology spread constraints spread the ReplicaSet's pods by host.
    for (let i = 1; i <= 6; i++) sched.addPod(makePod(`web-${i}`, { owner: 'web', labels: { app: 'web' }, cpu: '10m' }));
    await drain(sched);
    const perNode = new Map<string, number>();
    for (const b of backend.binds) perNode.set(b.node, (perNode.get(b.node) ?? 0) + 1);
    assert.deepEqual([...perNode.values()], [2, 2, 2]);
  });

  it('respects resources and reports pods that fit nowhere', async () => {
    const { sched, backend } = setup();
    sched.addNode(makeNode('n1', { cpu: '2' }));
    sched.addNode(makeNode('n2', { cpu: '1' }));
    for (const p of ['a', 'b', 'c', 'd']) sched.addPod(makePod(p, { cpu: '1' }));
    await drain(sched);
    assert.equal(backend.binds.length, 3);
    const perNode = backend.binds.reduce((m, b) => m.set(b.node, (m.get(b.node) ?? 0) + 1), new Map<string, number>());
    assert.deepEqual([perNode.get('n1'), perNode.get('n2')], [2, 1]);
    const failed = backend.events.filter((e) => e.reason === 'FailedScheduling');
    assert.deepEqual(failed.map((e) => [e.pod, e.type, e.message]), [['default/d', 'Warning', '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod..']]);
    assert.equal(sched.queue.pending().unschedulable, 1);
  });

  it('reports the exact FitError message for mixed reasons and sets PodScheduled=False', async () => {
    const { sched, backend } = setup();
    sched.addNode(makeNode('control-plane', { cpu: '8', taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }));
    sched.addNode(makeNode('w1', { cpu: '1' }));
    sched.addNode(makeNode('w2', { cpu: '1' }));
    sched.addPod(makePod('big', { cpu: '2' }));
    await drain(sched);
    const msg =
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod..';
    assert.deepEqual(backend.events, [{ pod: 'default/big', type: 'Warning', reason: 'FailedScheduling', message: msg }]);
    assert.equal(backend.conditions.length, 1);
    const { condition } = backend.conditions[0];
    assert.deepEqual([condition.type, condition.status, condition.reason, condition.message], ['PodScheduled', 'False', 'Unschedulable', msg]);
  });

  it('does not rewrite an identical PodScheduled condition on retries', async () => {
    const { sched, backend, clock } = setup();
    sched.addNode(makeNode('n1', { cpu: '1' }));
    const pod = makePod('big', { cpu: '2' });
    sched.addPod(pod);
    await drain(sched);
    const withCondition: Pod = { ...pod, status: { ...pod.status!, conditions: [backend.conditions[0].condition] } };
    sched.updatePod(pod, withCondition);
    clock.step(2000);
    // A deleted pod on the node is an event NodeResourcesFit's hint answers Queue to.
    sched.deletePod(makePod('gone', { nodeName: 'n1' }));
    await drain(sched);
    assert.equal(backend.events.filter((e) => e.reason === 'FailedScheduling').length, 2, 'retried and failed again');
    assert.equal(backend.conditions.length, 1);
    assert.equal(backend.conditions[0].condition.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..');
  });

  it('counts assumed pods towards node resources before the bind is confirmed', async () => {
    const { sched, backend } = setup({ confirm: false });
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    backend.onBind = () => held;
    sched.addNode(makeNode('n1', { cpu: '1' }));
    sched.addNode(makeNode('n2', { cpu: '1' }));
    sched.addPod(makePod('a', { cpu: '1' }));
    sched.addPod(makePod('b', { cpu: '1' }));
    sched.addPod(makePod('c', { cpu: '1' }));
    await sched.scheduleOne();
    await sched.scheduleOne();
    await sched.scheduleOne();
    // No bind has returned yet, so only the assumptions tell the scheduler both nodes are full.
    assert.equal(backend.binds.length, 0);
    assert.equal(sched.cache.getNodeInfo('n1')!.requested.milliCPU + sched.cache.getNodeInfo('n2')!.requested.milliCPU, 2000);
    assert.deepEqual(
      backend.events.map((e) => [e.pod, e.message]),
      [['default/c', '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod..']],
    );
    release();
    await sched.waitForBindings();
    assert.deepEqual(backend.binds.map((b) => b.node).sort(), ['n1', 'n2']);
  });

  it('forgets the assumption when the bind fails and retries after the backoff', async () => {
    const { sched, backend, clock } = setup();
    let failures = 1;
    backend.onBind = (pod, node) => {
      if (failures-- > 0) throw new Error('etcdserver: request timed out');
      sched.updatePod(pod, bound(pod, node));
    };
    sched.addNode(makeNode('n1', { cpu: '1' }));
    sched.addPod(makePod('p', { cpu: '1' }));
    await drain(sched);
    assert.equal(backend.binds.length, 0);
    assert.equal(sched.cache.getNodeInfo('n1')!.requested.milliCPU, 0, 'assumption forgotten');
    assert.deepEqual(backend.events.map((e) => [e.type, e.reason, e.message]), [
      ['Warning', 'FailedScheduling', 'Binding rejected: running Bind plugin "DefaultBinder": etcdserver: request timed out'],
    ]);
    assert.equal(backend.conditions[0].condition.reason, 'SchedulerError');
    assert.deepEqual(sched.queue.pending(), { active: 0, backoff: 1, unschedulable: 0, gated: 0 });
    clock.step(1000);
    sched.queue.flushBackoffQCompleted();
    await drain(sched);
    assert.deepEqual(backend.binds, [{ pod: 'default/p', node: 'n1' }]);
    assert.equal(sched.cache.isAssumed('default/p'), false, 'confirmed by the informer update');
    assert.equal(sched.cache.getNodeInfo('n1')!.requested.milliCPU, 1000);
  });

  it('retries unschedulable pods when an assigned pod is deleted or a node is added', async () => {
    const { sched, backend, clock } = setup();
    sched.addNode(makeNode('n1', { cpu: '1' }));
    const running = makePod('running', { cpu: '1', nodeName: 'n1' });
    sched.addPod(running);
    sched.addPod(makePod('waiting', { cpu: '1' }));
    sched.addPod(makePod('later', { cpu: '1' }));
    await drain(sched);
    assert.equal(sched.queue.pending().unschedulable, 2);
    clock.step(10_000);
    sched.deletePod(running);
    await drain(sched);
    assert.equal(backend.binds.length, 1);
    clock.step(10_000);
    sched.addNode(makeNode('n2', { cpu: '1' }));
    await drain(sched);
    assert.deepEqual(backend.binds.map((b) => b.node).sort(), ['n1', 'n2']);
  });

  it('ignores node heartbeats but retries on a node change that matters', async () => {
    const { sched, clock } = setup();
    const cordoned = makeNode('n1', { unschedulable: true });
    sched.addNode(cordoned);
    sched.addPod(makePod('p'));
    await drain(sched);
    clock.step(10_000);
    const heartbeat = { ...cordoned, status: { ...cordoned.status!, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: 'now', lastTransitionTime: '', reason: '', message: '' }] } };
    sched.updateNode(cordoned, heartbeat);
    assert.equal(sched.queue.pending().unschedulable, 1);
    sched.updateNode(heartbeat, makeNode('n1'));
    assert.equal(sched.queue.pending().active, 1);
  });

  it('leaves pods of other schedulers, terminating pods and finished pods alone', async () => {
    const { sched } = setup();
    sched.addNode(makeNode('n1'));
    sched.addPod(makePod('other', { schedulerName: 'my-scheduler' }));
    const deleting = makePod('deleting');
    deleting.metadata!.deletionTimestamp = '2024-01-01T00:00:00Z';
    sched.addPod(deleting);
    const done = makePod('done', { nodeName: 'n1', cpu: '1' });
    done.status!.phase = 'Succeeded';
    sched.addPod(done);
    assert.deepEqual(sched.queue.pending(), { active: 0, backoff: 0, unschedulable: 0, gated: 0 });
    assert.equal(sched.cache.getNodeInfo('n1')!.podCount, 0);
  });

  it('frees resources when a bound pod finishes', async () => {
    const { sched } = setup();
    sched.addNode(makeNode('n1'));
    const pod = makePod('job', { nodeName: 'n1', cpu: '1' });
    sched.addPod(pod);
    assert.equal(sched.cache.getNodeInfo('n1')!.requested.milliCPU, 1000);
    sched.updatePod(pod, { ...pod, status: { ...pod.status!, phase: 'Succeeded' } });
    assert.equal(sched.cache.getNodeInfo('n1')!.requested.milliCPU, 0);
  });

  it('drops a pending pod deleted while its bind is failing', async () => {
    const { sched, backend } = setup();
    const pod = makePod('p');
    backend.onBind = () => {
      sched.deletePod(pod);
      throw new Error('pods "p" not found');
    };
    sched.addNode(makeNode('n1'));
    sched.addPod(pod);
    await drain(sched);
    assert.deepEqual(sched.queue.pending(), { active: 0, backoff: 0, unschedulable: 0, gated: 0 });
    assert.deepEqual(backend.events, []);
    assert.equal(sched.cache.getNodeInfo('n1')!.podCount, 0);
  });

  it('keeps scheduling when recording events or conditions fails', async () => {
    const { sched, backend } = setup();
    backend.recordEvent = () => {
      throw new Error('events unavailable');
    };
    backend.setPodCondition = async () => {
      throw new Error('conflict');
    };
    sched.addNode(makeNode('n1', { cpu: '1' }));
    sched.addPod(makePod('big', { cpu: '2' }));
    sched.addPod(makePod('small', { cpu: '1' }));
    await drain(sched);
    assert.deepEqual(backend.binds, [{ pod: 'default/small', node: 'n1' }]);
    assert.equal(sched.queue.pending().unschedulable, 1);
  });

  it('runs until stopped', async () => {
    const backend = new FakeBackend();
    const sched = new Scheduler({ backend });
    backend.onBind = (pod, node) => sched.updatePod(pod, bound(pod, node));
    sched.addNode(makeNode('n1'));
    const running = sched.run();
    for (let i = 0; i < 20; i++) sched.addPod(makePod(`p${i}`));
    while (backend.binds.length < 20) await new Promise((r) => setImmediate(r));
    sched.stop();
    await running;
    await sched.waitForBindings();
    assert.equal(sched.cache.getNodeInfo('n1')!.podCount, 20);
  });
});

describe('Scheduler: Reserve and PreBind', () => {
  /** A plugin that reserves on Reserve, records Unreserve and fails PreBind for pods named fail-*. */
  function withVolumesLikePlugin() {
    const calls: string[] = [];
    const registry = inTreeRegistry().merge(
      new Registry({
        Recorder: () => ({
          name: 'Recorder',
          reserve: (_s: CycleState, pod: PodInfo, node: string) => (calls.push(`reserve ${pod.pod.metadata!.name} ${node}`), Status.success),
          unreserve: (_s: CycleState, pod: PodInfo) => void calls.push(`unreserve ${pod.pod.metadata!.name}`),
          preBind: async (_s: CycleState, pod: PodInfo) =>
            pod.pod.metadata!.name.startsWith('fail-') ? Status.fromError(new Error('binding volumes: timed out waiting for the condition')) : Status.success,
        }),
      }),
    );
    const profile = defaultProfile();
    profile.plugins.splice(profile.plugins.length - 1, 0, { name: 'Recorder' });
    const backend = new FakeBackend();
    const sched = new Scheduler({ backend, clock: new FakeClock(), rng: () => 0, registry, profile });
    backend.onBind = (pod, node) => sched.updatePod(pod, bound(pod, node));
    return { sched, backend, calls };
  }

  it('binds after PreBind succeeds; a PreBind failure runs Unreserve, frees the node and reports the plugin', async () => {
    const { sched, backend, calls } = withVolumesLikePlugin();
    sched.addNode(makeNode('n1', { cpu: '1' }));
    sched.addPod(makePod('fail-a', { cpu: '1' }));
    await drain(sched);
    assert.deepEqual(calls, ['reserve fail-a n1', 'unreserve fail-a']);
    assert.deepEqual(backend.binds, []);
    assert.deepEqual(
      backend.events.map((e) => [e.reason, e.message]),
      [['FailedScheduling', 'running PreBind plugin "Recorder": binding volumes: timed out waiting for the condition']],
    );
    // The node's cpu was given back: another pod fits.
    sched.addPod(makePod('ok-b', { cpu: '1' }));
    await drain(sched);
    assert.deepEqual(backend.binds, [{ pod: 'default/ok-b', node: 'n1' }]);
  });
});
