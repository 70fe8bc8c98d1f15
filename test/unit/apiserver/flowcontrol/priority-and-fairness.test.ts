// API Priority and Fairness (services/apiserver/flowcontrol/): Kubernetes' bootstrap flow
// schemas classify each identity, the server's concurrency is split by shares, and on a fake
// clock a flood from one user is queued and refused with RESOURCE_EXHAUSTED and retry-after while
// admins, nodes and other users get their seats.
import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { status } from '@grpc/grpc-js';
import { TooManyRequestsError, type ApiError } from '../../../../lib/api/errors';
import { nonResourceAttributes, resourceAttributes, type RequestAttributes } from '../../../../services/apiserver/auth/request-attributes';
import { withAuthenticatedGroup, type UserInfo } from '../../../../services/apiserver/auth/user-info';
import { BOOTSTRAP_FLOW_SCHEMAS, BOOTSTRAP_PRIORITY_LEVELS } from '../../../../services/apiserver/flowcontrol/bootstrap';
import { Classifier } from '../../../../services/apiserver/flowcontrol/classifier';
import {
  DEFAULT_FLOW_CONTROL,
  PriorityAndFairness,
  nominalConcurrencyLimits,
  type FlowControlRuntime,
} from '../../../../services/apiserver/flowcontrol/priority-and-fairness';

const user = (name: string, ...groups: string[]): UserInfo => withAuthenticatedGroup({ name, uid: '', groups });
const admin = user('kubernetes-admin', 'system:masters');
const alice = user('alice');
const bob = user('bob');
const node = user('system:node:n1', 'system:nodes');
const kcm = user('system:kube-controller-manager');
const listPods = (namespace = 'default') => resourceAttributes({ verb: 'list', resource: 'pods', namespace });

/** Manual timers, a fake clock, and wake-ups run synchronously. */
function fakeRuntime() {
  const timers = new Set<{ at: number; fn: () => void }>();
  const runtime: FlowControlRuntime & { t: number; advance(ms: number): void } = {
    t: 0,
    clock: { now: () => runtime.t },
    setTimer(fn, ms) {
      const timer = { at: runtime.t + ms, fn };
      timers.add(timer);
      return () => timers.delete(timer);
    },
    wake: (fn) => fn(),
    advance(ms) {
      runtime.t += ms;
      for (const timer of [...timers]) {
        if (timer.at <= runtime.t) {
          timers.delete(timer);
          timer.fn();
        }
      }
    },
  };
  return runtime;
}

/** The outcome of `p`, filled in as it settles (after one turn of the event loop here). */
/** What the limiter sees of a gRPC call: grpc-js emits 'cancelled' when the call's stream closes. */
class FakeCall extends EventEmitter {
  cancelled = false;
  close(): void {
    this.cancelled = true;
    this.emit('cancelled');
  }
}

const settled = async <T>(p: Promise<T>) => {
  const out: { value?: T; error?: ApiError } = {};
  p.then((v) => (out.value = v), (e: ApiError) => (out.error = e));
  await new Promise((r) => setImmediate(r));
  return out;
};

describe('flowcontrol: classification by the bootstrap flow schemas', () => {
  const c = new Classifier(BOOTSTRAP_FLOW_SCHEMAS);
  const cases: Array<[string, UserInfo, RequestAttributes, string, string, string]> = [
    ['system:masters', admin, listPods(), 'exempt', 'exempt', ''],
    ['a health probe', alice, nonResourceAttributes('get', '/healthz'), 'probes', 'exempt', ''],
    ["a node's lease", node, resourceAttributes({ verb: 'update', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', name: 'n1' }), 'system-node-high', 'node-high', 'system:node:n1'],
    ["a node's status", node, resourceAttributes({ verb: 'update', resource: 'nodes', subresource: 'status', name: 'n1' }), 'system-node-high', 'node-high', 'system:node:n1'],
    ["a node's pods", node, listPods(''), 'system-nodes', 'system', 'system:node:n1'],
    ["the controller-manager's lease", kcm, resourceAttributes({ verb: 'update', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-system', name: 'kcm' }), 'system-leader-election', 'leader-election', kcm.name],
    ['the controller-manager', kcm, listPods('ns1'), 'kube-controller-manager', 'workload-high', 'ns1'],
    ['the scheduler', user('system:kube-scheduler'), resourceAttributes({ verb: 'create', resource: 'pods', subresource: 'binding', namespace: 'ns2', name: 'p' }), 'kube-scheduler', 'workload-high', 'ns2'],
    ['a kube-system service account', user('system:serviceaccount:kube-system:dns', 'system:serviceaccounts'), listPods(), 'kube-system-service-accounts', 'workload-high', 'default'],
    ['a service account', user('system:serviceaccount:app:builder', 'system:serviceaccounts'), listPods('app'), 'service-accounts', 'workload-low', 'system:serviceaccount:app:builder'],
    ['anyone else', alice, listPods(), 'global-default', 'global-default', 'alice'],
  ];
  for (const [what, u, attrs, flowSchema, priorityLevel, flow] of cases) {
    it(`${what} -> ${flowSchema} (${priorityLevel})`, () => {
      assert.deepEqual(c.classify(u, attrs), { flowSchema, priorityLevel, flow });
    });
  }
});

describe('flowcontrol: priority and fairness', () => {
  it("splits --max-requests-inflight + --max-mutating-requests-inflight by the levels' shares", () => {
    const limits = nominalConcurrencyLimits(600, BOOTSTRAP_PRIORITY_LEVELS);
    assert.deepEqual(Object.fromEntries(limits), {
      system: 74,
      'node-high': 98,
      'leader-election': 25,
      'workload-high': 98,
      'workload-low': 245,
      'global-default': 49,
      'catch-all': 13,
    });
    assert.equal(limits.has('exempt'), false);
  });

  it("queues and refuses one user's flood while an admin, a node and another user get their seats", async () => {
    const rt = fakeRuntime();
    const apf = new PriorityAndFairness({ ...DEFAULT_FLOW_CONTROL, serverConcurrencyLimit: 600 }, rt);
    const flood = await Promise.all(Array.from({ length: 2000 }, () => settled(apf.admit(alice, listPods()))));
    const running = flood.filter((r) => r.value);
    const refused = flood.filter((r) => r.error);
    const waiting = flood.length - running.length - refused.length;
    assert.equal(running.length, 49, "global-default's seats");
    assert.equal(waiting, 6 * 50, 'handSize x queueLengthLimit waiting');
    for (const { error } of refused) {
      assert.ok(error instanceof TooManyRequestsError);
      assert.equal(error.code, status.RESOURCE_EXHAUSTED);
      assert.equal(error.retryAfterSeconds, 1);
      assert.match(error.message, /^Too many requests, please try again later \(priority level "global-default": its queue is full\)$/);
    }
    // Others are not behind the flood.
    const adminCall = await settled(apf.admit(admin, listPods()));
    assert.ok(adminCall.value, 'system:masters is exempt');
    const heartbeat = await settled(apf.admit(node, resourceAttributes({ verb: 'update', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', name: 'n1' })));
    assert.ok(heartbeat.value, 'node-high has its own seats');
    const other = apf.admit(bob, listPods());
    let bobRunning = false;
    other.then(() => (bobRunning = true), () => undefined);
    running[0].value!();
    await new Promise((r) => setImmediate(r));
    assert.equal(bobRunning, true, "the next free seat goes to bob's queue, not to alice's 300 waiting requests");
    const stats = apf.stats().find((s) => s.priorityLevel === 'global-default')!;
    assert.deepEqual({ executing: stats.executing, waiting: stats.waiting, queueFull: stats.rejected['queue-full'] }, { executing: 49, waiting: 300, queueFull: 1651 });
  });

  it('refuses a request that waited longer than the queue wait limit', async () => {
    const rt = fakeRuntime();
    const apf = new PriorityAndFairness({ ...DEFAULT_FLOW_CONTROL, serverConcurrencyLimit: 1, queueWaitTimeoutMs: 15_000 }, rt);
    const first = await settled(apf.admit(alice, listPods()));
    const waiting = apf.admit(alice, listPods());
    const outcome = settled(waiting);
    rt.advance(14_999);
    assert.deepEqual(await settled(Promise.race([waiting, Promise.resolve('still waiting')])), { value: 'still waiting' });
    rt.advance(1);
    const { error } = await outcome;
    assert.ok(error instanceof TooManyRequestsError);
    assert.match(error.message, /timed out waiting in its queue/);
    first.value!();
    assert.equal(apf.stats().find((s) => s.priorityLevel === 'global-default')!.executing, 0, 'the timed-out request never took a seat');
  });

  it('a waiting request whose client cancels leaves its queue', async () => {
    const rt = fakeRuntime();
    const apf = new PriorityAndFairness({ ...DEFAULT_FLOW_CONTROL, serverConcurrencyLimit: 1 }, rt);
    const first = await settled(apf.admit(alice, listPods()));
    const call = new FakeCall();
    const outcome = settled(apf.admit(alice, listPods(), call));
    call.close();
    const { error } = await outcome;
    assert.equal(error?.code, status.CANCELLED);
    assert.equal(apf.stats().find((s) => s.priorityLevel === 'global-default')!.waiting, 0);
    assert.equal(call.listenerCount('cancelled'), 0);
    first.value!();
  });

  it("holds a seat until the call's response is written out, at most responseWriteTimeoutMs", async () => {
    const rt = fakeRuntime();
    const apf = new PriorityAndFairness({ ...DEFAULT_FLOW_CONTROL, serverConcurrencyLimit: 1, responseWriteTimeoutMs: 10_000 }, rt);
    const executing = () => apf.stats().find((s) => s.priorityLevel === 'global-default')!.executing;
    const writing = new FakeCall();
    (await apf.admit(alice, listPods(), writing))();
    assert.equal(executing(), 1, 'the handler returned, its answer is still being written');
    writing.close();
    assert.equal(executing(), 0, 'written: the seat is free');
    const unread = new FakeCall();
    (await apf.admit(alice, listPods(), unread))();
    rt.advance(9_999);
    assert.equal(executing(), 1);
    rt.advance(1);
    assert.equal(executing(), 0, 'a client that never reads holds a seat no longer than the write timeout');
    unread.close();
    assert.equal(executing(), 0);
  });

  it('a release given twice frees one seat', async () => {
    const apf = new PriorityAndFairness({ ...DEFAULT_FLOW_CONTROL, serverConcurrencyLimit: 1 }, fakeRuntime());
    const release = await apf.admit(alice, listPods());
    const second = await settled(apf.admit(alice, listPods()));
    const third = await settled(apf.admit(alice, listPods()));
    release();
    release();
    await new Promise((r) => setImmediate(r));
    assert.ok(second.value, 'the first waiting request got the seat');
    assert.equal(third.value, undefined, 'the second still waits');
    const level = apf.stats().find((s) => s.priorityLevel === 'global-default')!;
    assert.deepEqual([level.executing, level.waiting], [1, 1]);
  });

  it('with no server limit nothing is queued or refused', async () => {
    const apf = new PriorityAndFairness({ ...DEFAULT_FLOW_CONTROL, serverConcurrencyLimit: 0 }, fakeRuntime());
    const all = await Promise.all(Array.from({ length: 1000 }, () => apf.admit(alice, listPods())));
    assert.equal(all.length, 1000);
  });
});
